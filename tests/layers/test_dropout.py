"""Dropout: one mask per sequence, drawn before the loop; off outside training."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_checks import CELL_IDS, CELLS, TOLERANCE, max_abs_difference, paired_layers


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_inference_ignores_dropout(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer, reference = paired_layers(
        ours_cls, keras_cls, cell_kwargs, 4, 3, return_sequences=True, dropout=0.5, recurrent_dropout=0.5
    )
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")
    assert max_abs_difference(layer(x, training=False), reference(x, training=False)) <= TOLERANCE


def test_input_dropout_mask_is_shared_by_every_timestep():
    """With no recurrence and the same input at every step, every step must see the same mask."""
    layer = CELLS[3][1](
        8,
        activation="linear",
        dropout=0.5,
        return_sequences=True,
        recurrent_initializer="zeros",
        kernel_initializer="ones",
        seed=3,
    )
    x = np.ones((4, 6, 16), "float32")  # (B, T, D): one vector repeated over time
    outputs = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(outputs, np.repeat(outputs[:, :1], 6, axis=1), atol=1e-6)
    clean = keras.ops.convert_to_numpy(layer(x, training=False))
    assert not np.allclose(outputs, clean), "dropout did nothing in training"
    # Each output sums the surviving inputs, scaled by 1 / (1 - rate) = 2: an even number < 32.
    np.testing.assert_allclose(clean, 16.0)
    assert np.all(np.isin(outputs, np.arange(0, 33, 2))) and 4 < outputs.mean() < 28


@pytest.mark.parametrize("cell", CELLS[:2], ids=CELL_IDS[:2])
def test_training_with_dropout_compiles_and_learns(cell):
    """A compiled train step (jit on JAX) with both dropouts: the loop body must be stateless.

    Learning is judged on the loss without dropout before and after training (seeded: initial
    weights, shuffling and masks), not on the first epoch's running mean, which already learns.
    Over seeds 0..5 the loss fell to 1.5-7% of its start; the bound below is 20%.
    """
    _, ours_cls, _, cell_kwargs = cell
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((5, 3)),
            ours_cls(8, dropout=0.2, recurrent_dropout=0.2, seed=1, **cell_kwargs),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] / 5.0
    loss_before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.2 * loss_before
