"""Whether a re-fetched article changed in a way readers would notice."""

from __future__ import annotations

from newsmon.cleaning.article import Article
from newsmon.cleaning.dedupe import content_hash


def is_material_change(old_title: str, old_body: str, new: Article) -> bool:
    """True when the headline or body differs beyond whitespace, Unicode form or letter case."""
    return content_hash(old_title, old_body) != content_hash(new.title, new.body)
