"""Language identification on short texts: py3langid (what cleaning uses) against lingua, on the same snippets.

Snippets of 3, 6 and 12 words and whole paragraphs, cut from the Indonesian fixture pages and from English news
sentences written for this benchmark. Both identifiers consider every language they know (a real page can be in
any); accuracy is the share of snippets labelled with the right code. lingua is optional (`pip install
lingua-language-detector`); without it only py3langid is measured.

    .venv/bin/python -m bench.language
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from py3langid.langid import MODEL_FILE, LanguageIdentifier

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages" / "expected"
ENGLISH = [
    "The foreign ministers met in Tokyo on Monday to discuss trade, security and the climate of the region.",
    "Rescue teams searched through the night for survivors after the ferry capsized off the southern coast.",
    "The central bank kept interest rates unchanged, saying inflation was slowing faster than expected.",
    "Protesters gathered outside parliament for a third day as lawmakers debated the contested election law.",
    "Officials said the ceasefire was holding, although both sides accused each other of minor violations.",
    "The company will cut about two thousand jobs after a year of falling sales in its main markets.",
    "Heavy rain caused flooding in several districts, forcing thousands of families to leave their homes.",
    "The president promised new investment in schools and hospitals during a visit to the eastern provinces.",
    "Analysts expect oil prices to remain volatile while talks between the producers continue next week.",
    "The court ordered the release of the journalist, who had been detained for more than six months.",
    "Farmers warned that the drought could halve this year's rice harvest unless the rains return soon.",
    "The army said it had shot down several drones that crossed the border early on Wednesday morning.",
]
LENGTHS = (3, 6, 12, None)  # None: the whole sentence or paragraph


def snippets() -> list[tuple[str, str]]:
    """(expected language, text) pairs."""
    indonesian = [
        line
        for page in sorted(PAGES.glob("*.txt"))
        if page.stem != "english-world"
        for line in page.read_text(encoding="utf-8").split("\n\n")
        if len(line.split()) >= 12
    ]
    english = ENGLISH + [
        p for p in (PAGES / "english-world.txt").read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 12
    ]
    pairs = []
    for language, texts in (("id", indonesian), ("en", english)):
        for text in texts:
            words = text.split()
            for length in LENGTHS:
                pairs.append((language, " ".join(words[:length]) if length else text))
    return pairs


def py3langid() -> Callable[[str], str]:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: identifier.classify(text)[0]


def lingua() -> Callable[[str], str] | None:
    try:
        from lingua import LanguageDetectorBuilder
    except ImportError:
        return None
    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else ""

    return detect


def measure(name: str, detect: Callable[[str], str], pairs: list[tuple[str, str]]) -> None:
    detect(pairs[0][1])  # load models before the clock starts
    started = time.perf_counter()
    answers = [detect(text) for _, text in pairs]
    per_text = (time.perf_counter() - started) / len(pairs) * 1000
    for length in LENGTHS:
        chosen = [i for i, (_, text) in enumerate(pairs) if _has_length(text, length)]
        right = sum(answers[i] == pairs[i][0] for i in chosen)
        label = f"{length} words" if length else "whole"
        print(f"{name:10} {label:>9}: {right / len(chosen):6.1%} right ({right}/{len(chosen)})")
    print(f"{name:10} {per_text:.2f} ms per text")


def _has_length(text: str, length: int | None) -> bool:
    count = len(text.split())
    return count == length if length else count > 12


def main() -> None:
    pairs = snippets()
    print(
        f"{len(pairs)} snippets ({sum(lang == 'id' for lang, _ in pairs)} Indonesian, "
        f"{sum(lang == 'en' for lang, _ in pairs)} English)"
    )
    measure("py3langid", py3langid(), pairs)
    detector = lingua()
    if detector is None:
        print("lingua: not installed (pip install lingua-language-detector), not measured")
    else:
        measure("lingua", detector, pairs)


if __name__ == "__main__":
    main()
