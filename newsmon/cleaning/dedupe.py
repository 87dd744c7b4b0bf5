"""Exact and near-duplicate signatures: a content hash, and MinHash over word shingles with LSH band keys.

Signatures must match across processes and releases (they are stored in the index), so the seed, the number of
permutations and the shingle size are fixed here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from newsmon.cleaning.normalise import comparable

if TYPE_CHECKING:
    import numpy as np

NUM_PERM = 128
SEED = 1
SHINGLE_WORDS = 3
SCHEME = "affine32"  # datasketch 2.x default, named so a library upgrade cannot change stored signatures
# Shingles are hashed with CRC-32 (C, ~20x cheaper than datasketch's default SHA-1 truncated to the same 32 bits):
# MinHash needs a well-mixed hash, not a cryptographic one. This halves the cost of a signature.
HASH = zlib.crc32
# Chosen by test (tests/test_cleaning_dedupe.py): two syndicated copies of one wire story measure ~0.85,
# an unrelated article on the same topic ~0.0.
NEAR_DUPLICATE_THRESHOLD = 0.5

_WORD = re.compile(r"\w+")
# Band layout (bands x rows) that datasketch's MinHashLSH picks for this threshold and NUM_PERM, so band collisions
# track the threshold; written out (a test checks it against datasketch) because computing it imports scipy (~40 MB)
# into the crawl process, which only needs the bands, not the signatures.
BANDS, ROWS = 25, 5
_BAND_RANGES = [(band * ROWS, (band + 1) * ROWS) for band in range(BANDS)]


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash  # only where signatures are made: the cleaning workers

    permutations: tuple[np.ndarray, np.ndarray] = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return permutations


def content_hash(title: str, body: str) -> str:
    """sha256 of the normalised, case-folded title and body: equal for copies that differ only in spacing/case."""
    return hashlib.sha256(f"{comparable(title)}\n{comparable(body)}".encode()).hexdigest()


def minhash_signature(text: str) -> list[int]:
    """MinHash of the text's case-folded word 3-shingles; [] for a text without words."""
    # Whitespace and hyphen repairs cannot change \w+ tokens, so NFC + casefold gives comparable()'s words, cheaper.
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    if not words:
        return []
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=SCHEME, hashfunc=HASH)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    signature: list[int] = minhash.hashvalues.tolist()
    return signature


def lsh_bands(signature: list[int]) -> list[str]:
    """One key per LSH band ("<band>:<hash>"): store in a keyword field, look up candidates with a `terms` query."""
    if len(signature) != NUM_PERM:
        return []
    keys = []
    for band, (start, end) in enumerate(_BAND_RANGES):
        digest = hashlib.blake2b(array("Q", signature[start:end]).tobytes(), digest_size=8).hexdigest()
        keys.append(f"{band}:{digest}")
    return keys


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (share of equal MinHash slots)."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
