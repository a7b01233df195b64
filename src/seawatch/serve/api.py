"""The JSON API under /api/: contacts, dossiers, the alert queue and its actions, audit, search, replay.

Every route names the least role it needs (`x-min-role` in the OpenAPI document); writes by a session
need the CSRF token; every operator action goes to the audit log. Units are SI in the API (m, m/s, degrees
true, epoch seconds UTC); the console converts to kn / NM for display.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from seawatch.errors import SeawatchError
from seawatch.serve.auth import ROLES, SESSION_COOKIE, Authenticator, Principal, add_user
from seawatch.serve.mid import flag_of
from seawatch.serve.picture import SEVERITY_RANK, Picture, _epoch, alert_sort_key

PUBLIC_ROUTES = {("POST", "/api/login")}  # the only /api route that needs no credentials
TRACK_HISTORY_S = 3600.0


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AssignBody(BaseModel):
    to: str = Field(min_length=1, max_length=64)


class CommentBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class ClassifyBody(BaseModel):
    verdict: Literal["true_alarm", "false_alarm"]


class CloseBody(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class NewUserBody(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["viewer", "operator", "supervisor", "admin"]
    password: str = Field(min_length=8, max_length=1024)


def need(auth: Authenticator, role: str) -> Callable[[Request], Principal]:
    """A dependency: the request's principal, 401 without one, 403 below `role` or without CSRF token."""

    def dependency(request: Request) -> Principal:
        principal = auth.authenticate(request.headers, request.cookies)
        if principal is None:
            raise HTTPException(401, "authentication required")
        if not auth.csrf_ok(principal, request.method, request.headers):
            raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token)")
        if not principal.has(role):
            raise HTTPException(403, f"role {role} or above required")
        request.state.principal = principal
        return principal

    return dependency


def risk_of(contact: dict[str, Any], alerts: list[dict[str, Any]]) -> float:
    """A contact's risk in [0, 1]: the detection engine's (its alerts and context, detect/risk.py) where the live
    picture has it; else the highest score among its open alerts (each alert's score is its contact's risk when
    last scored: combining them again, 1 - prod(1 - score), overstated it — 0.999 for an engine's 0.90), from
    the severity where an alert has none."""
    r = contact.get("risk")
    if isinstance(r, (int, float)) and math.isfinite(r):
        return round(float(r), 3)
    default = {0: 0.9, 1: 0.7, 2: 0.4, 3: 0.15}
    best = 0.0
    for a in alerts:
        if a.get("end") is not None:
            continue
        s = a.get("score")
        if not isinstance(s, (int, float)) or not math.isfinite(s) or s <= 0:
            s = default.get(SEVERITY_RANK.get(str(a.get("severity")), 3), 0.15)
        best = max(best, min(max(float(s), 0.0), 1.0))
    return round(best, 3)


