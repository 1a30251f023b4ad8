"""The attention matrix of one output, drawn: source pieces across, output pieces down."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from seq2seq import atomic

if TYPE_CHECKING:  # (no framework to import for image_format)
    from seq2seq.decoding.translator import Output


def attention_figure(output: Output, title: str | None = None):
    """A matplotlib ``Figure`` of ``output.attention`` (needs ``attention=True`` decoding)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matrix = output.attention  # (output pieces + EOS, source pieces)
    rows, columns = output.pieces + ["</s>"], output.source_pieces
    figure = Figure(figsize=(max(4.0, 0.45 * len(columns) + 2.0), max(3.0, 0.4 * len(rows) + 1.5)), dpi=110)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=9)
    axes.set_yticks(range(len(rows)), rows, fontsize=9)
    axes.set_xlabel("source pieces (▁ begins a word)")
    axes.set_ylabel("output pieces")
    axes.set_title(title or output.text, fontsize=10)
    figure.colorbar(image, ax=axes, fraction=0.04, label="attention weight")
    figure.tight_layout()
    return figure


IMAGE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg"}


def image_format(path: str | Path) -> str | None:
    """The image format that ``path``'s suffix names (``IMAGE_FORMATS``), or None."""
    return IMAGE_FORMATS.get(Path(path).suffix.lower())


def plot_attention(output: Output, path: str | Path, title: str | None = None) -> None:
    """Write the attention heatmap of ``output`` to ``path``, atomically, as its suffix says
    (``IMAGE_FORMATS``; PNG for any other)."""
    figure = attention_figure(output, title)
    with atomic.replacing(Path(path)) as temporary:
        figure.savefig(temporary, format=image_format(path) or "png")
