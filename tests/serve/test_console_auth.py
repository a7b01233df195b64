"""Access control of the console: every route is enumerated from the app itself, so a new route cannot
escape these tests."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from console_helpers import PASSWORD, Console
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount, Route
from starlette.websockets import WebSocketDisconnect

from seawatch.serve.api import PUBLIC_ROUTES
from seawatch.serve.auth import ROLE_RANK, ROLES, SESSION_COOKIE

PATH_VALUES = {"contact_id": "1", "alert_id": "zone_entry-2"}
BODIES = {"assign": {"to": "operator"}, "comment": {"text": "seen"}, "classify": {"verdict": "true_alarm"},
          "close": {"reason": "done"}, "users": {"name": "newbie", "role": "viewer", "password": "long enough pw"}}
PARAMS = {"/api/search": {"q": "4"}, "/api/replay/state": {"t": "1780000002"}}


def api_routes(console: Console) -> list[tuple[str, str, str | None]]:
    """(method, concrete path, least role) for every HTTP route under /api."""
    out = []
    for r in console.app.routes:
        if isinstance(r, APIRoute) and r.path.startswith("/api/"):
            path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], r.path)
            role = (r.openapi_extra or {}).get("x-min-role")
            for method in r.methods:
                out.append((method, path, role))
    return out


def call(client: Any, method: str, path: str, csrf: str | None = None) -> Any:
    headers = {"x-csrf-token": csrf} if csrf else {}
    body = BODIES.get(path.rsplit("/", 1)[-1]) if method == "POST" else None
    return client.request(method, path, json=body, params=PARAMS.get(path), headers=headers)


def test_the_app_has_no_route_outside_api_static_vendor_and_the_index(console: Console) -> None:
    for r in console.app.routes:
        if isinstance(r, Mount):
            assert r.path == "/static"
        elif isinstance(r, (APIRoute, APIWebSocketRoute)):
            assert r.path.startswith("/api/") or r.path in ("/", "/vendor/{name}"), r.path
        elif isinstance(r, Route):
            assert r.path.startswith("/api/"), r.path  # the OpenAPI document and its docs page


def test_every_api_route_but_login_names_its_least_role(console: Console) -> None:
    routes = api_routes(console)
    assert len(routes) >= 20
    for method, path, role in routes:
        if (method, path) in PUBLIC_ROUTES:
            assert role is None
        else:
            assert role in ROLES, f"{method} {path} has no x-min-role"


def test_every_route_without_credentials_is_refused_with_401_in_the_one_error_shape(console: Console) -> None:
    anon = console.client(None)
    for method, path, role in api_routes(console):
        if role is None:
            continue
        r = call(anon, method, path)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json() == {"ok": False, "error": "authentication required", "status": 401}


def test_a_forged_or_foreign_session_cookie_or_bearer_token_is_refused(console: Console) -> None:
    c = console.client(None)
    c.cookies.set(SESSION_COOKIE, "not-a-session")
    assert c.get("/api/contacts").status_code == 401
    c2 = console.client(None)
    assert c2.get("/api/contacts", headers={"authorization": "Bearer swt_forged"}).status_code == 401
    assert c2.get("/api/contacts", headers={"authorization": "Basic dmlld2VyOng="}).status_code == 401


def test_every_route_refuses_each_role_below_its_least_role_with_403(console: Console) -> None:
    clients = {role: console.client(role) for role in ROLES}
    checked = 0
    for method, path, least in api_routes(console):
        if least is None:
            continue
        for role in ROLES[:ROLE_RANK[least]]:
            r = call(clients[role], method, path, clients[role].csrf)  # type: ignore[attr-defined]
            assert r.status_code == 403, (role, method, path, r.status_code, r.text)
            assert r.json()["ok"] is False and r.json()["status"] == 403
            checked += 1
    assert checked >= 10  # 5 alert actions x 1, audit x 2, users x 3 (GET and POST)


def test_every_route_admits_its_least_role(console: Console) -> None:
    clients = {role: console.client(role) for role in ROLES}
    for method, path, least in api_routes(console):
        if least is None or path == "/api/logout":
            continue
        c = clients[least]
        r = call(c, method, path, c.csrf)  # type: ignore[attr-defined]
        assert r.status_code in (200, 201), (least, method, path, r.status_code, r.text)


def test_every_cookie_write_without_the_csrf_token_is_refused_and_changes_nothing(console: Console) -> None:
    admin = console.client("admin")
    writes = [(m, p) for m, p, role in api_routes(console) if m == "POST" and role is not None]
    assert len(writes) >= 8
    before = console.store.audit(limit=1000)
    for method, path in writes:
        assert call(admin, method, path).status_code == 403, path
        assert call(admin, method, path, csrf="wrong-token").status_code == 403, path
    assert console.picture.alert("zone_entry-2")["workflow"]["state"] == "new"  # type: ignore[index]
    assert console.store.audit(limit=1000) == before


def test_a_bearer_token_works_without_csrf_and_carries_its_users_role(console: Console) -> None:
    op = console.client("operator")
    token = op.post("/api/tokens", headers={"x-csrf-token": op.csrf}).json()["token"]  # type: ignore[attr-defined]
    machine = console.client(None)
    h = {"authorization": f"Bearer {token}"}
    assert machine.post("/api/alerts/zone_entry-2/acknowledge", headers=h).status_code == 200
    assert machine.get("/api/audit", headers=h).status_code == 403


def test_the_session_cookie_is_httponly_and_samesite_strict(console: Console) -> None:
    r = console.client(None).post("/api/login", json={"username": "viewer", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and SESSION_COOKIE in cookie
    assert "csrf" not in cookie


def test_logins_are_rate_limited_even_for_the_right_password(console: Console) -> None:
    c = console.client(None)
    for _ in range(5):
        assert c.post("/api/login", json={"username": "operator", "password": "wrong!"}).status_code == 401
    r = c.post("/api/login", json={"username": "operator", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.json()["status"] == 429
    actions = [e["action"] for e in console.store.audit(limit=10)]
    assert actions[0] == "login_blocked" and actions.count("login_failed") == 5


def test_there_is_no_default_account_and_hashes_are_argon2id() -> None:
    from console_helpers import FAST_HASHER
    from fastapi.testclient import TestClient

    from seawatch.serve.app import create_app
    from seawatch.serve.auth import Authenticator, add_user
    from seawatch.serve.backend import MemoryStore
    from seawatch.serve.picture import Picture

    empty = MemoryStore()
    c = TestClient(create_app(Picture(), empty, auth=Authenticator(empty, FAST_HASHER)))
    for user, pw in [("admin", "admin"), ("admin", "password"), ("root", "root"), ("seawatch", "seawatch")]:
        assert c.post("/api/login", json={"username": user, "password": pw}).status_code == 401
    assert empty.list_users() == []
    add_user(empty, "someone", "viewer", PASSWORD)  # the production hasher (argon2-cffi defaults)
    stored = empty.get_user("someone")
    assert stored is not None and stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(stored)


def test_logout_ends_the_session(console: Console) -> None:
    c = console.client("viewer")
    assert c.post("/api/logout", headers={"x-csrf-token": c.csrf}).status_code == 200  # type: ignore[attr-defined]
    assert c.get("/api/contacts").status_code == 401


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer swt_forged"}])
def test_the_live_websocket_refuses_unauthenticated_clients(console: Console, headers: dict[str, str]) -> None:
    with pytest.raises(WebSocketDisconnect), console.client(None).websocket_connect(
            "/api/live", headers=headers) as ws:
        ws.receive_json()


def test_the_live_websocket_refuses_a_logged_in_browser_from_another_origin(console: Console) -> None:
    c = console.client("viewer")
    with pytest.raises(WebSocketDisconnect), c.websocket_connect(
            "/api/live", headers={"origin": "https://evil.example"}) as ws:
        ws.receive_json()
    with c.websocket_connect("/api/live", headers={"origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "snapshot"


def test_all_websocket_routes_are_known(console: Console) -> None:
    ws_routes = [r.path for r in console.app.routes if isinstance(r, APIWebSocketRoute)]
    assert ws_routes == ["/api/live"]  # a new one needs its own refusal test above


def test_the_login_limiter_forgets_expired_keys_so_random_names_cannot_grow_it_without_bound() -> None:
    from seawatch.serve.auth import RateLimiter

    limiter = RateLimiter(limit=5, window_s=0.05, max_keys=100)
    for i in range(100):
        limiter.fail(f"10.0.0.1|user{i}")
    time.sleep(0.06)
    for i in range(100, 150):
        limiter.fail(f"10.0.0.1|user{i}")
    assert len(limiter._fails) <= 101
    assert limiter.blocked("10.0.0.1|never-seen") == 0.0 and "10.0.0.1|never-seen" not in limiter._fails
