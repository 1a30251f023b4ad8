"""The time loop ``seq2seq.layers.loop.scan`` against a NumPy running sum, for every unroll."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from seq2seq.layers import loop


def running_sum_and_product(xs, unroll):
    """carry = [sum, product] over time; ys = [sum after each step, 2 * product]."""

    def step(carry, x):
        total, product = carry
        total, product = total + x, product * (1.0 + 0.1 * x)
        return [total, product], [total, 2.0 * product]

    init = [ops.zeros(ops.shape(xs)[1:]), ops.ones(ops.shape(xs)[1:])]
    return loop.scan(step, init, xs, num_outputs=2, unroll=unroll)


def expected(xs):
    sums = np.cumsum(xs, axis=0)
    products = np.cumprod(1.0 + 0.1 * xs, axis=0)
    return sums, 2.0 * products


@pytest.mark.parametrize("unroll", [1, 2, 3, True])
@pytest.mark.parametrize("length", [1, 2, 5, 6, 7])
def test_scan_matches_numpy(length, unroll):
    xs = np.random.default_rng(length).standard_normal((length, 2, 3)).astype("float32")
    (final_sum, final_product), (sums, doubled) = running_sum_and_product(xs, unroll)
    want_sums, want_doubled = expected(xs)
    np.testing.assert_allclose(ops.convert_to_numpy(sums), want_sums, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(doubled), want_doubled, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(final_sum), want_sums[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(final_product), want_doubled[-1] / 2, rtol=1e-5)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="graph tracing with an unknown length")
@pytest.mark.parametrize("unroll", [1, 2, 4])
def test_tensorflow_scan_with_unknown_length(unroll):
    """Traced once with time unknown: the blocks of steps and the remainder loop both run."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((None, 2, 3), tf.float32)])
    def run(xs):
        _, (sums, doubled) = running_sum_and_product(xs, unroll)
        return sums, doubled

    for length in (0, 1, 4, 5, 7):
        xs = np.random.default_rng(length).standard_normal((length, 2, 3)).astype("float32")
        sums, doubled = run(xs)
        want_sums, want_doubled = expected(xs)
        np.testing.assert_allclose(sums.numpy(), want_sums, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(doubled.numpy(), want_doubled, rtol=1e-5)
    assert run.experimental_get_tracing_count() == 1
