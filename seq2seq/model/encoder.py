"""The encoder: embedding, then N recurrent layers (optionally bidirectional) with dropout."""

from __future__ import annotations

import keras
from keras import ops

from seq2seq import layers as recurrent
from seq2seq.model.config import ModelConfig

RECURRENT_LAYERS = {"rnn": recurrent.SimpleRNN, "lstm": recurrent.LSTM, "gru": recurrent.GRU}


class Encoder(keras.layers.Layer):
    """``source ids (B, S)`` -> ``outputs (B, S, K)`` and a summary ``(B, K)`` of each sentence.

    ``K = units`` (or ``2 * units`` when bidirectional). The summary is the last layer's final
    hidden state (both directions concatenated), taken at each sentence's own last token since
    padding carries the state over; the decoder's initial state is computed from it.
    """

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.embedding = keras.layers.Embedding(config.source_vocab_size, config.embed, name="embedding")
        self.dropout = keras.layers.Dropout(config.dropout)
        layer_cls = RECURRENT_LAYERS[config.cell]
        self.rnns = []
        for i in range(config.layers):
            rnn = layer_cls(
                config.units, return_sequences=True, return_state=True, unroll=loop_unroll(config), name=f"rnn_{i}"
            )
            if config.bidirectional:
                rnn = keras.layers.Bidirectional(rnn, name=f"birnn_{i}")
            self.rnns.append(rnn)
        self.output_size = config.units * (2 if config.bidirectional else 1)
        # Every shape is known from the config: build now.
        self.embedding.build((None, None))
        size = config.embed
        for rnn in self.rnns:
            rnn.build((None, None, size))
            size = self.output_size
        self.built = True

    def call(self, source_ids, training=False):
        """Returns ``(outputs (B, S, K), summary (B, K), mask (B, S))``."""
        mask = ops.not_equal(source_ids, 0)  # (B, S): False on padding
        x = self.dropout(self.embedding(source_ids), training=training)  # (B, S, E)
        states_per_direction = len(self.rnns[0].forward_layer.cell.state_size) if self.config.bidirectional else 0
        summary = None
        for i, rnn in enumerate(self.rnns):
            outputs = rnn(x, mask=mask, training=training)
            x, states = outputs[0], outputs[1:]
            if self.config.bidirectional:
                # states: forward (h[, c]) then backward (h[, c]); keep both hidden states.
                summary = ops.concatenate([states[0], states[states_per_direction]], axis=-1)
            else:
                summary = states[0]
            if i < len(self.rnns) - 1:
                x = self.dropout(x, training=training)
        return x, summary, mask


def loop_unroll(config: ModelConfig):
    """The ``unroll`` argument of the recurrent layers for ``config.unroll``."""
    return False if config.unroll == 1 else config.unroll
