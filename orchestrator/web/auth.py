"""Who may use the web UI: the REST API's bearer tokens, or a session cookie earned by typing one.

A browser cannot send a bearer header from a link, so the login form trades a token for a signed
session cookie (HttpOnly, SameSite=Strict, Secure over https). The cookie holds no token, only an
HMAC of the one used, so removing a token from the server's list ends the sessions made with it.
It also holds a random session id: logging out records that id as revoked in the incident store
(store/sessions.py) until the cookie would have expired, so a copy of the cookie stops working
too, on every replica sharing the store.
Forms that change something (open an incident, log in, log out) are also refused unless the
browser says they come from this site (Origin, else Referer): SameSite alone does not cover
every browser. Requests that carry a valid bearer header need neither, as for the API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from common.http_guard import BearerTokenMiddleware

UI_PREFIX = "/ui"
LOGIN_PATH = f"{UI_PREFIX}/login"
SESSION_COOKIE = "sre_ui_session"
_OPEN_UI_PATHS = (LOGIN_PATH,)
_OPEN_UI_PREFIXES = (f"{UI_PREFIX}/static/",)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A token written `name:secret` has a name, recorded as the author of what is sent with it (feedback).
_TOKEN_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._@-]{0,62}):.")
AUTHOR_STATE = "author"


def token_name(token: str) -> str | None:
    """The name of a `name:secret` token; None for a token without one."""
    match = _TOKEN_NAME.match(token.strip())
    return match.group(1) if match else None


def is_ui_path(path: str) -> bool:
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


def _open_ui_path(path: str) -> bool:
    """The login form and the stylesheet: served without a session."""
    return path in _OPEN_UI_PATHS or path.startswith(_OPEN_UI_PREFIXES)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a UI path of this site only (no open redirect)."""
    if target and is_ui_path(target) and not target.startswith("//") and "\\" not in target:
        return target
    return f"{UI_PREFIX}/"


def same_origin(request: Request) -> bool:
    """True when the browser says the request comes from a page of this site.

    Host and port are compared, not the scheme: behind a proxy that ends TLS the browser's
    origin is https while this server sees http.
    """
    host = request.headers.get("host", "")
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return False
    return bool(host) and urlsplit(origin).netloc == host


@dataclass(frozen=True)
class Session:
    """A signed session cookie, checked: who opened it and until when it lasts."""

    session_id: str
    name: str | None
    expires_at: datetime


class SessionRevocations(Protocol):
    """Where logged-out sessions are recorded (the IncidentService, over the store)."""

    async def revoke_session(self, session_id: str, expires_at: datetime) -> None: ...

    async def session_revoked(self, session_id: str) -> bool: ...


class Sessions:
    """Signs and checks the UI's session cookies; the key is per process unless configured."""

    def __init__(
        self,
        tokens: Iterable[str],
        secret: str | None,
        max_age_seconds: int,
        revocations: Callable[[], SessionRevocations],
    ) -> None:
        self._key = (secret or secrets.token_urlsafe(32)).encode()
        self._serializer = URLSafeTimedSerializer(self._key, salt="sre-orchestrator-ui-session")
        self._fingerprints = [self._fingerprint(token) for token in tokens]
        self.max_age_seconds = max_age_seconds
        self._revocations = revocations

    @property
    def required(self) -> bool:
        """Without tokens (loopback development) the UI is open, like the API."""
        return bool(self._fingerprints)

    def _fingerprint(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    def login(self, presented: str) -> str | None:
        """The cookie value for a valid token, else None; compared with every token in constant time."""
        candidate = self._fingerprint(presented.strip())
        matches = [hmac.compare_digest(candidate, known) for known in self._fingerprints]
        if not any(matches):
            return None
        session_id = secrets.token_urlsafe(18)
        return self._serializer.dumps({"token": candidate, "name": token_name(presented), "sid": session_id})

    def _signed(self, cookie: str | None) -> Session | None:
        """The session a cookie signed by us, unexpired and made with a current token, holds."""
        if not cookie:
            return None
        try:
            data, signed_at = self._serializer.loads(cookie, max_age=self.max_age_seconds, return_timestamp=True)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict):
            return None
        fingerprint, session_id, name = data.get("token"), data.get("sid"), data.get("name")
        if not isinstance(fingerprint, str) or not isinstance(session_id, str):
            return None  # a cookie without an id could not be revoked: log in again
        if not any(hmac.compare_digest(fingerprint, known) for known in self._fingerprints):
            return None
        expires_at = signed_at + timedelta(seconds=self.max_age_seconds)
        return Session(session_id, name if isinstance(name, str) else None, expires_at)

    async def check(self, cookie: str | None) -> Session | None:
        """The cookie's session if it is valid and was not logged out (on any replica sharing the store)."""
        session = self._signed(cookie)
        if session is None or await self._revocations().session_revoked(session.session_id):
            return None
        return session

    async def revoke(self, cookie: str | None) -> None:
        """Log the cookie's session out for good: refused from now on, wherever the cookie was copied."""
        session = self._signed(cookie)
        if session is not None:
            await self._revocations().revoke_session(session.session_id, session.expires_at)

    def set_cookie(self, response: Response, request: Request, value: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=self.max_age_seconds,
            path=UI_PREFIX,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )

    def clear_cookie(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path=UI_PREFIX, secure=request.url.scheme == "https", httponly=True, samesite="strict"
        )


class ApiAndUiAuth(BearerTokenMiddleware):
    """The REST API's bearer check; under /ui/ a session cookie is accepted too, and a browser
    without either is sent to the login form instead of getting a 401."""

    def __init__(self, app: ASGIApp, tokens: Iterable[str], open_paths: Iterable[str], sessions: Sessions) -> None:
        super().__init__(app, tokens, open_paths)
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if not is_ui_path(scope["path"]):
            await self._api(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        bearer = bool(self.tokens) and self.authorized(header)
        # Who sends it, for what records an author: the name of the bearer token, or of the session's.
        author = token_name(header.partition(" ")[2]) if bearer else None
        session = None
        if not bearer and self.sessions.required and not _open_ui_path(scope["path"]):
            # One read of the store (was it logged out?), only where a session is needed.
            session = await self.sessions.check(request.cookies.get(SESSION_COOKIE))
            author = session.name if session else None
        scope.setdefault("state", {})[AUTHOR_STATE] = author
        refusal = self._refusal(request, bearer, session)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        scope.setdefault("state", {})["ui_login_required"] = self.sessions.required and not bearer
        await self.app(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Outside the UI, the bearer check alone. It runs on every API request, so it reads the
        raw headers (no Request) and compares the token once."""
        header = next((value for name, value in scope["headers"] if name == b"authorization"), b"").decode("latin-1")
        bearer = bool(self.tokens) and self.authorized(header)
        scope.setdefault("state", {})[AUTHOR_STATE] = token_name(header.partition(" ")[2]) if bearer else None
        if bearer or not self.tokens or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)  # the 401

    def _refusal(self, request: Request, bearer: bool, session: Session | None) -> Response | None:
        path = request.url.path
        if request.method not in _SAFE_METHODS and not bearer and not same_origin(request):
            return PlainTextResponse(
                "403 Forbidden: this form must be sent from a page of this site (the Origin or Referer header "
                "did not match); reload the page and submit it again",
                403,
            )
        if bearer or not self.sessions.required or _open_ui_path(path) or session is not None:
            return None
        back = path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{LOGIN_PATH}?next={quote(back, safe='')}", 303)
