"""Chrono initialisation of the gate biases (Tallec & Ollivier 2018, "Can recurrent neural
networks warp time?"): the gated cells start out remembering.

A gate ``g = σ(b)`` that keeps ``g`` of the old state per step forgets with a characteristic time
of ``1 / (1 - σ(b)) = 1 + exp(b)`` steps. Chrono draws one time per unit, ``T ~ U(2, max_time)``,
and sets ``b = log(T - 1)``, i.e. ``b ~ log(U(1, max_time - 1))``, so the units hold their state
for times spread over the range of dependencies the task has:

- LSTM (bias order ``[i, f, c, o]``): ``b_f = log(U(1, max_time - 1))`` and ``b_i = -b_f`` (a unit
  that keeps long writes little per step); ``b_c = b_o = 0``.
- GRU (``h_t = z * h_{t-1} + (1 - z) * candidate``, bias order ``[z, r, h]``): keeping is ``z``
  near 1, so ``b_z = +log(U(1, max_time - 1))``; ``b_r = b_h = 0``. With ``reset_after`` the bias
  is ``(2, 3u)``: the draw goes in row 0 (input), row 1 (recurrent) stays zero.

The SimpleRNN has no gate, so there is nothing to initialise this way.
"""

from __future__ import annotations

import keras
from keras import ops


def holding_bias(units: int, max_time: float, seed: int, dtype=None):
    """``(units,)`` biases ``log(U(1, max_time - 1))``: characteristic times from 2 to ``max_time``."""
    if max_time <= 2:
        raise ValueError(f"chrono needs max_time > 2 steps. Received: max_time={max_time}")
    time_minus_one = keras.random.uniform((units,), minval=1.0, maxval=max_time - 1.0, dtype=dtype, seed=seed)  # T - 1
    return ops.log(time_minus_one)


def lstm_bias(max_time: float, seed: int):
    """Initializer of the LSTM bias ``(4 * units,)``, gate order ``[i, f, c, o]``."""

    def initializer(shape, dtype=None):
        units = shape[-1] // 4
        forget = holding_bias(units, max_time, seed, dtype)
        return ops.concatenate([-forget, forget, ops.zeros((2 * units,), dtype=dtype)])

    return initializer


def gru_bias(max_time: float, seed: int):
    """Initializer of the GRU bias, ``(3 * units,)`` or ``(2, 3 * units)`` (``reset_after``), order ``[z, r, h]``."""

    def initializer(shape, dtype=None):
        units = shape[-1] // 3
        update = holding_bias(units, max_time, seed, dtype)
        row = ops.concatenate([update, ops.zeros((2 * units,), dtype=dtype)])  # (3U,)
        if len(shape) == 1:
            return row
        return ops.stack([row, ops.zeros_like(row)])  # (2, 3U): input bias, recurrent bias

    return initializer


def layer_kwargs(cell: str, max_time: float, seed: int) -> dict:
    """Keyword arguments that give a ``seq2seq.layers.LSTM`` or ``GRU`` chrono gate biases
    (none for ``"rnn"``: it has no gate)."""
    if cell == "lstm":
        return {"bias_initializer": lstm_bias(max_time, seed), "unit_forget_bias": False}
    if cell == "gru":
        return {"bias_initializer": gru_bias(max_time, seed)}
    return {}
