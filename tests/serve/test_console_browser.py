"""The console in a real browser: Debian's Chromium (WebGL through SwiftShader) driven by Playwright,
against a uvicorn on 127.0.0.1 fed with a generated contact stream. Screenshots go to a temp dir
(printed; kept with SEAWATCH_SCREENSHOTS=DIR)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, Console

from seawatch.serve.app import VENDOR

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium; .ci/run does it)", allow_module_level=True)
if not all(p.exists() for p in VENDOR.values()):
    pytest.skip("console assets not installed: run `make setup` (npm ci)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright

expect.set_options(timeout=15_000)  # the shared machine is often loaded: generous, never a sleep

# in-page: count pixels of a colour on the map with its contact canvas over it (both WebGL canvases keep
# their buffer: preserveDrawingBuffer)
COUNT_PIXELS = """([r, g, b]) => {
  const s = window.__seawatch, src = s.map.getCanvas(), c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const ctx = c.getContext('2d'); ctx.drawImage(src, 0, 0); ctx.drawImage(s.layer.canvas, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40) n++;
  return n;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Console]]:
    import uvicorn

    console = Console(live_period_s=1.0)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(console.app, host="127.0.0.1", port=port, log_level="warning"))
    stop = threading.Event()

    def feed() -> None:
        while not stop.wait(1.0):
            console.push([])

    threads = [threading.Thread(target=srv.run, daemon=True), threading.Thread(target=feed, daemon=True)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/", console
    stop.set()
    srv.should_exit = True
    threads[0].join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots() -> Iterator[Path]:
    keep = os.environ.get("SEAWATCH_SCREENSHOTS")
    d = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="seawatch-console-"))
    d.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {d}")
    yield d
    if not keep:
        shutil.rmtree(d, ignore_errors=True)


