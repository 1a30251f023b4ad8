"""Gate inspection: named per-timestep activations from the same step function as ``call``."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import seq2seq.layers as ours

BATCH, TIME, FEATURES, UNITS = 2, 7, 3, 4


def inputs_and_layer(layer_cls, **kwargs):
    rng = np.random.default_rng(5)
    x = (2.0 * rng.standard_normal((BATCH, TIME, FEATURES))).astype("float32")
    layer = layer_cls(UNITS, return_sequences=True, **kwargs)
    layer.build((None, None, FEATURES))
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])
    return x, layer


def test_lstm_gates_lie_in_unit_interval_and_reproduce_the_states():
    x, layer = inputs_and_layer(ours.LSTM)
    gates = layer.gate_activations(x)
    assert set(gates) == {"input_gate", "forget_gate", "candidate", "output_gate", "cell_state", "hidden_state"}
    for name in ("input_gate", "forget_gate", "output_gate"):
        assert gates[name].shape == (BATCH, TIME, UNITS)
        assert np.all((gates[name] >= 0) & (gates[name] <= 1)), name
    assert np.all(np.abs(gates["candidate"]) <= 1)

    previous_cell = np.concatenate([np.zeros((BATCH, 1, UNITS)), gates["cell_state"][:, :-1]], axis=1)
    cell_state = gates["forget_gate"] * previous_cell + gates["input_gate"] * gates["candidate"]
    np.testing.assert_allclose(gates["cell_state"], cell_state, atol=1e-5)
    np.testing.assert_allclose(gates["hidden_state"], gates["output_gate"] * np.tanh(cell_state), atol=1e-5)
    np.testing.assert_allclose(gates["hidden_state"], keras.ops.convert_to_numpy(layer(x)), atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gates_lie_in_unit_interval_and_reproduce_the_states(reset_after):
    x, layer = inputs_and_layer(ours.GRU, reset_after=reset_after)
    gates = layer.gate_activations(x)
    assert set(gates) == {"update_gate", "reset_gate", "candidate", "hidden_state"}
    for name in ("update_gate", "reset_gate"):
        assert np.all((gates[name] >= 0) & (gates[name] <= 1)), name
    previous = np.concatenate([np.zeros((BATCH, 1, UNITS)), gates["hidden_state"][:, :-1]], axis=1)
    z = gates["update_gate"]
    np.testing.assert_allclose(gates["hidden_state"], z * previous + (1 - z) * gates["candidate"], atol=1e-5)
    np.testing.assert_allclose(gates["hidden_state"], keras.ops.convert_to_numpy(layer(x)), atol=1e-6)


def test_simple_rnn_reports_its_hidden_state():
    x, layer = inputs_and_layer(ours.SimpleRNN)
    gates = layer.gate_activations(x)
    assert list(gates) == ["hidden_state"]
    np.testing.assert_allclose(gates["hidden_state"], keras.ops.convert_to_numpy(layer(x)), atol=1e-6)


def test_masked_steps_carry_the_states_over():
    x, layer = inputs_and_layer(ours.LSTM)
    mask = np.ones((BATCH, TIME), bool)
    mask[0, 4:] = False
    gates = layer.gate_activations(x, mask=mask)
    for t in range(4, TIME):
        np.testing.assert_array_equal(gates["hidden_state"][0, t], gates["hidden_state"][0, 3])
        np.testing.assert_array_equal(gates["cell_state"][0, t], gates["cell_state"][0, 3])
    np.testing.assert_allclose(
        gates["hidden_state"], keras.ops.convert_to_numpy(layer(x, mask=mask)), atol=1e-6
    )
