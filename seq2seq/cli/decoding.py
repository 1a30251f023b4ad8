"""The decoding options shared by ``translate``, ``evaluate`` and ``chat``, and their text input.

``decoding_options(defaults)`` adds ``--greedy/--beam N/--sample`` and their knobs to a command
and hands it one ``DecodingOptions`` as ``decoding``; each command has its own defaults
(deterministic beam search for translation, varied sampling for chat).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from seq2seq.cli import STDIN
from seq2seq.decoding.options import MAX_SEED, MAX_TEMPERATURE, DecodingOptions
from seq2seq.corpora.lines import decode_lines, read_lines
from seq2seq.errors import ConfigError, DataError


def decoding_options(defaults: DecodingOptions, leave_out: tuple[str, ...] = ()) -> Callable:
    """Decorate a click command with the decoding options; it receives ``decoding``.

    ``leave_out`` names options the command has no use for: ``evaluate`` scores the best output
    only (``n_best``) and its ``--max-len`` is the corpus filter's; ``chat`` gives one reply.
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            greedy, beam, sample = kwargs.pop("greedy"), kwargs.pop("beam"), kwargs.pop("sample")
            if greedy + (beam is not None) + sample > 1:
                raise click.UsageError("choose one of --greedy, --beam N and --sample")
            method = defaults.method
            if greedy or beam == 1:
                method = "greedy"
            elif beam is not None:
                method = "beam"
            elif sample:
                method = "sample"
            fields = {name: kwargs.pop(name, None) for name in _KNOBS}
            for names, needs in ((_SAMPLING_KNOBS, "sample"), (("alpha",), "beam")):
                given = [name for name in names if fields[name] is not None]
                if given and method != needs and not (needs == "beam" and beam is not None):  # ignored unsaid
                    # (--beam 1 decodes greedily, and takes --alpha: a beam-width sweep may start at 1)
                    used = (_METHOD_NAMES[method] if greedy or beam is not None or sample else
                            f"{_METHOD_NAMES[method].split(' (')[0]}, this command's default (add {_METHOD_FLAGS[needs]})")
                    raise click.UsageError(f"--{given[0].replace('_', '-')} applies to {_METHOD_NAMES[needs]} only, "
                                           f"not to {used}")
            changes = {k: v for k, v in fields.items() if v is not None}
            if method != "sample":  # the defaults' sample-and-rank goes with their sampling
                changes["samples"] = 1
            try:
                kwargs["decoding"] = defaults.replace(method=method, beam=beam or defaults.beam, **changes)
            except ConfigError as error:
                raise click.UsageError(str(error)) from None
            return function(*args, **kwargs)

        options = {  # parameter name -> its option
            "greedy": click.option("--greedy", is_flag=True, help="Greedy decoding: the most probable piece each step."),
            "beam": click.option("--beam", type=click.IntRange(min=1), default=None,
                help=f"Beam search with N hypotheses (given no --greedy, --beam or --sample, this command decodes by {defaults.describe()})."),
            "sample": click.option("--sample", is_flag=True, help="Sample from the model (see --temperature, --top-k, --top-p)."),
            "alpha": click.option("--alpha", type=click.FloatRange(min=0), default=None,
                help=f"Beam search length penalty, GNMT's alpha [default: {defaults.alpha:g}]."),
            "n_best": click.option("--n-best", type=click.IntRange(min=1), default=None, help="Outputs per input (beam search, or --samples; --json lists them, plain text shows the best)."),
            "temperature": click.option("--temperature", type=click.FloatRange(min=0, max=MAX_TEMPERATURE, min_open=True), default=None,
                help=f"Sampling temperature [default: {defaults.temperature:g}]."),
            "top_k": click.option("--top-k", type=click.IntRange(min=0), default=None,
                help=f"Sample among the K most probable pieces (0: all) [default: {defaults.top_k}]."),
            "top_p": click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=None,
                help=f"Nucleus sampling: the smallest set of pieces of this probability [default: {defaults.top_p:g}]."),
            "samples": click.option("--samples", type=click.IntRange(min=1), default=None,
                help=f"Draw N samples per input and keep the likeliest per piece (sample-and-rank) [default: {defaults.samples}]."),
            "seed": click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None, help="Sampling seed (reproducible output)."),
            "no_repeat_ngram": click.option("--no-repeat-ngram", type=click.IntRange(min=0), default=None,
                help=f"Never repeat an n-gram of this many pieces (0: off) [default: {defaults.no_repeat_ngram}]."),
            "min_len": click.option("--min-len", type=click.IntRange(min=0), default=None,
                help=f"Shortest output, in pieces: no end before it, unless the length cap comes first [default: {defaults.min_len}]."),
            "max_len": click.option("--max-len", type=click.IntRange(min=1), default=None,
                help=f"Longest output, in pieces [default: {defaults.max_len}]."),
        }
        unknown = set(leave_out) - set(options)
        if unknown:
            raise ValueError(f"not decoding options: {', '.join(sorted(unknown))}")
        for name, option in reversed(options.items()):
            if name in leave_out:
                continue
            wrapper = option(wrapper)
        return wrapper

    return decorate


_KNOBS = ("alpha", "n_best", "temperature", "top_k", "top_p", "samples", "seed", "no_repeat_ngram", "min_len", "max_len")
_SAMPLING_KNOBS = ("temperature", "top_k", "top_p", "samples", "seed")
_METHOD_NAMES = {"greedy": "greedy decoding", "beam": "beam search (--beam N)", "sample": "sampling (--sample)"}
_METHOD_FLAGS = {"beam": "--beam N", "sample": "--sample"}


def read_input(texts: tuple[str, ...], input_file: Path | str | None, skip_bad_lines: bool) -> tuple[list[str | None], int]:
    """Texts from the arguments, else the lines of ``input_file`` (``.gz`` too; ``STDIN``, the string ``-``: stdin, while ``Path("-")`` is a file so named), else of stdin.

    A line that is not UTF-8 stops with a ``DataError`` naming ``FILE:LINE`` (``stdin:LINE``,
    ``argument N``), or with ``skip_bad_lines`` becomes ``None`` and is counted. Returns
    ``(lines, bad lines)``.
    """
    bad: list[DataError] = []

    def on_bad_line(error: DataError) -> None:
        if not skip_bad_lines:
            raise DataError(f"{error} (--skip-bad-lines turns such lines into empty ones)") from None
        bad.append(error)

    if texts:  # the shell's bytes, decoded by Python with surrogate escapes where not UTF-8
        numbered = []
        for number, text in enumerate(texts, start=1):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                on_bad_line(DataError(f"argument {number}: invalid UTF-8 (character {error.start + 1})"))
                text = None
            numbered.append((number, text))
    elif input_file is not None and input_file != STDIN:
        numbered = read_lines(input_file, on_bad_line)
    else:  # (--input - is standard input, as for most tools)
        return list(stdin_lines(on_bad_line)), len(bad)
    return [text for _, text in numbered], len(bad)


def stdin_lines(on_bad_line) -> Iterator[str | None]:
    """The lines of standard input, decoded as a file's (they end at "\\n"); a line that is not
    UTF-8 goes to ``on_bad_line`` with its ``stdin:LINE`` (None in its place if that returns)."""
    for _, text in decode_lines(sys.stdin.buffer, 1, Path("stdin"), on_bad_line):
        yield text
