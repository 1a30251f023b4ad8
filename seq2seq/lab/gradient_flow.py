"""Gradient flow: the norm of d(loss)/d(h_t) at every timestep of a recall sequence.

The loss is the recall cross-entropy read from the last hidden state. To get its gradient with
respect to each intermediate ``h_t`` we run the cell's own step function (``cell.transition``)
over time and add a zero tensor ``e_t`` to every ``h_t``: ``d loss / d e_t = d loss / d h_t``
(the total derivative, through every later step). For an LSTM ``h_t`` is the hidden state; its
gradient reaches the past through the gates and the cell state.

The gradient itself comes from the backend (``gradient``): TensorFlow, JAX or PyTorch.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def gradient(function, value: np.ndarray) -> np.ndarray:
    """d function(value) / d value for a scalar ``function``, on the current Keras backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        value = tf.convert_to_tensor(value)
        with tf.GradientTape() as tape:
            tape.watch(value)
            result = function(value)
        return tape.gradient(result, value).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(function)(jax.numpy.asarray(value)))
    if backend == "torch":
        import torch

        value = torch.tensor(value, requires_grad=True)
        function(value).backward()
        return value.grad.detach().cpu().numpy()
    raise NotImplementedError(f"gradient flow needs TensorFlow, JAX or PyTorch, not {backend}")


def hidden_state_gradient_norms(model: keras.Model, inputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean over the batch of ``|| d loss / d h_t ||`` for ``t = 1 .. T``.

    Args:
        model: a ``models.classifier`` (layers named ``recurrent`` and ``readout``).
        inputs: ``(B, T, features)``; labels: ``(B,)``.

    Returns:
        float64 ``(T,)``. The loss is summed (not averaged) over the batch, so each row of the
        gradient is that of one sequence's own loss.
    """
    layer, readout = model.get_layer("recurrent"), model.get_layer("readout")
    cell = layer.cell
    batch, time = inputs.shape[:2]
    time_major = ops.transpose(ops.convert_to_tensor(inputs), (1, 0, 2))  # (T, B, D)
    labels = ops.convert_to_tensor(labels)

    def loss_of(perturbations):  # (T, B, U) zeros
        projected = cell.project_inputs(time_major)  # (T, B, G*U)
        recurrent_weights = cell.recurrent_weights()
        states = [ops.zeros((batch, size)) for size in cell.state_size]
        for t in range(time):
            _, states, _ = cell.transition(projected[t], states, recurrent_weights)
            states = [states[0] + perturbations[t], *states[1:]]
        logits = readout(states[0])  # (B, classes)
        return ops.sum(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))

    grads = gradient(loss_of, np.zeros((time, batch, layer.units), dtype="float32"))  # (T, B, U)
    return np.linalg.norm(grads.astype("float64"), axis=-1).mean(axis=1)


def plot(norms: dict, path) -> None:
    """``norms``: ``{cell: {"init": (T,), "trained": (T,)}}``, one log-scale panel per stage."""
    from seq2seq.lab.figures import figure_to_png, pyplot
    from seq2seq.lab.models import NAMES

    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for axis, stage in zip(axes, ("init", "trained")):
        for cell, by_stage in norms.items():
            values = np.asarray(by_stage[stage])
            axis.plot(np.arange(1, len(values) + 1), values, label=NAMES[cell])
        axis.set(yscale="log", xlabel="timestep t (the label is read at t = 1)",
                 title=f"|| d loss / d h_t ||, {'at initialisation' if stage == 'init' else 'after training'}")
        axis.legend()
    axes[0].set_ylabel("gradient norm (mean over sequences)")
    figure_to_png(figure, path)
