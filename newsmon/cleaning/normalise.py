"""Text normalisation that helps matching without changing meaning."""

from __future__ import annotations

import re
import unicodedata

# "baru -baru ini" -> "baru-baru ini": a space before the hyphen of a reduplicated word (a common typing slip).
_BROKEN_HYPHEN = re.compile(r"(?<=\w) -(?=\w)")


def normalise_paragraph(text: str) -> str:
    """NFC, whitespace collapsed to single spaces, broken reduplication hyphens repaired."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return _BROKEN_HYPHEN.sub("-", text) if " -" in text else text  # the regex is the slow part; rarely needed


def split_paragraphs(text: str) -> list[str]:
    """Non-empty normalised paragraphs of a text with one paragraph per line (or blank-line separated)."""
    return [p for p in (normalise_paragraph(line) for line in text.splitlines()) if p]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def comparable(text: str) -> str:
    """A form for equality and hashing: normalised, case-folded, all whitespace runs as one space."""
    return normalise_paragraph(text).casefold()
