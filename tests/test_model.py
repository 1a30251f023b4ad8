"""The encoder-decoder: config validation, teacher forcing == step-wise decoding, padding, saving."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import zlib

import keras
import numpy as np
import pytest
from keras import ops

from seq2seq.checkpoint import MODEL_FILE, save_model
from seq2seq.errors import ConfigError
from seq2seq.model import ModelConfig, Seq2Seq

SOURCE_VOCAB, TARGET_VOCAB = 19, 23
VOCABS = dict(source_vocab_size=SOURCE_VOCAB, target_vocab_size=TARGET_VOCAB)


# --- ModelConfig ----------------------------------------------------------------------------------


def test_round_trip_through_dict_and_json():
    config = ModelConfig(
        **VOCABS, cell="lstm", attention="luong", layers=3, units=12, embed=12, attention_units=5,
        bidirectional=False, dropout=0.3, input_feeding=False, tie_embeddings=True, unroll=2,
    )
    data = config.to_dict()
    assert set(data) == {f.name for f in dataclasses.fields(ModelConfig)}
    assert data["cell"] == "lstm" and data["units"] == 12 and data["tie_embeddings"] is True
    assert ModelConfig.from_dict(data) == config
    assert ModelConfig.from_dict(json.loads(config.to_json())) == config


def test_defaults_fill_missing_optional_keys():
    assert ModelConfig.from_dict(dict(VOCABS)) == ModelConfig(**VOCABS)


def test_unknown_keys_are_rejected_by_name():
    with pytest.raises(ConfigError, match="unit_count") as error:
        ModelConfig.from_dict({**VOCABS, "units": 8, "unit_count": 8, "atention": "luong"})
    assert "atention" in str(error.value)


def test_missing_required_key_is_named():
    with pytest.raises(ConfigError, match="source_vocab_size"):
        ModelConfig.from_dict({"target_vocab_size": 10})


@pytest.mark.parametrize(
    "key, value",
    [
        ("cell", "cnn"),
        ("cell", "LSTM"),
        ("attention", "dot"),
        ("layers", 0),
        ("units", -1),
        ("units", 8.0),
        ("embed", "16"),
        ("attention_units", None),
        ("unroll", True),  # a bool is not a count
        ("source_vocab_size", 0),
        ("target_vocab_size", 2.5),
        ("dropout", 1.0),
        ("dropout", -0.1),
        ("dropout", float("nan")),
    ],
)
def test_bad_values_are_rejected_by_name(key, value):
    with pytest.raises(ConfigError, match=key):
        ModelConfig.from_dict({**VOCABS, key: value})


@pytest.mark.parametrize("value", ["0.2", None])
def test_non_numeric_dropout_is_rejected_by_name(value):
    with pytest.raises(ConfigError, match="dropout"):
        ModelConfig.from_dict({**VOCABS, "dropout": value})


@pytest.mark.parametrize(
    "key, value", [("bidirectional", "no"), ("input_feeding", "false"), ("tie_embeddings", "false")]
)
def test_non_bool_flags_are_rejected_by_name(key, value):
    with pytest.raises(ConfigError, match=key):
        ModelConfig.from_dict({**VOCABS, "units": 8, "embed": 8, key: value})


def test_tie_embeddings_needs_embed_equal_to_units():
    with pytest.raises(ConfigError, match="tie_embeddings") as error:
        ModelConfig(**VOCABS, units=8, embed=6, tie_embeddings=True)
    assert "embed=6" in str(error.value) and "units=8" in str(error.value)
    with pytest.raises(ConfigError, match="tie_embeddings"):
        ModelConfig.from_dict({**VOCABS, "units": 8, "embed": 6, "tie_embeddings": True})
    assert ModelConfig(**VOCABS, units=8, embed=8, tie_embeddings=True).tie_embeddings


def test_seq2seq_accepts_a_dict_and_validates_it():
    model = Seq2Seq({**VOCABS, "units": 4, "embed": 4, "attention_units": 4})
    assert model.config == ModelConfig(**VOCABS, units=4, embed=4, attention_units=4)
    with pytest.raises(ConfigError, match="celll"):
        Seq2Seq({**VOCABS, "celll": "gru"})


# --- teacher forcing, step-wise decoding, padding -------------------------------------------------

# Every cell x attention x input feeding; bidirectional alternates so each cell/attention pair meets
# both encoders.
CASES = [
    (cell, attention, feeding, feeding != (index % 2 == 1))
    for (index, cell), attention, feeding in itertools.product(
        enumerate(("rnn", "lstm", "gru")), ("bahdanau", "luong", "none"), (True, False)
    )
]
if keras.backend.backend() != "tensorflow":
    # The re-runs on JAX and PyTorch (tests/test_backends.py) take each cell x attention pair once,
    # every cell and every attention still meeting both feedings and both encoders: what differs
    # between backends is the ops, shared by every combination, and on JAX each case compiles anew
    # (2 to 15 s a test there).
    CASES = [
        ("rnn", "bahdanau", True, True), ("rnn", "luong", False, False), ("rnn", "none", True, False),
        ("lstm", "bahdanau", False, False), ("lstm", "luong", True, True), ("lstm", "none", False, True),
        ("gru", "bahdanau", True, False), ("gru", "luong", False, True), ("gru", "none", True, True),
    ]
CASE_IDS = [f"{c}-{a}-{'feed' if f else 'nofeed'}-{'bi' if b else 'uni'}" for c, a, f, b in CASES]
ATTENTION_CASES = [case for case in CASES if case[1] != "none"]
ATTENTION_IDS = [i for i, case in zip(CASE_IDS, CASES) if case[1] != "none"]


def randomize_weights(model, seed: int, scale: float = 0.5) -> None:
    """Weights far from their initial values (zero biases included), so every term matters."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        variable.assign(rng.normal(scale=scale, size=variable.shape).astype("float32"))


