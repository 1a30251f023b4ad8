"""The attentional decoder (Luong et al. 2015, sections 3 and 3.3).

Per target step ``t``, with ``y_{t-1}`` the previous token::

    x_t         = [embed(y_{t-1}); attentional_{t-1}]      input feeding (or embed(y_{t-1}) alone)
    h_t         = the stacked recurrent cells on x_t
    context_t   = attention(h_t, encoder outputs)           Bahdanau (additive) or Luong (general)
    attentional_t = tanh(W_c [h_t; context_t])              (h_t itself when attention is "none")
    logits_t    = W_o attentional_t + b_o                   (W_o tied to the embedding on request)

The decoder's initial hidden state is ``tanh(W_b summary)`` of the encoder's final state (in
every layer; an LSTM's cell state starts at zero).

Three ways through the same cells:

- without input feeding, training runs each recurrent layer over the whole target at once
  (input projections hoisted, ``seq2seq.layers``) and attends for all steps in one product;
- with input feeding, training runs one loop over time whose body is ``_advance``; the
  embedding's share of the first layer's input projection is still hoisted out of the loop;
- decoding calls ``step`` (one token per sentence), whose body is the same ``_advance``.
"""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.attention import ATTENTIONS
from seq2seq.layers import loop
from seq2seq.model.config import ModelConfig
from seq2seq.model.encoder import RECURRENT_LAYERS, loop_unroll


