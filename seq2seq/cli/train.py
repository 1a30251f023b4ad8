"""``seq2seq train``: a thin click layer over ``seq2seq.training.train``."""

from __future__ import annotations

import dataclasses
import logging
import shlex
import sys
from pathlib import Path

import click

from seq2seq.cli import FrameworkCommand, PathArgument, main, show_logs
from seq2seq.cli.corpora import corpus_options, user_errors
from seq2seq.decoding.options import MAX_SEED
from seq2seq.model.config import ATTENTIONS, CELLS, ModelConfig
from seq2seq.training.config import PRECISIONS, TrainingConfig

# Every default below is read from the two configs, whose defaults are the shipped translator's recipe.
M, T = ModelConfig, TrainingConfig
MODEL_KEYS = tuple(f.name for f in dataclasses.fields(ModelConfig) if not f.name.endswith("_vocab_size"))


@main.command(cls=FrameworkCommand)
@corpus_options(leave_out=("split",))
@click.option("--out", "out_dir", required=True, type=PathArgument(file_okay=False), help="Checkpoint folder to write.")
@click.option("--cell", type=click.Choice(CELLS), default=M.cell, help="Recurrent cell of encoder and decoder.")
@click.option("--attention", type=click.Choice(ATTENTIONS), default=M.attention, help="Attention score, or none.")
@click.option("--layers", type=click.IntRange(min=1), default=M.layers, help="Recurrent layers in encoder and decoder.")
@click.option("--units", type=click.IntRange(min=1), default=M.units, help="Hidden units per layer (per direction).")
@click.option("--embed", type=click.IntRange(min=1), default=M.embed, help="Embedding size.")
@click.option("--attention-units", type=click.IntRange(min=1), default=M.attention_units, help="Hidden size of additive attention.")
@click.option("--bidirectional/--no-bidirectional", default=M.bidirectional, help="Bidirectional encoder.")
@click.option("--input-feeding/--no-input-feeding", default=M.input_feeding, help="Feed the attentional vector back (Luong).")
@click.option("--tie-embeddings", is_flag=True, help="Output projection shares the target embedding (embed == units).")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=M.dropout, help="Dropout rate.")
@click.option("--unroll", type=click.IntRange(min=1), default=M.unroll, help="Recurrent steps unrolled per loop iteration.")
@click.option("--vocab-size", type=click.IntRange(min=8), default=T.vocab_size, help="SentencePiece pieces per model.")
@click.option("--joint-vocab/--separate-vocab", default=T.joint_vocab, help="One SentencePiece model for both sides, or one each.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, show_default=False,
              help=f"Passes over the training split [default: {T.epochs}; with --resume: the run's own, "
              "and a larger number extends it].")
