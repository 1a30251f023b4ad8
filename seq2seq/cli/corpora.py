"""``seq2seq corpora``: list the corpus kinds, show a corpus, download Multi30k.

Also the shared corpus options of every command that reads corpora (``corpus_options``), so
``train`` and ``evaluate`` take ``--corpus``, ``--data-dir``, ... exactly as ``corpora`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from seq2seq.cli import PathArgument, main
from seq2seq.corpora import (
    CORPUS_KINDS,
    DATA_DIR_ENV,
    MULTI30K_BASE_URL,
    SPLIT_CHOICES,
    SPLITS,
    CorpusSelection,
    download_multi30k,
    resolve_data_dir,
)
from seq2seq.corpora.multi30k import MULTI30K_LANGUAGES
from seq2seq.errors import Seq2SeqError

SAMPLE_PAIRS = 3  # pairs `corpora show` prints


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn a ``Seq2SeqError`` into a one-line ``click.ClickException`` (exit status 1)."""
    try:
        yield
    except Seq2SeqError as error:
        raise click.ClickException(str(error)) from None


# --- shared corpus options ------------------------------------------------------------------------


data_dir_option = click.option(
    "--data-dir",
    type=PathArgument(file_okay=False),
    default=None,
    help=f"Folder of downloaded corpora (holding multi30k/). "
    f"Default: ${DATA_DIR_ENV}, else ./corpora.",
)


