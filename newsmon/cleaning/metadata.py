"""Page metadata: OpenGraph, `article:*` meta, JSON-LD (NewsArticle and kin), rel=canonical, with htmldate as the
date fallback. Reads an lxml tree; never changes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement

# A breadcrumb trail by its ARIA label or its usual class names (Bootstrap, WordPress themes, Yoast).
_BREADCRUMB_XPATH = (
    "//*[translate(@aria-label, 'B', 'b')='breadcrumb' or contains(concat(' ', normalize-space(@class), ' '), "
    "' breadcrumb ') or contains(concat(' ', normalize-space(@class), ' '), ' breadcrumbs ')]"
)
_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", "Report"}


@dataclass
class PageMeta:
    title: str = ""
    description: str = ""
    section: str | None = None
    breadcrumbs: list[str] = field(default_factory=list)  # "Beranda > Dunia > Asia", as a list
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    canonical: str | None = None
    og_type: str = ""
    ld_types: set[str] = field(default_factory=set)  # every JSON-LD @type on the page, for the page-kind check
    html_lang: str = ""
    body_classes: set[str] = field(default_factory=set)


def read_meta(tree: HtmlElement) -> PageMeta:
    metas = _meta_tags(tree)
    nodes = list(_ld_nodes(tree))
    types = {t for node in nodes for t in _as_list(node.get("@type")) if isinstance(t, str)}
    article = next((n for n in nodes if _ARTICLE_TYPES & set(_as_list(n.get("@type")))), {})

    def first(*keys: str) -> str:
        return next((metas[k][0] for k in keys if metas.get(k)), "")

    title = _text(article.get("headline")) or first("og:title", "twitter:title") or _first_text(tree, "//title")
    published = _date(article.get("datePublished")) or _date(first("article:published_time", "datePublished"))
    updated = _date(article.get("dateModified")) or _date(first("article:modified_time", "og:updated_time"))
    if published is None:
        # htmldate reads visible dates and URL patterns when the page declares none.
        published = _date(find_date(tree, original_date=True, extensive_search=False))
    return PageMeta(
        title=title,
        description=_text(article.get("description")) or first("og:description", "description"),
        section=_text(_first(article.get("articleSection"))) or first("article:section") or None,
        breadcrumbs=_ld_breadcrumbs(nodes) or _html_breadcrumbs(tree),
        authors=_authors(article.get("author")) or [a for a in metas.get("author", []) if "://" not in a],
        tags=_tags(article.get("keywords")) or metas.get("article:tag", []),
        image=_image(article.get("image")) or first("og:image", "twitter:image") or None,
        published_at=published,
        updated_at=updated,
        canonical=next(iter(tree.xpath("//link[@rel='canonical']/@href")), None),
        og_type=first("og:type").lower(),
        ld_types=types,
        html_lang=(tree.get("lang") or "").split("-")[0].lower(),
        body_classes=set(" ".join(tree.xpath("//body/@class")).split()),
    )


def _meta_tags(tree: HtmlElement) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        value = " ".join(meta.get("content", "").split())
        if key and value:
            found.setdefault(key.lower() if ":" not in key else key, []).append(value)
    return found


def _ld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue  # broken JSON-LD is common; the other sources still apply
        stack = _as_list(data)
        while stack:
            node = stack.pop(0)
            if isinstance(node, dict):
                yield node
                stack.extend(_as_list(node.get("@graph")))


def _ld_breadcrumbs(nodes: list[dict[str, Any]]) -> list[str]:
    trail = next((n for n in nodes if "BreadcrumbList" in _as_list(n.get("@type"))), {})
    items = [i for i in _as_list(trail.get("itemListElement")) if isinstance(i, dict)]
    items.sort(key=lambda i: i.get("position") if isinstance(i.get("position"), int) else 0)
    names = (_text(i.get("name")) or _text(i["item"].get("name") if isinstance(i.get("item"), dict) else None)
             for i in items)  # fmt: skip
    return [n for n in names if n]


def _html_breadcrumbs(tree: HtmlElement) -> list[str]:
    trails = tree.xpath(_BREADCRUMB_XPATH)
    if not trails:
        return []
    steps = trails[0].xpath(".//li") or trails[0].xpath(".//a")
    return [text for step in steps if (text := " ".join(step.text_content().split()))]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    items = _as_list(value)
    return items[0] if items else None


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _first_text(tree: HtmlElement, xpath: str) -> str:
    return next((" ".join(el.text_content().split()) for el in tree.xpath(xpath)), "")


def _authors(value: Any) -> list[str]:
    names = [_text(a.get("name") if isinstance(a, dict) else a) for a in _as_list(value)]
    return [n for n in names if n]


def _tags(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else _as_list(value)
    return [t for t in (_text(i) for i in items) if t]


def _image(value: Any) -> str | None:
    image = _first(value)
    if isinstance(image, dict):
        image = image.get("url")
    return image if isinstance(image, str) and image else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None