@functools.lru_cache(maxsize=None)
def toy_model(cell, attention, input_feeding, bidirectional, tie_embeddings=False) -> Seq2Seq:
    config = ModelConfig(
        **VOCABS, cell=cell, attention=attention, layers=2, units=8, embed=8 if tie_embeddings else 6,
        attention_units=7, bidirectional=bidirectional, dropout=0.0, input_feeding=input_feeding,
        tie_embeddings=tie_embeddings,
    )
    model = Seq2Seq(config)
    randomize_weights(model, seed=zlib.crc32(f"{cell}{attention}{input_feeding}{bidirectional}".encode()))
    return model


def toy_batch(seed: int = 0):
    """``source (3, 7)`` with rows of lengths 7, 4 and 2 (id 0 pads), ``decoder input (3, 5)``."""
    rng = np.random.default_rng(seed)
    source = rng.integers(1, SOURCE_VOCAB, size=(3, 7)).astype("int32")
    source[1, 4:] = 0
    source[2, 2:] = 0
    decoder_input = rng.integers(1, TARGET_VOCAB, size=(3, 5)).astype("int32")
    return source, decoder_input


def teacher_forced(model, source, decoder_input) -> np.ndarray:
    return ops.convert_to_numpy(model((source, decoder_input)))  # (B, T, V)


