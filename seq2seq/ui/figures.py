"""The heatmaps of the inside-the-model tab (matplotlib ``Figure`` objects, no pyplot state)."""

from __future__ import annotations

import numpy as np

from seq2seq.ui.inside import GateReport

GATE_RANGE = (0.0, 1.0)  # a sigmoid gate's values


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def gates_figure(report: GateReport, averaged: bool = False):
    """One heatmap per gate (rows: input pieces; columns: units), or with ``averaged`` one heatmap
    of every gate's mean over the units (rows: input pieces; columns: gates, values written in)."""
    rows = len(report.pieces)
    height = max(2.5, 0.32 * rows + 1.6)
    names = list(report.gates)
    labels = [name.replace("_", " ") for name in names]
    where = f"encoder layer {report.layer}{', ' + report.direction + ' direction' if report.direction else ''}"
    if averaged:
        matrix = report.averaged()  # (pieces, gates)
        figure = _figure(max(4.0, 1.4 * len(names) + 2.5), height)
        axes = figure.add_subplot()
        image = axes.imshow(matrix, cmap="viridis", vmin=min(0.0, matrix.min()), vmax=max(1.0, matrix.max()), aspect="auto")
        for (r, c), value in np.ndenumerate(matrix):
            axes.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=8,
                      color="black" if value > 0.6 else "white")
        axes.set_xticks(range(len(names)), labels, fontsize=9)
        axes.set_yticks(range(rows), report.pieces, fontsize=9)
        axes.set_title(f"mean over units ({where})", fontsize=10)
        figure.colorbar(image, ax=axes, fraction=0.05)
    else:
        figure = _figure(min(16.0, 3.6 * len(names) + 1.5), height)
        for index, (name, label) in enumerate(zip(names, labels)):
            axes = figure.add_subplot(1, len(names), index + 1)
            values = report.gates[name]  # (pieces, units)
            if name in ("cell_state", "hidden_state"):
                limit = float(max(1e-6, np.abs(values).max()))
                image = axes.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
            else:
                image = axes.imshow(values, cmap="viridis", vmin=GATE_RANGE[0], vmax=GATE_RANGE[1], aspect="auto",
                                    interpolation="nearest")
            axes.set_title(label, fontsize=10)
            axes.set_xlabel("unit", fontsize=9)
            axes.set_yticks(range(rows), report.pieces if index == 0 else [""] * rows, fontsize=9)
            figure.colorbar(image, ax=axes, fraction=0.05)
        figure.suptitle(f"each unit ({where})", fontsize=10)
    figure.tight_layout()
    return figure
