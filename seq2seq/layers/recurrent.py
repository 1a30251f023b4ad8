"""The recurrence driver shared by ``SimpleRNN``, ``LSTM`` and ``GRU``.

A recurrent layer here is a cell (the gate maths for one timestep, see ``cell.py``) driven by
one loop of our own:

1. the input projection of *all* timesteps is one matrix product before the loop
   (``x @ kernel + bias`` for a ``(batch, time, features)`` tensor);
2. the loop (``keras.ops.scan``) does one recurrent matrix product per step;
3. dropout masks are drawn once per batch, before the loop, so the loop body is stateless
   (JAX traces it once);
4. masked timesteps carry the previous state and output forward, as ``keras.layers.RNN`` does.

The public arguments, outputs and weight layout are those of ``keras.layers.SimpleRNN/LSTM/GRU``,
so weights move both ways with ``set_weights``. With ``stateful=True`` the final states of a call
are kept in non-trainable variables (``layer.states``, one ``(batch, units)`` per state, untracked
as in Keras so ``get_weights`` stays the same) and start the next call; they are assigned after
the loop, which itself stays stateless.
"""

from __future__ import annotations

import keras
from keras import ops, tree
from keras.src.utils.tracking import no_automatic_dependency_tracking  # as keras.layers.RNN uses it

from seq2seq.layers import loop
from seq2seq.layers.cell import RecurrentCell

USE_CUDNN_VALUES = ("auto", True, False)


def check_use_cudnn(use_cudnn):
    """Keras's validation of ``use_cudnn`` (``"auto"``, ``True`` or ``False``)."""
    if use_cudnn not in USE_CUDNN_VALUES or not isinstance(use_cudnn, (bool, str)):
        raise ValueError(
            "Invalid value received for argument `use_cudnn`. Expected one of "
            f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
        )
    return use_cudnn


