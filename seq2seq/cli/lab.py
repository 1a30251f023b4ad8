"""``seq2seq lab memory``: the memory lab (``seq2seq.lab``) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from seq2seq import atomic
from seq2seq.cli import FrameworkCommand, PathArgument, main
from seq2seq.cli.corpora import user_errors
from seq2seq.lab.config import CELLS, QUICK, LabConfig


def _both(name: str, show=str) -> str:
    """The help's default of a setting: the full run's, and --quick's."""
    return f"[default: {show(getattr(LabConfig, name))}; --quick: {show(QUICK.get(name, getattr(LabConfig, name)))}]"


def _listed(values) -> str:
    return ",".join(map(str, values))


def _int_list(ctx, param, value: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {value!r}") from None
    if not numbers or min(numbers) < 1:
        raise click.BadParameter(f"expected positive integers, got {value!r}")
    return tuple(dict.fromkeys(numbers))  # each once, in the order given


def _cells(ctx, param, value: str) -> tuple[str, ...]:
    cells = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise click.BadParameter(f"choose among {','.join(CELLS)}, got {value!r}")
    return tuple(dict.fromkeys(cells))


@main.group()
def lab() -> None:
    """Experiments that measure how recurrent cells remember."""


@lab.command(cls=FrameworkCommand)
@click.option("--cells", default=_listed(CELLS), callback=_cells, help="Cells to compare (rnn, lstm, gru).")
@click.option("--distances", default=None, callback=lambda c, p, v: None if v is None else _int_list(c, p, v),
              help=f"Recall distances.  {_both('distances', _listed)}")
@click.option("--seeds", type=click.IntRange(min=1), default=None, help=f"Seeds per cell and distance.  {_both('seeds', len)}")
@click.option("--steps", type=click.IntRange(min=1), default=None, help=f"Training steps per recall run.  {_both('steps')}")
@click.option("--units", type=click.IntRange(min=1), default=None, help=f"Hidden units of the recall models.  {_both('units')}")
@click.option("--gate-init", type=click.Choice(["chrono", "keras"]), default="chrono", show_default=True,
              help="Gate biases of the recall LSTM and GRU: chrono (start holding the state) or Keras's defaults.")
@click.option("--clip-norm", type=click.FloatRange(min=0, min_open=True), default=1.0, help="Global gradient norm of the clipped exploding-gradient run.")
@click.option("--out", "out_dir", type=PathArgument(file_okay=False), default=Path("lab-memory"), help="Folder for the PNGs, report.md and results.json.")
@click.option("--quick", is_flag=True, help="A small run (about a minute on a 2-core CPU).")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON on stdout.")
def memory(cells, distances, seeds, steps, units, gate_init, clip_norm, out_dir, quick, as_json):
    """Why LSTMs and GRUs remember what a simple RNN forgets: six measured experiments.

    Long-range recall accuracy per cell and distance, gradient norms per timestep, exploding
    gradients with and without clipping, next-letter predictions after "grann" on chitchat
    replies, the holding gates, and training speed. Writes PNGs and report.md to --out.
    """
    from seq2seq.lab import quick_config, run_memory_lab
    from seq2seq.lab.progress import Progress
    from seq2seq.lab.run import plain, total_steps

    overrides = {"cells": cells, "clip_norm": clip_norm, "gate_init": gate_init}
    for key, value in (("distances", distances), ("steps", steps), ("units", units)):
        if value is not None:
            overrides[key] = value
    if seeds is not None:
        overrides["seeds"] = tuple(range(seeds))
    with user_errors():
        try:
            config = quick_config(**overrides) if quick else LabConfig(**overrides)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        atomic.make_folder(out_dir)  # now, not after the experiments
        results = run_memory_lab(config, out_dir, Progress(total_steps(config)))
    if as_json:
        click.echo(json.dumps(plain(results)))
    else:
        click.echo(f"memory lab: {results['seconds']:.0f} s -> {out_dir / 'report.md'}")
