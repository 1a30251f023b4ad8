"""``load_pairs``: the normalized, filtered, split (source, target) pairs of one or more corpora."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from seq2seq.corpora.chunks import ChunkFilter, chunked
from seq2seq.corpora.folders import is_split_folder
from seq2seq.corpora.paths import resolve_data_dir
from seq2seq.corpora.request import ReadRequest, first_report
from seq2seq.corpora.spec import CorpusSpec, parse_spec
from seq2seq.corpora.splits import check_split, pair_hash, split_of_hash
from seq2seq.corpora.stats import CorpusStats
from seq2seq.corpora.text import normalize_text, word_count
from seq2seq.errors import DataError

log = logging.getLogger(__name__)


class PairSource:
    """A re-iterable stream of normalized ``(source: str, target: str)`` pairs.

    Each iteration reads the corpora again (TSV, JSONL and Multi30k line by line, so a corpus of
    millions of pairs is never held in memory) and applies, in order:

    1. the reader's checks: malformed lines raise ``DataError`` (``file:line: reason``) or, with
       ``skip_bad_lines``, are skipped and counted;
    2. normalization (``normalize_text``: NFKC, no control characters, single spaces);
    3. the empty filter (either side empty after normalization);
    4. the split: Multi30k's own files; dialogue corpora by conversation, in the reader, before
       the filters above (the pairs of another split's conversations count as ``other_split``,
       whatever their text); TSV by a hash of each pair (``split_of_hash``); 98/1/1 either way;
    5. for the train split only, the length filter (either side longer than ``max_len`` words):
       valid and test are never filtered by length, so they score the whole split;
    6. for the train split only, removal of exact duplicates (across all the specs).

    ``stats`` holds the counts of the latest iteration (complete once it has finished). A corpus
    with no non-empty pair at all raises ``DataError``; an empty split does not.

    ``chunks(size)`` gives the same pairs and counts as lists of ``size`` pairs, filtered a
    chunk at a time: much faster for bulk consumers like ``encode_pairs``, but a malformed line
    raises before the pairs that precede it in its chunk are handed out.
    """

    def __init__(
        self,
        specs: Sequence[CorpusSpec],
        split: str,
        data_dir: Path,
        context_turns: int,
        skip_bad_lines: bool,
        max_len: int | None,
    ):
        self.specs = list(specs)
        self.split = check_split(split)
        self.data_dir = data_dir
        self.context_turns = context_turns
        self.skip_bad_lines = skip_bad_lines
        self.max_len = max_len
        self.stats = CorpusStats()

    @property
    def length_limit(self) -> int | None:
        """The ``max_len`` this split is filtered with: training pairs only (else ``None``)."""
        return self.max_len if self.split == "train" else None

    def __repr__(self) -> str:
        specs = ", ".join(spec.text for spec in self.specs)
        return f"PairSource([{specs}], split={self.split!r})"

    def __iter__(self) -> Iterator[tuple[str, str]]:
        stats = CorpusStats()
        self.stats = stats
        seen_hashes: set[int] | None = set() if self.split == "train" else None
        for spec in self.specs:
            corpus_stats = CorpusStats()
            stats.by_corpus[spec.text] = corpus_stats
            try:
                yield from self._corpus_pairs(spec, corpus_stats, seen_hashes)
            finally:
                stats.add(corpus_stats)
            summary = f"{spec.text} [{self.split}]: {corpus_stats.summary()}"
            log.log(logging.INFO if first_report(summary) else logging.DEBUG, "%s", summary)

    def chunks(self, size: int = 10_000) -> Iterator[tuple[list[str], list[str]]]:
        """One pass over the pairs as ``(sources, targets)`` lists of ``size`` pairs each.

        The pairs (in order) and the ``stats`` of ``iter(self)``, only the last list shorter.
        """
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        stats = CorpusStats()
        self.stats = stats
        seen_hashes: set[int] | None = set() if self.split == "train" else None
        sources: list[str] = []
        targets: list[str] = []
        for spec in self.specs:
            corpus_stats = CorpusStats()
            stats.by_corpus[spec.text] = corpus_stats
            try:
                for kept_sources, kept_targets in self._corpus_chunks(
                    spec, corpus_stats, seen_hashes, size
                ):
                    sources += kept_sources
                    targets += kept_targets
                    while len(sources) >= size:
                        yield sources[:size], targets[:size]
                        del sources[:size], targets[:size]
            finally:
                stats.add(corpus_stats)
            summary = f"{spec.text} [{self.split}]: {corpus_stats.summary()}"
            log.log(logging.INFO if first_report(summary) else logging.DEBUG, "%s", summary)
        if sources:
            yield sources, targets

    def _corpus_chunks(
        self, spec: CorpusSpec, stats: CorpusStats, seen_hashes: set[int] | None, size: int
    ) -> Iterator[tuple[list[str], list[str]]]:
        """``_corpus_pairs`` a chunk at a time: the kept pairs as ``(sources, targets)`` lists."""
        kind = spec.corpus_kind
        request = self._request(stats)
        split_by_hash = self._split_by_hash(spec)
        keep = ChunkFilter(self.split if split_by_hash else None, self.length_limit, seen_hashes)
        if kind.read_chunks is not None:
            chunks = kind.read_chunks(spec.argument, request, size)
        else:
            chunks = chunked(kind.read(spec.argument, request), size)
        for chunk in chunks:
            yield keep(chunk, stats)
        if stats.pairs_read == stats.empty:
            raise DataError(f"corpus {spec.text!r} is empty: no non-empty pair ({stats.summary()})")

    def _split_by_hash(self, spec: CorpusSpec) -> bool:
        """Whether the pairs of ``spec`` are kept by their hash's split: a pair corpus (``tsv:``)
        in one file; a folder of your own split (``folders``) is read a split's file at a time."""
        return spec.corpus_kind.split_by == "pair" and self.split != "all" and not is_split_folder(spec.argument)

    def _request(self, stats: CorpusStats) -> ReadRequest:
        """What a reader is asked for, counting into ``stats``."""
        return ReadRequest(
            data_dir=self.data_dir,
            split=self.split,
            context_turns=self.context_turns,
            skip_bad_lines=self.skip_bad_lines,
            stats=stats,
        )

    def _corpus_pairs(
        self, spec: CorpusSpec, stats: CorpusStats, seen_hashes: set[int] | None
    ) -> Iterator[tuple[str, str]]:
        """The kept pairs of one corpus, counting every filter into ``stats``."""
        kind = spec.corpus_kind
        request = self._request(stats)
        split_by_hash = self._split_by_hash(spec)
        split, max_len, seen = self.split, self.length_limit, seen_hashes
        # Counters live in locals in this loop (it runs millions of times) and go to stats below.
        pairs_read = empty = other_split = too_long = duplicates = kept = 0
        try:
            for raw_source, raw_target in kind.read(spec.argument, request):
                pairs_read += 1
                source = normalize_text(raw_source)
                target = normalize_text(raw_target)
                if not source or not target:
                    empty += 1
                    continue
                if split_by_hash and split_of_hash(pair_hash(source, target)) != split:
                    other_split += 1
                    continue
                if max_len is not None and (
                    word_count(source) > max_len or word_count(target) > max_len
                ):
                    too_long += 1
                    continue
                if seen is not None:
                    # hash() is salted per process, which is fine within one pass; 64 bits
                    # make a false duplicate among millions of pairs vanishingly unlikely
                    key = hash((source, target))
                    if key in seen:
                        duplicates += 1
                        continue
                    seen.add(key)
                kept += 1
                yield source, target
        finally:
            stats.pairs_read += pairs_read
            stats.empty += empty
            stats.other_split += other_split
            stats.too_long += too_long
            stats.duplicates += duplicates
            stats.kept += kept
        if stats.pairs_read == stats.empty:  # the reader counts the other splits' pairs too
            raise DataError(f"corpus {spec.text!r} is empty: no non-empty pair ({stats.summary()})")


