"""``seq2seq translate`` and ``seq2seq evaluate``: thin click layers over decoding and scoring."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from seq2seq import atomic
from seq2seq.cli import main
from seq2seq.cli.corpora import corpus_options, user_errors

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[2] / "checkpoints" / "multi30k-de-en"
checkpoint_option = click.option(
    "--checkpoint",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CHECKPOINT,
    help="Checkpoint folder (default: the shipped German->English model).",
)


@main.command()
@checkpoint_option
@click.argument("text", nargs=-1)
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), help="Read sentences from FILE, one per line.")
@click.option("--output", "output_file", type=click.Path(dir_okay=False, path_type=Path), help="Write translations to FILE.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, help="Sentences decoded together.")
@click.option("--max-len", type=click.IntRange(min=1), default=100, help="Longest translation, in pieces.")
def translate(checkpoint, text, input_file, output_file, batch_size, max_len):
    """Translate TEXT arguments, else the lines of --input, else standard input.

    Greedy decoding; one translation per input line, in the input order.
    """
    from seq2seq.checkpoint import load_checkpoint
    from seq2seq.decoding import translate as run_translation

    if text:
        sentences = list(text)
    else:
        stream = input_file or sys.stdin
        sentences = [line.rstrip("\n") for line in stream]
    with user_errors():
        loaded = load_checkpoint(checkpoint)
        translations = run_translation(loaded.model, loaded.tokenizer, sentences, batch_size=batch_size, max_len=max_len)
    output = "".join(line + "\n" for line in translations)
    if output_file is None:
        click.echo(output, nl=False)
    else:
        atomic.write_text(output_file, output)


@main.command()
@checkpoint_option
@corpus_options(default_split="test")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N pairs.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, help="Sentences decoded together.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(checkpoint, corpora, limit, batch_size, as_json):
    """Score a checkpoint on a corpus split: sacreBLEU BLEU and chrF (greedy), perplexity."""
    from seq2seq.checkpoint import load_checkpoint
    from seq2seq.evaluation import evaluate as run_evaluation

    with user_errors():
        loaded = load_checkpoint(checkpoint)
        pairs = list(corpora.load())
        if limit:
            pairs = pairs[:limit]
        if not pairs:
            raise click.ClickException(f"no pairs in split {corpora.split!r} of {', '.join(corpora.specs)}")
        scores = run_evaluation(loaded.model, loaded.tokenizer, pairs, batch_size=batch_size)
    if as_json:
        click.echo(json.dumps(scores, sort_keys=True))
        return
    click.echo(f"BLEU {scores['bleu']:.2f}  chrF {scores['chrf']:.2f}  perplexity {scores['perplexity']:.2f}  ({scores['pairs']} pairs)")
    click.echo(f"sacreBLEU signatures: {scores['signature']['bleu']} | {scores['signature']['chrf']}")