def corpus_options(
    command: Callable | None = None, *, default_split: str | None = "train", with_corpus: bool = True,
    checkpoint_context: bool = False, leave_out: tuple[str, ...] = (),
) -> Callable:
    """Add the shared corpus options to a click command and pass them as one ``corpora`` argument.

    Options: ``--corpus SPEC`` (repeatable, required), ``--data-dir``, ``--context-turns``,
    ``--split``, ``--skip-bad-lines`` and ``--max-len``. The command receives a
    ``CorpusSelection`` as its ``corpora`` keyword argument instead of six separate ones::

        @main.command()
        @corpus_options
        def train(corpora: CorpusSelection, ...):
            pairs = corpora.load("train")

    Use as ``@corpus_options`` or ``@corpus_options(default_split="test")``;
    ``with_corpus=False`` leaves ``--corpus`` out (for a command taking the spec as argument;
    ``specs`` is then empty). ``checkpoint_context=True``: ``--context-turns`` defaults to None,
    for the command to take its checkpoint's own. ``leave_out``: options the command has no use
    for (``"split"``: train reads every split; ``"max_len"``: evaluate reads no training pairs),
    which then take their defaults.
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            kwargs["corpora"] = CorpusSelection(
                specs=tuple(kwargs.pop("corpus", ())),
                data_dir=kwargs.pop("data_dir"),
                context_turns=kwargs.pop("context_turns"),
                split=kwargs.pop("split", default_split),
                skip_bad_lines=kwargs.pop("skip_bad_lines"),
                max_len=kwargs.pop("max_len", None),
            )
            return function(*args, **kwargs)

        options = {
            "max_len": click.option(
                "--max-len",
                type=click.IntRange(min=1),
                default=None,
                help="Drop training pairs with a side longer than this many words (counted); "
                "valid and test are never filtered.",
            ),
            "skip_bad_lines": click.option(
                "--skip-bad-lines",
                is_flag=True,
                help="Skip malformed lines (and report how many) instead of stopping at the first.",
            ),
            "split": click.option(
                "--split",
                type=click.Choice(SPLIT_CHOICES),
                default=default_split,
                help="Which split: Multi30k's own, else ~98/1/1 by a hash of each conversation "
                "(dialogues) or pair" + (" [default: test; all for your own files the checkpoint never "
                                         "trained on]." if default_split is None else "."),
            ),
            "context_turns": click.option(
                "--context-turns",
                type=click.IntRange(min=1),
                default=None if checkpoint_context else 1,
                help="Dialogues: how many previous turns form the source"
                + (" [default: the checkpoint's own, as in its training]." if checkpoint_context else "."),
            ),
            "data_dir": data_dir_option,
        }
        options = [option for name, option in options.items() if name not in leave_out]
        if with_corpus:
            options.append(
                click.option(
                    "--corpus",
                    "corpus",
                    multiple=True,
                    required=True,
                    metavar="SPEC",
                    help="A corpus (see `seq2seq corpora list`); repeat to mix corpora.",
                )
            )
        for option in options:
            wrapper = option(wrapper)
        return wrapper

    return decorate(command) if command is not None else decorate


# --- seq2seq corpora ------------------------------------------------------------------------------


@main.group()
def corpora() -> None:
    """List, inspect and download corpora."""


@corpora.command("list")
def list_corpora() -> None:
    """Name every corpus kind with a one-line description."""
    width = max(len(kind.usage) for kind in CORPUS_KINDS.values())
    for kind in CORPUS_KINDS.values():
        click.echo(f"{kind.usage:<{width}}  {kind.description}")


@corpora.command("show")
@click.argument("spec")
@corpus_options(with_corpus=False)
def show(spec: str, corpora: CorpusSelection) -> None:
    """Print per-split pair counts, mean/max lengths (words), filter counts and sample pairs.

    SPEC is a corpus spec such as multi30k:de-en, chitchat or tsv:pairs.tsv. --split picks the
    split the samples come from (all: train).
    """
    selection = dataclasses.replace(corpora, specs=(spec,))
    sample_split = "train" if corpora.split == "all" else corpora.split
    samples: list[tuple[str, str]] = []
    rows = []  # printed once every split has been read, so an error comes alone
    with user_errors():
        for split in SPLITS:
            pairs = selection.load(split)
            summary = _LengthSummary()
            reservoir = _Reservoir(SAMPLE_PAIRS, seed=0)
            for source, target in pairs:
                summary.add(source, target)
                reservoir.add((source, target))
            if split == sample_split:
                samples = reservoir.items
            rows.append(f"{split:<6} {summary.count:>9,}  {summary.describe()}")
            rows.append(f"       filters: {pairs.stats.summary()}")
    click.echo(f"{'split':<6} {'pairs':>9}  {'source words':>19}  {'target words':>19}")
    for row in rows:
        click.echo(row)
    click.echo(f"samples ({sample_split}):")
    for number, (source, target) in enumerate(samples, start=1):
        click.echo(f"  {number}. source: {source}")
        click.echo(f"     target: {target}")


class _LengthSummary:
    """Running count, mean and maximum of the word lengths of pairs."""

    def __init__(self) -> None:
        self.count = 0
        self.totals = [0, 0]
        self.maxima = [0, 0]

    def add(self, source: str, target: str) -> None:
        self.count += 1
        for side, text in enumerate((source, target)):
            words = len(text.split())
            self.totals[side] += words
            self.maxima[side] = max(self.maxima[side], words)

    def describe(self) -> str:
        """``"mean 12.1 max 40  mean 11.9 max 38"`` (source then target)."""
        if self.count == 0:
            return f"{'-':>19}  {'-':>19}"
        return "  ".join(
            f"mean {total / self.count:5.1f} max {maximum:4d}"
            for total, maximum in zip(self.totals, self.maxima)
        )


class _Reservoir:
    """A uniform random sample of ``size`` items from a stream (reservoir sampling)."""

    def __init__(self, size: int, seed: int):
        self.size = size
        self.items: list = []
        self.seen = 0
        self._random = random.Random(seed)

    def add(self, item: object) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item


@corpora.command("download")
@click.argument("name", type=click.Choice(["multi30k"]), metavar="NAME")
@data_dir_option
@click.option(
    "--base-url",
    default=MULTI30K_BASE_URL,
    help="Where the files are (any urllib URL, file:// included).",
)
@click.option(
    "--language",
    "languages",
    type=click.Choice(MULTI30K_LANGUAGES),
    multiple=True,
    help="Only these languages (repeatable). Default: all of them.",
)
@click.option("--force", is_flag=True, help="Download again files that are already there.")
def download(
    name: str, data_dir: Path | None, base_url: str, languages: tuple[str, ...], force: bool
) -> None:
    """Fetch a corpus into the data directory, checking SHA-256 checksums.

    NAME is the corpus (multi30k: train/val/test_2016_flickr for en, de, fr and cs). Files are
    written atomically: a failed or mismatching download leaves nothing behind.
    """
    with user_errors():
        results = download_multi30k(
            resolve_data_dir(data_dir),
            base_url=base_url,
            languages=languages or MULTI30K_LANGUAGES,
            force=force,
            on_file=lambda result: click.echo(f"{result.status:>10}  {result.path}"),
        )
    fetched = sum(result.status == "downloaded" for result in results)
    click.echo(f"{name}: {fetched} downloaded, {len(results) - fetched} already present")
