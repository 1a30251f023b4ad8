"""Gates at work: what the LSTM and GRU gates do over one recall sequence.

The gates are read from models that solved their distance (``long_range.LongRangeResult.solved``):
the gates of a model that learned nothing say nothing about how gates hold memory.

The holding gate decides how much of the previous state survives a step: the LSTM keeps
``forget_gate * c_{t-1}``, the GRU keeps ``update_gate * h_{t-1}`` (Keras's convention,
``h_t = z h_{t-1} + (1 - z) candidate``). Near 1 it holds memory; near 0 it overwrites. The
writing share is how much of the new input enters the state: the LSTM's ``input_gate``, the
GRU's ``1 - update_gate``. Holding the label and letting the distractors pass means: write at
the label (timestep 0), then hold and write little on every distractor.
"""

from __future__ import annotations

import numpy as np

# Which gate holds memory in each cell.
HOLDING_GATE = {"lstm": "forget_gate", "gru": "update_gate"}
SEQUENCES = 64  # test sequences the summary averages over (the heatmap draws the first)


def activations(model, cell: str, inputs: np.ndarray) -> dict:
    """``{"hold": (B, units, T), "write": (B, units, T)}`` for ``model`` (an LSTM or GRU classifier)
    over ``inputs (B, T, features)``."""
    gates = model.get_layer("recurrent").gate_activations(inputs)  # each (B, T, U)
    hold = np.transpose(gates[HOLDING_GATE[cell]], (0, 2, 1))
    write = np.transpose(gates["input_gate"], (0, 2, 1)) if cell == "lstm" else 1.0 - hold
    return {"hold": hold, "write": write}


def summary(gates: dict) -> dict:
    """Per cell (``{cell: activations(...)}``), averaged over the sequences: the mean holding gate
    over the distractors; the share of units whose holding gate stays above 0.9 on every
    distractor step ("holding units"); and, for the holding units, the mean writing share at the
    label (timestep 0) and per distractor."""
    out = {}
    for cell, values in gates.items():
        hold, write = values["hold"], values["write"]  # (B, U, T)
        holding = hold[:, :, 1:].min(axis=2) > 0.9  # (B, U)
        out[cell] = {
            "mean_over_distractors": float(hold[:, :, 1:].mean()),
            "units_holding": float(holding.mean()),
            "holding_write_at_label": float(write[:, :, 0][holding].mean()) if holding.any() else None,
            "holding_write_per_distractor": float(write[:, :, 1:].mean(axis=2)[holding].mean()) if holding.any() else None,
        }
    return out


def plot(gates: dict, path, accuracy: dict | None = None) -> None:
    """``gates``: ``{cell: activations(...)}`` (the first sequence is drawn); ``accuracy``:
    ``{cell: test accuracy}`` for the titles.

    One panel for each holding gate, and one for the LSTM's input gate (the GRU's writing share
    is 1 - its update gate, the same picture inverted). Units are sorted by how much they hold.
    """
    from seq2seq.lab.figures import figure_to_png, pyplot
    from seq2seq.lab.models import NAMES

    panels = []
    for cell, values in gates.items():
        values = {name: array[0] for name, array in values.items()}  # (U, T), the first sequence
        order = np.argsort(-values["hold"][:, 1:].mean(axis=1))  # most holding units on top
        distance = values["hold"].shape[1] - 1
        solved = f"distance {distance}" + (f", test accuracy {100 * accuracy[cell]:.0f}%" if accuracy and cell in accuracy else "")
        gate = HOLDING_GATE[cell].replace("_", " ")
        panels.append((values["hold"][order], f"{NAMES[cell]} {gate} (1 = keep the past; {solved})"))
        if cell == "lstm":
            panels.append((values["write"][order], "LSTM input gate (1 = write the input; same units, same order)"))

    plt = pyplot()
    figure, axes = plt.subplots(len(panels), 1, figsize=(10, 2.8 * len(panels)), squeeze=False)
    for axis, (values, title) in zip(axes[:, 0], panels):
        image = axis.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        axis.set(title=title, xlabel="timestep (label at 0, then distractors)", ylabel="unit (sorted)")
        figure.colorbar(image, ax=axis)
    figure_to_png(figure, path)
