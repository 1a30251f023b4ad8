"""Which pairs a checkpoint never trained on: the split that ``seq2seq evaluate`` scores by
default, and how many of a test file's pairs are training pairs after all.

A checkpoint's config lists the corpora it trained on (its data section). A file of the user's
own (``tsv:``, ``jsonl:``) that is not among them (by its contents) is scored whole; one that
is keeps its test split, the 1% its hash put there.
"""

from __future__ import annotations

import dataclasses
import hashlib
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
    """Whether the checkpoint of ``config`` trained on ``spec``'s data.

    A named corpus or a folder: when a training corpus names the same (``same_corpus``). A file
    of yours: when a training file has the same contents (the file itself, or a copy); when that
    training file cannot be found any more (moved, or named relative to another folder), when it
    has the same file name, to be safe.
    """
    mine = parse_spec(spec)
    for seen in config.get("data", {}).get("corpora", []):
        try:
            theirs = parse_spec(str(seen))
        except DataError:  # a kind this version does not know: not the same data
            continue
        if theirs.kind != mine.kind:
            continue
        if not (own_file(spec) and own_file(str(seen))):
            if same_corpus(spec, str(seen)):
                return True
            continue
        ours, trained = Path(mine.argument).expanduser(), Path(theirs.argument).expanduser()
        if ours.is_file() and trained.is_file():
            if same_contents(ours, trained):
                return True
        elif ours.name == trained.name:
            return True
    return False


def same_contents(first: Path, second: Path) -> bool:
    """Whether two files hold the same bytes (compared by size, then SHA-256)."""
    if first.stat().st_size != second.stat().st_size:
        return False
    if first.resolve() == second.resolve():
        return True

    def digest(path: Path) -> bytes:
        hashed = hashlib.sha256()
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                hashed.update(block)
        return hashed.digest()

    return digest(first) == digest(second)


def evaluation_split(specs: Sequence[str], config: dict) -> str:
    """``test``; or ``all`` when every corpus is a file of your own (``own_file``) that the
    checkpoint did not train on (``trained_on``): a test file of yours is scored whole, not the
    1% of it that its hash puts in the test split. A checkpoint that does not list its training
    corpora gets ``test``."""
    listed = bool(config.get("data", {}).get("corpora"))
    unseen = all(own_file(spec) and not trained_on(spec, config) for spec in specs)
    return "all" if listed and specs and unseen else "test"


def seen_pairs(pairs: Sequence[tuple[str, str]], config: dict, corpora: CorpusSelection) -> int | None:
    """How many of ``pairs`` are training pairs of the checkpoint of ``config``: its training
    corpora read again as it read them (from ``corpora``'s data folder, quietly: their warnings
    were the training's); None when they cannot be read any more (moved, deleted, changed)."""
    data = config.get("data", {})
    trained = dataclasses.replace(corpora, specs=tuple(data.get("corpora", ())), split="train", skip_bad_lines=True,
                                  context_turns=data.get("context_turns", corpora.context_turns),
                                  max_len=data.get("max_len"))  # (the training skipped its bad lines, or had none)
    wanted, found = Counter(pairs), set()
    logger = logging.getLogger("seq2seq.corpora")  # the readers' reports
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        for pair in trained.load():
            if pair in wanted:
                found.add(pair)
    except DataError:  # a training file moved, deleted or changed since
        return None
    finally:
        logger.setLevel(level)
    return sum(wanted[pair] for pair in found)


def scoring_notes(pairs: Sequence[tuple[str, str]], config: dict, corpora: CorpusSelection,
                  split_chosen: bool) -> list[str]:
    """What to tell the user of the ``pairs`` that ``seq2seq evaluate`` scores for the checkpoint
    of ``config``, one line each: a named corpus the checkpoint never trained on (another language
    pair), training pairs among those scored (``--split all`` or ``train``), and, when the split
    was chosen for them (``split_chosen``: ``evaluation_split``'s), why that one."""
    notes = []
    files = ", ".join(corpora.specs)
    trained = [str(spec) for spec in config.get("data", {}).get("corpora", [])]
    others = [spec for spec in corpora.specs
              if trained and not own_file(spec) and not any(same_corpus(spec, seen) for seen in trained)]
    if others:
        notes.append(f"Warning: this model was trained on {', '.join(trained)}, not on {', '.join(others)}")
    if corpora.split in ("all", "train"):
        seen = seen_pairs(pairs, config, corpora)
        if seen:
            notes.append(f"Warning: {seen:,} of the {len(pairs):,} pairs of {files} are training pairs of this model: "
                         "its score on them is partly memory")
        elif split_chosen and seen is None:
            notes.append(f"Scoring every pair of {files}; this model's training data could not be read again to "
                         "check that none is a training pair (--split test: its test split only)")
        elif split_chosen:
            notes.append(f"Scoring every pair of {files}, which this model never trained on "
                         "(--split test: its test split only)")
    elif (split_chosen and corpora.split == "test" and all(map(own_file, corpora.specs))
          and any(trained_on(spec, config) for spec in corpora.specs)):
        notes.append(f"Scoring the test split of {files} only: this model trained on the rest "
                     "(--split all: every pair, training pairs included)")
    return notes
