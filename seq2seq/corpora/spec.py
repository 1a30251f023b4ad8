"""Corpus specs: the strings users pass to ``--corpus`` (``multi30k:de-en``, ``tsv:pairs.tsv``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def same_corpus(a: str, b: str) -> bool:
    """Whether two specs name the same data: the same kind, and the same argument or, for files
    that exist, the same path once resolved (``tsv:pairs.tsv`` and ``tsv:/home/me/pairs.tsv`` run in
    ``/home/me``).

    >>> same_corpus("multi30k:de-en", "multi30k:de-en"), same_corpus("multi30k:de-en", "multi30k:fr-en")
    (True, False)
    """
    try:
        first, second = parse_spec(a), parse_spec(b)
    except DataError:
        return a == b
    if first.kind != second.kind:
        return False
    if first.argument == second.argument:
        return True
    paths = [Path(spec.argument).expanduser() for spec in (first, second)]
    return all(path.exists() for path in paths) and paths[0].resolve() == paths[1].resolve()
