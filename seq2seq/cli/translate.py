"""``seq2seq translate`` and ``seq2seq evaluate``: thin click layers over decoding and scoring."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from seq2seq import atomic, shipped
from seq2seq.cli import STDIN, FrameworkCommand, PathArgument, main
from seq2seq.cli.corpora import corpus_options, user_errors
from seq2seq.cli.decoding import decoding_options, read_input
from seq2seq.decoding.options import DECODE_BATCH, TRANSLATION_DEFAULTS
from seq2seq.decoding.plot import image_format

PROGRESS_MIN_SENTENCES = 200  # a progress bar (on a terminal) for inputs at least this long
FEW_TEST_PAIRS = 100  # evaluate warns below this: a score of fewer pairs is mostly chance


def checkpoint_option(default_name: str, what: str):
    return click.option(
        "--checkpoint",
        type=PathArgument(file_okay=False),
        default=None,
        help=f"Checkpoint folder (default: the shipped {what}, {default_name}).",
    )


def load_translator(checkpoint: Path | None, default_name: str = shipped.TRANSLATOR):
    """The ``Translator`` of ``--checkpoint`` (default: a shipped one), and the checkpoint."""
    from seq2seq.decoding.translator import decoding_threads, load_translator as load

    decoding_threads()  # this process decodes: a thread an operation, a core a batch
    return load(checkpoint or shipped.shipped(default_name))


@main.command(cls=FrameworkCommand)
@checkpoint_option(shipped.TRANSLATOR, "German->English model")
@click.argument("text", nargs=-1)
@click.option("--input", "input_file", type=PathArgument(dir_okay=False, allow_dash=True), help="Read sentences from FILE, one per line (-: standard input).")
@click.option("--output", "output_file", type=PathArgument(dir_okay=False), help="Write the output to FILE (atomically).")
@decoding_options(TRANSLATION_DEFAULTS)
@click.option("--batch-size", type=click.IntRange(min=1), default=DECODE_BATCH, help="Sentences decoded together.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line: translation, score (its log-probability), n_best (best first: beam search by its length-penalised score, --samples by log-probability per piece).")
@click.option("--plot-attention", type=PathArgument(dir_okay=False), help="Draw the first sentence's attention into this image (.png, .svg, .pdf or .jpg).")
@click.option("--skip-bad-lines", is_flag=True, help="Invalid UTF-8 lines give empty output lines (counted) instead of an error.")
def translate(checkpoint, text, input_file, output_file, decoding, batch_size, as_json, plot_attention, skip_bad_lines):
    """Translate TEXT arguments, else the lines of --input, else standard input (also TEXT -).

    One output line per input line, in order; an empty line gives an empty line. Input is
    normalized as the training text was; a source longer than the model's longest is cut (with
    one warning). --max-len limits the output only.
    """
    if text and input_file is not None:
        raise click.UsageError("give TEXT arguments or --input, not both")
    if text == (STDIN,):  # `seq2seq translate -`: standard input, as for most tools
        text, input_file = (), STDIN
    if plot_attention is not None and image_format(plot_attention) is None:
        raise click.UsageError(f"--plot-attention {plot_attention}: name a .png, .svg, .pdf or .jpg file")
    if not text and input_file in (None, STDIN) and sys.stdin.isatty():
        click.echo("Reading sentences from the terminal, one per line; Ctrl-D translates them.", err=True)
    with user_errors():
        for path in (output_file, plot_attention):  # before any work, not after it
            if path is not None:
                atomic.check_writable(path)
        lines, bad = read_input(text, input_file, skip_bad_lines)
        translator, loaded = load_translator(checkpoint)
        if plot_attention is not None and translator.model.config.attention == "none":
            raise click.ClickException(f"--plot-attention: {loaded.directory} has no attention to draw "
                                       "(trained with --attention none)")
        encoded, cut = translator.encode([line or "" for line in lines])
        if cut:
            click.echo(f"Warning: {cut} input line(s) longer than {translator.max_source_pieces} pieces were cut to that length", err=True)
        with _progress(len(lines)) as advance:
            outputs = translator.decode_ids(encoded, decoding, batch_size=batch_size,
                                            attention=plot_attention is not None, progress=advance)
    if bad:
        click.echo(f"Warning: skipped {bad} line(s) of invalid UTF-8 (empty output lines)", err=True)
    if as_json:
        rows = [json.dumps({"translation": o.text, "score": round(o.score, 4),
                            "n_best": [{"translation": t, "score": round(s, 4)} for t, s in o.n_best]},
                           ensure_ascii=False) for o in outputs]
    else:
        rows = [o.text for o in outputs]
    result = "".join(row + "\n" for row in rows)
    with user_errors():
        if output_file is None:
            click.echo(result, nl=False)
        else:
            atomic.write_text(output_file, result)
        if plot_attention is not None:
            first = next((o for o in outputs if o.source_pieces), None)
            if first is None:
                raise click.ClickException("--plot-attention: no non-empty input to draw")
            from seq2seq.decoding.plot import plot_attention as draw

            draw(first, plot_attention)


class _progress:
    """A progress bar on stderr for long inputs, only when stderr is a terminal."""

    def __init__(self, total: int):
        self.bar = None
        if total >= PROGRESS_MIN_SENTENCES and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="decoding", file=sys.stderr)

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.__enter__()
        return self.bar.update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


@main.command(cls=FrameworkCommand)
@checkpoint_option(shipped.TRANSLATOR, "German->English model")
@corpus_options(default_split=None, checkpoint_context=True, leave_out=("max_len",))
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N pairs.")
@decoding_options(TRANSLATION_DEFAULTS, leave_out=("n_best", "max_len"))
@click.option("--batch-size", type=click.IntRange(min=1), default=DECODE_BATCH, help="Sentences decoded together.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(checkpoint, corpora, limit, decoding, batch_size, as_json):
    """Score a checkpoint on a corpus split: sacreBLEU BLEU and chrF, and perplexity."""
    from seq2seq.checkpoint import context_turns
    from seq2seq.corpora.unseen import evaluation_split, own_file, scoring_notes
    from seq2seq.evaluation import evaluate as run_evaluation

    with user_errors():
        translator, loaded = load_translator(checkpoint)
        if corpora.context_turns is None:  # dialogue sources built as the model was trained on them
            corpora = dataclasses.replace(corpora, context_turns=context_turns(loaded.config))
        split_chosen = corpora.split is None
        if split_chosen:
            corpora = dataclasses.replace(corpora, split=evaluation_split(corpora.specs, loaded.config))
        pairs = list(corpora.load())
        if limit:
            pairs = pairs[:limit]
        for note in scoring_notes(pairs, loaded.config, corpora, split_chosen):
            click.echo(note, err=True)
        own = corpora.split == "test" and all(map(own_file, corpora.specs))  # a hash's 1% of files of yours
        # ... never trained on (a split chosen for such files would have been "all")
        whole = own and not split_chosen and evaluation_split(corpora.specs, loaded.config) == "all"
        if not pairs:
            hint = ": about 1 pair in 100 of a file of yours is in the test split" if own else ""
            raise click.ClickException(f"no pairs in split {corpora.split!r} of {', '.join(corpora.specs)}"
                                       + hint + (" (--split all: every pair)" if whole else ""))
        if len(pairs) < FEW_TEST_PAIRS and not limit:
            click.echo(f"Warning: a score on only {len(pairs)} pair(s) is unreliable: each sentence moves BLEU by "
                       "points" + (" (--split all: every pair of your file)" if whole else ""), err=True)
        with _progress(len(pairs)) as advance:
            scores = run_evaluation(translator, pairs, options=decoding, batch_size=batch_size, progress=advance)
    if as_json:
        click.echo(json.dumps(scores, sort_keys=True))
        return
    click.echo(f"BLEU {scores['bleu']:.2f}  chrF {scores['chrf']:.2f}  perplexity {scores['perplexity']:.2f}  "
               f"({scores['pairs']} pairs, {scores['decoding']})")
    click.echo(f"sacreBLEU signatures: BLEU {scores['signature']['bleu']}; chrF {scores['signature']['chrf']}")
