"""The memory lab: why LSTMs and GRUs remember what a simple RNN forgets, measured.

Six experiments with ``seq2seq.layers`` (``run.run_memory_lab``): long-range recall
(``long_range``), the gradient reaching each timestep (``gradient_flow``), exploding gradients
and clipping (``exploding``), next-letter prediction on real text (``char_model``), the holding
gates (``gates``) and training speed (``speed``); ``report`` writes the Markdown.
"""

from seq2seq.lab.config import LabConfig, quick_config
from seq2seq.lab.run import run_memory_lab

__all__ = ["LabConfig", "quick_config", "run_memory_lab"]
