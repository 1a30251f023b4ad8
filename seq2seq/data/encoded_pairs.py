"""A compact in-memory store of encoded pairs, filled by streaming a corpus through the tokenizer.

Pair ``i``'s source ids are ``source_tokens[source_offsets[i]:source_offsets[i + 1]]`` (likewise
for the target): two flat arrays per side instead of millions of Python lists. With a vocabulary
below 65,536 ids the tokens are ``uint16``, so 2 million pairs of ~15 ids a side take ~120 MB.

``encode_pairs`` reads the corpus in chunks (a ``PairSource`` filters a whole chunk at once, see
``PairSource.chunks``) and encodes them in background threads, one chunk per core in flight
(SentencePiece releases the GIL), while the next chunk is read and normalized: the text of the
corpus is never held whole in memory and every core is busy.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from seq2seq.corpora import PairSource
from seq2seq.data.tokenizer import Tokenizer

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 10_000  # pairs encoded per SentencePiece call
ENCODE_WORKERS = min(8, os.cpu_count() or 1)  # chunks encoded at once, one C++ thread each


@dataclass
class EncodedPairs:
    """N encoded pairs, each side as flat token ids plus offsets.

    Attributes:
        source_tokens: ``(total source ids,)`` uint16 or int32, every source concatenated.
        source_offsets: ``(N + 1,)`` int64, pair ``i``'s source is
            ``source_tokens[source_offsets[i]:source_offsets[i + 1]]``.
        target_tokens: ``(total target ids,)``, as ``source_tokens``.
        target_offsets: ``(N + 1,)`` int64, as ``source_offsets``.
        too_long: pairs left out for having more than ``max_len`` ids on a side (the target
            counted with its EOS).
    """

    source_tokens: np.ndarray
    source_offsets: np.ndarray
    target_tokens: np.ndarray
    target_offsets: np.ndarray
    too_long: int = 0

    def __len__(self) -> int:
        return len(self.source_offsets) - 1

    @property
    def source_lengths(self) -> np.ndarray:
        """``(N,)`` int64: the number of source ids of each pair."""
        return np.diff(self.source_offsets)

    @property
    def target_lengths(self) -> np.ndarray:
        """``(N,)`` int64: the number of target ids of each pair (no BOS/EOS)."""
        return np.diff(self.target_offsets)

    def source(self, index: int) -> np.ndarray:
        """The source ids of pair ``index``, ``(length,)``."""
        return self.source_tokens[self.source_offsets[index] : self.source_offsets[index + 1]]

    def target(self, index: int) -> np.ndarray:
        """The target ids of pair ``index``, ``(length,)`` (no BOS/EOS)."""
        return self.target_tokens[self.target_offsets[index] : self.target_offsets[index + 1]]

    @classmethod
    def from_id_lists(
        cls,
        source_ids: Sequence[Sequence[int]],
        target_ids: Sequence[Sequence[int]],
        max_len: int | None = None,
        dtype: np.dtype | type = np.int32,
    ) -> EncodedPairs:
        """Store already-encoded pairs (``source_ids[i]`` translates to ``target_ids[i]``)."""
        if len(source_ids) != len(target_ids):
            raise ValueError(
                f"{len(source_ids)} source sequences but {len(target_ids)} target sequences"
            )
        builder = _Builder(dtype, max_len)
        builder.add(_flatten(source_ids, dtype), _flatten(target_ids, dtype))
        return builder.build()


def encode_pairs(
    pairs: Iterable[tuple[str, str]],
    tokenizer: Tokenizer,
    max_len: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = ENCODE_WORKERS,
) -> EncodedPairs:
    """Encode a stream of ``(source, target)`` texts into an ``EncodedPairs`` store.

    Args:
        pairs: e.g. a ``PairSource``; read once, in chunks of ``chunk_size``.
        tokenizer: encodes sources with ``encode_source`` and targets with ``encode_target``.
        max_len: leave out pairs whose source has more than ``max_len`` ids or whose target
            has more than ``max_len - 1`` (room for BOS/EOS); counted in ``too_long``.
        chunk_size: pairs per SentencePiece call; bounds the text held in memory at once
            (``workers + 1`` chunks: those encoding and one being read).
        workers: chunks encoded at once, each by one SentencePiece thread.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    vocab_size = max(tokenizer.source_vocab_size, tokenizer.target_vocab_size)
    dtype = np.uint16 if vocab_size <= np.iinfo(np.uint16).max + 1 else np.int32
    builder = _Builder(dtype, max_len)
    if isinstance(pairs, PairSource):
        chunks = pairs.chunks(chunk_size)
    else:
        chunks = _text_chunks(pairs, chunk_size)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encode") as pool:
        pending: collections.deque[Future] = collections.deque()  # in order of the chunks
        for sources, targets in chunks:
            pending.append(pool.submit(_encode_chunk, tokenizer, sources, targets, dtype))
            if len(pending) > workers:
                builder.add(*pending.popleft().result())
        while pending:
            builder.add(*pending.popleft().result())
    encoded = builder.build()
    log.info("encoded %d pairs (%d left out as too long)", len(encoded), encoded.too_long)
    return encoded


