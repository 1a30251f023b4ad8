"""Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000)."""

from __future__ import annotations

import keras
from keras import ops

from seq2seq.layers.cell import RecurrentCell, check_implementation, recurrent_input
from seq2seq.layers.recurrent import Recurrent


@keras.saving.register_keras_serializable(package="seq2seq")
class LSTMCell(RecurrentCell):
    """One LSTM step, gate by gate. With ``x`` the input and ``h, c`` the previous states::

        input_gate  = σ(x W_i + h U_i + b_i)
        forget_gate = σ(x W_f + h U_f + b_f)
        candidate   = tanh(x W_c + h U_c + b_c)
        output_gate = σ(x W_o + h U_o + b_o)
        cell_state   = forget_gate * c + input_gate * candidate
        hidden_state = output_gate * tanh(cell_state)

    σ is ``recurrent_activation``, tanh is ``activation``. The weights concatenate the gates in
    Keras's order ``[i, f, c, o]``: ``kernel (input_dim, 4u)``, ``recurrent_kernel (u, 4u)``,
    ``bias (4u,)``. With ``unit_forget_bias`` the forget bias starts at 1 (Jozefowicz et al. 2015).
    """

    gate_names = ("input_gate", "forget_gate", "candidate", "output_gate")
    gate_count = 4
    state_names = ("hidden_state", "cell_state")

    def __init__(
        self, units, recurrent_activation="sigmoid", unit_forget_bias=True, implementation=2, **kwargs
    ):
        super().__init__(units, **kwargs)
        self.implementation = check_implementation(implementation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def bias_weight_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, init = self.units, self.bias_initializer

        def forget_bias_one(shape, dtype=None):
            return ops.concatenate(
                [
                    init((units,), dtype=dtype),
                    ops.ones((units,), dtype=dtype),
                    init((2 * units,), dtype=dtype),
                ]
            )

        return forget_bias_one

    def transition(self, projected, states, recurrent_weights, recurrent_dropout_mask=None):
        hidden_state, cell_state = states
        h = recurrent_input(hidden_state, recurrent_dropout_mask)
        z = projected + ops.matmul(h, recurrent_weights["recurrent_kernel"])  # (B, 4U)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)

        input_gate = self.recurrent_activation(z_i)
        forget_gate = self.recurrent_activation(z_f)
        candidate = self.activation(z_c)
        output_gate = self.recurrent_activation(z_o)
        cell_state = forget_gate * cell_state + input_gate * candidate
        hidden_state = output_gate * self.activation(cell_state)

        gates = {
            "input_gate": input_gate,
            "forget_gate": forget_gate,
            "candidate": candidate,
            "output_gate": output_gate,
            "cell_state": cell_state,
            "hidden_state": hidden_state,
        }
        return hidden_state, [hidden_state, cell_state], gates

    def cell_config(self):
        return {
            **super().cell_config(),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation}


@keras.saving.register_keras_serializable(package="seq2seq")
class LSTM(Recurrent):
    """An LSTM layer: our :class:`LSTMCell` over time, drop-in for ``keras.layers.LSTM``.

    Args:
        units: size of the hidden and cell states.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias: as in :class:`LSTMCell`.
        dropout: rate of the input dropout (one mask per sequence).
        recurrent_dropout: rate of the dropout on ``h`` entering the recurrent product.
        return_sequences: return ``(batch, time, units)`` instead of the last output.
        return_state: also return the final ``hidden_state`` and ``cell_state``.
        go_backwards: process the sequence in reverse (outputs come reversed, as in Keras).
        stateful: start each call from the final states of the previous one (kept in
            ``layer.states``; needs a fixed batch size; ``reset_states()`` zeroes them).
        unroll: ``False``, ``True`` (fully) or an int: steps unrolled per loop iteration.
        seed: seed of the dropout masks.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: as in Keras.
        use_cudnn: ``"auto"`` or ``False`` run our loop; ``True`` raises ``ValueError`` when
            called, as Keras does where no fused (cuDNN) path exists: this project has none.
        implementation: 0, 1 or 2, accepted for Keras configs; our cell always computes the
            fused projection, so it changes no number (``layer.cell.implementation``).

    Call: ``layer(inputs (B, T, D), mask=None (B, T), initial_state=None [h, c], training=None)``.
    """

    cell_class = LSTMCell

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
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
            unit_forget_bias=unit_forget_bias,
            implementation=implementation,
        )
        super().__init__(units, cell_kwargs=cell_kwargs, use_cudnn=use_cudnn, **kwargs)
