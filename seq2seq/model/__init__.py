"""The encoder-decoder: ``ModelConfig`` -> ``Seq2Seq`` (encoder, attentional decoder)."""

from seq2seq.model.config import ModelConfig
from seq2seq.model.seq2seq import Seq2Seq

__all__ = ["ModelConfig", "Seq2Seq"]
