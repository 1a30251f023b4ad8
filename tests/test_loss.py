"""The training objective on one device equals Keras's label-smoothed cross-entropy over real tokens."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seq2seq.training.loss import MaskedCrossEntropy


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_masked_cross_entropy_is_keras_cross_entropy_averaged_over_real_tokens(label_smoothing):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 5, 7)).astype("float32")
    targets = rng.integers(1, 7, size=(3, 5)).astype("int32")
    targets[0, 2:] = 0  # padding: 2 + 5 + 4 = 11 real tokens
    targets[2, 4:] = 0
    weights = (targets != 0).astype("float32")
    reference = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=label_smoothing, reduction=None)
    per_token = keras.ops.convert_to_numpy(reference(np.eye(7, dtype="float32")[targets], logits))
    expected = float(np.sum(per_token * weights) / 11)
    loss = MaskedCrossEntropy(label_smoothing)
    for sample_weight in (None, weights, np.ones(3, "float32")):  # padding has weight 0 whatever the weights say
        got = float(keras.ops.convert_to_numpy(loss(targets, logits, sample_weight)))
        assert got == pytest.approx(expected, rel=1e-6)
    half = np.where(np.arange(3)[:, None] == 1, 0.5, 1.0).astype("float32") * weights  # row 1 at half weight
    got = float(keras.ops.convert_to_numpy(loss(targets, logits, half)))
    assert got == pytest.approx(float(np.sum(per_token * half) / np.sum(half)), rel=1e-6)


def test_masked_cross_entropy_refuses_another_reduction():
    with pytest.raises(ValueError, match="global token mean"):
        MaskedCrossEntropy(reduction="sum")
    assert MaskedCrossEntropy.from_config(MaskedCrossEntropy(0.1).get_config()).label_smoothing == 0.1
