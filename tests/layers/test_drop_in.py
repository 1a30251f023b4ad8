"""The surface that makes our layers drop-in for Keras's: configs, ``implementation``,
``use_cudnn``, masks, regularizers and constraints, each checked against ``keras.layers.*``."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_checks import (
    CELL_IDS,
    CELLS,
    TOLERANCE,
    max_abs_difference,
    paired_layers,
    randomize_weights,
    to_numpy,
)

import seq2seq.layers as ours

BATCH, TIME, FEATURES, UNITS = 2, 5, 3, 4
GATED = [cell for cell in CELLS if cell[0] != "simple_rnn"]
GATED_IDS = [cell[0] for cell in GATED]


def inputs(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((BATCH, TIME, FEATURES)).astype("float32")


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_config_has_every_key_of_kerass(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    ours_keys = set(ours_cls(UNITS, **cell_kwargs).get_config())
    keras_keys = set(keras_cls(UNITS, **cell_kwargs).get_config())
    assert keras_keys <= ours_keys
    assert ours_keys - keras_keys <= {"seed"}  # Keras's SimpleRNN takes a seed but does not save it


@pytest.mark.parametrize("extra", [{}, {"implementation": 0}, {"implementation": 1}, {"use_cudnn": False}])
@pytest.mark.parametrize("cell", GATED, ids=GATED_IDS)
def test_keras_config_loads_and_computes_the_same(cell, extra):
    _, ours_cls, keras_cls, cell_kwargs = cell
    reference = keras_cls(UNITS, return_sequences=True, **cell_kwargs)
    reference.build((None, None, FEATURES))
    randomize_weights(reference)
    config = {**reference.get_config(), **extra}
    layer = ours_cls.from_config(config)
    layer.build((None, None, FEATURES))
    layer.set_weights(reference.get_weights())
    assert layer.cell.implementation == extra.get("implementation", 2)
    assert isinstance(keras_cls.from_config(config), keras_cls)  # the same config loads in Keras
    assert max_abs_difference(layer(inputs()), reference(inputs())) <= TOLERANCE


@pytest.mark.parametrize("cell", GATED, ids=GATED_IDS)
def test_implementation_changes_no_number(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer, _ = paired_layers(ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, return_sequences=True)
    expected = to_numpy(layer(inputs()))
    for implementation in (0, 1, 2):
        other = ours_cls(UNITS, return_sequences=True, implementation=implementation, **cell_kwargs)
        other.build((None, None, FEATURES))
        other.set_weights(layer.get_weights())
        assert max_abs_difference(other(inputs()), expected) == 0.0


@pytest.mark.parametrize("value", [3, -1, "fused", True])
def test_bad_implementation_is_refused(value):
    with pytest.raises(ValueError, match="implementation"):
        ours.LSTM(UNITS, implementation=value)


@pytest.mark.parametrize("use_cudnn", ["auto", False])
@pytest.mark.parametrize("cell", GATED, ids=GATED_IDS)
def test_use_cudnn_auto_and_false_run_our_loop(cell, use_cudnn):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer, reference = paired_layers(
        ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, return_sequences=True, use_cudnn=use_cudnn
    )
    assert layer.use_cudnn == use_cudnn
    assert max_abs_difference(layer(inputs()), reference(inputs())) <= TOLERANCE


@pytest.mark.parametrize("layer_cls", [ours.LSTM, ours.GRU])
def test_use_cudnn_true_raises_as_keras_does_without_a_fused_path(layer_cls):
    layer = layer_cls(UNITS, use_cudnn=True)  # accepted when built, as in Keras
    with pytest.raises(ValueError, match="use_cudnn=True was specified"):
        layer(inputs())


@pytest.mark.parametrize("layer_cls", [ours.LSTM, ours.GRU, keras.layers.LSTM, keras.layers.GRU])
def test_bad_use_cudnn_is_refused(layer_cls):
    with pytest.raises(ValueError, match="use_cudnn"):
        layer_cls(UNITS, use_cudnn="yes")


@pytest.mark.parametrize("layer_cls", [ours.SimpleRNN, keras.layers.SimpleRNN])
def test_simple_rnn_has_neither_use_cudnn_nor_implementation(layer_cls):
    assert not hasattr(layer_cls(UNITS), "use_cudnn")
    for argument in ("use_cudnn", "implementation"):
        with pytest.raises(ValueError, match=argument):
            layer_cls(UNITS, **{argument: 1})


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_masking_attributes_equal_kerass(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    layer, reference = ours_cls(UNITS, **cell_kwargs), keras_cls(UNITS, **cell_kwargs)
    assert layer.supports_masking is reference.supports_masking is True
    assert layer.cell.supports_masking == reference.cell.supports_masking


@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_compute_mask_equals_kerass(cell, return_sequences, return_state):
    _, ours_cls, keras_cls, cell_kwargs = cell
    kwargs = dict(return_sequences=return_sequences, return_state=return_state, **cell_kwargs)
    mask = np.array([[True, True, True, False, False], [True, False, False, False, False]])
    for given in (mask, [mask, None]):  # Keras reads the first mask when given a list
        ours_mask = ours_cls(UNITS, **kwargs).compute_mask(inputs(), given)
        keras_mask = keras_cls(UNITS, **kwargs).compute_mask(inputs(), given)
        if not return_state:
            ours_mask, keras_mask = [ours_mask], [keras_mask]
        assert len(ours_mask) == len(keras_mask)
        for ours_value, keras_value in zip(ours_mask, keras_mask):
            assert (ours_value is None) == (keras_value is None)
            if keras_value is not None:
                np.testing.assert_array_equal(to_numpy(ours_value), to_numpy(keras_value))


@pytest.mark.parametrize("last_returns_sequences", [True, False])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_mask_propagates_through_two_layers_like_keras(cell, last_returns_sequences):
    """Embedding(mask_zero) -> layer -> layer -> a consumer of the mask (average pooling over
    the unmasked steps) or of the last output: a wrong mask anywhere changes the numbers."""
    _, ours_cls, keras_cls, cell_kwargs = cell
    tokens = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 0]])

    def model(layer_cls, mask_zero=True):
        return keras.Sequential(
            [
                keras.Input((TIME,), dtype="int32"),
                keras.layers.Embedding(10, FEATURES, mask_zero=mask_zero),
                layer_cls(UNITS, return_sequences=True, **cell_kwargs),
                layer_cls(UNITS, return_sequences=last_returns_sequences, **cell_kwargs),
            ]
            + ([keras.layers.GlobalAveragePooling1D()] if last_returns_sequences else [])
        )

    reference, ours_model = model(keras_cls), model(ours_cls)
    randomize_weights(reference)
    ours_model.set_weights(reference.get_weights())
    expected = reference(tokens)
    assert max_abs_difference(ours_model(tokens), expected) <= TOLERANCE
    unmasked = model(ours_cls, mask_zero=False)  # the same weights, no mask: the padding counts
    unmasked.set_weights(reference.get_weights())
    assert max_abs_difference(unmasked(tokens), expected) > 1e-3


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_weight_regularizer_losses_equal_kerass(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    regularizers = dict(kernel_regularizer="l2", recurrent_regularizer="l2", bias_regularizer="l1")
    layer, reference = paired_layers(ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, **regularizers)
    ours_losses, keras_losses = (sorted(float(to_numpy(loss)) for loss in r.losses) for r in (layer, reference))
    assert len(ours_losses) == len(keras_losses) == 3
    np.testing.assert_allclose(ours_losses, keras_losses, rtol=1e-5)


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_activity_regularizer_penalises_the_output(cell):
    """``0.01 * sum(output**2) / batch``, as Keras's LSTM and GRU add it. (Keras 3.15's SimpleRNN accepts
    ``activity_regularizer`` but never applies it; ours does.)"""
    name, ours_cls, keras_cls, cell_kwargs = cell
    layer, reference = paired_layers(
        ours_cls, keras_cls, cell_kwargs, UNITS, FEATURES, activity_regularizer="l2"
    )
    output = to_numpy(layer(inputs()))
    reference(inputs())
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(to_numpy(penalty)), 0.01 * np.sum(output**2) / BATCH, rtol=1e-5)
    if name != "simple_rnn":
        (keras_penalty,) = reference.losses
        np.testing.assert_allclose(float(to_numpy(penalty)), float(to_numpy(keras_penalty)), rtol=1e-5)


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_constraints_apply_like_kerass(cell):
    _, ours_cls, keras_cls, cell_kwargs = cell
    constraints = dict(kernel_constraint="non_neg", recurrent_constraint="non_neg", bias_constraint="non_neg")
    models = []
    for layer_cls in (keras_cls, ours_cls):
        model = keras.Sequential([keras.Input((TIME, FEATURES)), layer_cls(UNITS, **cell_kwargs, **constraints)])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        models.append(model)
    reference, ours_model = models
    randomize_weights(reference)  # negative entries, clipped by the constraint after the step
    ours_model.set_weights(reference.get_weights())
    target = np.ones((BATCH, UNITS), "float32")
    for model in models:
        model.train_on_batch(inputs(), target)
    assert all(np.all(w >= 0.0) for w in ours_model.get_weights())
    assert max_abs_difference(ours_model.get_weights(), reference.get_weights()) <= TOLERANCE
