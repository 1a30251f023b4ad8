"""The memory lab: why LSTMs and GRUs remember what a simple RNN forgets, measured.

Six experiments with ``seq2seq.layers`` (``run.run_memory_lab``): long-range recall
(``long_range``), the gradient reaching each timestep (``gradient_flow``), exploding gradients
and clipping (``exploding``), next-letter prediction on real text (``char_model``), the holding
gates (``gates``) and training speed (``speed``); ``report`` writes the Markdown.

``LabConfig`` needs nothing but the standard library; ``run_memory_lab`` imports Keras, on first
use (so the command line can show its defaults without loading a framework).
"""

from seq2seq.lab.config import LabConfig, quick_config


def __getattr__(name: str):
    if name == "run_memory_lab":
        from seq2seq.lab.run import run_memory_lab

        return run_memory_lab
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LabConfig", "quick_config", "run_memory_lab"]
