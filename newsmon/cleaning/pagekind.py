"""Pages that are not articles: galleries, live-blog indexes, tag/category/archive listings, empty pages.

A page is judged on its main text as well as on what it declares: a signal that the page is a listing, a gallery
or a live blog (JSON-LD type, WordPress body class, URL path) rejects it only when the main text is thin, because
real articles carry such signals too (a science story with 30 pictures, a blog home page holding a full post, a
live blog with 3,000 words of updates). A page that declares itself an article (og:type, JSON-LD article types) is
never rejected on a weak signal (body class, URL path, picture count), only on a structured-data declaration; nor
is a page whose URL has the shape of the source's other articles (the spider tells, from the feed state).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsmon.cleaning.metadata import ARTICLE_TYPES, PageMeta

_LIVE_TYPES = {"LiveBlogPosting"}
_GALLERY_TYPES = {"ImageGallery", "MediaGallery", "VideoGallery"}
_LISTING_TYPES = {"CollectionPage", "SearchResultsPage", "ProfilePage"}
# WordPress puts these on <body> of listings only; single posts get "single", "single-post".
_LISTING_BODY_CLASSES = {"archive", "category", "tag", "search", "author", "home", "blog", "date"}
_GALLERY_BODY_CLASSES = {"single-format-gallery"}
_LISTING_PATH = re.compile(r"/(tag|tags|topik|topic|category|kategori|kanal|arsip|archive|indeks|search|author)(/|$)")
_GALLERY_PATH = re.compile(r"/(foto|galeri|gallery|photos?)(/|$)")
_LIVE_PATH = re.compile(r"/(live|live-update|live-report)(/|$)")
# Below this many words of distinct paragraphs a page with a non-article signal is a teaser list, a set of captions
# or a live index; above it the text is worth indexing whatever the page calls itself. Listings repeat their
# "read more" lines, hence distinct paragraphs.
THIN_WORDS = 200
# Without any declaration, a page with many <figure>s and at most a caption's worth of words for each is a gallery.
GALLERY_MIN_IMAGES = 8
GALLERY_MAX_WORDS_PER_IMAGE = 10
# Below this the page holds no text to speak of (an error page, a video with a one-line caption). Counted in
# characters, not words: Chinese and Japanese text has no spaces, and a 60-word brief is an article.
MIN_CHARS = 80
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def text_size(paragraphs: list[str]) -> tuple[int, int]:
    """(words, characters) of the distinct paragraphs; a CJK character counts as a word."""
    distinct = list(dict.fromkeys(paragraphs))
    words = sum(len(p.split()) + len(_CJK.findall(p)) for p in distinct)
    return words, sum(len(p) for p in distinct)


def not_article_reason(
    meta: PageMeta, url: str, paragraphs: list[str], images: int, like_articles: bool = False
) -> str | None:
    """Why the page is not an article, or None. `paragraphs` is the main text, `images` the <figure>s on the page,
    `like_articles` whether the URL has the shape of the source's other articles."""
    words, chars = text_size(paragraphs)
    if words >= THIN_WORDS:
        return None
    return _thin_page_kind(meta, url, words, images, like_articles) or (
        f"too little text ({chars} characters)" if chars < MIN_CHARS else None
    )


def _thin_page_kind(meta: PageMeta, url: str, words: int, images: int, like_articles: bool) -> str | None:
    declared = _declared_kind(meta)
    if declared:
        return f"{declared}, {words} words)"
    if meta.og_type == "article" or meta.ld_types & ARTICLE_TYPES or like_articles:
        return None
    weak = _weak_kind(meta, url)
    if weak:
        return f"{weak}, {words} words)"
    if images >= GALLERY_MIN_IMAGES and words < GALLERY_MAX_WORDS_PER_IMAGE * images:
        return f"photo gallery ({images} images, {words} words)"
    return None


def _declared_kind(meta: PageMeta) -> str | None:
    """A structured-data declaration of a non-article page (JSON-LD @type), unless it also declares an article."""
    if meta.ld_types & ARTICLE_TYPES:
        return None
    if meta.ld_types & _LIVE_TYPES:
        return "live blog (JSON-LD LiveBlogPosting"
    if meta.ld_types & _GALLERY_TYPES:
        return "photo gallery (JSON-LD"
    if meta.ld_types & _LISTING_TYPES:
        return "tag/category/archive page (JSON-LD"
    return None


def _weak_kind(meta: PageMeta, url: str) -> str | None:
    if meta.body_classes & _GALLERY_BODY_CLASSES:
        return "photo gallery (body class"
    if meta.body_classes & _LISTING_BODY_CLASSES:
        return "tag/category/archive page (body class"
    path = urlsplit(url).path.lower()
    for pattern, reason in (
        (_LIVE_PATH, "live blog"),
        (_GALLERY_PATH, "photo gallery"),
        (_LISTING_PATH, "tag/category/archive page"),
    ):
        if pattern.search(path):
            return f"{reason} (URL path"
    return None
