"""The training objective: masked, label-smoothed cross-entropy over target tokens.

With ``p`` the model's distribution over ``V`` pieces at a target position, ``y`` the true
piece and ``eps`` the label smoothing::

    loss = (1 - eps) * (-log p[y]) + eps * mean_v(-log p[v])

averaged over the non-padding positions of the batch (id 0 is padding). Training passes the
padding mask as Keras sample weights (``PairBatches(sample_weights=True)``) and the loss reduces
with ``"mean_with_sample_weight"``: Keras then divides by the number of real tokens and, under
data parallelism, scales each replica's share correctly.
"""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.data.tokenizer import PAD_ID


def token_log_probs(targets, logits):
    """``targets (B, T)`` int, ``logits (B, T, V)`` -> ``(log p[y] (B, T), log p (B, T, V), mask)``."""
    log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    targets = ops.cast(targets, "int32")
    true_log_prob = ops.squeeze(ops.take_along_axis(log_probs, ops.expand_dims(targets, -1), axis=-1), -1)
    mask = ops.cast(ops.not_equal(targets, PAD_ID), "float32")
    return true_log_prob, log_probs, mask


@keras.saving.register_keras_serializable(package="seq2seq")
class MaskedCrossEntropy(keras.losses.Loss):
    """Label-smoothed cross-entropy averaged over the real (non-padding) target tokens."""

    def __init__(
        self,
        label_smoothing: float = 0.0,
        name: str = "masked_cross_entropy",
        reduction: str = "mean_with_sample_weight",
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, **kwargs)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        """Per-token losses ``(B, T)``, zero on padding; Keras reduces them (see the module doc)."""
        true_log_prob, log_probs, mask = token_log_probs(y_true, y_pred)
        per_token = -true_log_prob
        if self.label_smoothing:
            smooth = -ops.mean(log_probs, axis=-1)
            per_token = (1.0 - self.label_smoothing) * per_token + self.label_smoothing * smooth
        return per_token * mask

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class TokenCrossEntropy(keras.metrics.Metric):
    """Plain cross-entropy per real target token, exact over a whole epoch (exp of it: perplexity)."""

    def __init__(self, name: str = "cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total", dtype="float32")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        true_log_prob, _, mask = token_log_probs(y_true, y_pred)
        self.total.assign_add(-ops.sum(true_log_prob * mask))
        self.count.assign_add(ops.sum(mask))

    def result(self):
        return self.total / ops.maximum(self.count, 1.0)


class TokenAccuracy(keras.metrics.Metric):
    """Share of real target tokens whose most likely piece is the true one."""

    def __init__(self, name: str = "token_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct", dtype="float32")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = ops.cast(ops.not_equal(y_true, PAD_ID), "float32")
        hits = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), ops.cast(y_true, "int32")), "float32")
        self.correct.assign_add(ops.sum(hits * mask))
        self.count.assign_add(ops.sum(mask))

    def result(self):
        return self.correct / ops.maximum(self.count, 1.0)
