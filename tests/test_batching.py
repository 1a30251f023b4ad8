"""Batching: padded arrays match the pairs, every pair once per epoch, little padding, seeded."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.data.batching import hilbert_index, make_batches, pad_batch, padding_mask, plan_batches
from seq2seq.data.encoded_pairs import EncodedPairs, encode_pairs
from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, Tokenizer


def random_id_lists(count: int, seed: int, max_len: int = 40) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [list(rng.integers(4, 500, rng.integers(1, max_len + 1))) for _ in range(count)]


def unpad(batch) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (source, target) id tuples of a batch, checked against its masks and markers."""
    (source, decoder_input), target_output = batch
    assert source.dtype == decoder_input.dtype == target_output.dtype == np.int32
    assert decoder_input.shape == target_output.shape and source.shape[0] == target_output.shape[0]
    source_lengths = padding_mask(source).sum(axis=1)
    target_lengths = padding_mask(target_output).sum(axis=1) - 1  # EOS is not target text
    pairs = []
    for row, (s_len, t_len) in enumerate(zip(source_lengths, target_lengths)):
        assert (source[row, s_len:] == PAD_ID).all()  # the mask is a prefix: padding at the end
        assert decoder_input[row, 0] == BOS_ID and target_output[row, t_len] == EOS_ID
        target = target_output[row, :t_len]
        assert (decoder_input[row, 1 : t_len + 1] == target).all()  # shifted by one
        assert (decoder_input[row, t_len + 1 :] == PAD_ID).all()
        assert (target_output[row, t_len + 1 :] == PAD_ID).all()
        pairs.append((tuple(source[row, :s_len].tolist()), tuple(target.tolist())))
    return pairs


def test_pad_batch_layout():
    pairs = EncodedPairs.from_id_lists([[5, 6, 7], [8]], [[9], [10, 11, 12]])
    (source, decoder_input), target_output = pad_batch(pairs, np.array([1, 0]))
    np.testing.assert_array_equal(source, [[8, 0, 0], [5, 6, 7]])
    np.testing.assert_array_equal(decoder_input, [[2, 10, 11, 12], [2, 9, 0, 0]])
    np.testing.assert_array_equal(target_output, [[10, 11, 12, 3], [9, 3, 0, 0]])


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 300),
    st.integers(1, 70),
    st.integers(0, 2**31),
    st.one_of(st.none(), st.integers(1, 400)),
)
def test_every_pair_exactly_once_per_epoch(count, batch_size, seed, max_tokens):
    sources, targets = random_id_lists(count, seed), random_id_lists(count, seed + 1)
    expected = Counter((tuple(s), tuple(t)) for s, t in zip(sources, targets))
    for epoch in (0, 1):
        seen = Counter()
        for batch in make_batches(
            sources, targets, batch_size, seed=seed, epoch=epoch, max_tokens=max_tokens
        ):
            rows = unpad(batch)
            assert len(rows) <= batch_size
            if max_tokens is not None and len(rows) > 1:
                (source, decoder_input), _ = batch
                assert source.size + decoder_input.size <= max_tokens
            seen.update(rows)
        assert seen == expected


def test_buckets_keep_padding_small():
    sources, targets = random_id_lists(5_000, 1, max_len=60), random_id_lists(5_000, 2, max_len=60)
    pairs = EncodedPairs.from_id_lists(sources, targets)
    real = pairs.source_lengths.sum() + pairs.target_lengths.sum() + len(pairs)

    def padded_cells(batches) -> int:
        return sum(source.size + decoder_input.size for (source, decoder_input), _ in batches)

    bucketed = padded_cells(make_batches(pairs, batch_size=64, seed=3))
    rng = np.random.default_rng(0)
    unsorted = padded_cells(
        pad_batch(pairs, chunk) for chunk in np.array_split(rng.permutation(len(pairs)), 79)
    )
    assert bucketed / real < 1.2  # lengths of the two sides independent: some padding
    assert unsorted / real > 1.8  # random batches: nearly twice the real tokens
    # with lengths that go together (as in translation), padding almost vanishes
    paired = EncodedPairs.from_id_lists(sources, [s[: max(1, len(s) - 2)] for s in sources])
    paired_real = paired.source_lengths.sum() + paired.target_lengths.sum() + len(paired)
    assert padded_cells(make_batches(paired, batch_size=64)) / paired_real < 1.03


