"""Highlighted snippets for the email: which fields to highlight and how to pick the best fragment."""

from __future__ import annotations

from typing import Any

from newsmon.alerts.model import HIGHLIGHT_END, HIGHLIGHT_START

# Stemmed subfields are highlighted too: a stem match ("menyerang" for "serangan") only shows up on them.
_BODY_FIELDS = ["body", "body.id", "body.en"]
_TITLE_FIELDS = ["title", "title.id", "title.en"]

HIGHLIGHT: dict[str, Any] = {
    "pre_tags": [HIGHLIGHT_START],
    "post_tags": [HIGHLIGHT_END],
    "fields": {
        **{field: {"fragment_size": 180, "number_of_fragments": 2} for field in _BODY_FIELDS},
        **{field: {"number_of_fragments": 0} for field in _TITLE_FIELDS},
    },
}


def best_snippet(highlight: dict[str, list[str]], body: str, prefix: str = "") -> str:
    """Body fragments first (they carry context), then the highlighted title, then the start of the body.

    Of the exact and stemmed variants, the one marking the most terms wins: each only marks what matched on it.
    `prefix` is the percolator's slot prefix ("3_") when several documents were percolated at once.
    """
    for fields in (_BODY_FIELDS, _TITLE_FIELDS):
        variants = [" … ".join(f.strip() for f in highlight.get(prefix + field, [])) for field in fields]
        best = max(variants, key=lambda text: text.count(HIGHLIGHT_START))
        if best:
            return best
    return body[:200].strip()
