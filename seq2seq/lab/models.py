"""The lab's models: one of our recurrent layers between a one-hot input and a dense read-out.

``cell`` is ``"rnn"``, ``"lstm"`` or ``"gru"``: ``seq2seq.layers.SimpleRNN/LSTM/GRU``.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from seq2seq import layers as recurrent_layers

LAYERS = {"rnn": recurrent_layers.SimpleRNN, "lstm": recurrent_layers.LSTM, "gru": recurrent_layers.GRU}
NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def classifier(cell: str, time: int, features: int, classes: int, units: int, seed: int, **layer_kwargs) -> keras.Model:
    """``(B, time, features) -> (B, classes)`` logits read from the last hidden state."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((time, features)),
            LAYERS[cell](units, name="recurrent", **layer_kwargs),
            keras.layers.Dense(classes, name="readout"),
        ]
    )


def next_char_model(cell: str, features: int, units: int, seed: int) -> keras.Model:
    """``(B, T, features) -> (B, T, features)`` next-character logits at every step."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((None, features)),
            LAYERS[cell](units, return_sequences=True, name="recurrent"),
            keras.layers.Dense(features, name="readout"),
        ]
    )


def compile_for_classes(model: keras.Model, optimizer) -> keras.Model:
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def train(model: keras.Model, batches, steps: int, progress=None, label: str = "", stop_on_nan: bool = False) -> list[float]:
    """Runs ``steps`` of ``train_on_batch`` on ``batches()`` (a callable giving ``(x, y)``).

    Returns the loss of every step (NaN-padded after a non-finite loss when ``stop_on_nan``).
    """
    losses = []
    chunk = max(steps // 20, 1)
    for step in range(steps):
        inputs, targets = batches()
        loss = float(model.train_on_batch(inputs, targets))
        losses.append(loss)
        if progress is not None and (step + 1) % chunk == 0:
            progress.advance(chunk, label)
        if stop_on_nan and not math.isfinite(loss):
            break
    if progress is not None:
        progress.advance(steps - chunk * (len(losses) // chunk), label)
    return losses + [float("nan")] * (steps - len(losses))


def accuracy(model: keras.Model, inputs: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``labels`` (``(B,)``) that the arg-max of the logits names."""
    logits = logits_of(model, inputs)
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def logits_of(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    """``model(inputs)`` as NumPy, called directly: ``predict_on_batch`` would trace a new graph
    for every fresh model or input length, and TensorFlow warns about the retracing on stderr."""
    return keras.ops.convert_to_numpy(model(inputs, training=False))
