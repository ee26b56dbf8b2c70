"""Who may use the web UI: the REST API's bearer tokens, or a session cookie earned by typing one.

A browser cannot send a bearer header from a link, so the login form trades a token for a signed
session cookie (HttpOnly, SameSite=Strict, Secure over https). The cookie holds no token, only an
HMAC of the one used, so removing a token from the server's list ends the sessions made with it.
Forms that change something (open an incident, log in, log out) are also refused unless the
browser says they come from this site (Origin, else Referer): SameSite alone does not cover
every browser. Requests that carry a valid bearer header need neither, as for the API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
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


class Sessions:
    """Signs and checks the UI's session cookies; the key is per process unless configured."""

    def __init__(self, tokens: Iterable[str], secret: str | None, max_age_seconds: int) -> None:
        self._key = (secret or secrets.token_urlsafe(32)).encode()
        self._serializer = URLSafeTimedSerializer(self._key, salt="sre-orchestrator-ui-session")
        self._fingerprints = [self._fingerprint(token) for token in tokens]
        self.max_age_seconds = max_age_seconds

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
        return self._serializer.dumps({"token": candidate, "name": token_name(presented)}) if any(matches) else None

    def name(self, cookie: str | None) -> str | None:
        """The name of the token a valid session was opened with, if it has one."""
        if not self.valid(cookie):
            return None
        data = self._serializer.loads(cookie or "", max_age=self.max_age_seconds)
        name = data.get("name") if isinstance(data, dict) else None
        return name if isinstance(name, str) else None

    def valid(self, cookie: str | None) -> bool:
        if not cookie:
            return False
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            return False
        fingerprint = data.get("token") if isinstance(data, dict) else None
        return isinstance(fingerprint, str) and any(hmac.compare_digest(fingerprint, k) for k in self._fingerprints)

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
        if not bearer and self.sessions.required:
            author = self.sessions.name(request.cookies.get(SESSION_COOKIE))
        scope.setdefault("state", {})[AUTHOR_STATE] = author
        refusal = self._refusal(request, bearer)
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

    def _refusal(self, request: Request, bearer: bool) -> Response | None:
        path = request.url.path
        if request.method not in _SAFE_METHODS and not bearer and not same_origin(request):
            return PlainTextResponse(
                "403 Forbidden: this form must be sent from a page of this site (the Origin or Referer header "
                "did not match); reload the page and submit it again",
                403,
            )
        if bearer or not self.sessions.required or path in _OPEN_UI_PATHS or path.startswith(_OPEN_UI_PREFIXES):
            return None
        if self.sessions.valid(request.cookies.get(SESSION_COOKIE)):
            return None
        back = path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{LOGIN_PATH}?next={quote(back, safe='')}", 303)