class Recurrent(keras.layers.Layer):
    """Runs a :class:`RecurrentCell` over a sequence.

    Subclasses set ``cell_class`` and pass the cell arguments through ``cell_kwargs``; the
    regularizers and constraints of the weights, common to every cell, are arguments here.
    ``use_cudnn`` is an argument of ``LSTM`` and ``GRU`` only (``None`` here: not an argument of
    the layer, as for Keras's ``SimpleRNN``). No fused (cuDNN) loop exists in this project, so
    ``"auto"`` and ``False`` run our loop and ``True`` raises ``ValueError`` at call time, as
    Keras does where it has no fused path.

    Call arguments:
        inputs: ``(batch, time, features)``.
        mask: optional boolean ``(batch, time)``; ``False`` marks padding.
        initial_state: optional list of ``(batch, units)`` tensors, one per state.
        training: whether dropout is applied.

    Returns ``(batch, time, units)`` if ``return_sequences`` else ``(batch, units)``, followed by
    the final states when ``return_state``.
    """

    cell_class: type[RecurrentCell]

    def __init__(
        self,
        units: int,
        *,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool | int = False,
        zero_output_for_mask: bool = False,
        seed: int | None = None,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        use_cudnn=None,
        cell_kwargs: dict | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{name} must be in [0, 1). Received: {name}={rate}")
        if not (isinstance(unroll, bool) or (isinstance(unroll, int) and unroll >= 1)):
            raise ValueError(f"unroll must be a bool or a positive int. Received: unroll={unroll}")
        if use_cudnn is not None:
            self.use_cudnn = check_use_cudnn(use_cudnn)
        weight_kwargs = dict(
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
        )
        self.cell = self.cell_class(
            units, dtype=self.dtype_policy, name="cell", **weight_kwargs, **(cell_kwargs or {})
        )
        self.units = units
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = bool(stateful)
        self.states = None  # the state variables when stateful, created by build()
        self._expected_batch_size = None
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.input_spec = keras.InputSpec(ndim=3)

    # -- Keras layer protocol -------------------------------------------------------------------

    @property
    def state_size(self):
        return self.cell.state_size

    def build(self, sequences_shape, initial_state_shape=None):
        self.cell.build((sequences_shape[0], sequences_shape[-1]))
        if self.stateful:
            if self.states is not None:
                self.reset_state()
                return
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. "
                    f"Found dynamic batch size: sequence.shape={tuple(sequences_shape)}"
                )
            self._create_state_variables(sequences_shape[0])

    @no_automatic_dependency_tracking
    def _create_state_variables(self, batch_size: int):
        """``self.states``: one ``(batch_size, size)`` zero variable per state, untracked (so not
        in ``weights``), as ``keras.layers.RNN`` keeps them."""
        self.states = [
            keras.Variable(
                ops.zeros((batch_size, size)), trainable=False, dtype=self.variable_dtype, name="rnn_state"
            )
            for size in self.state_size
        ]
        self._expected_batch_size = batch_size

    def reset_state(self):
        """Sets the states of a stateful layer back to zeros (a no-op before it is built)."""
        if self.states is not None:
            for state in self.states:
                state.assign(ops.zeros_like(state.value))

    def reset_states(self):
        """Alias of :meth:`reset_state`, Keras's older name."""
        self.reset_state()

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, time = sequences_shape[0], sequences_shape[1]
        output_shape = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return (output_shape, *[(batch, size) for size in self.state_size])
        return output_shape

    def compute_mask(self, inputs, mask=None):
        mask = tree.flatten(mask)[0]  # the sequences' mask when the initial state has masks too
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=False):
        # A fused (cuDNN) loop, if one lands, is tried here for use_cudnn "auto" and True; with
        # none, True is refused as keras.layers.LSTM/GRU refuse it where they have none.
        if getattr(self, "use_cudnn", None) is True:
            raise ValueError(
                "use_cudnn=True was specified, but cuDNN is not supported for this layer "
                "configuration with this backend. Pass use_cudnn='auto' to fallback to a "
                "non-cuDNN implementation."
            )
        if self.stateful:
            batch_size = sequences.shape[0]
            if batch_size is not None and batch_size != self._expected_batch_size:
                raise ValueError(
                    "If an RNN is stateful, the batch size of the input sequences must be the "
                    f"same as the batch size of the initial state. Expected batch size: "
                    f"{self._expected_batch_size}. Received batch size: {batch_size}"
                )
            if initial_state is None:
                # A copy: on PyTorch the assignment below is in place, under the autograd graph.
                initial_state = [ops.copy(state.value) for state in self.states]
        outputs, last_output, states, _ = self._run(
            sequences, initial_state=initial_state, mask=mask, training=training
        )
        if self.stateful:
            for variable, state in zip(self.states, states):
                variable.assign(ops.cast(state, variable.dtype))
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def get_config(self):
        config = {
            "units": self.units,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "seed": self.seed,
            "activity_regularizer": keras.regularizers.serialize(self.activity_regularizer),
            **self.cell.cell_config(),
        }
        return {**super().get_config(), **config}

    # -- gate inspection ------------------------------------------------------------------------

    def gate_activations(self, sequences, mask=None, initial_state=None) -> dict:
        """Per-timestep activations of every gate, from the same step function as ``call``.

        Args:
            sequences: ``(batch, time, features)``.
            mask: optional boolean ``(batch, time)``.
            initial_state: optional list of ``(batch, units)`` tensors.

        Returns:
            A dict of NumPy arrays of shape ``(batch, time, units)`` in the order of the output
            sequence (reversed time when ``go_backwards``): the cell's gates (for example
            ``forget_gate``) and states (``hidden_state``, and ``cell_state`` for an LSTM). At a
            masked timestep the gates are those the cell computed, but the states carried over.
        """
        if not self.built:
            self.build(ops.shape(sequences))
        sequences = ops.convert_to_tensor(sequences, dtype=self.compute_dtype)
        _, _, _, gates = self._run(
            sequences, initial_state=initial_state, mask=mask, training=False, with_gates=True
        )
        return {name: ops.convert_to_numpy(value) for name, value in gates.items()}

    # -- the loop -------------------------------------------------------------------------------

    def _dropout_mask(self, shape, rate):
        """A mask of ``shape`` with zeros at rate ``rate`` and the survivors scaled by 1/(1-rate)."""
        ones = ops.ones(shape, dtype=self.compute_dtype)
        return keras.random.dropout(ones, rate=rate, seed=self.seed_generator)

    def _run(self, sequences, initial_state=None, mask=None, training=False, with_gates=False):
        """Runs the recurrence.

        Returns ``(outputs (B, T, U), last_output (B, U), final_states, gates)`` where ``gates``
        maps names to ``(B, T, U)`` tensors when ``with_gates`` and is empty otherwise.
        """
        cell = self.cell
        batch_size = ops.shape(sequences)[0]
        if initial_state is None:
            states = [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in cell.state_size]
        else:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
            if len(initial_state) != len(cell.state_size):
                raise ValueError(
                    f"{self.name} expects {len(cell.state_size)} initial state tensor(s), "
                    f"received {len(initial_state)}."
                )
            states = [ops.cast(state, self.compute_dtype) for state in initial_state]

        # Dropout masks: drawn once per batch and shared by every timestep.
        recurrent_dropout_mask = None
        if training and self.dropout > 0:
            feature_mask = self._dropout_mask((batch_size, 1, ops.shape(sequences)[-1]), self.dropout)
            sequences = sequences * feature_mask  # (B, T, D)
        if training and self.recurrent_dropout > 0:
            recurrent_dropout_mask = self._dropout_mask((batch_size, self.units), self.recurrent_dropout)

        if self.go_backwards:
            sequences = ops.flip(sequences, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)

        # 1. The input projection of every timestep at once, time-major for the scan.
        projected = cell.project_inputs(ops.transpose(sequences, (1, 0, 2)))  # (T, B, G*U)
        recurrent_weights = cell.recurrent_weights()

        state_count = len(states)
        gate_names = list(cell.gate_names) if with_gates else []

        def step(previous_states, projected_t, mask_t=None):
            _, new_states, gates = cell.transition(
                projected_t, previous_states, recurrent_weights, recurrent_dropout_mask
            )
            if mask_t is not None:
                # Padding: the states (and so the output, the hidden state) carry over.
                new_states = [ops.where(mask_t, new, old) for new, old in zip(new_states, previous_states)]
            ys = [new_states[0]] + [gates[name] for name in gate_names]
            if with_gates:
                ys += new_states[1:]
            return new_states, ys

        # 2. The recurrence: one recurrent matrix product per step.
        if mask is None:
            scan_fn, xs = step, projected
        else:
            time_major_mask = ops.expand_dims(ops.transpose(ops.cast(mask, "bool"), (1, 0)), -1)  # (T, B, 1)

            def scan_fn(carry, x):
                return step(carry, x[0], x[1])

            xs = (projected, time_major_mask)
        num_outputs = 1 + len(gate_names) + (state_count - 1 if with_gates else 0)
        unroll = 1 if self.unroll is False else self.unroll
        final_states, ys = loop.scan(scan_fn, list(states), xs, num_outputs, unroll=unroll)

        outputs_time_major = ys[0]  # the hidden state is the output: (T, B, U)
        if mask is not None and self.zero_output_for_mask:
            outputs_time_major = ops.where(time_major_mask, outputs_time_major, 0.0)
        outputs = ops.transpose(outputs_time_major, (1, 0, 2))  # (B, T, U)
        last_output = outputs_time_major[-1]
        gates = {}
        if with_gates:
            names = ["hidden_state"] + gate_names + list(cell.state_names[1:])
            gates = {name: ops.transpose(value, (1, 0, 2)) for name, value in zip(names, ys)}
        return outputs, last_output, list(final_states), gates
