"""`/api/live`: the websocket that keeps a console in step with the picture.

Authenticated like the API (session cookie or bearer header) and refused from another origin. The
server sends one `snapshot` frame (with `now`, the field order of dynamic rows, identities, trails, the
alert queue) and then, at most once per `period_s`, a `delta` frame with only the contacts whose
kinematics changed (`dyn` rows), identities that changed (`static`), contacts gone (`gone`), alerts
changed or gone. Nothing changed -> nothing sent. The client sends nothing (anything it sends is ignored).
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


def same_origin(ws: WebSocket) -> bool:
    """Browsers always send Origin on websockets; it must name this server (cross-site hijacking)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: a machine client, authenticated by its bearer token
    return urlsplit(origin).netloc == ws.headers.get("host", "")


async def live_endpoint(ws: WebSocket, picture: Picture, auth: Authenticator, period_s: float = 1.0) -> None:
    principal = auth.authenticate(ws.headers, ws.cookies)
    if principal is None or not same_origin(ws):
        await ws.close(code=4401 if principal is None else 4403)  # before accept: an HTTP 403 refusal
        return
    await ws.accept()
    drain = asyncio.create_task(_drain(ws))
    try:
        seq, frame = picture.snapshot()
        await ws.send_text(json.dumps(frame, separators=(",", ":")))
        while not drain.done():
            await asyncio.sleep(period_s)
            if auth.authenticate(ws.headers, ws.cookies) is None:  # logged out or expired meanwhile
                await ws.close(code=4401)
                return
            seq, delta = picture.delta(seq)
            if delta is not None:
                await ws.send_text(json.dumps(delta, separators=(",", ":")))
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        logger.debug("live client %s went away", principal.name)
    finally:
        drain.cancel()


async def _drain(ws: WebSocket) -> None:
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
