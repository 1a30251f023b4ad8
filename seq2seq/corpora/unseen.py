"""Which pairs a checkpoint never trained on: the split that ``seq2seq evaluate`` scores by
default, and how many of a test file's pairs are training pairs after all.

A checkpoint's config lists the corpora it trained on (its data section). A file of the user's
own (``tsv:``, ``jsonl:``) that is not among them is scored whole; one that is keeps its test
split, the 1% its hash put there.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from seq2seq.corpora.folders import is_split_folder
from seq2seq.corpora.selection import CorpusSelection
from seq2seq.corpora.spec import parse_spec, same_corpus
from seq2seq.errors import DataError


def own_file(spec: str) -> bool:
    """Whether ``spec`` is a file of the user's (``tsv:``, ``jsonl:``: split by a hash), not a
    folder of the user's own split (whose test file is the test split)."""
    parsed = parse_spec(spec)
    return parsed.corpus_kind.content == "either" and not is_split_folder(parsed.argument)


def trained_on(spec: str, config: dict) -> bool:
    """Whether a training corpus of the checkpoint of ``config`` names ``spec``'s file, by path or
    by file name (a copy moved elsewhere is still the same data)."""
    mine = parse_spec(spec)
    for seen in config.get("data", {}).get("corpora", []):
        try:
            theirs = parse_spec(str(seen))
        except DataError:  # a kind this version does not know: not the same file
            continue
        if same_corpus(spec, str(seen)) or (theirs.kind == mine.kind
                                            and Path(theirs.argument).name == Path(mine.argument).name):
            return True
    return False


def evaluation_split(specs: Sequence[str], config: dict) -> str:
    """``test``; or ``all`` when every corpus is a file of your own (``own_file``) that the
    checkpoint did not train on (``trained_on``): a test file of yours is scored whole, not the
    1% of it that its hash puts in the test split. A checkpoint that does not list its training
    corpora gets ``test``."""
    listed = bool(config.get("data", {}).get("corpora"))
    unseen = all(own_file(spec) and not trained_on(spec, config) for spec in specs)
    return "all" if listed and specs and unseen else "test"


def seen_pairs(pairs: Sequence[tuple[str, str]], config: dict, corpora: CorpusSelection) -> int:
    """How many of ``pairs`` are training pairs of the checkpoint of ``config``: its training
    corpora read again as it read them (from ``corpora``'s data folder, quietly: their warnings
    were the training's); 0 when they cannot be read any more."""
    data = config.get("data", {})
    trained = dataclasses.replace(corpora, specs=tuple(data.get("corpora", ())), split="train", skip_bad_lines=True,
                                  context_turns=data.get("context_turns", corpora.context_turns),
                                  max_len=data.get("max_len"))  # (the training skipped its bad lines, or had none)
    wanted, found = Counter(pairs), set()
    logging.disable(logging.WARNING)  # (a command's own thread: nothing else logs meanwhile)
    try:
        for pair in trained.load():
            if pair in wanted:
                found.add(pair)
    except DataError:  # a training file moved, deleted or changed since
        return 0
    finally:
        logging.disable(logging.NOTSET)
    return sum(wanted[pair] for pair in found)
