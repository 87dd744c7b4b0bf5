"""Source pages: list (feeds, rule, poll state, recent rejections), add in two steps (the feeds found are shown
before saving), remove. Sources live in the YAML file, as for `newsmon source`; the API shares these operations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsmon.feeds.state import FeedState
from newsmon.fetchguard import FetchPolicy
from newsmon.index.articles import ArticleStore
from newsmon.index.feedstate import FeedStateStore
from newsmon.sources.model import Source
from newsmon.sources.resolve import NoFeedFound, find_feeds
from newsmon.sources.store import SourceError, SourceExists, add_source, list_sources, make_source, remove_source
from newsmon.web.access import checked_form
from newsmon.web.context import WebContext, blocking, web
from newsmon.web.render import page

DISCOVERY_TIMEOUT = 10.0  # seconds per fetch while looking for a homepage's feeds


# -- operations (page and API) ---------------------------------------------------------------------------------
def source_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Source fields from the flat form/API shape: url, categories, paths, all_international, home_country, language,
    interval. With no rule the source decides each page by itself (auto)."""
    result: dict[str, Any] = {
        "name": fields.get("name", ""),
        "international": {
            "categories": fields.get("categories") or [],
            "paths": fields.get("paths") or [],
            "all_items": bool(fields.get("all_international")),
            "home_country": fields.get("home_country") or None,
        },
        "language": fields.get("language") or None,
        "feeds": fields.get("feeds") or [],
    }
    if fields.get("interval"):
        result["interval"] = fields["interval"]
    return result


def check(fields: dict[str, Any]) -> Source:
    """Validate the fields before any fetch (a wrong name or rule costs no network); SourceError says why."""
    return make_source({**source_fields(fields), "feeds": ["http://placeholder.invalid/"]})


def discover(context: WebContext, fields: dict[str, Any]) -> list[str]:
    check(fields)
    url, categories = str(fields.get("url", "")), fields.get("categories") or []
    settings = context.settings
    policy = FetchPolicy.installation(settings.allow_private_networks, settings.es_urls)
    return find_feeds(
        url, user_agent=settings.user_agent, timeout=DISCOVERY_TIMEOUT, categories=categories, policy=policy
    )


def save(context: WebContext, fields: dict[str, Any], feeds: list[str]) -> Source:
    url = str(fields.get("url", ""))
    source = make_source({**source_fields(fields), "feeds": feeds, "homepage": None if feeds == [url] else url})
    add_source(context.settings.config, source)
    return source


def remove(context: WebContext, name: str) -> None:
    if not remove_source(context.settings.config, name):
        raise HTTPException(404, f"no source named {name!r}")


def described(context: WebContext) -> list[dict[str, Any]]:
    """Every source with its feeds' poll state, articles indexed in the last 24 h and recent rejections."""
    sources = list_sources(context.settings.config)
    urls = [url for s in sources for url in (*s.feeds, *s.sitemaps)]
    states: dict[str, FeedState] = FeedStateStore(context.client, context.settings).load(urls)
    counts = ArticleStore(context.client, context.settings).counts_by_source(timedelta(hours=24))
    rejections = context.rejections() if context.rejections else {}
    return [
        {
            "source": source,
            "feeds": [(url, states.get(url)) for url in (*source.feeds, *source.sitemaps)],
            "articles_24h": counts.get(source.name, 0),
            "rejections": rejections.get(source.name),
        }
        for source in sources
    ]


def as_json(entry: dict[str, Any]) -> dict[str, Any]:
    feeds = []
    for url, state in entry["feeds"]:
        feeds.append({"url": url, "state": state.to_doc() if state else None})
    when, reasons = entry["rejections"] or (None, {})
    return {
        **entry["source"].model_dump(mode="json"),
        "feed_states": feeds,
        "articles_24h": entry["articles_24h"],
        "recent_rejections": {"at": when.isoformat() if when else None, "reasons": reasons},
    }


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def fields_from_form(form: FormData) -> dict[str, Any]:
    return {
        "name": str(form.get("name", "")).strip(),
        "url": str(form.get("url", "")).strip(),
        "categories": _lines(str(form.get("categories", ""))),
        "paths": [p.strip() for p in str(form.get("paths", "")).splitlines() if p.strip()],
        "all_international": bool(form.get("all_international")),
        "language": str(form.get("language", "")),
        "interval": str(form.get("interval", "")).strip(),
        "home_country": str(form.get("home_country", "")).strip(),
    }


# -- pages -------------------------------------------------------------------------------------------------
async def _list(request: Request, fields: dict[str, Any] | None = None, error: str | None = None) -> Response:
    entries = await blocking(described, web(request))
    blank = {"name": "", "url": "", "categories": [], "paths": [], "all_international": False, "language": ""}
    context = {"entries": entries, "fields": fields or {**blank, "interval": "15m"}, "error": error}
    return page(request, "sources.html", context, 400 if error else 200)


async def list_page(request: Request) -> Response:
    return await _list(request)


async def find(request: Request) -> Response:
    fields = fields_from_form(await checked_form(request))
    try:
        feeds = await blocking(discover, web(request), fields)
    except (SourceError, NoFeedFound) as error:
        return await _list(request, fields, str(error))
    return page(request, "source_confirm.html", {"fields": fields, "feeds": feeds})


async def add(request: Request) -> Response:
    form = await checked_form(request)
    fields = fields_from_form(form)
    feeds = [str(f) for f in form.getlist("feeds")]
    if not feeds:
        return await _list(request, fields, "choose at least one feed")
    try:
        await blocking(save, web(request), fields, feeds)
    except (SourceError, SourceExists) as error:
        return await _list(request, fields, str(error))
    return RedirectResponse("/sources", 303)


async def delete(request: Request) -> Response:
    await checked_form(request)
    await blocking(remove, web(request), request.path_params["name"])
    return RedirectResponse("/sources", 303)


routes = [
    Route("/sources", list_page, methods=["GET"]),
    Route("/sources/find", find, methods=["POST"]),
    Route("/sources/add", add, methods=["POST"]),
    Route("/sources/{name}/remove", delete, methods=["POST"]),
]
