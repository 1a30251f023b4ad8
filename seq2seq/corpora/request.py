"""What a corpus reader is asked for, and where it reports what it could not use."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from seq2seq.corpora.dialogue import dialogue_pairs, reply_count
from seq2seq.corpora.splits import split_of_conversation
from seq2seq.corpora.stats import CorpusStats
from seq2seq.corpora.text import normalize_text
from seq2seq.errors import DataError

log = logging.getLogger(__name__)

WARNED_BAD_LINES = 10  # skipped lines logged as warnings; the rest at debug level
_REPORTED: set[str] = set()  # what this process has reported already


def first_report(message: str) -> bool:
    """Whether ``message`` is new in this process. A run reads a corpus file more than once
    (the tokenizer's pass over train, the encoding's, then valid): a bad line or a split's
    summary is reported the first time only (the later times at debug level)."""
    if message in _REPORTED:
        return False
    _REPORTED.add(message)
    return True


@dataclass
class ReadRequest:
    """One reader call: the options of ``load_pairs`` and the stats object to count into.

    Readers yield raw ``(source, target)`` strings; normalization and the filters are applied
    afterwards by ``PairSource``. Readers of corpora with their own splits (Multi30k) read only the
    files of ``split``; dialogue readers yield only the conversations of ``split``
    (``in_split``); the other readers are split pair by pair by ``PairSource``.
    """

    data_dir: Path  # where downloaded corpora live (multi30k/ inside it)
    split: str  # "train", "valid", "test" or "all"
    context_turns: int  # preceding turns joined into a dialogue pair's source
    skip_bad_lines: bool  # skip and count malformed lines instead of raising
    stats: CorpusStats  # the reader adds bad_lines and no_reply here

    def bad_line(self, error: DataError) -> None:
        """Report a malformed line: raise ``error``, or count it and go on if skipping."""
        if not self.skip_bad_lines:
            raise error
        self.stats.bad_lines += 1
        message = f"skipped bad line: {error}"
        warn = self.stats.bad_lines <= WARNED_BAD_LINES and first_report(message)
        log.log(logging.WARNING if warn else logging.DEBUG, "%s", message)

    def in_split(self, turns: Sequence[str], replies: Sequence[bool] | None = None) -> bool:
        """Whether the conversation of ``turns`` (raw, all of them) belongs to ``split``.

        Its pairs (``reply_count``) are counted as ``pairs_read`` and ``other_split`` if not, as
        ``PairSource`` counts the pairs of another split. ``split="all"`` keeps every conversation.
        """
        if self.split == "all":
            return True
        if split_of_conversation([normalize_text(turn) for turn in turns]) == self.split:
            return True
        pairs = reply_count(turns, replies)  # what dialogue_pairs would make of them
        self.stats.pairs_read += pairs
        self.stats.other_split += pairs
        return False

    def no_reply(self) -> None:
        """Count a dialogue entry that makes no pair: a single utterance, or no assistant turn
        after the first in a chat-style one."""
        self.stats.no_reply += 1

    def conversation_pairs(
        self, turns: Sequence[str], replies: Sequence[bool] | None = None
    ) -> Iterator[tuple[str, str]]:
        """The ``(context, reply)`` pairs of one conversation if it is in ``split``
        (``dialogue_pairs``; ``replies``: which turns are replies to learn, None: every one after
        the first); one with no reply is counted (``no_reply``) and makes none."""
        if reply_count(turns, replies) == 0:
            self.no_reply()
        elif self.in_split(turns, replies):
            yield from dialogue_pairs(turns, self.context_turns, replies)
