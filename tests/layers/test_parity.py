"""Our layers against ``keras.layers.SimpleRNN/LSTM/GRU`` with copied weights.

Outputs and gradients must agree within 1e-5 (max absolute difference) in every mode that the
two share. Runs on whichever backend ``KERAS_BACKEND`` selects (tests/test_backends.py re-runs
this folder on JAX).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_checks import (
    CELL_IDS,
    CELLS,
    TOLERANCE,
    as_list,
    gradients,
    max_abs_difference,
    paired_layers,
    randomize_weights,
)

BATCH, TIME, FEATURES, UNITS = 3, 6, 4, 5


def right_padded_mask():
    lengths = np.array([6, 3, 1])
    return np.arange(TIME)[None, :] < lengths[:, None]


def arbitrary_mask():
    mask = np.random.default_rng(7).random((BATCH, TIME)) > 0.4
    mask[:, 0] = True  # Keras backends disagree on outputs before the first valid step
    return mask


CASES = {
    "sequences": (dict(return_sequences=True), {}),
    "last_output_and_state": (dict(return_state=True), {}),
    "go_backwards": (dict(go_backwards=True, return_sequences=True, return_state=True), {}),
    "initial_state": (dict(return_sequences=True, return_state=True), {"initial_state": True}),
    "right_padded_mask": (dict(return_sequences=True, return_state=True), {"mask": right_padded_mask}),
    "right_padded_mask_last": (dict(), {"mask": right_padded_mask}),
    "arbitrary_mask": (dict(return_sequences=True, return_state=True), {"mask": arbitrary_mask}),
    "mask_go_backwards": (dict(return_sequences=True, go_backwards=True), {"mask": right_padded_mask}),
    "no_bias": (dict(return_sequences=True, use_bias=False), {}),
}


def call_arguments(layer, extras):
    kwargs = {}
    if "mask" in extras:
        kwargs["mask"] = extras["mask"]()
    if extras.get("initial_state"):
        rng = np.random.default_rng(3)
        kwargs["initial_state"] = [
            rng.standard_normal((BATCH, size)).astype("float32") for size in layer.cell.state_size
        ]
    return kwargs


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_outputs_and_gradients_equal_keras(cell, case):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer_kwargs, extras = CASES[case]
    layer, reference = paired_layers(ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, **layer_kwargs)
    inputs = np.random.default_rng(2).standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    kwargs = call_arguments(layer, extras)

    ours_out, keras_out = layer(inputs, **kwargs), reference(inputs, **kwargs)
    assert [tuple(o.shape) for o in as_list(ours_out)] == [tuple(o.shape) for o in as_list(keras_out)]
    assert max_abs_difference(ours_out, keras_out) <= TOLERANCE

    ours_grads, keras_grads = gradients(layer, inputs, **kwargs), gradients(reference, inputs, **kwargs)
    assert len(ours_grads) == len(keras_grads) == (3 if layer.cell.use_bias else 2)
    assert max_abs_difference(ours_grads, keras_grads) <= TOLERANCE


@pytest.mark.parametrize("unit_forget_bias", [True, False])
def test_lstm_unit_forget_bias_initialises_like_keras(unit_forget_bias):
    ours_layer = CELLS[0][1](4, unit_forget_bias=unit_forget_bias)
    keras_layer = keras.layers.LSTM(4, unit_forget_bias=unit_forget_bias)
    ours_layer.build((None, None, 3))
    keras_layer.build((None, None, 3))
    bias = keras.ops.convert_to_numpy(ours_layer.cell.bias)
    np.testing.assert_array_equal(bias, keras.ops.convert_to_numpy(keras_layer.cell.bias))
    forget = 1.0 if unit_forget_bias else 0.0
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.full(4, forget), np.zeros(8)])


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_weights_move_both_ways(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    ours_layer, keras_layer = ours_cls(5, **cell_kwargs), keras_cls(5, **cell_kwargs)
    ours_layer.build((None, None, 3))
    keras_layer.build((None, None, 3))
    assert [w.shape for w in ours_layer.get_weights()] == [w.shape for w in keras_layer.get_weights()]
    weights = [np.full(w.shape, i + 0.25, "float32") for i, w in enumerate(ours_layer.get_weights())]
    ours_layer.set_weights(weights)
    keras_layer.set_weights(ours_layer.get_weights())
    for a, b in zip(keras_layer.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("unroll", [True, 2])
@pytest.mark.parametrize("cell", CELLS[:2], ids=CELL_IDS[:2])
def test_unrolled_loop_computes_the_same(cell, unroll):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer, reference = paired_layers(ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, return_sequences=True)
    unrolled = ours_cls(UNITS, **cell_kwargs, return_sequences=True, unroll=unroll)
    unrolled.build((None, TIME, FEATURES))
    unrolled.set_weights(reference.get_weights())
    inputs = np.random.default_rng(2).standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    assert max_abs_difference(unrolled(inputs, mask=right_padded_mask()), reference(inputs, mask=right_padded_mask())) <= TOLERANCE


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_bidirectional_equals_keras_bidirectional(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    ours_bi = keras.layers.Bidirectional(ours_cls(UNITS, return_sequences=True, **cell_kwargs))
    keras_bi = keras.layers.Bidirectional(keras_cls(UNITS, return_sequences=True, **cell_kwargs))
    inputs = np.random.default_rng(2).standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    mask = right_padded_mask()
    ours_bi(inputs, mask=mask)
    keras_bi(inputs, mask=mask)
    rng = np.random.default_rng(4)
    keras_bi.set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in keras_bi.get_weights()])
    ours_bi.set_weights(keras_bi.get_weights())
    assert max_abs_difference(ours_bi(inputs, mask=mask), keras_bi(inputs, mask=mask)) <= TOLERANCE


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_cell_inside_keras_rnn_equals_keras_layer(cell):
    """Our cell alone, driven by ``keras.layers.RNN``, computes what Keras's layer computes."""
    _, ours_cls, keras_cls, cell_kwargs = cell
    reference = keras_cls(UNITS, return_sequences=True, **cell_kwargs)
    reference.build((None, None, FEATURES))
    randomize_weights(reference)
    rnn = keras.layers.RNN(ours_cls.cell_class(UNITS, **cell_kwargs), return_sequences=True)
    rnn.build((None, None, FEATURES))
    rnn.set_weights(reference.get_weights())
    inputs = np.random.default_rng(2).standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    assert max_abs_difference(rnn(inputs), reference(inputs)) <= TOLERANCE
