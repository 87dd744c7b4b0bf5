"""Language identification with py3langid (trafilatura leaves the language empty unless told)."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The title plus this much of the body decides: a short mixed page (an Indonesian brief quoting English) is
# labelled by its own text, not by a quote in its first lines.
SAMPLE_CHARS = 2000
# Below this probability the text is too short or mixed to trust; the source's declared language wins then.
MIN_CONFIDENCE = 0.5
# The source's declared language is a prior: it also wins when the identifier gives it at least this share of the top
# language's probability (Indonesian and Malay, German and Luxembourgish are close neighbours on short texts).
PRIOR_WEIGHT = 10.0


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text (title + body: its start decides); the hint when the identifier is unsure or
    close to it; "" when there is neither."""
    if not text.strip():
        return hint or ""
    ranked = _identifier().rank(text[:SAMPLE_CHARS])
    top, top_probability = ranked[0]
    if hint and top_probability < MIN_CONFIDENCE:
        return hint
    if hint and hint != top:
        hinted = next((p for language, p in ranked if language == hint), 0.0)
        if hinted * PRIOR_WEIGHT >= top_probability:
            return hint
    return str(top)
