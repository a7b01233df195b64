"""Console authentication: users and roles, argon2 password hashes, sessions, bearer tokens, login limits.

- Roles are ordered: viewer < operator < supervisor < admin; a route names the least role it needs.
- Browsers log in with a password and get a session cookie (HttpOnly, SameSite=Strict) plus a CSRF token
  that every write must echo in the `X-CSRF-Token` header (synchronizer token, compared in constant time).
- Machine clients send `Authorization: Bearer <token>`; a token carries its user's role, is stored only as
  its SHA-256, and needs no CSRF token (browsers never attach it by themselves).
- Failed logins are limited per client address and per (address, user name): too many -> 429.
- There is no default account: users are created with `seawatch user add` (or by an admin via the API).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from seawatch.errors import ConfigError

ROLES = ("viewer", "operator", "supervisor", "admin")
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
SESSION_COOKIE = "seawatch_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MIN_PASSWORD_LEN = 8
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str
    via: str  # "session" | "bearer"
    csrf: str | None = None
    session_id: str | None = None

    def has(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def check_new_user(name: str, role: str, password: str) -> None:
    if not USERNAME_RE.match(name):
        raise ConfigError(f"user name {name!r}: use 1-64 letters, digits, '_', '.', '@' or '-'")
    if role not in ROLE_RANK:
        raise ConfigError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LEN:
        raise ConfigError(f"password too short: at least {MIN_PASSWORD_LEN} characters")


def add_user(store: Any, name: str, role: str, password: str, hasher: PasswordHasher | None = None) -> None:
    """Validate and store a user with an argon2id hash of the password (never the password)."""
    check_new_user(name, role, password)
    store.add_user(name, role, (hasher or PasswordHasher()).hash(password))


class RateLimiter:
    """At most `limit` failures per key within `window_s`; `blocked(key)` -> seconds to wait or 0."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            if key not in self._fails:
                return 0.0
            q = self._trim(key, now)
            return q[0] + self.window_s - now if len(q) >= self.limit else 0.0

    def fail(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._trim(key, now).append(now)
            if len(self._fails) > self.max_keys:  # many distinct names or addresses: forget expired ones
                for k in [k for k, q in self._fails.items() if not q or q[-1] <= now - self.window_s]:
                    del self._fails[k]

    def reset(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


@dataclass
class _Session:
    name: str
    role: str
    csrf: str
    created: float
    last_seen: float


class Authenticator:
    """Sessions and tokens live in memory: a restart logs everybody out (by design: no token on disk)."""

    def __init__(self, store: Any, hasher: PasswordHasher | None = None, session_idle_s: float = 8 * 3600,
                 session_max_s: float = 24 * 3600, login_limit: int = 5, login_window_s: float = 300.0) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self.session_idle_s = session_idle_s
        self.session_max_s = session_max_s
        self.per_user = RateLimiter(login_limit, login_window_s)
        self.per_client = RateLimiter(login_limit * 4, login_window_s)
        self._sessions: dict[str, _Session] = {}
        self._tokens: dict[str, tuple[str, str]] = {}  # sha256(token) -> (name, role)
        self._lock = threading.Lock()
        # verify against a real hash even for unknown users, so timing does not reveal who exists
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    def login(self, name: str, password: str, client: str) -> tuple[str, Principal] | float:
        """(session id, principal) on success; on refusal, the seconds to wait (0.0 = wrong credentials)."""
        user_key = f"{client}|{name.lower()}"
        wait = max(self.per_user.blocked(user_key), self.per_client.blocked(client))
        if wait > 0:
            return wait
        user = self.store.get_user(name)
        ok = False
        try:
            ok = self.hasher.verify(user["password_hash"] if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            self.per_user.fail(user_key)
            self.per_client.fail(client)
            return 0.0
        self.per_user.reset(user_key)
        sid, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.time()
        with self._lock:
            self._sessions[sid] = _Session(user["name"], user["role"], csrf, now, now)
        return sid, Principal(user["name"], user["role"], "session", csrf, sid)

    def logout(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def session(self, session_id: str | None) -> Principal | None:
        if not session_id:
            return None
        now = time.time()
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None
            if now - s.last_seen > self.session_idle_s or now - s.created > self.session_max_s:
                del self._sessions[session_id]
                return None
            s.last_seen = now
            return Principal(s.name, s.role, "session", s.csrf, session_id)

    def issue_token(self, principal: Principal) -> str:
        token = "swt_" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[_sha256(token)] = (principal.name, principal.role)
        return token

    def bearer(self, token: str) -> Principal | None:
        with self._lock:
            hit = self._tokens.get(_sha256(token))
        return None if hit is None else Principal(hit[0], hit[1], "bearer")

    def authenticate(self, headers: Any, cookies: dict[str, str]) -> Principal | None:
        """From an `Authorization: Bearer` header, else the session cookie; None if neither is valid."""
        auth = headers.get("authorization")
        if auth:
            scheme, _, token = auth.partition(" ")
            return self.bearer(token.strip()) if scheme.lower() == "bearer" else None
        return self.session(cookies.get(SESSION_COOKIE))

    @staticmethod
    def csrf_ok(principal: Principal, method: str, headers: Any) -> bool:
        if principal.via != "session" or method.upper() in SAFE_METHODS:
            return True
        sent = headers.get(CSRF_HEADER) or ""
        return bool(principal.csrf) and hmac.compare_digest(sent.encode(), (principal.csrf or "").encode())


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
