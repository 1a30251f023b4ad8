"""Pairs in bulk: ``PairChunk``, and ``ChunkFilter`` for the filters of ``PairSource`` in bulk.

``PairSource.__iter__`` filters one pair at a time; ``PairSource.chunks`` (what ``encode_pairs``
reads) filters thousands at once with C-level ``map`` calls and NumPy masks instead of a Python
loop over the pairs. Both keep the same pairs in the same order and count the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from seq2seq.corpora.splits import split_mask
from seq2seq.corpora.stats import CorpusStats
from seq2seq.corpora.text import normalize_text


@dataclass
class PairChunk:
    """Consecutive pairs: ``sources[i]`` goes with ``targets[i]``.

    ``normalized``: the reader vouches that every text is already what ``normalize_text``
    makes of it (``normalize_fields`` said so for the whole block). ``lines``: where the reader
    has them, ``f"{sources[i]}\\t{targets[i]}".encode()`` of each pair (only if normalized).
    """

    sources: list[str]
    targets: list[str]
    normalized: bool = False
    lines: list[bytes] | None = None


def chunked(pairs: Iterable[tuple[str, str]], size: int) -> Iterator[PairChunk]:
    """``pairs`` as ``PairChunk``s of ``size`` pairs (the last one fewer)."""
    iterator = iter(pairs)
    while chunk := list(itertools.islice(iterator, size)):
        sources, targets = zip(*chunk)
        yield PairChunk(list(sources), list(targets))


class ChunkFilter:
    """Filters 2-6 of ``PairSource`` over whole chunks, counting into the given stats.

    Args:
        split: the split to keep, by ``split_of`` (``None``: every pair, no hash split).
        max_len: drop pairs with a side of more than this many words (``None``: keep all).
        seen: dedup keys (``hash`` of ``source<TAB>target`` in UTF-8, which a tab inside no
            normalized text makes unique to the pair) of the pairs kept so far, shared across
            corpora and updated here; ``None`` keeps duplicates (splits other than train).
    """

    def __init__(self, split: str | None, max_len: int | None, seen: set[int] | None):
        self.split = split
        self.max_len = max_len
        self.seen = seen

    def __call__(self, chunk: PairChunk, stats: CorpusStats) -> tuple[list[str], list[str]]:
        """The kept ``(sources, targets)`` of ``chunk``, in order."""
        sources, targets, lines = chunk.sources, chunk.targets, chunk.lines
        if not chunk.normalized:  # 2. normalization
            sources = list(map(normalize_text, sources))
            targets = list(map(normalize_text, targets))
            lines = None
        count = len(sources)
        stats.pairs_read += count
        keep = np.ones(count, dtype=bool)  # (N,)
        if not (all(sources) and all(targets)):  # 3. empty
            keep &= _lengths(sources) > 0
            keep &= _lengths(targets) > 0
            stats.empty += count - int(keep.sum())
        if lines is None and (self.split is not None or self.seen is not None):
            lines = list(map(str.encode, map("\t".join, zip(sources, targets))))
        if self.split is not None:  # 4. split
            in_split = split_mask(lines, self.split)
            stats.other_split += int((keep & ~in_split).sum())
            keep &= in_split
        if self.max_len is not None:  # 5. length in words (one more than the spaces)
            short = (_spaces(sources) < self.max_len) & (_spaces(targets) < self.max_len)
            stats.too_long += int((keep & ~short).sum())
            keep &= short
        if self.seen is not None:  # 6. duplicates of earlier pairs or of each other
            self._drop_duplicates(lines, keep, stats)
        kept = int(keep.sum())
        stats.kept += kept
        if kept == count:
            return sources, targets
        keep_list = keep.tolist()
        return (
            list(itertools.compress(sources, keep_list)),
            list(itertools.compress(targets, keep_list)),
        )

    def _drop_duplicates(self, lines: list[bytes], keep: np.ndarray, stats: CorpusStats) -> None:
        """Clear ``keep`` where a kept pair repeats an earlier one; remember the new ones."""
        candidates = np.flatnonzero(keep)  # (M,)
        candidate_lines = itertools.compress(lines, keep.tolist())
        key_list = list(map(hash, candidate_lines))
        keys = np.array(key_list, dtype=np.int64)  # (M,)
        _, first = np.unique(keys, return_index=True)
        new = np.zeros(len(keys), dtype=bool)  # (M,) first in the chunk and not seen before
        new[first] = True
        if self.seen:
            new &= ~np.fromiter(map(self.seen.__contains__, key_list), dtype=bool, count=len(keys))
        self.seen.update(itertools.compress(key_list, new.tolist()))
        keep[candidates[~new]] = False
        stats.duplicates += len(keys) - int(new.sum())


def _lengths(texts: list[str]) -> np.ndarray:
    """``(N,)`` int64: the length of each text."""
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def _spaces(texts: list[str]) -> np.ndarray:
    """``(N,)`` int64: the spaces in each text (its words minus one, once normalized)."""
    counts = map(str.count, texts, itertools.repeat(" "))
    return np.fromiter(counts, dtype=np.int64, count=len(texts))
