"""Gates at work: the LSTM forget gate and the GRU update gate over one recall sequence.

Both gates decide how much of the previous state survives a step: the LSTM keeps
``forget_gate * c_{t-1}``, the GRU keeps ``update_gate * h_{t-1}`` (Keras's convention,
``h_t = z h_{t-1} + (1 - z) candidate``). A gate near 1 holds memory; near 0 it overwrites.
"""

from __future__ import annotations

import numpy as np

# Which gate holds memory in each cell.
HOLDING_GATE = {"lstm": "forget_gate", "gru": "update_gate"}


def activations(trained: dict, inputs: np.ndarray) -> dict:
    """``{cell: (units, T)}`` holding-gate activations over the first sequence of ``inputs``."""
    out = {}
    for cell, gate in HOLDING_GATE.items():
        if cell in trained:
            values = trained[cell].get_layer("recurrent").gate_activations(inputs[:1])[gate]  # (1, T, U)
            out[cell] = values[0].T
    return out


def summary(gates: dict) -> dict:
    """Per cell: the mean gate over the distractors, and the share of units that stay above 0.9
    (hold) on every distractor step."""
    return {
        cell: {
            "mean_over_distractors": float(values[:, 1:].mean()),
            "units_holding": float(np.mean(values[:, 1:].min(axis=1) > 0.9)),
        }
        for cell, values in gates.items()
    }


def plot(gates: dict, path) -> None:
    from seq2seq.lab.figures import figure_to_png, pyplot
    from seq2seq.lab.models import NAMES

    plt = pyplot()
    figure, axes = plt.subplots(len(gates), 1, figsize=(10, 3 * len(gates)), squeeze=False)
    for axis, (cell, values) in zip(axes[:, 0], gates.items()):
        order = np.argsort(-values[:, 1:].mean(axis=1))  # most holding units on top
        image = axis.imshow(values[order], aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        axis.set(title=f"{NAMES[cell]} {HOLDING_GATE[cell].replace('_', ' ')} (1 = keep the past)",
                 xlabel="timestep (label at 0, then distractors)", ylabel="unit (sorted)")
        figure.colorbar(image, ax=axis)
    figure_to_png(figure, path)
