"""Pages that are not articles: galleries, live blogs, tag/category/archive listings."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsmon.cleaning.metadata import PageMeta

_LIVE_TYPES = {"LiveBlogPosting"}
_GALLERY_TYPES = {"ImageGallery", "MediaGallery", "VideoGallery"}
_LISTING_TYPES = {"CollectionPage", "SearchResultsPage", "ProfilePage"}
# WordPress puts these on <body> of listings only; single posts get "single", "single-post".
_LISTING_BODY_CLASSES = {"archive", "category", "tag", "search", "author", "home", "blog", "date"}
_GALLERY_BODY_CLASSES = {"single-format-gallery"}
# URL paths are only trusted when the page does not call itself an article.
_LISTING_PATH = re.compile(r"/(tag|tags|topik|topic|category|kategori|kanal|arsip|archive|indeks|search|author)(/|$)")
_GALLERY_PATH = re.compile(r"/(foto|galeri|gallery|photos?)(/|$)")
_LIVE_PATH = re.compile(r"/(live|live-update|live-report)(/|$)")
# A page with many pictures and few words per picture is a gallery whatever it declares.
GALLERY_MIN_IMAGES = 8
GALLERY_MAX_WORDS_PER_IMAGE = 30


def not_article_reason(meta: PageMeta, url: str) -> str | None:
    """Why the page is not an article, from its declared types, WordPress body classes and URL; None if it may be."""
    if meta.ld_types & _LIVE_TYPES:
        return "live blog (JSON-LD LiveBlogPosting)"
    if meta.ld_types & _GALLERY_TYPES or meta.body_classes & _GALLERY_BODY_CLASSES:
        return "photo gallery (declared)"
    if meta.ld_types & _LISTING_TYPES or meta.body_classes & _LISTING_BODY_CLASSES:
        return "tag/category/archive page (declared)"
    if meta.og_type == "article" or meta.ld_types & {"NewsArticle", "Article", "ReportageNewsArticle"}:
        return None
    path = urlsplit(url).path.lower()
    for pattern, reason in (
        (_LIVE_PATH, "live blog"),
        (_GALLERY_PATH, "photo gallery"),
        (_LISTING_PATH, "tag/category/archive page"),
    ):
        if pattern.search(path):
            return f"{reason} (URL path)"
    return None


def gallery_by_shape(images: int, words: int) -> str | None:
    if images >= GALLERY_MIN_IMAGES and words < GALLERY_MAX_WORDS_PER_IMAGE * images:
        return f"photo gallery ({images} images, {words} words)"
    return None
