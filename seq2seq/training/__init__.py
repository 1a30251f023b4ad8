"""Training: the objective, the hyperparameters, the callbacks and the ``train`` entry point.

``TrainingConfig`` needs nothing but the standard library; ``train`` imports Keras, on first use.
"""

from seq2seq.training.config import TrainingConfig


def __getattr__(name: str):
    if name == "train":
        from seq2seq.training.trainer import train

        return train
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["TrainingConfig", "train"]