def install_api(app: FastAPI, picture: Picture, store: Any, auth: Authenticator, site: dict[str, Any],
                secure_cookie: bool) -> None:
    """Register the /api routes on `app` (directly, so that `app.routes` lists every one of them)."""

    def route(method: str, path: str, role: str, **kw: Any) -> Callable[[Any], Any]:
        return app.api_route("/api" + path, methods=[method], dependencies=[Depends(need(auth, role))],
                           openapi_extra={"x-min-role": role}, **kw)

    def who(request: Request) -> Principal:
        p: Principal = request.state.principal
        return p

    # ---- session ------------------------------------------------------------------------------------
    @app.post("/api/login", summary="Log in with a password: sets the session cookie, returns the CSRF token")
    def login(body: LoginBody, request: Request, response: Response) -> dict[str, Any]:
        client = request.client.host if request.client else "?"
        result = auth.login(body.username, body.password, client)
        if isinstance(result, float):
            if result > 0:
                store.record_action(body.username, "login_blocked", client, {})
                raise HTTPException(429, f"too many failed logins: wait {math.ceil(result)} s",
                                    headers={"Retry-After": str(math.ceil(result))})
            store.record_action(body.username, "login_failed", client, {})
            raise HTTPException(401, "wrong user name or password")
        sid, p = result
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=secure_cookie,
                            path="/", max_age=int(auth.session_max_s))
        store.record_action(p.name, "login", client, {"role": p.role})
        return {"ok": True, "user": p.name, "role": p.role, "csrf": p.csrf}

    @route("POST", "/logout", "viewer", summary="End the session")
    def logout(request: Request, response: Response) -> dict[str, Any]:
        p = who(request)
        if p.session_id:
            auth.logout(p.session_id)
        response.delete_cookie(SESSION_COOKIE, path="/")
        store.record_action(p.name, "logout", "", {})
        return {"ok": True}

    @route("GET", "/session", "viewer", summary="Who am I: user, role and the CSRF token for writes")
    def session(request: Request) -> dict[str, Any]:
        p = who(request)
        return {"ok": True, "user": p.name, "role": p.role, "csrf": p.csrf, "via": p.via}

    @route("POST", "/tokens", "viewer", summary="A bearer token for a machine client, with my role")
    def new_token(request: Request) -> dict[str, Any]:
        p = who(request)
        store.record_action(p.name, "token_issued", p.name, {"role": p.role})
        return {"ok": True, "token": auth.issue_token(p), "role": p.role}

    # ---- site ---------------------------------------------------------------------------------------
    @route("GET", "/site", "viewer", summary="Site name, centre and sensors")
    def get_site() -> dict[str, Any]:
        return {"ok": True, **site["info"]}

    @route("GET", "/zones", "viewer", summary="Zones (GeoJSON FeatureCollection)")
    def get_zones() -> dict[str, Any]:
        zones: dict[str, Any] = site["zones"]
        return zones

    @route("GET", "/basemap", "viewer", summary="The site's sea polygon (GeoJSON) for the offline basemap")
    def get_basemap() -> dict[str, Any]:
        sea: dict[str, Any] = site["sea"]
        return sea

    # ---- contacts -----------------------------------------------------------------------------------
    @route("GET", "/contacts", "viewer", summary="Contacts in the live picture")
    def contacts(kind: Literal["fused", "radar_only", "ais_only"] | None = None,
                 limit: int = Query(1000, ge=1, le=20000)) -> dict[str, Any]:
        items = [c for c in picture.contacts() if kind is None or c["kind"] == kind]
        return {"ok": True, "now": picture.now, "count": len(items), "contacts": items[:limit]}

    @route("GET", "/contacts/{contact_id}", "viewer", summary="Dossier: identity, kinematics, history, alerts, risk")
    def dossier(contact_id: int) -> dict[str, Any]:
        c = picture.contact(contact_id)
        if c is None:
            raise HTTPException(404, f"no contact {contact_id} in the live picture")
        now = picture.now or c["t"]
        history = store.track(contact_id, now - TRACK_HISTORY_S, now) or [
            {"t": p[0], "lat": p[1], "lon": p[2]} for p in c.get("trail", [])]
        alerts = [a for a in picture.alerts() if contact_id in (a.get("track_ids") or [])]
        seen = {a["id"] for a in alerts}
        alerts += [a for a in store.alerts_for(contact_id) if a["id"] not in seen]
        identity = {k: c[k] for k in ("mmsi", "imo", "name", "callsign", "ship_type", "length_m")}
        identity["flag"] = flag_of(c["mmsi"])
        kin = {k: c[k] for k in ("t", "lat", "lon", "sog_mps", "cog_deg", "heading_deg", "kind", "status",
                                 "stale", "sensors")}
        return {"ok": True, "contact_id": contact_id, "identity": identity, "kinematics": kin,
                "history": history, "alerts": alerts, "risk": risk_of(c, alerts)}

    @route("GET", "/search", "viewer", summary="Find contacts by MMSI, name or call sign")
    def search(q: str = Query(min_length=1, max_length=64), limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        needle = q.strip().lower()
        hits = []
        for c in picture.contacts():
            keys = [str(c["mmsi"] or ""), (c["name"] or "").lower(), (c["callsign"] or "").lower(),
                    str(c["contact_id"])]
            if any(needle and k.startswith(needle) or (len(needle) > 2 and needle in k) for k in keys):
                hits.append(c)
        return {"ok": True, "q": q, "results": hits[:limit]}

    # ---- alerts -------------------------------------------------------------------------------------
    @route("GET", "/alerts", "viewer", summary="Alert queue, by severity then newest first")
    def alerts(state: Literal["open", "all"] = "open") -> dict[str, Any]:
        return {"ok": True, "alerts": picture.alerts(include_closed=state == "all")}

    @route("GET", "/alerts/{alert_id}", "viewer", summary="One alert")
    def alert(alert_id: str) -> dict[str, Any]:
        a = picture.alert(alert_id)
        if a is None:
            raise HTTPException(404, f"no alert {alert_id} in the queue")
        return {"ok": True, "alert": a}

    def act(request: Request, alert_id: str, action: str, changes: dict[str, Any],
            details: dict[str, Any]) -> dict[str, Any]:
        p = who(request)
        a = picture.update_workflow(alert_id, changes)
        if a is None:
            raise HTTPException(404, f"no alert {alert_id} in the queue")
        store.record_action(p.name, action, f"alert:{alert_id}", details)
        return {"ok": True, "alert": a}

    @route("POST", "/alerts/{alert_id}/acknowledge", "operator", summary="Acknowledge an alert")
    def acknowledge(alert_id: str, request: Request) -> dict[str, Any]:
        name = who(request).name
        return act(request, alert_id, "acknowledge",
                   {"state": "acknowledged", "acknowledged_by": name, "acknowledged_at": time.time()}, {})

    @route("POST", "/alerts/{alert_id}/assign", "operator", summary="Assign an alert to a user")
    def assign(alert_id: str, body: AssignBody, request: Request) -> dict[str, Any]:
        if store.get_user(body.to) is None:
            raise HTTPException(422, f"no user {body.to}")
        return act(request, alert_id, "assign", {"assigned_to": body.to}, {"to": body.to})

    @route("POST", "/alerts/{alert_id}/comment", "operator", summary="Comment on an alert")
    def comment(alert_id: str, body: CommentBody, request: Request) -> dict[str, Any]:
        entry = {"by": who(request).name, "at": time.time(), "text": body.text}
        return act(request, alert_id, "comment", {"comment": entry}, {"text": body.text})

    @route("POST", "/alerts/{alert_id}/classify", "operator", summary="Classify: true or false alarm")
    def classify(alert_id: str, body: ClassifyBody, request: Request) -> dict[str, Any]:
        return act(request, alert_id, "classify", {"classification": body.verdict}, {"verdict": body.verdict})

    @route("POST", "/alerts/{alert_id}/close", "operator", summary="Close an alert (leaves the queue)")
    def close(alert_id: str, body: CloseBody, request: Request) -> dict[str, Any]:
        return act(request, alert_id, "close", {"state": "closed", "closed_by": who(request).name},
                   {"reason": body.reason})

    # ---- supervision --------------------------------------------------------------------------------
    @route("GET", "/audit", "supervisor", summary="Audit log, newest first")
    def audit(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
        return {"ok": True, "entries": store.audit(limit=limit, offset=offset)}

    @route("GET", "/users", "admin", summary="Users and their roles")
    def users() -> dict[str, Any]:
        return {"ok": True, "users": store.list_users(), "roles": list(ROLES)}

    @route("POST", "/users", "admin", summary="Create a user", status_code=201)
    def create_user(body: NewUserBody, request: Request) -> dict[str, Any]:
        if store.get_user(body.name) is not None:
            raise HTTPException(409, f"user {body.name} exists")
        try:
            add_user(store, body.name, body.role, body.password, auth.hasher)
        except SeawatchError as err:
            raise HTTPException(422, str(err)) from err
        store.record_action(who(request).name, "user_add", body.name, {"role": body.role})
        return {"ok": True, "name": body.name, "role": body.role}

    # ---- replay -------------------------------------------------------------------------------------
    @route("GET", "/replay/range", "viewer", summary="The period the store holds (epoch s)")
    def replay_range() -> dict[str, Any]:
        tr = store.time_range()
        return {"ok": True, "start": tr[0] if tr else None, "end": tr[1] if tr else None}

    @route("GET", "/replay/state", "viewer", summary="Contacts and open alerts at time t (from the store)")
    def replay_state(t: float = Query(ge=0, le=1e11), window_s: float = Query(120.0, gt=0, le=86400),
                     trail_s: float = Query(0.0, ge=0, le=3600)) -> dict[str, Any]:
        contacts = store.contacts_at(t, window_s)
        if trail_s > 0:
            contacts = [{**c, "trail": [[p["lat"], p["lon"]] for p in store.track(c["contact_id"], t - trail_s, t)]}
                        for c in contacts]
        alerts = sorted(({**a, "start_epoch": _epoch(a.get("start"))} for a in store.alerts_at(t)),
                        key=alert_sort_key)
        return {"ok": True, "t": t, "contacts": contacts, "alerts": alerts}
