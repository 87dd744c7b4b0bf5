"""The article page: the clean text, its metadata, and its story cluster with every outlet that carried it."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newsmon.index.articles import ArticleStore
from newsmon.web.context import blocking, web
from newsmon.web.render import page


async def article_page(request: Request) -> Response:
    context = web(request)
    store = ArticleStore(context.client, context.settings)
    article = await blocking(store.get, request.path_params["id"])
    if article is None:
        raise HTTPException(404, "no such article (it may have been removed from the index)")
    story = await blocking(store.story, article["story_id"]) if article.get("story_id") else []
    paragraphs = [p for p in (article.get("body") or "").split("\n") if p.strip()]
    return page(request, "article.html", {"article": article, "paragraphs": paragraphs, "story": story})


routes = [Route("/articles/{id}", article_page, methods=["GET"])]
