"""The console server: `create_app(picture, store)` builds the ASGI app, `serve(...)` runs it with uvicorn.

One error shape everywhere: `{"ok": false, "error": "...", "status": 4xx}`. The static console (web/) and
the browser libraries installed by `make setup` (npm, web/node_modules) are served by the same server;
nothing is fetched from the internet. Binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from seawatch.serve.api import install_api
from seawatch.serve.auth import Authenticator
from seawatch.serve.live import live_endpoint
from seawatch.serve.picture import Picture
from seawatch.serve.store_adapter import as_console_store

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web"
NODE_MODULES = WEB_DIR / "node_modules"
BUILTIN_SITE = Path(__file__).parent.parent / "sites" / "caspian" / "site.toml"
VENDOR = {  # URL name -> file installed by npm (package.json next to the console)
    "maplibre-gl.js": NODE_MODULES / "maplibre-gl" / "dist" / "maplibre-gl.js",
    "maplibre-gl.css": NODE_MODULES / "maplibre-gl" / "dist" / "maplibre-gl.css",
    "topojson-client.min.js": NODE_MODULES / "topojson-client" / "dist" / "topojson-client.min.js",
    "countries-110m.json": NODE_MODULES / "world-atlas" / "countries-110m.json",
}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; worker-src 'self' blob:; "
                               "child-src blob:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                               "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@functools.lru_cache(maxsize=8)
def load_site_data(site_path: Path) -> dict[str, Any]:
    """Site name/centre/sensors, zones and the sea polygon (if the site has `sea.geojson`)."""
    from seawatch.config import load_site

    cfg = load_site(site_path)
    zones_path = cfg.zones_path()
    zones = json.loads(zones_path.read_text(encoding="utf-8")) if zones_path else {
        "type": "FeatureCollection", "features": []}
    sea_path = site_path.parent / "sea.geojson"
    sea = json.loads(sea_path.read_text(encoding="utf-8")) if sea_path.exists() else {
        "type": "FeatureCollection", "features": []}
    sea = {"type": "FeatureCollection", "features": [*sea["features"], *_land_mask(sea)]}
    sensors = [{"id": s.id, "kind": s.kind, "name": s.name, "lat": s.lat, "lon": s.lon, "range_m": s.range_m}
               for s in cfg.sensors]
    info = {"name": cfg.site.name, "lat": cfg.site.lat, "lon": cfg.site.lon, "sensors": sensors}
    return {"info": info, "zones": zones, "sea": sea}


def _land_mask(sea: dict[str, Any]) -> list[dict[str, Any]]:
    """The land around the site's sea: its bounding box minus the sea, so that the console draws the
    site's own coastline exactly (Natural Earth fills only what lies outside that box)."""
    from shapely.geometry import box, mapping, shape
    from shapely.ops import unary_union

    if not sea["features"]:
        return []
    water = unary_union([shape(f["geometry"]) for f in sea["features"]])
    land = box(*water.bounds).difference(water)
    return [{"type": "Feature", "properties": {"kind": "land", "bbox": list(water.bounds)},
             "geometry": mapping(land)}]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status, headers=headers)


def create_app(picture: Picture, store: Any, *, site_path: Path = BUILTIN_SITE, auth: Authenticator | None = None,
               secure_cookie: bool = False, live_period_s: float = 1.0, push_alerts: bool = True) -> FastAPI:
    """The console app over a live `picture` and a `store` (see `backend.ConsoleStore`). `push_alerts`:
    alert changes go to the websocket at once (False: with the next contact delta, every `live_period_s`)."""
    store = as_console_store(store, lambda: picture.now)
    auth = auth or Authenticator(store)
    site = load_site_data(site_path)
    app = FastAPI(title="seawatch console API", version="1", openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,  # those pages use a CDN
                  description="Live maritime picture, alert queue and replay. Units: SI (m, m/s), degrees true, "
                              "epoch seconds UTC. Each route's least role is `x-min-role`.")
    app.state.picture, app.state.store, app.state.auth = picture, store, auth
    install_api(app, picture, store, auth, site, secure_cookie)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = ["/".join(str(x) for x in e.get("loc", ())) + ": " + str(e.get("msg")) for e in exc.errors()]
        return _error(422, "invalid request: " + "; ".join(parts)[:500])

    @app.exception_handler(Exception)
    async def server_error(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error: %s", exc)
        return _error(500, "internal error")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.websocket("/api/live")
    async def live(ws: WebSocket) -> None:
        await live_endpoint(ws, picture, auth, live_period_s, push_alerts)

    @app.get("/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> FileResponse:
        path = VENDOR.get(name)
        if path is None or not path.exists():
            raise HTTPException(404, f"{name} not installed: run `make setup` (npm ci in {WEB_DIR})")
        return FileResponse(path)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    return app


def serve(picture: Picture, store: Any, host: str = "127.0.0.1", port: int = 8000, **kw: Any) -> None:
    """Run the console until interrupted (blocking). The demo calls this with its picture and store."""
    import uvicorn

    uvicorn.run(create_app(picture, store, **kw), host=host, port=port, log_level="warning")