def load_pairs(
    specs: Sequence[str],
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    context_turns: int = 1,
    skip_bad_lines: bool = False,
    max_len: int | None = None,
) -> PairSource:
    """The pairs of the corpora named by ``specs`` (e.g. ``["multi30k:de-en", "tsv:extra.tsv"]``).

    Args:
        specs: corpus specs, see ``seq2seq corpora list``; their pairs are chained in order.
        split: ``"train"``, ``"valid"``, ``"test"`` or ``"all"`` (every pair).
        data_dir: folder holding downloaded corpora (``multi30k/``); default ``$SEQ2SEQ_CORPORA``
            or ``./corpora``.
        context_turns: for dialogues, how many preceding turns form the source (joined by
            ``CONTEXT_SEPARATOR``).
        skip_bad_lines: skip and count malformed lines instead of raising ``DataError``.
        max_len: drop training pairs with a side longer than this many words (``None``: keep
            all); the other splits are never filtered by length.

    Returns:
        A ``PairSource``: iterate it (as often as needed) for ``(source, target)`` strings; its
        ``stats`` count what each filter removed. Specs are checked here, files when iterated.

    Raises:
        DataError: unknown spec, or (while iterating) an unreadable or malformed corpus.
        ValueError: an unknown split, ``context_turns < 1`` or ``max_len < 1``.
    """
    if not specs:
        raise DataError("no corpus given; name one with --corpus SPEC (see seq2seq corpora list)")
    if context_turns < 1:
        raise ValueError(f"context_turns must be at least 1, got {context_turns}")
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    parsed = [parse_spec(spec) for spec in specs]
    return PairSource(
        parsed, split, resolve_data_dir(data_dir), context_turns, skip_bad_lines, max_len
    )
