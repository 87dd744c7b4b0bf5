"""Language identification with py3langid (trafilatura leaves the language empty unless told)."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Below this probability the text is too short or mixed to trust; the source's declared language wins then.
MIN_CONFIDENCE = 0.5
# A few sentences decide as well as the whole article (p>0.95 on the fixtures and the benchmark corpus); the
# identifier's cost grows with the text, and it was a quarter of the cleaning step at 1,000 characters.
_SAMPLE_CHARS = 400


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text; the hint when the identifier is unsure; "" when there is neither."""
    if not text.strip():
        return hint or ""
    language, probability = _identifier().classify(text[:_SAMPLE_CHARS])
    if probability < MIN_CONFIDENCE and hint:
        return hint
    return str(language)
