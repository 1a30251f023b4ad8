"""The time loop: ``keras.ops.scan``, with one backend-specific exception.

``scan(step, init, xs, num_outputs, unroll)`` follows ``jax.lax.scan``: ``step(carry, x) ->
(carry, ys)`` over the leading axis of ``xs``, where ``carry`` is a list of tensors and ``ys`` a
list of ``num_outputs`` tensors shaped like ``carry[0]``; returns ``(final_carry, stacked_ys)``.

On JAX and PyTorch it is ``keras.ops.scan``. On TensorFlow, Keras's ``ops.scan`` passes the
carry through size-one ``TensorArray``s every step and requires ``ys`` to mirror the carry (an
LSTM would stack its cell state for nothing), which made our LSTM about 15% slower than
``keras.layers.LSTM``. There we run a ``tf.while_loop`` with the carry as loop variables and the
outputs in ``TensorArray``s, as Keras's own ``backend.rnn`` does. The gate maths is the same.
"""

from __future__ import annotations

import keras
from keras import ops, tree


def scan(step, init: list, xs, num_outputs: int, unroll: int | bool = 1):
    """Runs ``step`` over axis 0 of ``xs`` (a tensor or a tuple of tensors)."""
    if keras.backend.backend() == "tensorflow":
        return _tensorflow_scan(step, init, xs, num_outputs, unroll)
    return ops.scan(step, init, xs, unroll=unroll)


def _tensorflow_scan(step, init, xs, num_outputs, unroll):
    import tensorflow as tf

    xs_flat = [tf.convert_to_tensor(x) for x in tree.flatten(xs)]
    length = xs_flat[0].shape[0]
    if length is None:
        length = tf.shape(xs_flat[0])[0]
    xs_arrays = [tf.TensorArray(x.dtype, size=length, element_shape=x.shape[1:]).unstack(x) for x in xs_flat]
    init = [tf.convert_to_tensor(value) for value in init]
    ys_arrays = [
        tf.TensorArray(init[0].dtype, size=length, element_shape=init[0].shape) for _ in range(num_outputs)
    ]

    def body(i, carry, ys_arrays):
        x = tree.pack_sequence_as(xs, [array.read(i) for array in xs_arrays])
        carry, ys = step(list(carry), x)
        return i + 1, list(carry), [array.write(i, y) for array, y in zip(ys_arrays, ys)]

    _, final_carry, ys_arrays = tf.while_loop(
        lambda i, *_: i < length,
        body,
        (tf.constant(0), init, ys_arrays),
        maximum_iterations=length,
        parallel_iterations=32 if unroll is True else max(int(unroll), 1),
    )
    return list(final_carry), [array.stack() for array in ys_arrays]