@click.option("--batch-size", type=click.IntRange(min=1), default=T.batch_size, help="Pairs per batch.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=T.lr, help="Peak learning rate (Adam).")
@click.option("--warmup-steps", type=click.IntRange(min=0), default=T.warmup_steps, help="Linear warm-up steps before cosine decay.")
@click.option("--clip-norm", type=click.FloatRange(min=0), default=T.clip_norm, help="Clip gradients to this global norm (0: off).")
@click.option("--label-smoothing", type=click.FloatRange(0, 1, max_open=True), default=T.label_smoothing, help="Label smoothing.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=T.seed, help="Seed of weights, dropout and data order.")
@click.option("--precision", type=click.Choice(PRECISIONS), default=T.precision, help="Compute precision.")
@click.option("--patience", type=click.IntRange(min=0), default=T.patience, help="Stop after this many epochs without better valid loss (0: off).")
@click.option("--bleu-sample", type=click.IntRange(min=0), default=T.bleu_sample, help="Validation pairs translated each epoch for BLEU.")
@click.option("--tensorboard", is_flag=True, help="Write TensorBoard logs to OUT/logs.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last completed epoch.")
@click.option("--quiet", is_flag=True, help="No progress bar (on a terminal; elsewhere there is none).")
def train(corpora, out_dir, resume, quiet, epochs, **options):
    """Train an encoder-decoder on --corpus into the checkpoint folder --out.

    The defaults are the recipe of the shipped German->English model.
    The folder is self-contained (config, weights, SentencePiece model, metrics, curves) and
    written atomically after every epoch; --resume continues an interrupted run where it stopped.
    """
    from seq2seq.checkpoint import CONFIG_FILE
    from seq2seq.training import train as run_training
    from seq2seq.training.callbacks import best_record

    show_logs(logging.INFO)  # our progress: the data kept, the tokenizer, the epochs
    if resume and (Path(out_dir) / CONFIG_FILE).is_file():  # else the resume's own error comes alone
        _warn_ignored_on_resume(click.get_current_context())
    elif not resume:
        _warn_without_effect(click.get_current_context(), options["attention"])
    model_options = {key: options.pop(key) for key in MODEL_KEYS}
    with user_errors():
        training = TrainingConfig(epochs=epochs or T.epochs, **options)
        try:
            history = run_training(
                out_dir,
                corpora,
                model_options=model_options,
                training=training,
                resume=resume,
                epochs=epochs if resume else None,
                verbose=0 if quiet or not sys.stdout.isatty() else 1,  # a log file gets one line an epoch
                on_epoch=lambda record: click.echo(_epoch_line(record)),
            )
        except KeyboardInterrupt:
            _interrupted(out_dir, corpora)
    best = best_record(history or [])
    if best:
        click.echo(f"best {_epoch_line(best)} -> {out_dir}")


# What --resume takes from the command: the rest is the run's own (config.json).
RESUME_OPTIONS = {"out_dir", "resume", "quiet", "epochs", "skip_bad_lines", "data_dir", "corpus"}


def _warn_ignored_on_resume(context: click.Context) -> None:
    """One line naming the options given with --resume that the run's own settings override."""
    ignored = []
    for parameter in context.command.params:
        name = parameter.name
        if name in RESUME_OPTIONS or context.get_parameter_source(name) != click.core.ParameterSource.COMMANDLINE:
            continue
        negative = getattr(parameter, "secondary_opts", None) and context.params[name] is False  # --no-bidirectional
        ignored.append(parameter.secondary_opts[0] if negative else parameter.opts[0])
    if ignored:
        click.echo(f"Warning: --resume keeps the run's own settings (config.json): {' '.join(ignored)} ignored",
                   err=True)


def _warn_without_effect(context: click.Context, attention: str) -> None:
    """One line for each option given that the chosen attention does not use."""
    def given(name: str) -> bool:
        return context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE

    if attention != "bahdanau" and given("attention_units"):
        click.echo(f"Warning: --attention-units has no effect with --attention {attention} "
                   "(only bahdanau's additive score has hidden units)", err=True)
    if attention == "none" and given("input_feeding"):
        flag = "--input-feeding" if context.params["input_feeding"] else "--no-input-feeding"
        click.echo(f"Warning: {flag} has no effect with --attention none (there is no attentional vector)",
                   err=True)


def _interrupted(out_dir, corpora) -> None:
    """Ctrl-C: say where the run stands and the command that goes on, and leave with status 130
    (as a shell does). The checkpoint folder holds the last completed epoch, written whole."""
    from seq2seq.checkpoint import BACKUP_DIR, CONFIG_FILE
    from seq2seq.training.backup import resume_point

    done = (resume_point(Path(out_dir) / BACKUP_DIR) or {}).get("epoch", 0)
    words = ["seq2seq", "train", "--resume"]
    for spec in corpora.specs:
        words += ["--corpus", spec]
    if corpora.data_dir is not None:
        words += ["--data-dir", str(corpora.data_dir)]
    if corpora.skip_bad_lines:
        words.append("--skip-bad-lines")
    resume = shlex.join([*words, "--out", str(out_dir)])
    click.echo("", err=True)  # after the progress bar's line
    if done:
        click.echo(f"Interrupted after epoch {done}: {resume} goes on from there", err=True)
    elif (Path(out_dir) / CONFIG_FILE).is_file():
        click.echo(f"Interrupted in the first epoch: {resume} starts it again", err=True)
    else:  # the run removed what it had begun to write
        click.echo("Interrupted before training began", err=True)
    raise SystemExit(130)


def _epoch_line(record: dict) -> str:
    parts = [f"epoch {record['epoch']}", f"loss {record.get('loss', float('nan')):.3f}"]
    if "val_loss" in record:
        parts.append(f"val_loss {record['val_loss']:.3f}")
    if "val_perplexity" in record:
        parts.append(f"val_ppl {record['val_perplexity']:.2f}")
    if "val_bleu" in record:
        parts.append(f"val_bleu {record['val_bleu']:.1f}")
    return "  ".join(parts)
