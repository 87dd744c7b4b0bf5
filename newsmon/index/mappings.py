"""The articles index: names, analysis and field mapping.

Layout (monthly indices, no rollover job needed):

- index template ``{prefix}-articles-v{N}`` matches ``{prefix}-articles-v{N}-*`` and puts every such index into the
  read alias ``{prefix}-articles``;
- new articles are written to the month they were first indexed in, ``{prefix}-articles-v{N}-YYYY.MM`` (created by
  the template on first write); an update goes to the index that already holds the document, found by looking the
  id up through the alias, so an id stays unique across months;
- ``N`` is ``MAPPING_VERSION``. Changing the mapping means bumping it: ``index.schema.ensure`` then installs the new
  template, reindexes every older-version index still in the alias into its ``v{N}`` twin, and moves the alias.

Text fields use a language-neutral analyzer (exact words, accents folded, possessive 's dropped) with ``.id``
(Indonesian stems) and ``.en`` (English stems) subfields; watches are percolated against the same mapping (see
``article_properties``). Every analyzer first reads the text the way a reader sees it (``READER_CHARS``): both
apostrophes are one, soft hyphens and zero-width characters vanish, no-break spaces are spaces. The stored body keeps
its original characters; only the analysis normalises them.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from newsmon.config import Settings
from newsmon.index.client import index_name, index_settings

MAPPING_VERSION = 3  # 2: international, international_reason; 3: reader-normalised characters and possessives

TEXT_ANALYZER = "newsmon_text"
ID_ANALYZER = "newsmon_id"
EN_ANALYZER = "newsmon_en"
READER_CHARS = "newsmon_reader_chars"

# U+2019 and kin -> "'" (then "group’s" and "group's" analyse alike); soft hyphen, zero-width space/joiners, word
# joiner and BOM -> nothing (the word is whole, as the reader sees it); no-break and narrow spaces -> a space.
_READER_MAPPINGS = [
    *(f"\\u{code}=>'" for code in ("2019", "2018", "02BC", "FF07", "00B4", "0060")),
    *(f"\\u{code}=>" for code in ("00AD", "200B", "200C", "200D", "2060", "FEFF")),
    *(f"\\u{code}=>\\u0020" for code in ("00A0", "202F", "2007")),
]


def _custom(*filters: str) -> dict[str, Any]:
    return {"type": "custom", "tokenizer": "standard", "char_filter": [READER_CHARS], "filter": list(filters)}


ANALYSIS: dict[str, Any] = {
    "char_filter": {READER_CHARS: {"type": "mapping", "mappings": _READER_MAPPINGS}},
    "filter": {
        "newsmon_possessive": {"type": "stemmer", "language": "possessive_english"},
        "newsmon_en_stop": {"type": "stop", "stopwords": "_english_"},
        "newsmon_en_stem": {"type": "stemmer", "language": "english"},
        "newsmon_id_stop": {"type": "stop", "stopwords": "_indonesian_"},
        "newsmon_id_stem": {"type": "stemmer", "language": "indonesian"},
    },
    # The built-in "english" and "indonesian" analyzers, rebuilt with the reader's characters in front.
    "analyzer": {
        TEXT_ANALYZER: _custom("lowercase", "newsmon_possessive", "asciifolding"),
        EN_ANALYZER: _custom("newsmon_possessive", "lowercase", "newsmon_en_stop", "newsmon_en_stem"),
        ID_ANALYZER: _custom("lowercase", "newsmon_id_stop", "newsmon_id_stem"),
    },
}

_TEXT = {
    "type": "text",
    "analyzer": TEXT_ANALYZER,
    "fields": {"id": {"type": "text", "analyzer": ID_ANALYZER}, "en": {"type": "text", "analyzer": EN_ANALYZER}},
}
_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}

PROPERTIES: dict[str, Any] = {
    **{name: _TEXT for name in ("title", "body", "lead")},
    **{
        name: _KEYWORD
        for name in (
            "url",
            "canonical_url",
            "source",
            "section",
            "language",
            "tags",
            "story_id",
            "editors",
            "outlets",
            "lsh_bands",
            "content_hash",
        )
    },
    **{
        name: _DATE
        for name in ("published_at", "updated_at", "fetched_at", "first_indexed_at", "indexed_at", "feed_updated")
    },
    "authors": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": TEXT_ANALYZER}}},
    "image": {"type": "keyword", "index": False, "doc_values": False},
    "feed_title": {"type": "keyword", "index": False, "doc_values": False},
    "version": {"type": "integer"},
    "material_change": {"type": "boolean"},
    "international": {"type": "boolean"},
    "international_reason": {"type": "text", "analyzer": TEXT_ANALYZER, "fields": {"raw": {"type": "keyword"}}},
    # MinHash values, kept only so near-duplicate candidates can be compared; never searched.
    "signature": {"type": "long", "index": False, "doc_values": False},
}


def article_properties() -> dict[str, Any]:
    """``{"properties": ..., "analysis": ...}`` of the articles index, for indices that must map articles the same way
    (the watches' percolator index). A copy: callers may extend it."""
    return {"properties": copy.deepcopy(PROPERTIES), "analysis": copy.deepcopy(ANALYSIS)}


def read_alias(settings: Settings) -> str:
    return index_name(settings, "articles")


def template_name(settings: Settings, version: int = MAPPING_VERSION) -> str:
    return index_name(settings, f"articles-v{version}")


def monthly_index(settings: Settings, when: datetime, version: int = MAPPING_VERSION) -> str:
    return f"{template_name(settings, version)}-{when:%Y.%m}"


def index_template(settings: Settings) -> dict[str, Any]:
    return {
        "index_patterns": [f"{template_name(settings)}-*"],
        "version": MAPPING_VERSION,
        "priority": 100,
        "template": {
            "settings": {**index_settings(settings, shards=settings.es_shards), "analysis": ANALYSIS},
            "mappings": {"dynamic": "strict", "properties": PROPERTIES},
            "aliases": {read_alias(settings): {}},
        },
        "_meta": {"description": "newsmon articles; see index/mappings.py"},
    }
