"""clean(): HTML bytes + URL -> Article, or a Rejection saying why not. Pure: no I/O, picklable arguments."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from newsmon.cleaning.article import Article, Rejection
from newsmon.cleaning.boilerplate import Credits, drop_link_lines, split_credits, strip_boilerplate
from newsmon.cleaning.dedupe import content_hash, minhash_signature
from newsmon.cleaning.gate import NotHtml, check_payload, decode
from newsmon.cleaning.language import detect_language
from newsmon.cleaning.metadata import PageMeta, read_meta
from newsmon.cleaning.normalise import comparable, join_paragraphs, normalise_paragraph, split_paragraphs
from newsmon.cleaning.pagekind import not_article_reason
from newsmon.urls import canonical_url

log = logging.getLogger(__name__)

# Default mode, measured on the 990 real pages of bench/extraction.py (snippet F1): default 0.926, favor_precision
# 0.922, fast 0.920 (it lost the body of one page in twelve, e.g. 41 of 2,779 words), and a paragraph vote of
# default and favor_precision (keep a line both agree on, or any long one) 0.925-0.926 at twice the cost. The
# gain over trafilatura comes from the rules after it (boilerplate.py): 0.929.
# Links are asked for as markdown only to tell link lines from prose (boilerplate.drop_link_lines); the body is
# plain text. No url is passed to the extractor: it would only resolve every link target, which costs 7% of the
# cleaning time for targets nobody reads. Images are left out: asking for them changes what trafilatura keeps
# (-0.007 F1 on the real pages).
EXTRACT_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True, "include_links": True}
# A main text this short may be a page the main extractor misread; the recall mode reads it again.
RETRY_WORDS = 60


def clean(
    html: bytes,
    url: str,
    *,
    source: str,
    headers: dict[str, str] | None = None,
    language_hint: str | None = None,
    like_articles: bool = False,
) -> Article | Rejection:
    """The article in the page at url, or a Rejection with a reason (logged with the URL). `like_articles`: the
    URL has the shape of the source's articles (see urls.path_shape), which outweighs a weak non-article signal."""
    try:
        return _clean(html, url, source, headers or {}, language_hint, like_articles)
    except NotHtml as error:
        return _reject(url, str(error), logging.WARNING)
    except Exception as error:  # one bad page must never stop a crawl; the traceback goes to the log
        log.exception("cleaning failed for %s", url)
        return Rejection(url, f"cleaning failed: {type(error).__name__}")


def _clean(
    html: bytes, url: str, source: str, headers: dict[str, str], hint: str | None, like_articles: bool
) -> Article | Rejection:
    check_payload(html)
    tree = trafilatura.load_html(decode(html, headers))
    if tree is None:
        return _reject(url, "no HTML document in the page", logging.WARNING)
    meta = read_meta(tree)
    title = normalise_paragraph(meta.title)
    main = _main_text(tree, title)
    if len(" ".join(main.paragraphs).split()) < RETRY_WORDS:
        retry = _main_text(tree, title, favor_recall=True)
        main = max(main, retry, key=lambda found: len(" ".join(found.paragraphs)))
    paragraphs, credits = main.paragraphs, main.credits
    reason = not_article_reason(meta, url, paragraphs, len(tree.xpath("//figure")), like_articles)
    if reason:
        return _reject(url, reason)
    body = join_paragraphs(paragraphs)
    return Article(
        url=url,
        canonical_url=canonical_url(_canonical(meta, url)),
        source=source,
        title=title,
        body=body,
        language=detect_language(f"{title}\n{body}", hint or meta.html_lang or None),
        lead=normalise_paragraph(meta.description) or paragraphs[0],
        authors=meta.authors or credits.authors,
        editors=credits.editors,
        published_at=meta.published_at,
        updated_at=meta.updated_at,
        section=meta.section,
        breadcrumbs=meta.breadcrumbs,
        tags=meta.tags,
        image=urljoin(url, meta.image) if meta.image else None,
        content_hash=content_hash(title, body),
        signature=minhash_signature(body),
    )


@dataclass
class _MainText:
    paragraphs: list[str]
    credits: Credits


def _main_text(tree: HtmlElement, title: str, **options: Any) -> _MainText:
    """The main text's paragraphs, without boilerplate, trailing credits and the headline repeated as first line."""
    document = trafilatura.bare_extraction(tree, **EXTRACT_OPTIONS, **options)
    lines = drop_link_lines(split_paragraphs(document.text or "")) if isinstance(document, Document) else []
    paragraphs, credits = split_credits(strip_boilerplate(lines))
    if paragraphs and comparable(paragraphs[0]) == comparable(title):
        paragraphs = paragraphs[1:]
    return _MainText(paragraphs, credits)


def _canonical(meta: PageMeta, url: str) -> str:
    """The page's rel=canonical when it points at the same site (a canonical elsewhere is a syndication hint)."""
    if not meta.canonical:
        return url
    candidate = urljoin(url, meta.canonical)
    if _site(candidate) != _site(url):
        return url
    return candidate


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _reject(url: str, reason: str, level: int = logging.INFO) -> Rejection:
    log.log(level, "not an article: %s: %s", url, reason)
    return Rejection(url, reason)
