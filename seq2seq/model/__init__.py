"""The encoder-decoder: ``ModelConfig`` -> ``Seq2Seq`` (encoder, attentional decoder).

``ModelConfig`` needs nothing but the standard library; ``Seq2Seq`` imports Keras, on first use
(so the command line can read a config without loading a framework).
"""

from seq2seq.model.config import ModelConfig


def __getattr__(name: str):
    if name == "Seq2Seq":
        from seq2seq.model.seq2seq import Seq2Seq

        return Seq2Seq
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ModelConfig", "Seq2Seq"]
