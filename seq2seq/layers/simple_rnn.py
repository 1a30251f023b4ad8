"""The simple (Elman 1990) recurrent network."""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.layers.cell import RecurrentCell, recurrent_input
from seq2seq.layers.recurrent import Recurrent


@keras.saving.register_keras_serializable(package="seq2seq")
class SimpleRNNCell(RecurrentCell):
    """One simple RNN step: ``hidden_state = tanh(x W + h U + b)``.

    No gates: the whole history must pass through one squashing per step, which is why its
    gradients vanish or explode over long sequences and why LSTM and GRU exist.
    Weights: ``kernel (input_dim, u)``, ``recurrent_kernel (u, u)``, ``bias (u,)``.
    """

    gate_count = 1
    state_names = ("hidden_state",)

    def transition(self, projected, states, recurrent_weights, recurrent_dropout_mask=None):
        (previous,) = states
        h = recurrent_input(previous, recurrent_dropout_mask)
        hidden_state = self.activation(projected + ops.matmul(h, recurrent_weights["recurrent_kernel"]))
        return hidden_state, [hidden_state], {"hidden_state": hidden_state}


@keras.saving.register_keras_serializable(package="seq2seq")
class SimpleRNN(Recurrent):
    """A simple RNN layer, drop-in for ``keras.layers.SimpleRNN``.

    Arguments as :class:`seq2seq.layers.LSTM` without the gate options, ``use_cudnn`` and
    ``implementation`` (as Keras's ``SimpleRNN``).
    Call: ``layer(inputs (B, T, D), mask=None, initial_state=None [h], training=None)``.
    """

    cell_class = SimpleRNNCell

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        cell_kwargs = dict(
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
        )
        super().__init__(units, cell_kwargs=cell_kwargs, **kwargs)
