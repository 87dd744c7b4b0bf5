"""Who may use the page and the API.

- /healthz, /metrics and the one-click pause link (authorised by its signed token) are open to all.
- NEWSMON_ADMIN_PASSWORD set: pages need the login (a signed, HttpOnly, SameSite=Lax session cookie); /api/ takes
  HTTP Basic (`admin` / the password) or that session.
- Not set: pages and API answer only requests from a loopback address with a loopback Host header (so another
  site cannot reach them through DNS rebinding).

Every form post carries the session's CSRF token; API writes must be JSON, which a cross-site form cannot send.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ipaddress
from urllib.parse import quote, urlsplit

from pydantic import SecretStr
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from newsmon.web.render import page

OPEN = ("/healthz", "/metrics", "/pause/", "/login")
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
LOCAL_ONLY = (
    "newsmon's page answers only on this machine while NEWSMON_ADMIN_PASSWORD is unset: "
    "set it to open the page (with a login) to other machines\n"
)


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _basic_ok(header: str | None, password: SecretStr) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user, _, given = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = password.get_secret_value().encode()
    return hmac.compare_digest(user.encode(), b"admin") & hmac.compare_digest(given.encode(), expected)


class Gate:
    """ASGI middleware applying the rules above (after the session middleware, so the session is readable)."""

    def __init__(self, app: ASGIApp, password: SecretStr | None) -> None:
        self.app, self.password = app, password

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(OPEN):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        api = request.url.path.startswith("/api/")
        if self.password is None:
            host = urlsplit(f"//{request.headers.get('host', '')}").hostname
            if is_loopback(request.client.host if request.client else None) and host in _LOCAL_NAMES:
                return None
            return JSONResponse({"error": LOCAL_ONLY.strip()}, 403) if api else PlainTextResponse(LOCAL_ONLY, 403)
        if request.session.get("user") == "admin":
            return None
        if api:
            if _basic_ok(request.headers.get("authorization"), self.password):
                return None
            headers = {"WWW-Authenticate": 'Basic realm="newsmon", charset="UTF-8"'}
            return JSONResponse({"error": "log in: HTTP Basic with user admin"}, 401, headers=headers)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme), so the login cannot redirect elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's (403 otherwise)."""
    form = await request.form()
    expected = request.session.get("csrf")
    given = form.get("csrf")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "the form has expired or did not come from this page: reload the page and try again")
    return form


async def login_form(request: Request) -> Response:
    if request.app.state.web.settings.admin_password is None:
        return RedirectResponse("/", 303)
    return page(request, "login.html", {"next": _safe_next(request.query_params.get("next")), "error": None})


async def login(request: Request) -> Response:
    password = request.app.state.web.settings.admin_password
    form = await checked_form(request)
    target = _safe_next(str(form.get("next") or ""))
    given = str(form.get("password") or "").encode()
    if password is None or not hmac.compare_digest(given, password.get_secret_value().encode()):
        await asyncio.sleep(1)  # slows down guessing
        return page(request, "login.html", {"next": target, "error": "wrong password"}, 401)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session["user"] = "admin"
    return RedirectResponse(target, 303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", 303)


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
