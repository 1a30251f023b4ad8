"""The time loop: ``keras.ops.scan``, with one backend-specific exception.

``scan(step, init, xs, num_outputs, unroll)`` follows ``jax.lax.scan``: ``step(carry, x) ->
(carry, ys)`` over the leading axis of ``xs``, where ``carry`` is a list of tensors and ``ys`` a
list of ``num_outputs`` tensors shaped like ``carry[0]``; returns ``(final_carry, stacked_ys)``.

On JAX and PyTorch it is ``keras.ops.scan``. On TensorFlow, Keras's ``ops.scan`` passes the
carry through size-one ``TensorArray``s every step and requires ``ys`` to mirror the carry (an
LSTM would stack its cell state for nothing), which made our LSTM about 15% slower than
``keras.layers.LSTM``. There we run a ``tf.while_loop`` with the carry as loop variables and the
outputs in ``TensorArray``s, as Keras's own ``backend.rnn`` does. The gate maths is the same.

The TensorFlow loop also runs several steps per loop iteration (``unroll``; by default
``TENSORFLOW_STEPS_PER_ITERATION``), then any remaining steps one at a time: each iteration of
a ``tf.while_loop`` costs a dozen control-flow ops per loop variable, a large share of a step
at the sizes this project trains.
"""

from __future__ import annotations

import keras
from keras import ops, tree

# Steps per tf.while_loop iteration when the layer asks for no unrolling. A training step of
# our LSTM (B=32, T=32, D=128, U=256, 2-core CPU) took 25.9 ms at one step per iteration,
# 21.9 ms at two and 21.8 ms at four.
TENSORFLOW_STEPS_PER_ITERATION = 2


def scan(step, init: list, xs, num_outputs: int, unroll: int | bool = 1):
    """Runs ``step`` over axis 0 of ``xs`` (a tensor or a tuple of tensors).

    ``unroll``: steps per loop iteration (an int), or ``True`` to unroll every step. On
    TensorFlow, 1 (and ``True`` for a length unknown when tracing) runs
    ``TENSORFLOW_STEPS_PER_ITERATION`` steps per ``tf.while_loop`` iteration.
    """
    if keras.backend.backend() == "tensorflow":
        return _tensorflow_scan(step, init, xs, num_outputs, unroll)
    return ops.scan(step, init, xs, unroll=unroll)


def _tensorflow_scan(step, init, xs, num_outputs, unroll):
    import tensorflow as tf

    xs_flat = [tf.convert_to_tensor(x) for x in tree.flatten(xs)]
    static_length = xs_flat[0].shape[0]
    length = static_length if static_length is not None else tf.shape(xs_flat[0])[0]
    if unroll is True and static_length is not None:
        per_iteration = max(static_length, 1)
    elif unroll is True or unroll == 1:
        per_iteration = TENSORFLOW_STEPS_PER_ITERATION
    else:
        per_iteration = int(unroll)
    xs_arrays = [tf.TensorArray(x.dtype, size=length, element_shape=x.shape[1:]).unstack(x) for x in xs_flat]
    init = [tf.convert_to_tensor(value) for value in init]
    ys_arrays = [
        tf.TensorArray(init[0].dtype, size=length, element_shape=init[0].shape) for _ in range(num_outputs)
    ]

    def steps(count):
        """A loop body running ``count`` steps from step ``i``."""

        def body(i, carry, ys_arrays):
            carry = list(carry)
            for offset in range(count):
                x = tree.pack_sequence_as(xs, [array.read(i + offset) for array in xs_arrays])
                carry, ys = step(carry, x)
                ys_arrays = [array.write(i + offset, y) for array, y in zip(ys_arrays, ys)]
            return i + count, carry, ys_arrays

        return body

    def run(body, start, stop, iterations, carry, ys_arrays):
        return tf.while_loop(
            lambda i, *_: i < stop,
            body,
            (start, carry, ys_arrays),
            maximum_iterations=iterations,
            parallel_iterations=32,
        )

    remainder = length % per_iteration
    blocks_end = length - remainder
    i, carry, ys_arrays = run(
        steps(per_iteration), tf.constant(0), blocks_end, blocks_end // per_iteration, init, ys_arrays
    )
    if per_iteration > 1 and not (static_length is not None and remainder == 0):
        _, carry, ys_arrays = run(steps(1), i, length, remainder, carry, ys_arrays)
    return list(carry), [array.stack() for array in ys_arrays]