class Decoder(keras.layers.Layer):
    """Teacher-forced logits for a whole target, or one decoding step at a time.

    ``memory`` below is the tuple ``(encoder_outputs (B, S, K), projected_keys, source_mask
    (B, S))`` from ``remember``.
    """

    def __init__(self, config: ModelConfig, memory_size: int, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        units = config.units
        self.uses_attention = config.attention != "none"
        self.feeds_input = config.input_feeding and self.uses_attention
        self.embedding = keras.layers.Embedding(config.target_vocab_size, config.embed, name="embedding")
        self.dropout = keras.layers.Dropout(config.dropout)
        layer_cls = RECURRENT_LAYERS[config.cell]
        self.rnns = [
            layer_cls(units, return_sequences=True, return_state=True, unroll=loop_unroll(config), name=f"rnn_{i}")
            for i in range(config.layers)
        ]
        self.bridge = keras.layers.Dense(units, activation="tanh", name="bridge")
        if self.uses_attention:
            self.attention = ATTENTIONS[config.attention](config.attention_units, name="attention")
            self.attentional_layer = keras.layers.Dense(
                units, activation="tanh", use_bias=False, name="attentional_layer"
            )
        if not config.tie_embeddings:
            self.output_layer = keras.layers.Dense(config.target_vocab_size, dtype="float32", name="output_layer")

        # Every shape is known from the config: build now.
        self.embedding.build((None, None))
        first_input = config.embed + (units if self.feeds_input else 0)
        for i, rnn in enumerate(self.rnns):
            rnn.build((None, None, first_input if i == 0 else units))
        self.bridge.build((None, memory_size))
        if self.uses_attention:
            self.attention.build((None, None, units), (None, None, memory_size))
            self.attentional_layer.build((None, None, units + memory_size))
        if config.tie_embeddings:
            self.output_bias = self.add_weight(
                shape=(config.target_vocab_size,), initializer="zeros", name="output_bias", dtype="float32"
            )
        else:
            self.output_layer.build((None, None, units))
        self.built = True

    # -- shared pieces --------------------------------------------------------------------------

    def remember(self, encoder_outputs, source_mask):
        """What every step reads: the encoder outputs, their projected keys and the mask."""
        projected_keys = self.attention.precompute_keys(encoder_outputs) if self.uses_attention else encoder_outputs
        return encoder_outputs, projected_keys, source_mask

    def initial_state(self, summary):
        """``summary (B, K)`` -> ``(states per layer, previous attentional vector (B, U))``."""
        hidden = self.bridge(summary)  # (B, U)
        zeros = ops.zeros_like(hidden)
        states = [[hidden] + [zeros] * (len(rnn.cell.state_size) - 1) for rnn in self.rnns]
        return states, zeros

    def attend(self, hidden, memory):
        """``hidden (B, T, U)`` -> attentional vectors ``(B, T, U)`` (and alignment or None)."""
        if not self.uses_attention:
            return hidden, None
        encoder_outputs, projected_keys, source_mask = memory
        context, alignment = self.attention(
            hidden, encoder_outputs, source_mask=source_mask, projected_keys=projected_keys
        )
        return self.attentional_layer(ops.concatenate([hidden, ops.cast(context, hidden.dtype)], axis=-1)), alignment

    def logits(self, attentional):
        """``(..., U)`` -> ``(..., V)`` float32."""
        if self.config.tie_embeddings:
            embeddings = ops.cast(self.embedding.embeddings, "float32")
            return ops.matmul(ops.cast(attentional, "float32"), ops.transpose(embeddings)) + self.output_bias
        return self.output_layer(attentional)

    def _advance(self, first_projection, states, memory, recurrent_weights, dropout_masks=None):
        """One step through the stacked cells and the attention.

        Args:
            first_projection: ``(B, G*U)``, the first layer's input projection of ``x_t``.
            states: per layer, the list of ``(B, U)`` states.
            recurrent_weights: per layer, ``cell.recurrent_weights()``.
            dropout_masks: per layer but the last, a ``(B, U)`` mask on its output, or None.

        Returns ``(attentional (B, U), new states, alignment (B, S) or None)``.
        """
        new_states, projected, hidden = [], first_projection, None
        for i, rnn in enumerate(self.rnns):
            if i > 0:
                inputs = hidden if dropout_masks is None else hidden * dropout_masks[i - 1]
                projected = rnn.cell.project_inputs(inputs)
            hidden, layer_states, _ = rnn.cell.transition(projected, states[i], recurrent_weights[i])
            new_states.append(layer_states)
        attentional, alignment = self.attend(ops.expand_dims(hidden, 1), memory)
        return attentional[:, 0], new_states, (None if alignment is None else alignment[:, 0])

    # -- training: the whole target at once -----------------------------------------------------

    def call(self, decoder_input_ids, encoder_outputs, summary, source_mask, training=False):
        """``decoder_input_ids (B, T)`` ([BOS] + target) -> logits ``(B, T, V)`` float32."""
        memory = self.remember(encoder_outputs, source_mask)
        states, attentional = self.initial_state(summary)
        embedded = self.dropout(self.embedding(decoder_input_ids), training=training)  # (B, T, E)
        if self.feeds_input:
            attentional = self._feeding_loop(embedded, states, attentional, memory, training)
        else:
            x = embedded
            for i, rnn in enumerate(self.rnns):
                x = rnn(x, initial_state=states[i], training=training)[0]  # (B, T, U)
                if i < len(self.rnns) - 1:
                    x = self.dropout(x, training=training)
            attentional, _ = self.attend(x, memory)
        return self.logits(self.dropout(attentional, training=training))

    def _feeding_loop(self, embedded, states, attentional, memory, training):
        """Input feeding: a loop over time. ``embedded (B, T, E)`` -> attentional ``(B, T, U)``."""
        first_cell = self.rnns[0].cell
        kernel = ops.cast(first_cell.kernel, embedded.dtype)
        embed_kernel, feed_kernel = kernel[: self.config.embed], kernel[self.config.embed :]
        # The embedding's share of the first projection, for all steps at once: (T, B, G*U).
        hoisted = ops.matmul(ops.transpose(embedded, (1, 0, 2)), embed_kernel)
        if first_cell.use_bias:
            hoisted = hoisted + first_cell.input_bias()
        recurrent_weights = [rnn.cell.recurrent_weights() for rnn in self.rnns]
        dropout_masks = None
        if training and self.config.dropout > 0 and len(self.rnns) > 1:
            batch = ops.shape(embedded)[0]
            ones = ops.ones((batch, self.config.units), dtype=embedded.dtype)
            dropout_masks = [self.dropout(ones, training=True) for _ in self.rnns[:-1]]
        sizes = [len(s) for s in states]

        def step(carry, hoisted_t):
            flat_states, previous = carry[:-1], carry[-1]
            nested, start = [], 0
            for size in sizes:
                nested.append(flat_states[start : start + size])
                start += size
            first_projection = hoisted_t + ops.matmul(previous, feed_kernel)
            current, new_states, _ = self._advance(first_projection, nested, memory, recurrent_weights, dropout_masks)
            return [s for layer in new_states for s in layer] + [current], [current]

        init = [s for layer in states for s in layer] + [attentional]
        _, (outputs,) = loop.scan(step, init, hoisted, num_outputs=1, unroll=self.config.unroll)
        return ops.transpose(outputs, (1, 0, 2))  # (B, T, U)

    # -- decoding: one step ---------------------------------------------------------------------

    def step(self, token_ids, state, memory):
        """``token_ids (B,)`` and ``state`` -> ``(logits (B, V) float32, new state, alignment)``.

        ``state`` is ``(states per layer, previous attentional (B, U))`` from ``initial_state``.
        """
        states, previous = state
        embedded = self.embedding(token_ids)  # (B, E)
        inputs = ops.concatenate([embedded, previous], axis=-1) if self.feeds_input else embedded
        first_projection = self.rnns[0].cell.project_inputs(inputs)
        recurrent_weights = [rnn.cell.recurrent_weights() for rnn in self.rnns]
        attentional, new_states, alignment = self._advance(first_projection, states, memory, recurrent_weights)
        return self.logits(attentional), (new_states, attentional), alignment