FlatSide = tuple[np.ndarray, np.ndarray]  # (tokens (total,), lengths (n,) int64)


def _text_chunks(
    pairs: Iterable[tuple[str, str]], chunk_size: int
) -> Iterator[tuple[list[str], list[str]]]:
    """``(sources, targets)`` lists of up to ``chunk_size`` pairs each."""
    iterator = iter(pairs)
    while chunk := list(itertools.islice(iterator, chunk_size)):
        sources, targets = zip(*chunk)
        yield list(sources), list(targets)


def _encode_chunk(
    tokenizer: Tokenizer, sources: list[str], targets: list[str], dtype: type
) -> tuple[FlatSide, FlatSide]:
    """Encode one chunk of texts into flat arrays (runs in the worker thread)."""
    return (
        _flatten(tokenizer.encode_source(sources, threads=1), dtype),
        _flatten(tokenizer.encode_target(targets, threads=1), dtype),
    )


def _flatten(id_lists: Sequence[Sequence[int]], dtype: type) -> FlatSide:
    """N id lists -> ``(tokens (total,), lengths (N,) int64)``."""
    lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists))
    tokens = np.fromiter(
        itertools.chain.from_iterable(id_lists), dtype=dtype, count=int(lengths.sum())
    )
    return tokens, lengths


class _Builder:
    """Copies flat chunks into the store as they come, dropping over-long pairs."""

    def __init__(self, dtype: type, max_len: int | None):
        if max_len is not None and max_len < 2:
            raise ValueError(f"max_len must be at least 2 (a token and EOS), got {max_len}")
        self.max_len = max_len
        self.too_long = 0
        self.source_tokens = _GrowingArray(dtype)
        self.target_tokens = _GrowingArray(dtype)
        self.source_offsets = _GrowingArray(np.int64, first=0)
        self.target_offsets = _GrowingArray(np.int64, first=0)

    def add(self, source: FlatSide, target: FlatSide) -> None:
        """Append one chunk: ``source`` and ``target`` as ``(tokens, lengths)``."""
        (source_tokens, source_lengths), (target_tokens, target_lengths) = source, target
        if self.max_len is not None:
            keep = (source_lengths <= self.max_len) & (target_lengths + 1 <= self.max_len)
            if not keep.all():
                self.too_long += int((~keep).sum())
                source_tokens = source_tokens[np.repeat(keep, source_lengths)]
                target_tokens = target_tokens[np.repeat(keep, target_lengths)]
                source_lengths, target_lengths = source_lengths[keep], target_lengths[keep]
        self.source_offsets.append(np.cumsum(source_lengths) + len(self.source_tokens))
        self.target_offsets.append(np.cumsum(target_lengths) + len(self.target_tokens))
        self.source_tokens.append(source_tokens)
        self.target_tokens.append(target_tokens)

    def build(self) -> EncodedPairs:
        """The ``EncodedPairs`` of the chunks added (the builder is spent)."""
        return EncodedPairs(
            source_tokens=self.source_tokens.finish(),
            source_offsets=self.source_offsets.finish(),
            target_tokens=self.target_tokens.finish(),
            target_offsets=self.target_offsets.finish(),
            too_long=self.too_long,
        )


class _GrowingArray:
    """A 1-D array appended to in place, its capacity doubled when full.

    Each item is copied about twice on average, spread over the appends (while the next chunks
    encode) rather than in one concatenation of every chunk at the end.
    """

    def __init__(self, dtype: type, first: int | None = None):
        self.data = np.empty(1024, dtype=dtype)
        self.size = 0
        if first is not None:
            self.append(np.array([first], dtype=dtype))

    def __len__(self) -> int:
        return self.size

    def append(self, values: np.ndarray) -> None:
        """Copy ``values`` ``(M,)`` to the end."""
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.empty(max(end, 2 * len(self.data)), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    def finish(self) -> np.ndarray:
        """The items, ``(size,)``, in an array trimmed in place (no copy)."""
        data, self.data = self.data, np.empty(0, dtype=self.data.dtype)
        data.resize(self.size, refcheck=False)  # the builder holds the only reference
        return data
