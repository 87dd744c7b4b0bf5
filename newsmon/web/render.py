"""Server-rendered HTML: one Jinja2 environment with autoescape on for every template (titles and bodies come from
the open web), and the filters the pages share."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from newsmon.alerts.model import HIGHLIGHT_START
from newsmon.mail.render import html_snippet

_ENV = Environment(
    loader=PackageLoader("newsmon.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(value: datetime | str | None) -> str:
    """A stored date as people read it, in UTC; "–" when there is none."""
    if not value:
        return "–"
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def fragments(highlight: dict[str, list[str]], field: str) -> list[Markup]:
    """Highlighted fragments of a field from whichever subfield (exact, .id, .en) marked the most, as safe HTML."""
    variants = [highlight.get(name, []) for name in (field, f"{field}.id", f"{field}.en")]
    best = max(variants, key=lambda parts: sum(part.count(HIGHLIGHT_START) for part in parts))
    return [html_snippet(part.replace("\n", " ")) for part in best]


def path(value: str) -> str:
    """A name as one URL path segment."""
    return quote(value, safe="")


_ENV.filters.update(when=when, snippet=html_snippet, path=path)


def csrf_token(request: Request) -> str:
    """The session's token, put in every form and checked on every form post (see access.checked_form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    web = request.app.state.web
    shared = {
        "request": request,
        "csrf": Markup(f'<input type="hidden" name="csrf" value="{escape(csrf_token(request))}">'),
        "logged_in": bool(request.session.get("user")),
        "password_set": web.settings.admin_password is not None,
    }
    return HTMLResponse(_ENV.get_template(template).render({**shared, **context}), status_code=status)


def fragment(template: str, context: dict[str, Any]) -> HTMLResponse:
    """A piece of a page (the live preview), fetched by the page's script."""
    return HTMLResponse(_ENV.get_template(template).render(context))
