"""The encoder-decoder model: one Keras model built from one ``ModelConfig``."""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.model.config import ModelConfig
from seq2seq.model.decoder import Decoder
from seq2seq.model.encoder import Encoder


@keras.saving.register_keras_serializable(package="seq2seq")
class Seq2Seq(keras.Model):
    """``(source ids (B, S), decoder input ids (B, T)) -> logits (B, T, V)`` (teacher forcing).

    Id 0 is padding everywhere. For decoding, ``encode`` once, then ``decoder.step`` per token
    (see ``seq2seq.decoding``).
    """

    def __init__(self, config: ModelConfig | dict, **kwargs):
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = ModelConfig.from_dict(config)
        self.config = config
        self.encoder = Encoder(config, name="encoder")
        self.decoder = Decoder(config, memory_size=self.encoder.output_size, name="decoder")
        self.built = True

    def call(self, inputs, training=False):
        source_ids, decoder_input_ids = inputs
        encoder_outputs, summary, source_mask = self.encoder(source_ids, training=training)
        return self.decoder(decoder_input_ids, encoder_outputs, summary, source_mask, training=training)

    def encode(self, source_ids):
        """``source ids (B, S)`` -> ``(memory, initial decoder state)`` for step-wise decoding."""
        source_ids = ops.convert_to_tensor(source_ids, dtype="int32")
        encoder_outputs, summary, source_mask = self.encoder(source_ids, training=False)
        return self.decoder.remember(encoder_outputs, source_mask), self.decoder.initial_state(summary)

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
