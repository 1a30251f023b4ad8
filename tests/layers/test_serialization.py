"""Config round trips and ``.keras`` files loaded with safe mode on."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_checks import CELL_IDS, CELLS, max_abs_difference, randomize_weights

import seq2seq.layers as ours


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_get_config_round_trip(cell):
    _, ours_cls, _, cell_kwargs = cell
    layer = ours_cls(
        7, return_sequences=True, go_backwards=True, dropout=0.25, recurrent_dropout=0.5, unroll=2, **cell_kwargs
    )
    config = layer.get_config()
    clone = ours_cls.from_config(config)
    assert clone.get_config() == config
    assert config["units"] == 7 and config["go_backwards"] and config["dropout"] == 0.25


def test_unknown_argument_is_refused():
    with pytest.raises(ValueError, match="forget_gate_bias"):
        ours.LSTM(4, forget_gate_bias=2.0)


@pytest.mark.parametrize("value", [-0.1, 1.0])
def test_bad_dropout_rate_is_refused(value):
    with pytest.raises(ValueError, match="dropout"):
        ours.GRU(4, dropout=value)


def test_bad_units_are_refused():
    with pytest.raises(ValueError, match="units"):
        ours.LSTM(0)


def test_keras_file_round_trip_with_safe_mode(tmp_path):
    inputs = keras.Input((None, 3))
    masked = keras.layers.Masking()(inputs)
    x = keras.layers.Bidirectional(ours.LSTM(4, return_sequences=True))(masked)
    x = ours.GRU(5, reset_after=False, return_sequences=True)(x)
    outputs = ours.SimpleRNN(2)(x)
    model = keras.Model(inputs, outputs)
    for layer in model.layers:
        if layer.weights:
            randomize_weights(layer)
    data = np.random.default_rng(0).standard_normal((2, 6, 3)).astype("float32")
    data[1, 4:] = 0.0  # padding, masked by Masking

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[3], ours.GRU) and not loaded.layers[3].cell.reset_after
    assert max_abs_difference(loaded(data), model(data)) == 0.0
