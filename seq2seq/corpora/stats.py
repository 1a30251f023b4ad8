"""Counts of what a corpus read kept and what each filter removed: nothing is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field

# Counter fields in the order they are reported.
COUNTERS = (
    "pairs_read",
    "bad_lines",
    "no_reply",
    "empty",
    "other_split",
    "too_long",
    "duplicates",
    "kept",
)
PAIR_FILTERS = ("empty", "other_split", "too_long", "duplicates")  # pairs read and dropped: kept + these = read
NO_PAIR = ("bad_lines", "no_reply")  # lines or entries that made no pair at all


@dataclass
class CorpusStats:
    """Filter counts of one pass over one or more corpora.

    ``pairs_read`` counts well-formed pairs produced by the readers (before filtering) and
    ``kept = pairs_read - empty - other_split - too_long - duplicates``. ``bad_lines`` counts
    malformed lines skipped under ``skip_bad_lines``; ``no_reply`` counts dialogue entries with no
    reply, hence no pair (a single utterance; in a chat-style one, no assistant turn after the first). ``by_corpus`` holds the counts of each spec.
    """

    pairs_read: int = 0  # well-formed (source, target) pairs produced by the readers
    bad_lines: int = 0  # malformed lines skipped (only with skip_bad_lines)
    no_reply: int = 0  # dialogue entries with no reply (a single utterance): no pair to make
    empty: int = 0  # pairs whose source or target is empty after normalization
    other_split: int = 0  # pairs belonging to another split than the one asked for
    too_long: int = 0  # training pairs with a side longer than max_len words
    duplicates: int = 0  # exact repeats of an earlier training pair
    kept: int = 0  # pairs yielded
    by_corpus: dict[str, CorpusStats] = field(default_factory=dict)

    def add(self, other: CorpusStats) -> None:
        """Add the counters of ``other`` to this object's counters (not its ``by_corpus``)."""
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        """One line for the user: ``kept 980 of 1,000 pairs (empty 3, ..., duplicates 17); no pair
        from: bad lines 2, no reply 0``: the pairs dropped add up, the lines that made none apart."""
        def counts(names) -> str:
            return ", ".join(f"{name.replace('_', ' ')} {getattr(self, name):,}" for name in names)

        return (f"kept {self.kept:,} of {self.pairs_read:,} pairs ({counts(PAIR_FILTERS)}); "
                f"no pair from: {counts(NO_PAIR)}")
