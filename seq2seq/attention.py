"""Attention over the encoder outputs: additive (Bahdanau) and multiplicative (Luong) scores.

Both layers map a decoder query and the encoder outputs to a context vector::

    score_s   = v^T tanh(W_q q + W_k k_s)        additive, Bahdanau et al. 2015, section 3.1
    score_s   = q^T W k_s                         "general", Luong et al. 2015, section 3.1
    alignment = softmax over s of score_s         padded positions get exactly zero weight
    context   = sum_s alignment_s * k_s

Padded source positions are filled with a large *finite* negative score before the softmax (as
``keras.layers.Attention`` does), never ``-inf``: a row of ``-inf`` would give NaN.

Shapes: ``query (B, T, H)`` (T decoder steps at once; a single step is ``T = 1``),
``keys (B, S, K)``, ``source_mask (B, S)`` -> ``context (B, T, K)``, ``alignment (B, T, S)``.
"""

from __future__ import annotations

import keras
from keras import ops


def large_negative(dtype) -> float:
    """The most negative score safe in ``dtype``: -1e9, or -65000 in float16."""
    return -65000.0 if "float16" in str(dtype) and "bfloat16" not in str(dtype) else -1e9


def masked_softmax(scores, mask=None):
    """``scores (B, T, S)``, ``mask (B, S)`` bool -> alignment ``(B, T, S)``, zero where masked."""
    if mask is not None:
        mask = ops.expand_dims(ops.cast(mask, "bool"), 1)  # (B, 1, S)
        scores = ops.where(mask, scores, large_negative(scores.dtype))
    if scores.shape[-1] == 1:  # one source piece (an empty sentence's EOS) takes all the weight;
        alignment = ops.ones_like(scores)  # ops.softmax would warn over a one-element axis
    else:
        alignment = ops.softmax(scores, axis=-1)
    if mask is not None:
        alignment = ops.where(mask, alignment, 0.0)  # exact zeros, even for a fully padded row
    return alignment


class Attention(keras.layers.Layer):
    """Base: ``score(query, keys)`` differs; masking, softmax and context are shared.

    The keys are projected once per source sentence (``precompute_keys``), not once per
    decoder step.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def precompute_keys(self, keys):
        """``keys (B, S, K)`` -> whatever ``score`` needs, computed once per sentence."""
        return keys

    def score(self, query, projected_keys):
        """``query (B, T, H)`` -> ``(B, T, S)``."""
        raise NotImplementedError

    def call(self, query, keys, source_mask=None, projected_keys=None):
        """Returns ``(context (B, T, K), alignment (B, T, S))``; ``source_mask (B, S)``."""
        if projected_keys is None:
            projected_keys = self.precompute_keys(keys)
        alignment = masked_softmax(self.score(query, projected_keys), source_mask)
        context = ops.matmul(alignment, ops.cast(keys, alignment.dtype))  # (B, T, K)
        return context, alignment

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="seq2seq")
class BahdanauAttention(Attention):
    """Additive attention: ``score = v^T tanh(W_q q + W_k k)`` with ``units`` hidden units."""

    def build(self, query_shape, keys_shape, source_mask_shape=None, projected_keys_shape=None):
        self.query_layer = keras.layers.Dense(self.units, use_bias=False, name="query_layer")
        self.key_layer = keras.layers.Dense(self.units, use_bias=False, name="key_layer")
        self.energy_layer = keras.layers.Dense(1, use_bias=False, name="energy_layer")
        self.query_layer.build(query_shape)
        self.key_layer.build(keys_shape)
        self.energy_layer.build((None, None, None, self.units))

    def precompute_keys(self, keys):
        return self.key_layer(keys)  # (B, S, A)

    def score(self, query, projected_keys):
        projected_query = self.query_layer(query)  # (B, T, A)
        # (B, T, 1, A) + (B, 1, S, A) -> (B, T, S, A) -> (B, T, S)
        energy = ops.tanh(ops.expand_dims(projected_query, 2) + ops.expand_dims(projected_keys, 1))
        return ops.squeeze(self.energy_layer(energy), -1)


@keras.saving.register_keras_serializable(package="seq2seq")
class LuongAttention(Attention):
    """Multiplicative "general" attention: ``score = q^T W k``.

    ``W k`` is computed once per sentence, so a step costs one batched matrix product.
    """

    def build(self, query_shape, keys_shape, source_mask_shape=None, projected_keys_shape=None):
        self.key_layer = keras.layers.Dense(query_shape[-1], use_bias=False, name="key_layer")
        self.key_layer.build(keys_shape)

    def precompute_keys(self, keys):
        return self.key_layer(keys)  # (B, S, H)

    def score(self, query, projected_keys):
        return ops.matmul(query, ops.transpose(projected_keys, (0, 2, 1)))  # (B, T, S)


ATTENTIONS = {"bahdanau": BahdanauAttention, "luong": LuongAttention}
