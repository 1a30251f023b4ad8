"""The training objective: masked, label-smoothed cross-entropy over target tokens.

With ``p`` the model's distribution over ``V`` pieces at a target position, ``y`` the true
piece and ``eps`` the label smoothing::

    loss = (1 - eps) * (-log p[y]) + eps * mean_v(-log p[v])

averaged over the real (non-padding) target tokens of the whole global batch (id 0 is padding;
training also passes the padding mask as Keras sample weights, ``PairBatches(sample_weights=True)``).

Under data parallelism that mean must span every replica: with ``S_r`` the sum of replica
``r``'s per-token losses and ``N_r`` its real tokens, the objective is ``sum_r S_r / sum_r N_r``.
Keras's own ``"mean_with_sample_weight"`` reduction gives each replica ``S_r / N_r`` and scales it
by ``1 / replicas`` (``tf.distribute``): the gradient of the mean of the replicas' means, which
weighs a replica's tokens more the fewer it holds. ``MaskedCrossEntropy`` returns ``S_r / N``
instead, ``N`` summed over the replicas (``global_sum``), so the replicas' gradients add up to
the gradient of the global token mean. On JAX, ``keras.distribution`` computes the loss on the
global batch, where ``N`` is already global.
"""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.data.tokenizer import PAD_ID
from seq2seq.training.distribution import global_sum


def token_log_probs(targets, logits):
    """``targets (B, T)`` int, ``logits (B, T, V)`` -> ``(log p[y] (B, T), log p (B, T, V), mask)``."""
    log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    targets = ops.cast(targets, "int32")
    true_log_prob = ops.squeeze(ops.take_along_axis(log_probs, ops.expand_dims(targets, -1), axis=-1), -1)
    mask = ops.cast(ops.not_equal(targets, PAD_ID), "float32")
    return true_log_prob, log_probs, mask


@keras.saving.register_keras_serializable(package="seq2seq")
class MaskedCrossEntropy(keras.losses.Loss):
    """Label-smoothed cross-entropy averaged over the real target tokens of all replicas.

    Called as ``loss(y_true (B, T), y_pred (B, T, V), sample_weight (B, T) | None)`` -> a scalar:
    this replica's share ``S_r / N`` of the global token mean (see the module doc). Padding
    (target id 0) has weight 0 whatever the sample weights say.
    """

    def __init__(
        self,
        label_smoothing: float = 0.0,
        name: str = "masked_cross_entropy",
        reduction: str = "mean_with_sample_weight",
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, **kwargs)
        if reduction != "mean_with_sample_weight":  # the argument is there for Keras's from_config
            raise ValueError(f"MaskedCrossEntropy always takes the global token mean; got reduction={reduction!r}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def __call__(self, y_true, y_pred, sample_weight=None):
        weights = ops.cast(ops.not_equal(y_true, PAD_ID), "float32")  # (B, T)
        if sample_weight is not None:  # (B, T), or (B,) for whole rows
            sample_weight = ops.cast(sample_weight, "float32")
            weights = weights * (ops.expand_dims(sample_weight, -1) if len(sample_weight.shape) == 1 else sample_weight)
        replica_sum = ops.sum(self.call(y_true, y_pred) * weights)  # S_r
        global_tokens = ops.stop_gradient(global_sum(ops.sum(weights)))  # N
        return ops.divide_no_nan(replica_sum, global_tokens)

    def call(self, y_true, y_pred):
        """Per-token losses ``(B, T)``, zero on padding; ``__call__`` reduces them."""
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
