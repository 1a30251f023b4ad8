"""Exploding gradients: one SimpleRNN, a large recurrent initialisation, SGD with and without clipping.

The recurrent kernel starts as an orthogonal matrix times ``explode_gain`` (> 1), so products of
step Jacobians can grow along the sequence. Plain SGD (``explode_learning_rate``) takes steps
proportional to the gradient, so one huge gradient throws the weights far away; the clipped run
rescales the whole gradient to global norm ``clip_norm`` whenever it is larger. (Adam would hide
the effect: its steps have roughly the learning rate's size whatever the gradient's norm.)
"""

from __future__ import annotations

import math

import keras
import numpy as np

from seq2seq.lab import long_range, models
from seq2seq.lab.config import LabConfig


def run(config: LabConfig, progress=None) -> dict:
    """Returns ``{"distance", "unclipped": [loss per step], "clipped": [...]}`` (NaN after a blow-up)."""
    distance = min(config.longest, config.explode_distance)
    curves = {"distance": distance}
    for name, clip in (("unclipped", None), ("clipped", config.clip_norm)):
        model = models.classifier(
            "rnn", distance + 1, config.label_symbols + config.noise_symbols, config.label_symbols, config.units,
            config.seeds[0], recurrent_initializer=keras.initializers.Orthogonal(gain=config.explode_gain, seed=config.seeds[0]),
        )
        optimizer = keras.optimizers.SGD(config.explode_learning_rate, global_clipnorm=clip)
        models.compile_for_classes(model, optimizer)
        batches = long_range.task_batches(config, distance, config.seeds[0])
        curves[name] = models.train(model, batches, config.explode_steps, progress, f"exploding {name}", stop_on_nan=True)
    return curves


def summary(curves: dict) -> dict:
    """Peak and final loss of each run, and the first step with a non-finite loss (or None)."""
    out = {}
    for name in ("unclipped", "clipped"):
        losses = np.asarray(curves[name], dtype="float64")
        finite = losses[np.isfinite(losses)]
        first_bad = next((i + 1 for i, loss in enumerate(losses) if not math.isfinite(loss)), None)
        out[name] = {
            "max_loss": float(finite.max()) if finite.size else float("nan"),
            "final_loss": float(losses[-1]),
            "first_non_finite_step": first_bad,
        }
    return out


def plot(curves: dict, clip_norm: float, path) -> None:
    from seq2seq.lab.figures import figure_to_png, pyplot

    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    for name, label in (("unclipped", "no clipping"), ("clipped", f"clip-norm {clip_norm:g}")):
        losses = np.asarray(curves[name], dtype="float64")
        axis.plot(np.arange(1, len(losses) + 1), losses, label=label)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            axis.axvline(bad[0] + 1, color="red", linestyle=":", label=f"loss not finite from step {bad[0] + 1}")
    axis.set(yscale="log", xlabel="SGD step", ylabel="training loss",
             title=f"SimpleRNN, recurrent init x gain, distance {curves['distance']}")
    axis.legend()
    figure_to_png(figure, path)
