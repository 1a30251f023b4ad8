"""What every recurrent cell here shares: weights, the two halves of a step, and the config.

A cell splits one timestep in two, so a layer can hoist the first half out of its loop:

- ``project_inputs(x)``: the input projection ``x @ kernel + input_bias`` (any leading shape);
- ``transition(projected, states, recurrent_weights)``: the gates, from the projected input and
  the previous state. This is the one place the gate maths is written.

``call(inputs, states)`` chains the two, so a cell also runs inside ``keras.layers.RNN``.
Weights follow Keras's layout: ``kernel (input_dim, gates * units)``,
``recurrent_kernel (units, gates * units)``, ``bias``.
"""

from __future__ import annotations

import keras
from keras import ops


class RecurrentCell(keras.layers.Layer):
    """Base class. Subclasses set ``gate_count`` and ``state_names`` and write ``transition``.

    Args:
        units: size of the hidden state.
        activation: the squashing of candidate and output (``tanh``).
        use_bias: whether the projections add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: as in Keras (their
            penalties appear in ``losses``).
        kernel_constraint, recurrent_constraint, bias_constraint: as in Keras (applied by the
            optimizer after each update).
    """

    gate_count: int = 1
    state_names: tuple[str, ...] = ("hidden_state",)
    gate_names: tuple[str, ...] = ()  # what ``transition`` reports besides the states

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"units must be a positive integer. Received: units={units}")
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.recurrent_constraint = keras.constraints.get(recurrent_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)

    @property
    def state_size(self) -> list[int]:
        return [self.units] * len(self.state_names)

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape):
        width = self.gate_count * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self.bias_shape(),
                name="bias",
                initializer=self.bias_weight_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def bias_shape(self) -> tuple[int, ...]:
        return (self.gate_count * self.units,)

    def bias_weight_initializer(self):
        return self.bias_initializer

    def _weight(self, variable):
        return ops.cast(variable, self.compute_dtype)

    def project_inputs(self, inputs):
        """``inputs (..., input_dim) -> (..., gates * units)``: ``inputs @ kernel + input_bias``."""
        projected = ops.matmul(inputs, self._weight(self.kernel))
        if self.use_bias:
            projected = projected + self.input_bias()
        return projected

    def input_bias(self):
        """The bias added to the input projection, ``(gates * units,)``."""
        return self._weight(self.bias)

    def recurrent_weights(self) -> dict:
        """The tensors a step needs besides its inputs, read once before the loop."""
        return {"recurrent_kernel": self._weight(self.recurrent_kernel)}

    def transition(self, projected, states, recurrent_weights, recurrent_dropout_mask=None):
        """One timestep from the projected input.

        Args:
            projected: ``(batch, gates * units)``, the output of ``project_inputs``.
            states: list of ``(batch, units)`` tensors, named by ``state_names``.
            recurrent_weights: the dict from ``recurrent_weights()``.
            recurrent_dropout_mask: ``(batch, units)`` or None, applied to the previous hidden
                state where it enters a recurrent product.

        Returns:
            ``(output (batch, units), new_states, gates)`` where ``gates`` maps each gate and
            state name to its ``(batch, units)`` value.
        """
        raise NotImplementedError

    def call(self, inputs, states, training=None):
        """One step for ``keras.layers.RNN``: ``inputs (batch, input_dim)``, states as above."""
        if not isinstance(states, (list, tuple)):
            states = [states]
        output, new_states, _ = self.transition(
            self.project_inputs(inputs), list(states), self.recurrent_weights()
        )
        return output, new_states

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in self.state_size]

    def cell_config(self) -> dict:
        """The constructor arguments of this cell, shared with the layer's config."""
        return {
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": keras.regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": keras.constraints.serialize(self.recurrent_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }

    def get_config(self):
        return {**super().get_config(), "units": self.units, **self.cell_config()}


IMPLEMENTATIONS = (0, 1, 2)


def check_implementation(implementation) -> int:
    """Validates Keras's ``implementation`` argument of an LSTM or GRU cell.

    Keras uses it to choose between one fused product for all gates (2, its default) and one
    product per gate (1; 0 is the legacy value old GRU configs carry). Our cells always compute
    the fused product and then one named line per gate, so the value is kept for compatibility
    and changes no number.
    """
    if isinstance(implementation, bool) or implementation not in IMPLEMENTATIONS:
        raise ValueError(
            f"implementation must be one of {IMPLEMENTATIONS}. Received: implementation={implementation!r}"
        )
    return implementation


def recurrent_input(hidden_state, recurrent_dropout_mask):
    """The previous hidden state as it enters a recurrent product (after recurrent dropout)."""
    if recurrent_dropout_mask is None:
        return hidden_state
    return hidden_state * recurrent_dropout_mask
