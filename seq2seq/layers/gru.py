"""Gated recurrent unit (Cho et al. 2014), in Keras's and cuDNN's convention."""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.layers.cell import RecurrentCell, check_implementation, recurrent_input
from seq2seq.layers.recurrent import Recurrent


@keras.saving.register_keras_serializable(package="seq2seq")
class GRUCell(RecurrentCell):
    """One GRU step, gate by gate. With ``x`` the input and ``h`` the previous state::

        update_gate = σ(x W_z + h U_z + b_z)
        reset_gate  = σ(x W_r + h U_r + b_r)
        candidate   = tanh(x W_h + reset_gate * (h U_h + b'_h))     reset_after=True (cuDNN)
        candidate   = tanh(x W_h + (reset_gate * h) U_h + b_h)      reset_after=False (Cho et al.)
        hidden_state = update_gate * h + (1 - update_gate) * candidate

    σ is ``recurrent_activation``, tanh is ``activation``. Gates are concatenated in Keras's order
    ``[z, r, h]``: ``kernel (input_dim, 3u)``, ``recurrent_kernel (u, 3u)``; the bias is
    ``(2, 3u)`` with ``reset_after`` (row 0 for the input, row 1 for the recurrent product) and
    ``(3u,)`` without.
    """

    gate_names = ("update_gate", "reset_gate", "candidate")
    gate_count = 3
    state_names = ("hidden_state",)

    def __init__(
        self, units, recurrent_activation="sigmoid", reset_after=True, implementation=2, **kwargs
    ):
        super().__init__(units, **kwargs)
        self.implementation = check_implementation(implementation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.reset_after = reset_after

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        bias = self._weight(self.bias)
        return bias[0] if self.reset_after else bias

    def recurrent_weights(self):
        weights = super().recurrent_weights()
        if self.use_bias and self.reset_after:
            weights["recurrent_bias"] = self._weight(self.bias)[1]
        return weights

    def transition(self, projected, states, recurrent_weights, recurrent_dropout_mask=None):
        (previous,) = states
        h = recurrent_input(previous, recurrent_dropout_mask)
        recurrent_kernel = recurrent_weights["recurrent_kernel"]
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)

        if self.reset_after:
            recurrent = ops.matmul(h, recurrent_kernel)  # (B, 3U)
            if "recurrent_bias" in recurrent_weights:
                recurrent = recurrent + recurrent_weights["recurrent_bias"]
            h_z, h_r, h_h = ops.split(recurrent, 3, axis=-1)
            update_gate = self.recurrent_activation(x_z + h_z)
            reset_gate = self.recurrent_activation(x_r + h_r)
            candidate = self.activation(x_h + reset_gate * h_h)
        else:
            units = self.units
            h_zr = ops.matmul(h, recurrent_kernel[:, : 2 * units])  # (B, 2U)
            h_z, h_r = ops.split(h_zr, 2, axis=-1)
            update_gate = self.recurrent_activation(x_z + h_z)
            reset_gate = self.recurrent_activation(x_r + h_r)
            candidate = self.activation(x_h + ops.matmul(reset_gate * h, recurrent_kernel[:, 2 * units :]))
        hidden_state = update_gate * previous + (1.0 - update_gate) * candidate

        gates = {
            "update_gate": update_gate,
            "reset_gate": reset_gate,
            "candidate": candidate,
            "hidden_state": hidden_state,
        }
        return hidden_state, [hidden_state], gates

    def cell_config(self):
        return {
            **super().cell_config(),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation}


@keras.saving.register_keras_serializable(package="seq2seq")
class GRU(Recurrent):
    """A GRU layer: our :class:`GRUCell` over time, drop-in for ``keras.layers.GRU``.

    Arguments as :class:`seq2seq.layers.LSTM` (``stateful``, ``use_cudnn`` and ``implementation``
    included), with ``reset_after`` instead of ``unit_forget_bias``.
    Call: ``layer(inputs (B, T, D), mask=None, initial_state=None [h])``.
    """

    cell_class = GRUCell

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        reset_after=True,
        *,
        use_cudnn="auto",
        implementation=2,
        **kwargs,
    ):
        cell_kwargs = dict(
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            reset_after=reset_after,
            implementation=implementation,
        )
        super().__init__(units, cell_kwargs=cell_kwargs, use_cudnn=use_cudnn, **kwargs)
