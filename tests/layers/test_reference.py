"""Our cells against an independent NumPy transcription of the textbook equations."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import seq2seq.layers as ours


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_lstm(x, kernel, recurrent_kernel, bias):
    batch, units = x.shape[0], recurrent_kernel.shape[0]
    h, c = np.zeros((batch, units)), np.zeros((batch, units))
    W_i, W_f, W_c, W_o = np.split(kernel, 4, axis=1)
    U_i, U_f, U_c, U_o = np.split(recurrent_kernel, 4, axis=1)
    b_i, b_f, b_c, b_o = np.split(bias, 4)
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        i = sigmoid(x_t @ W_i + h @ U_i + b_i)
        f = sigmoid(x_t @ W_f + h @ U_f + b_f)
        g = np.tanh(x_t @ W_c + h @ U_c + b_c)
        o = sigmoid(x_t @ W_o + h @ U_o + b_o)
        c = f * c + i * g
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def numpy_gru(x, kernel, recurrent_kernel, bias, reset_after):
    batch, units = x.shape[0], recurrent_kernel.shape[0]
    h = np.zeros((batch, units))
    W_z, W_r, W_h = np.split(kernel, 3, axis=1)
    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=1)
    if reset_after:
        (bx_z, bx_r, bx_h), (bh_z, bh_r, bh_h) = np.split(bias[0], 3), np.split(bias[1], 3)
    else:
        (bx_z, bx_r, bx_h), (bh_z, bh_r, bh_h) = np.split(bias, 3), (0, 0, 0)
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        z = sigmoid(x_t @ W_z + bx_z + h @ U_z + bh_z)
        r = sigmoid(x_t @ W_r + bx_r + h @ U_r + bh_r)
        if reset_after:
            candidate = np.tanh(x_t @ W_h + bx_h + r * (h @ U_h + bh_h))
        else:
            candidate = np.tanh(x_t @ W_h + bx_h + (r * h) @ U_h)
        h = z * h + (1 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1)


def numpy_simple_rnn(x, kernel, recurrent_kernel, bias):
    h = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        outputs.append(h)
    return np.stack(outputs, axis=1)


@pytest.mark.parametrize(
    "layer_cls, kwargs, reference",
    [
        (ours.LSTM, {}, numpy_lstm),
        (ours.GRU, {"reset_after": True}, lambda x, *w: numpy_gru(x, *w, reset_after=True)),
        (ours.GRU, {"reset_after": False}, lambda x, *w: numpy_gru(x, *w, reset_after=False)),
        (ours.SimpleRNN, {}, numpy_simple_rnn),
    ],
    ids=["lstm", "gru", "gru_reset_before", "simple_rnn"],
)
def test_matches_numpy_equations(layer_cls, kwargs, reference):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 3)).astype("float32")
    layer = layer_cls(4, return_sequences=True, **kwargs)
    layer.build((None, None, 3))
    weights = [0.6 * rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    expected = reference(x.astype("float64"), *[w.astype("float64") for w in weights])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-5)


def test_lstm_golden_values_with_constant_weights():
    """Constant weights on ``arange`` inputs: a value that needs no RNG and no backend."""
    x = np.arange(6, dtype="float32").reshape(1, 3, 2) / 10.0  # (B=1, T=3, D=2)
    layer = ours.LSTM(
        2,
        kernel_initializer=keras.initializers.Constant(0.1),
        recurrent_initializer=keras.initializers.Constant(0.2),
        bias_initializer="zeros",
        unit_forget_bias=False,
        return_sequences=True,
    )
    # Every gate sees the same pre-activation a_t = 0.1 * sum(x_t) + 0.2 * sum(h_{t-1}):
    # c_t = s(a) c_{t-1} + s(a) tanh(a), h_t = s(a) tanh(c_t); computed by hand below.
    h, c, expected = 0.0, 0.0, []
    for t in range(3):
        a = 0.1 * x[0, t].sum() + 0.2 * 2 * h
        s = 1 / (1 + np.exp(-a))
        c = s * c + s * np.tanh(a)
        h = s * np.tanh(c)
        expected.append([h, h])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x))[0], np.array(expected), atol=1e-6)
