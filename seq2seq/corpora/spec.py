"""Corpus specs: the strings users pass to ``--corpus`` (``multi30k:de-en``, ``tsv:pairs.tsv``)."""

from __future__ import annotations

from dataclasses import dataclass

from seq2seq.corpora.kinds import CORPUS_KINDS, CorpusKind
from seq2seq.errors import DataError


@dataclass(frozen=True)
class CorpusSpec:
    """A parsed spec: ``kind`` names the reader, ``argument`` is what follows the first colon."""

    kind: str
    argument: str
    text: str  # the spec as written, for messages

    @property
    def corpus_kind(self) -> CorpusKind:
        """The registry entry of this spec's kind."""
        return CORPUS_KINDS[self.kind]


def parse_spec(text: str) -> CorpusSpec:
    """Parse ``KIND[:ARGUMENT]``; ``DataError`` for an unknown kind or a missing argument.

    >>> parse_spec("tsv:data/pairs.tsv")
    CorpusSpec(kind='tsv', argument='data/pairs.tsv', text='tsv:data/pairs.tsv')
    """
    kind_name, _, argument = text.strip().partition(":")
    kind = CORPUS_KINDS.get(kind_name.lower())
    if kind is None:
        known = ", ".join(k.usage for k in CORPUS_KINDS.values())
        raise DataError(f"unknown corpus {text!r}; expected one of {known}")
    if kind.argument_required and not argument:
        raise DataError(f"corpus {text!r} needs an argument: {kind.usage}")
    return CorpusSpec(kind.name, argument, text)
