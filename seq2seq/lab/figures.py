"""Matplotlib without a display, and PNGs written atomically."""

from __future__ import annotations

from pathlib import Path

from seq2seq import atomic


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_to_png(figure, path: Path, dpi: int = 90) -> Path:
    """Saves ``figure`` to ``path`` in one atomic replace, then closes it."""
    plt = pyplot()
    try:
        figure.tight_layout()
        with atomic.replacing(path) as temporary:
            figure.savefig(temporary, format="png", dpi=dpi)
    finally:
        plt.close(figure)
    return Path(path)
