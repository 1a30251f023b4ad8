"""Shared helpers of the layer tests: random weights, gradients on any backend, comparisons."""

from __future__ import annotations

import keras
import numpy as np

import seq2seq.layers as ours

TOLERANCE = 1e-5

# (name, our class, Keras class, extra constructor arguments)
CELLS = [
    ("lstm", ours.LSTM, keras.layers.LSTM, {}),
    ("gru", ours.GRU, keras.layers.GRU, {"reset_after": True}),
    ("gru_reset_before", ours.GRU, keras.layers.GRU, {"reset_after": False}),
    ("simple_rnn", ours.SimpleRNN, keras.layers.SimpleRNN, {}),
]
CELL_IDS = [cell[0] for cell in CELLS]


def as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def randomize_weights(layer: keras.layers.Layer, seed: int = 0) -> None:
    """Every weight random (biases too), so no term of the maths hides behind a zero."""
    rng = np.random.default_rng(seed)
    layer.set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])


def weighted_sum(outputs, seed: int = 1):
    """A scalar that depends on every output value with a distinct weight."""
    total = 0.0
    for i, output in enumerate(as_list(outputs)):
        probe = np.random.default_rng(seed + i).standard_normal(tuple(output.shape)).astype("float32")
        total = total + keras.ops.sum(output * keras.ops.convert_to_tensor(probe))
    return total


def gradients(layer: keras.layers.Layer, inputs, **call_kwargs) -> list[np.ndarray]:
    """Gradients of ``weighted_sum(layer(inputs))`` with respect to the layer's trainable weights."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = weighted_sum(layer(inputs, **call_kwargs))
        grads = tape.gradient(loss, layer.trainable_variables)
    elif backend == "jax":
        import jax

        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss_of(trainable):
            outputs, _ = layer.stateless_call(trainable, non_trainable, inputs, **call_kwargs)
            return weighted_sum(outputs)

        grads = jax.grad(loss_of)([v.value for v in layer.trainable_variables])
    elif backend == "torch":
        for variable in layer.trainable_variables:
            variable.value.grad = None
        weighted_sum(layer(inputs, **call_kwargs)).backward()
        grads = [v.value.grad for v in layer.trainable_variables]
    else:  # pragma: no cover
        raise NotImplementedError(backend)
    return [keras.ops.convert_to_numpy(g) for g in grads]


def to_numpy(x) -> np.ndarray:
    """A tensor of any backend as a NumPy array (detached from the torch autograd graph)."""
    if isinstance(x, np.ndarray):
        return x
    return keras.ops.convert_to_numpy(keras.ops.stop_gradient(x))


def max_abs_difference(a, b) -> float:
    return max(float(np.max(np.abs(to_numpy(x) - to_numpy(y)))) for x, y in zip(as_list(a), as_list(b)))


def paired_layers(ours_cls, keras_cls, cell_kwargs, units, input_dim, seed=0, **layer_kwargs):
    """Our layer and Keras's, built, with the same random weights (copied Keras -> ours)."""
    reference = keras_cls(units, **cell_kwargs, **layer_kwargs)
    reference.build((None, None, input_dim))
    randomize_weights(reference, seed)
    layer = ours_cls(units, **cell_kwargs, **layer_kwargs)
    layer.build((None, None, input_dim))
    layer.set_weights(reference.get_weights())
    return layer, reference


def examples(count: int) -> int:
    """Hypothesis examples: all on TensorFlow (the main session); a third on the other backends,
    whose re-run (tests/test_backends.py) compiles a step for every new shape, seconds each."""
    return count if keras.backend.backend() == "tensorflow" else max(4, count // 3)