def test_order_depends_only_on_seed_and_epoch():
    lengths = np.random.default_rng(0).integers(1, 30, size=(2, 1_000))

    def plan(seed, epoch):
        return [b.tolist() for b in plan_batches(*lengths, batch_size=32, seed=seed, epoch=epoch)]

    assert plan(7, 0) == plan(7, 0)
    assert plan(7, 0) != plan(7, 1) and plan(7, 0) != plan(8, 0)
    fixed = [b.tolist() for b in plan_batches(*lengths, batch_size=32, shuffle=False, seed=7)]
    assert fixed == [b.tolist() for b in plan_batches(*lengths, batch_size=32, shuffle=False)]


def test_hilbert_index_walks_the_grid_one_step_at_a_time():
    x, y = np.meshgrid(np.arange(16), np.arange(16))
    position = hilbert_index(x.ravel(), y.ravel())
    assert sorted(position.tolist()) == list(range(256))  # every cell once
    order = np.argsort(position)
    steps = np.abs(np.diff(x.ravel()[order])) + np.abs(np.diff(y.ravel()[order]))
    assert (steps == 1).all()  # consecutive positions are neighbouring cells
    assert hilbert_index([0, 0, 1, 1], [0, 1, 1, 0]).tolist() == [0, 1, 2, 3]


def test_max_len_leaves_out_and_counts_long_pairs():
    pairs = EncodedPairs.from_id_lists([[4] * 3, [4] * 9, [4]], [[5] * 2, [5], [5] * 5], max_len=5)
    assert len(pairs) == 1 and pairs.too_long == 2  # target 5 + EOS > 5; source 9 > 5
    assert pairs.source(0).tolist() == [4, 4, 4] and pairs.target(0).tolist() == [5, 5]


def test_encode_pairs_streams_chunks_into_a_compact_store(tmp_path):
    lines = [(f"zeile {i} " * (i % 7 + 1), f"line {i} " * (i % 5 + 1)) for i in range(257)]
    tokenizer = Tokenizer.train(lines, None, vocab_size=60, model_type="bpe")
    encoded = encode_pairs(iter(lines), tokenizer, chunk_size=10)  # any iterable, read once
    assert len(encoded) == 257 and encoded.source_tokens.dtype == np.uint16
    sources = tokenizer.encode_source([s for s, _ in lines])
    targets = tokenizer.encode_target([t for _, t in lines])
    for index in (0, 9, 10, 11, 256):  # around chunk boundaries
        assert encoded.source(index).tolist() == sources[index]
        assert encoded.target(index).tolist() == targets[index]
    short = encode_pairs(lines, tokenizer, max_len=8, chunk_size=64)
    expected = sum(len(s) <= 8 and len(t) + 1 <= 8 for s, t in zip(sources, targets))
    assert len(short) == expected and short.too_long == 257 - expected > 0


def test_pair_batches_is_a_keras_dataset_that_reshuffles_each_epoch():
    keras = pytest.importorskip("keras")
    from seq2seq.data.pair_batches import PairBatches

    sources, targets = random_id_lists(300, 5), random_id_lists(300, 6)
    pairs = EncodedPairs.from_id_lists(sources, targets)
    dataset = PairBatches(pairs, batch_size=32, seed=11, sample_weights=True)
    assert isinstance(dataset, keras.utils.PyDataset) and len(dataset) == 10

    def epoch_batches():
        return [dataset[i] for i in range(len(dataset))]

    first = epoch_batches()
    (source, decoder_input), target_output, weights = first[0]
    np.testing.assert_array_equal(weights, (target_output != PAD_ID).astype(np.float32))
    assert weights.dtype == np.float32
    planned = plan_batches(pairs.source_lengths, pairs.target_lengths, 32, seed=11, epoch=0)
    np.testing.assert_array_equal(source, pad_batch(pairs, planned[0])[0][0])

    dataset.on_epoch_end()
    assert dataset.epoch == 1
    second = epoch_batches()
    assert any(not np.array_equal(a[0][0], b[0][0]) for a, b in zip(first, second))
    rows = Counter(row for batch in second for row in unpad(batch[:2]))
    assert rows == Counter((tuple(s), tuple(t)) for s, t in zip(sources, targets))

    resumed = PairBatches(pairs, batch_size=32, seed=11, sample_weights=True, epoch=1)
    for a, b in zip(second, (resumed[i] for i in range(len(resumed)))):
        for x, y in zip(a[0] + a[1:], b[0] + b[1:]):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(IndexError):
        resumed[len(resumed)]