def login(browser: Browser, url: str, user: str, wrong_first: bool = False) -> Page:
    page = browser.new_page(viewport={"width": 1100, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    if wrong_first:  # a wrong password: an error, and no console
        page.fill("#login-user", user)
        page.fill("#login-pass", "not the password")
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_have_text("wrong user name or password")
        assert page.get_attribute("body", "data-ready") is None
    page.fill("#login-user", user)
    page.fill("#login-pass", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    page.errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture(scope="module")
def operator_page(server: tuple[str, Console], browser: Browser) -> Iterator[Page]:
    page = login(browser, server[0], "operator")
    yield page
    page.close()


def contacts_in_page(page: Page) -> Any:
    return page.evaluate("window.__seawatch.state.contacts.size")


PIXEL_AT = """([x, y]) => {   // the contact canvas's colour at a CSS pixel of the map
  const cv = window.__seawatch.layer.canvas, c = document.createElement('canvas'), k = cv.width / cv.clientWidth;
  c.width = cv.width; c.height = cv.height;
  const ctx = c.getContext('2d'); ctx.drawImage(cv, 0, 0);
  return Array.from(ctx.getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data);
}"""


def test_the_contact_canvas_follows_the_map_and_labels_are_repainted_only_when_they_move(
        server: tuple[str, Console], browser: Browser) -> None:
    page = login(browser, server[0], "viewer")
    page.wait_for_function("() => window.__seawatch.state.contacts.size === 40", timeout=10_000)
    dark = page.evaluate("""() => { const s = window.__seawatch;
        for (const c of s.state.contacts.values()) if (c.kind === 'radar_only') return c.id; return null; }""")
    assert dark is not None
    for dx in (0, 120):  # where the map puts the contact, the contact canvas has its magenta dot
        page.evaluate("""([id, dx]) => { const s = window.__seawatch, c = s.state.contacts.get(id);
            s.map.jumpTo({ center: [c.lon, c.lat] }); s.map.panBy([dx, -dx / 2], { animate: false }); }""",
                      [dark, dx])
        # polled: the map and the contact canvas draw at the next frames (slow on a loaded machine)
        page.wait_for_function(f"""(id) => {{ const p = window.__seawatch.screenOf(id);
            const [r, g, b, a] = ({PIXEL_AT})(p); return a > 200 && r > 200 && g < 120 && b > 150; }}""",
                               arg=dark, timeout=15_000)
    page.evaluate("() => { window.__seawatchLabelPaints = 0; window.__seawatch.layer.draw(); }")
    assert page.evaluate("window.__seawatchLabelPaints") == 0  # nothing moved: the labels stay as painted
    page.evaluate("() => { window.__seawatch.map.panBy([40, 0], { animate: false }); }")
    page.wait_for_function("() => window.__seawatchLabelPaints >= 1", timeout=5_000)
    assert page.errors == []  # type: ignore[attr-defined]
    page.close()


def test_an_operator_sees_contacts_opens_a_dossier_and_acknowledges_an_alert_that_the_audit_log_shows(
        server: tuple[str, Console], browser: Browser, operator_page: Page, shots: Path) -> None:
    url, console = server
    page = operator_page
    page.wait_for_function("() => window.__seawatch.state.contacts.size === 40", timeout=10_000)
    page.wait_for_function("() => window.__seawatchFrames > 2", timeout=10_000)  # live deltas arrive
    page.wait_for_timeout(500)
    assert page.evaluate("window.__seawatch.layer.drawn") == 40  # the contact layer drew every contact
    # dark contacts are drawn in magenta on the WebGL canvas (polled: a frame may be mid-draw)
    page.wait_for_function(f"(rgb) => ({COUNT_PIXELS})(rgb) > 10", arg=[0xff, 0x2b, 0xd6], timeout=10_000)
    page.screenshot(path=str(shots / "live.png"))

    # clicking a contact's dot on the map selects it and opens its dossier
    target = page.evaluate("""() => { const s = window.__seawatch, r = s.map.getCanvas().getBoundingClientRect();
        for (const id of s.state.contacts.keys()) { const p = s.screenOf(id);
          if (p && p[0] > 20 && p[1] > 20 && p[0] < r.width - 60 && p[1] < r.height - 40 && s.contactAt(p[0], p[1]) === id)
            return [id, p[0] + r.left, p[1] + r.top]; }
        return null; }""")
    assert target is not None, "no contact clear of the others in view"
    page.mouse.click(target[1], target[2])
    expect(page.locator("#dossier h3")).to_contain_text(f"#{target[0]}")
    page.click("button[data-tab=alerts]")

    # the critical alert is on top of the queue; selecting it opens its contact's dossier
    first = page.locator("#alert-list .alert").first
    expect(first).to_have_attribute("data-id", "zone_entry-2")
    seen_ms = page.evaluate("window.__seawatchAlertSeen['zone_entry-2']")  # the latency probe's stamp
    assert 0 < time.time() * 1000 - seen_ms < 120_000
    first.locator(".head").click()
    expect(page.locator("#tab-dossier")).to_have_class(re.compile("active"))
    expect(page.locator("#dossier h3")).to_contain_text("#2")
    expect(page.locator("#dossier-alerts")).to_contain_text("zone_entry")
    expect(page.locator("#dossier")).to_contain_text("kn")
    page.screenshot(path=str(shots / "dossier.png"))

    page.click("button[data-tab=alerts]")
    page.locator("#alert-list .alert[data-id='zone_entry-2'] button[data-act=acknowledge]").click()
    expect(page.locator("#alert-list .alert[data-id='zone_entry-2'] .state")).to_contain_text("acknowledged")
    assert console.picture.alert("zone_entry-2")["workflow"]["acknowledged_by"] == "operator"  # type: ignore[index]
    assert page.errors == []  # type: ignore[attr-defined]

    sup = login(browser, url, "supervisor")
    sup.click("#tab-audit")
    expect(sup.locator("#audit-list")).to_contain_text("operator acknowledge alert:zone_entry-2")
    sup.screenshot(path=str(shots / "audit.png"))
    sup.close()


def test_a_viewer_after_a_wrong_password_gets_no_action_buttons_and_is_refused_but_searches_and_measures(
        server: tuple[str, Console], browser: Browser) -> None:
    url, console = server
    page = login(browser, url, "viewer", wrong_first=True)
    page.wait_for_selector("#alert-list .alert")
    assert page.locator("#alert-list button[data-act]").count() == 0
    assert not page.locator("#tab-audit").is_visible()
    status = page.evaluate("""async () => {
        const s = await (await fetch('/api/session')).json();
        const r = await fetch('/api/alerts/loitering-3/acknowledge', {method: 'POST', headers: {'x-csrf-token': s.csrf}});
        return r.status; }""")
    assert status == 403
    assert console.picture.alert("loitering-3")["workflow"]["state"] == "new"  # type: ignore[index]

    # a viewer can still search, measure and read the shortcut help
    page.wait_for_function("() => window.__seawatch.state.contacts.size === 40", timeout=10_000)
    i = int(next(k for k, m in enumerate(console.feed.mmsi) if m > 0))
    page.keyboard.press("/")
    page.keyboard.type(str(console.feed.mmsi[i]))
    page.locator("#search-results li[data-id]").first.click()
    expect(page.locator("#dossier h3")).to_contain_text(f"#{i + 1}")
    page.wait_for_function("(sel) => location.hash.includes(sel)", arg=f"sel={i + 1}", timeout=5_000)
    page.keyboard.press("m")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 200, box["y"] + 300)
    page.mouse.click(box["x"] + 500, box["y"] + 300)
    expect(page.locator("#measure-out")).to_have_text(re.compile(r"^\d+(\.\d+)? NM\s+0[89]\d°T$"))
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help-keys")).to_contain_text("acknowledge the selected alert")
    page.close()


def test_a_replay_scrubs_through_the_stored_period_and_the_url_keeps_the_moment(
        server: tuple[str, Console], operator_page: Page, shots: Path) -> None:
    _url, console = server
    page = operator_page
    page.locator("body").focus()
    page.keyboard.press("r")
    expect(page.locator("#mode")).to_have_text("REPLAY")
    start, end = page.evaluate("""() => ['#replay-from', '#replay-to'].map(
        (s) => Date.parse(document.querySelector(s).value) / 1000)""")
    assert start == console.store.time_range()[0]  # type: ignore[index]
    # the replay opens at the start of the period (the answer may still be on its way)
    page.wait_for_function("(s) => Math.abs(window.__seawatch.state.now - s) <= 1", arg=start, timeout=10_000)
    # scrub to the middle of the period: the picture is the store's state at that moment
    page.locator("#replay-slider").fill("500")
    mid = start + (end - start) / 2
    page.wait_for_function("(mid) => Math.abs(window.__seawatch.state.now - mid) < 2", arg=mid, timeout=10_000)
    assert contacts_in_page(page) == 40
    expect(page.locator("#replay-time")).to_contain_text("Z")
    ids = page.eval_on_selector_all("#alert-list .alert", "els => els.map(e => e.dataset.id)")
    assert ids[0] == "zone_entry-2" and len(ids) == 3
    page.wait_for_function("() => location.hash.includes('t=')", timeout=5_000)
    page.screenshot(path=str(shots / "replay.png"))
    # play: time advances
    page.click("#replay-play")
    page.wait_for_function("(mid) => window.__seawatch.state.now > mid + 2", arg=mid, timeout=10_000)
    page.click("#replay-live")
    expect(page.locator("#mode")).to_have_text("LIVE")
    page.wait_for_function("() => window.__seawatch.state.contacts.size === 40", timeout=10_000)
