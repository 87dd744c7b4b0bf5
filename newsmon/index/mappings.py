"""The articles index: names, analysis and field mapping.

Layout (monthly indices, no rollover job needed):

- index template ``{prefix}-articles-v{N}`` matches ``{prefix}-articles-v{N}-*`` and puts every such index into the
  read alias ``{prefix}-articles``;
- new articles are written to the month they were first indexed in, ``{prefix}-articles-v{N}-YYYY.MM`` (created by
  the template on first write); an update goes to the index that already holds the document, found by looking the
  id up through the alias, so an id stays unique across months;
- ``N`` is ``MAPPING_VERSION``. Changing the mapping means bumping it: ``index.schema.ensure`` then installs the new
  template, reindexes every older-version index still in the alias into its ``v{N}`` twin, and moves the alias.

Text fields use a language-neutral analyzer (exact words, accents folded) with ``.id`` (Indonesian stems) and
``.en`` (English stems) subfields; watches are percolated against the same mapping (see ``article_properties``).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from newsmon.config import Settings
from newsmon.index.client import index_name, index_settings

MAPPING_VERSION = 1

TEXT_ANALYZER = "newsmon_text"

ANALYSIS: dict[str, Any] = {
    "analyzer": {
        TEXT_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
    }
}

_TEXT = {
    "type": "text",
    "analyzer": TEXT_ANALYZER,
    "fields": {"id": {"type": "text", "analyzer": "indonesian"}, "en": {"type": "text", "analyzer": "english"}},
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
