"""Attention: NumPy references of both scores, masking invariants, float16 safety."""

from __future__ import annotations

import types
import warnings

import keras
import numpy as np
import pytest
from keras import ops

from seq2seq import attention as attention_module
from seq2seq.attention import BahdanauAttention, LuongAttention, large_negative, masked_softmax

B, T, S, H, K, A = 3, 4, 6, 5, 7, 8  # batch, decoder steps, source steps, query, key, scorer sizes


def random_inputs(seed: int = 0):
    """``query (B, T, H)``, ``keys (B, S, K)`` and ``mask (B, S)`` with padding in rows 1 and 2."""
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(B, T, H)).astype("float32")
    keys = rng.normal(size=(B, S, K)).astype("float32")
    lengths = np.array([S, 4, 1])  # row 0 unpadded, row 2 a single real position
    mask = np.arange(S)[None, :] < lengths[:, None]  # (B, S)
    return query, keys, mask


def numpy_softmax(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Reference: softmax over the real positions only, exact zeros elsewhere."""
    if mask is None:
        mask = np.ones(scores.shape[::2], dtype=bool)
    mask = mask[:, None, :]  # (B, 1, S)
    row_max = np.where(mask, scores, -np.inf).max(axis=-1, keepdims=True)
    shifted = np.where(mask, scores - np.where(np.isfinite(row_max), row_max, 0.0), 0.0)
    weights = np.where(mask, np.exp(shifted), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    return weights / np.where(total == 0, 1.0, total)  # a fully padded row: all zeros


def bahdanau_reference(layer, query, keys, mask):
    w_query = ops.convert_to_numpy(layer.query_layer.kernel)  # (H, A)
    w_key = ops.convert_to_numpy(layer.key_layer.kernel)  # (K, A)
    v = ops.convert_to_numpy(layer.energy_layer.kernel)  # (A, 1)
    energy = np.tanh((query @ w_query)[:, :, None, :] + (keys @ w_key)[:, None, :, :])  # (B, T, S, A)
    scores = (energy @ v)[..., 0]  # (B, T, S)
    alignment = numpy_softmax(scores, mask)
    return alignment @ keys, alignment


def luong_reference(layer, query, keys, mask):
    w = ops.convert_to_numpy(layer.key_layer.kernel)  # (K, H)
    scores = np.einsum("bth,bsh->bts", query, keys @ w)  # q^T W k
    alignment = numpy_softmax(scores, mask)
    return alignment @ keys, alignment


LAYERS = {"bahdanau": (BahdanauAttention, bahdanau_reference), "luong": (LuongAttention, luong_reference)}


def make_layer(kind: str, query, keys):
    layer_cls, _ = LAYERS[kind]
    layer = layer_cls(A)
    layer(query, keys)  # build
    # Non-default kernels, so a transposed or swapped kernel cannot pass by symmetry.
    rng = np.random.default_rng(7)
    for variable in layer.weights:
        variable.assign(rng.normal(scale=0.5, size=variable.shape).astype("float32"))
    return layer


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("masked", [False, True])
def test_matches_numpy_reference(kind, masked):
    query, keys, mask = random_inputs()
    layer = make_layer(kind, query, keys)
    source_mask = mask if masked else None
    context, alignment = layer(query, keys, source_mask=source_mask)
    expected_context, expected_alignment = LAYERS[kind][1](layer, query, keys, source_mask)
    assert tuple(context.shape) == (B, T, K)
    assert tuple(alignment.shape) == (B, T, S)
    np.testing.assert_allclose(ops.convert_to_numpy(alignment), expected_alignment, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(context), expected_context, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_precomputed_keys_give_the_same_result(kind):
    query, keys, mask = random_inputs(1)
    layer = make_layer(kind, query, keys)
    direct = layer(query, keys, source_mask=mask)
    hoisted = layer(query, keys, source_mask=mask, projected_keys=layer.precompute_keys(keys))
    for a, b in zip(direct, hoisted):
        np.testing.assert_allclose(ops.convert_to_numpy(a), ops.convert_to_numpy(b), atol=1e-6)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_one_step_query_equals_the_matching_row_of_all_steps(kind):
    query, keys, mask = random_inputs(2)
    layer = make_layer(kind, query, keys)
    _, all_steps = layer(query, keys, source_mask=mask)
    for t in range(T):
        _, one_step = layer(query[:, t : t + 1], keys, source_mask=mask)
        np.testing.assert_allclose(
            ops.convert_to_numpy(one_step)[:, 0], ops.convert_to_numpy(all_steps)[:, t], atol=1e-6
        )


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_padding_gets_exactly_zero_weight_and_rows_sum_to_one(kind):
    query, keys, mask = random_inputs(3)
    layer = make_layer(kind, query, keys)
    # Huge values at padded key positions must not leak into the context either.
    keys = np.where(mask[:, :, None], keys, 1e4).astype("float32")
    context, alignment = layer(query, keys, source_mask=mask)
    alignment = ops.convert_to_numpy(alignment)
    padded = np.broadcast_to(~mask[:, None, :], alignment.shape)
    assert np.all(alignment[padded] == 0.0)
    np.testing.assert_allclose(alignment.sum(axis=-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(alignment[2, :, 0], 1.0, atol=1e-6)  # one real position takes it all
    assert np.abs(ops.convert_to_numpy(context)).max() < 100.0


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_fully_padded_row_gives_zeros_not_nan(kind):
    query, keys, mask = random_inputs(4)
    mask[1] = False
    layer = make_layer(kind, query, keys)
    context, alignment = layer(query, keys, source_mask=mask)
    context, alignment = ops.convert_to_numpy(context), ops.convert_to_numpy(alignment)
    assert np.all(np.isfinite(context)) and np.all(np.isfinite(alignment))
    assert np.all(alignment[1] == 0.0) and np.all(context[1] == 0.0)
    np.testing.assert_allclose(alignment[[0, 2]].sum(axis=-1), 1.0, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_a_one_piece_source_takes_all_the_weight_without_a_warning(kind):
    query, keys, _ = random_inputs(4)
    keys = keys[:, :1]  # (B, 1, D): an empty sentence is its EOS piece alone
    layer = make_layer(kind, query, keys)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns about a softmax over a one-element axis
        context, alignment = layer(query, keys, source_mask=np.array([[True], [False], [True]]))
    alignment, context = ops.convert_to_numpy(alignment), ops.convert_to_numpy(context)
    np.testing.assert_array_equal(alignment[[0, 2]], 1.0)
    np.testing.assert_array_equal(alignment[1], 0.0)
    np.testing.assert_array_equal(context[1], 0.0)
    assert np.all(np.isfinite(context))


class _SoftmaxSpy(types.SimpleNamespace):
    """``keras.ops`` with ``softmax`` recording its inputs."""

    def __init__(self):
        super().__init__(seen=[])

    def __getattr__(self, name):
        return getattr(ops, name)

    def softmax(self, x, axis=-1):
        self.seen.append(ops.convert_to_numpy(x))
        return ops.softmax(x, axis=axis)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_no_infinite_score_reaches_the_softmax(monkeypatch, dtype):
    spy = _SoftmaxSpy()
    monkeypatch.setattr(attention_module, "ops", spy)
    scores = ops.convert_to_tensor(np.zeros((2, 3, 4)), dtype=dtype)
    mask = np.array([[True, True, False, False], [False, False, False, False]])
    alignment = ops.convert_to_numpy(masked_softmax(scores, mask))
    assert len(spy.seen) == 1
    assert np.all(np.isfinite(spy.seen[0]))
    np.testing.assert_array_equal(alignment[0], np.tile([0.5, 0.5, 0.0, 0.0], (3, 1)))
    np.testing.assert_array_equal(alignment[1], 0.0)


@pytest.mark.parametrize(
    "dtype, expected", [("float16", -65000.0), ("float32", -1e9), ("bfloat16", -1e9), (np.float16, -65000.0)]
)
def test_large_negative_is_finite_in_its_dtype(dtype, expected):
    value = large_negative(dtype)
    assert value == expected
    numpy_dtype = "float32" if dtype == "bfloat16" else dtype  # bfloat16 has float32's range
    assert np.isfinite(np.asarray(value, dtype=numpy_dtype))


def test_large_negative_of_a_tensor_dtype():
    assert large_negative(ops.zeros((1,), dtype="float16").dtype) == -65000.0
    assert large_negative(ops.zeros((1,), dtype="bfloat16").dtype) == -1e9


def test_masked_softmax_in_float16():
    rng = np.random.default_rng(5)
    # Scores near float16's limits: the fill value must stay below every real score.
    scores = rng.uniform(-60000, 60000, size=(2, 3, 5)).astype("float16")
    scores[0, 0] = [-60000, -60001, -59990, 0, 0]
    mask = np.array([[True, True, True, False, False], [False] * 5])
    alignment = masked_softmax(ops.convert_to_tensor(scores), mask)
    assert keras.backend.standardize_dtype(alignment.dtype) == "float16"
    alignment = ops.convert_to_numpy(alignment).astype("float32")
    assert np.all(np.isfinite(alignment))
    assert np.all(alignment[0, :, 3:] == 0.0) and np.all(alignment[1] == 0.0)
    np.testing.assert_allclose(alignment[0].sum(axis=-1), 1.0, atol=1e-3)
    expected = numpy_softmax(scores.astype("float32"), mask)[0]
    np.testing.assert_allclose(alignment[0], expected, atol=2e-3)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_layer_in_float16(kind):
    query, keys, mask = random_inputs(6)
    mask[1] = False
    reference_layer = make_layer(kind, query, keys)
    layer = LAYERS[kind][0](A, dtype="float16")
    layer(query.astype("float16"), keys.astype("float16"))
    layer.set_weights(reference_layer.get_weights())
    context, alignment = layer(query.astype("float16"), keys.astype("float16"), source_mask=mask)
    context = ops.convert_to_numpy(context).astype("float32")
    alignment = ops.convert_to_numpy(alignment).astype("float32")
    assert np.all(np.isfinite(context)) and np.all(np.isfinite(alignment))
    assert np.all(alignment[1] == 0.0)
    assert np.all(alignment[np.broadcast_to(~mask[:, None, :], alignment.shape)] == 0.0)
    expected_context, expected_alignment = LAYERS[kind][1](reference_layer, query, keys, mask)
    np.testing.assert_allclose(alignment, expected_alignment, atol=2e-2)
    np.testing.assert_allclose(context, expected_context, atol=5e-2)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_serialization_round_trip(kind):
    layer = LAYERS[kind][0](A, name="attention")
    config = layer.get_config()
    assert config["units"] == A
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(clone) is type(layer) and clone.units == A
