"""Generated toy corpora for end-to-end tests (in the style of Joey NMT's reverse task)."""

from __future__ import annotations

import random
from pathlib import Path

LETTERS = "abcdefghijklmnop"


def reverse_pairs(count: int, seed: int, min_len: int = 3, max_len: int = 8) -> list[tuple[str, str]]:
    """``count`` distinct pairs "a b c" -> "c b a" of random letter strings."""
    rng = random.Random(seed)
    pairs: dict[str, str] = {}
    while len(pairs) < count:
        letters = [rng.choice(LETTERS) for _ in range(rng.randint(min_len, max_len))]
        pairs[" ".join(letters)] = " ".join(reversed(letters))
    return list(pairs.items())


def write_tsv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{source}\t{target}\n" for source, target in pairs), encoding="utf-8")
    return path
