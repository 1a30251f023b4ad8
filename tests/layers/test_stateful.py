"""``stateful=True``, side by side with ``keras.layers.SimpleRNN/LSTM/GRU``.

A stateful layer starts each call from the final states of the previous one, so three calls on
consecutive pieces of a sequence must equal one call on the whole sequence.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_checks import (
    CELL_IDS,
    CELLS,
    TOLERANCE,
    as_list,
    max_abs_difference,
    randomize_weights,
    to_numpy,
)

import seq2seq.layers as ours

BATCH, PIECE, FEATURES, UNITS = 2, 4, 3, 5


def sequence(pieces: int = 3, seed: int = 0) -> np.ndarray:
    """``(BATCH, pieces * PIECE, FEATURES)`` random inputs."""
    return np.random.default_rng(seed).standard_normal((BATCH, pieces * PIECE, FEATURES)).astype("float32")


def stateful_pair(cell, **layer_kwargs):
    """Our stateful layer and Keras's, built for ``BATCH`` and given the same random weights."""
    _, ours_cls, keras_cls, cell_kwargs = cell
    reference = keras_cls(UNITS, stateful=True, **cell_kwargs, **layer_kwargs)
    reference.build((BATCH, None, FEATURES))
    randomize_weights(reference)
    layer = ours_cls(UNITS, stateful=True, **cell_kwargs, **layer_kwargs)
    layer.build((BATCH, None, FEATURES))
    layer.set_weights(reference.get_weights())
    return layer, reference


def states_of(layer) -> list[np.ndarray]:
    return [to_numpy(state.value) for state in layer.states]


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_three_batches_equal_the_concatenated_sequence(cell):
    _, ours_cls, _, cell_kwargs = cell
    layer, reference = stateful_pair(cell, return_sequences=True)
    whole = ours_cls(UNITS, return_sequences=True, return_state=True, **cell_kwargs)
    whole.build((None, None, FEATURES))
    whole.set_weights(layer.get_weights())
    x = sequence()

    expected_outputs, *expected_states = whole(x)
    pieces = [x[:, i * PIECE : (i + 1) * PIECE] for i in range(3)]
    outputs = [to_numpy(layer(piece)) for piece in pieces]
    keras_outputs = [to_numpy(reference(piece)) for piece in pieces]

    assert max_abs_difference(np.concatenate(outputs, axis=1), expected_outputs) <= TOLERANCE
    assert max_abs_difference(states_of(layer), expected_states) <= TOLERANCE
    assert max_abs_difference(outputs, keras_outputs) <= TOLERANCE
    assert max_abs_difference(states_of(layer), states_of(reference)) <= TOLERANCE


@pytest.mark.parametrize("reset", ["reset_states", "reset_state"])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_reset_returns_to_the_initial_state(cell, reset):
    layer, _ = stateful_pair(cell)
    x = sequence(pieces=1)
    first = to_numpy(layer(x))
    second = to_numpy(layer(x))
    assert max_abs_difference(first, second) > 1e-3  # the state was carried over
    getattr(layer, reset)()
    assert all(np.all(state == 0.0) for state in states_of(layer))
    assert max_abs_difference(layer(x), first) == 0.0


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_stateful_model_predict_matches_keras(cell):
    """Inside ``model.predict_on_batch`` (compiled: ``tf.function``, ``jax.jit``) ours does what
    Keras's does: on TensorFlow the states advance; on JAX Keras's states are not model
    variables, so a jitted predict leaves them as they were, for both."""
    layer, reference = stateful_pair(cell, return_sequences=True)
    models = [
        keras.Sequential([keras.Input((PIECE, FEATURES), batch_size=BATCH), recurrent])
        for recurrent in (layer, reference)
    ]
    x = sequence()
    for i in range(3):
        piece = x[:, i * PIECE : (i + 1) * PIECE]
        ours_output, keras_output = (model.predict_on_batch(piece) for model in models)
        assert max_abs_difference(ours_output, keras_output) <= TOLERANCE
    assert max_abs_difference(states_of(layer), states_of(reference)) <= TOLERANCE


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_config_keeps_stateful_and_restarts_from_zeros_like_keras(cell):
    _, ours_cls, keras_cls, _ = cell
    layer, reference = stateful_pair(cell)
    x = sequence(pieces=1)
    layer(x)
    reference(x)
    clone, keras_clone = ours_cls.from_config(layer.get_config()), keras_cls.from_config(reference.get_config())
    assert clone.stateful and keras_clone.stateful
    assert clone.states is None and keras_clone.states is None  # created when built, at zero
    for copy, original in ((clone, layer), (keras_clone, reference)):
        copy.build((BATCH, None, FEATURES))
        copy.set_weights(original.get_weights())
    assert all(np.all(state == 0.0) for state in states_of(clone))
    assert max_abs_difference(clone(x), keras_clone(x)) <= TOLERANCE


def test_keras_file_keeps_stateful_and_states_restart_like_keras(tmp_path):
    layer, reference = stateful_pair(CELLS[0])
    x = sequence(pieces=1)
    loaded = []
    for recurrent, name in ((layer, "ours"), (reference, "keras")):
        model = keras.Sequential([keras.Input((PIECE, FEATURES), batch_size=BATCH), recurrent])
        model(x)
        model.save(tmp_path / f"{name}.keras")
        loaded.append(keras.saving.load_model(tmp_path / f"{name}.keras", safe_mode=True).layers[0])
    ours_loaded, keras_loaded = loaded
    assert isinstance(ours_loaded, ours.LSTM) and ours_loaded.stateful
    assert len(ours_loaded.get_weights()) == len(keras_loaded.get_weights()) == 3  # states are no weights
    assert max_abs_difference(states_of(ours_loaded), states_of(keras_loaded)) == 0.0
    assert max_abs_difference(ours_loaded(x), keras_loaded(x)) <= TOLERANCE


@pytest.mark.parametrize("layer_cls", [ours.LSTM, keras.layers.LSTM], ids=["ours", "keras"])
def test_stateful_needs_a_fixed_batch_size(layer_cls):
    with pytest.raises(ValueError, match="batch size must be static"):
        layer_cls(2, stateful=True)(keras.Input((PIECE, FEATURES)))
    layer = layer_cls(2, stateful=True)
    layer(np.zeros((BATCH, PIECE, FEATURES), "float32"))
    with pytest.raises(ValueError, match="batch size"):
        layer(np.zeros((BATCH + 1, PIECE, FEATURES), "float32"))


@pytest.mark.parametrize("cell", CELLS[:1] + CELLS[-1:], ids=[CELL_IDS[0], CELL_IDS[-1]])
def test_stateful_inside_bidirectional_matches_keras(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    pair = []
    for cls in (keras_cls, ours_cls):
        wrapper = keras.layers.Bidirectional(cls(UNITS, stateful=True, **cell_kwargs))
        wrapper.build((BATCH, None, FEATURES))
        pair.append(wrapper)
    reference, layer = pair
    randomize_weights(reference)
    layer.set_weights(reference.get_weights())
    x = sequence(pieces=1)
    for _ in range(2):
        assert max_abs_difference(layer(x), reference(x)) <= TOLERANCE
    layer.reset_states()
    reference.reset_states()
    assert max_abs_difference(as_list(layer(x)), as_list(reference(x))) <= TOLERANCE
