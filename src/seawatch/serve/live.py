"""`/api/live`: the websocket that keeps a console in step with the picture.

Authenticated like the API (session cookie or bearer header) and refused from another origin. The
server sends one `snapshot` frame (with `now`, the field order of dynamic rows, identities, trails, the
alert queue) and then, at most once per `period_s`, a `delta` frame with only the contacts whose
kinematics changed (`dyn` rows), identities that changed (`static`), contacts gone (`gone`), alerts
changed or gone. Alerts do not wait for the period: a change (new alert, operator action) is pushed at
once in a delta with empty `dyn` (at most one such frame per `ALERT_GAP_S`). Nothing changed -> nothing
sent. The client sends nothing (anything it sends is ignored).
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect

from seawatch.serve.auth import Authenticator
from seawatch.serve.picture import Picture

logger = logging.getLogger(__name__)
ALERT_GAP_S = 0.05  # alert pushes: at most 20 frames/s however busy the detection is


def same_origin(ws: WebSocket) -> bool:
    """Browsers always send Origin on websockets; it must name this server (cross-site hijacking)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: a machine client, authenticated by its bearer token
    return urlsplit(origin).netloc == ws.headers.get("host", "")


async def live_endpoint(ws: WebSocket, picture: Picture, auth: Authenticator, period_s: float = 1.0,
                        push_alerts: bool = True) -> None:
    principal = auth.authenticate(ws.headers, ws.cookies)
    if principal is None or not same_origin(ws):
        await ws.close(code=4401 if principal is None else 4403)  # before accept: an HTTP 403 refusal
        return
    await ws.accept()
    drain = asyncio.create_task(_drain(ws))
    loop = asyncio.get_running_loop()
    alerts_changed = asyncio.Event()

    def wake() -> None:  # called from the pipeline's thread
        try:
            loop.call_soon_threadsafe(alerts_changed.set)
        except RuntimeError:  # the server's loop is closing
            pass

    stop_listening = picture.on_alerts(wake) if push_alerts else (lambda: None)
    try:
        seq, frame = picture.snapshot()
        alert_seq = seq
        await ws.send_text(json.dumps(frame, separators=(",", ":")))
        next_delta = loop.time() + period_s
        while not drain.done():
            try:  # sleep until the next contact delta, or until alerts change
                await asyncio.wait_for(alerts_changed.wait(), max(0.0, next_delta - loop.time()))
            except TimeoutError:
                pass
            if auth.authenticate(ws.headers, ws.cookies) is None:  # logged out or expired meanwhile
                await ws.close(code=4401)
                return
            if loop.time() >= next_delta:
                alerts_changed.clear()
                next_delta = max(next_delta + period_s, loop.time() + period_s / 2)
                seq, delta = picture.delta(seq, alert_seq)
                alert_seq = seq
            else:
                await asyncio.sleep(ALERT_GAP_S)  # let a burst of alert changes land in one frame
                alerts_changed.clear()
                alert_seq, delta = picture.delta(seq, alert_seq, alerts_only=True)
            if delta is not None:
                await ws.send_text(json.dumps(delta, separators=(",", ":")))
                if delta["type"] == "snapshot":
                    alert_seq = seq
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        logger.debug("live client %s went away", principal.name)
    finally:
        stop_listening()
        drain.cancel()


async def _drain(ws: WebSocket) -> None:
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