def step_by_step(model, source, decoder_input):
    """Logits ``(B, T, V)`` and alignments (a list of ``(B, S)`` or None) from ``decoder.step``."""
    memory, state = model.encode(source)
    logits, alignments = [], []
    for t in range(decoder_input.shape[1]):
        step_logits, state, alignment = model.decoder.step(ops.convert_to_tensor(decoder_input[:, t]), state, memory)
        logits.append(ops.convert_to_numpy(step_logits))
        alignments.append(None if alignment is None else ops.convert_to_numpy(alignment))
    return np.stack(logits, axis=1), alignments


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_teacher_forcing_equals_step_by_step_decoding(case):
    model = toy_model(*case)
    source, decoder_input = toy_batch()
    expected = teacher_forced(model, source, decoder_input)
    assert expected.shape == (3, 5, TARGET_VOCAB) and expected.dtype == np.float32
    assert np.abs(expected).max() > 0.5  # big enough for 1e-5 to be a real check
    stepped, _ = step_by_step(model, source, decoder_input)
    np.testing.assert_allclose(stepped, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_extra_padding_changes_nothing(case):
    model = toy_model(*case)
    source, decoder_input = toy_batch(1)
    expected = teacher_forced(model, source, decoder_input)
    padded = np.concatenate([source, np.zeros((3, 4), "int32")], axis=1)
    np.testing.assert_allclose(teacher_forced(model, padded, decoder_input), expected, atol=1e-5, rtol=0)
    # A padded row decodes as the same sentence alone, without any padding.
    alone = teacher_forced(model, source[2:, :2], decoder_input[2:])
    np.testing.assert_allclose(alone[0], expected[2], atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_source_tokens_reach_the_logits(case):
    """The converse of padding invariance: a real source token does change the logits."""
    model = toy_model(*case)
    source, decoder_input = toy_batch(2)
    changed = source.copy()
    last = (source != 0).sum(axis=1) - 1  # each sentence's last real token
    rows = np.arange(len(source))
    changed[rows, last] = np.where(source[rows, last] == 1, 2, 1)
    difference = np.abs(teacher_forced(model, changed, decoder_input) - teacher_forced(model, source, decoder_input))
    assert difference.max(axis=(1, 2)).min() > 1e-4


@pytest.mark.parametrize("case", ATTENTION_CASES, ids=ATTENTION_IDS)
def test_step_alignment_is_zero_on_padding(case):
    model = toy_model(*case)
    source, decoder_input = toy_batch(3)
    source = np.concatenate([source, np.zeros((3, 2), "int32")], axis=1)
    _, alignments = step_by_step(model, source, decoder_input[:, :3])
    for alignment in alignments:
        assert alignment.shape == source.shape
        assert np.all(alignment[source == 0] == 0.0)
        np.testing.assert_allclose(alignment.sum(axis=-1), 1.0, atol=1e-5)


def test_no_attention_step_returns_no_alignment():
    model = toy_model("gru", "none", True, True)
    source, decoder_input = toy_batch()
    _, alignments = step_by_step(model, source, decoder_input[:, :2])
    assert alignments == [None, None]


# --- saving and loading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [("gru", "bahdanau", True, True, False), ("lstm", "luong", False, False, True)],
    ids=["gru-bahdanau", "lstm-luong-tied"],
)
def test_save_and_load_give_identical_logits(tmp_path, case):
    model = toy_model(*case)
    source, decoder_input = toy_batch(4)
    expected = teacher_forced(model, source, decoder_input)
    save_model(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [MODEL_FILE]  # no temporary left behind
    loaded = keras.saving.load_model(tmp_path / MODEL_FILE, safe_mode=True)
    assert isinstance(loaded, Seq2Seq) and loaded.config == model.config
    assert len(loaded.weights) == len(model.weights)
    for original, restored in zip(model.weights, loaded.weights):
        assert original.path == restored.path
        np.testing.assert_array_equal(ops.convert_to_numpy(restored), ops.convert_to_numpy(original))
    np.testing.assert_array_equal(teacher_forced(loaded, source, decoder_input), expected)


def test_tied_embeddings_share_the_target_embedding():
    tied = toy_model("lstm", "luong", False, False, True)
    untied = Seq2Seq(dataclasses.replace(tied.config, tie_embeddings=False))
    assert not hasattr(tied.decoder, "output_layer")
    vocab, units = TARGET_VOCAB, tied.config.units
    assert len(untied.weights) - len(tied.weights) == 1  # the output kernel is gone, a bias stays
    sizes = [sum(int(np.prod(w.shape)) for w in m.weights) for m in (untied, tied)]
    assert sizes[0] - sizes[1] == units * vocab  # the (U, V) kernel; output_bias replaces the bias
    # Logits are attentional @ E^T + b: scaling E's row v changes only logit v (and its softmax).
    source, decoder_input = toy_batch(5)
    before = teacher_forced(tied, source, decoder_input)
    embeddings = tied.decoder.embedding.embeddings
    saved = ops.convert_to_numpy(embeddings)
    unused = [v for v in range(1, vocab) if v not in decoder_input]
    changed = saved.copy()
    changed[unused[0]] *= 2.0
    embeddings.assign(changed)
    try:
        after = teacher_forced(tied, source, decoder_input)
    finally:
        embeddings.assign(saved)
    others = [v for v in range(vocab) if v != unused[0]]
    np.testing.assert_allclose(after[..., others], before[..., others], atol=1e-6)
    bias = ops.convert_to_numpy(tied.decoder.output_bias)[unused[0]]
    np.testing.assert_allclose(after[..., unused[0]] - bias, 2.0 * (before[..., unused[0]] - bias), atol=1e-5)
