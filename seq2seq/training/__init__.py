"""Training: the objective, the hyperparameters, the callbacks and the ``train`` entry point."""

from seq2seq.training.config import TrainingConfig
from seq2seq.training.trainer import train

__all__ = ["TrainingConfig", "train"]
