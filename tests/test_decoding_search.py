"""Beam search, greedy and sampling against a fake model: a bigram table, no network.

``next_fn`` returns ``log_probs = table[previous piece]``, so the probability of any output is
known exactly and every claim can be checked against brute force.
"""

from __future__ import annotations

import itertools
import math

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID
from seq2seq.decoding import constraints, selection
from seq2seq.decoding.beam import beam_search
from seq2seq.decoding.sampling import rank_samples, sample_search

VOCAB = 7  # 0 pad, 1 unk, 2 bos, 3 eos, 4-6 words
WORDS = (1, 4, 5, 6)  # what an output may hold besides EOS


def examples(count: int) -> int:
    """Hypothesis examples: all on TensorFlow (the main session); a third on the other backends,
    whose re-run (tests/test_backends.py) compiles a step for every new shape, seconds each."""
    return count if keras.backend.backend() == "tensorflow" else max(4, count // 3)


def bigram_table(rng: np.random.Generator, sharpness: float = 2.0) -> np.ndarray:
    """``(V, V)`` log-probabilities of the next piece given the previous one; PAD and BOS never."""
    logits = rng.normal(size=(VOCAB, VOCAB)) * sharpness
    logits[:, [PAD_ID, BOS_ID]] = -1e9
    return (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype("float32")


def fake_next(table: np.ndarray):
    table_tensor = ops.convert_to_tensor(table)

    def next_fn(tokens, state):
        log_probs = ops.take(table_tensor, tokens, axis=0)  # (N, V)
        return log_probs, state, ops.zeros((ops.shape(tokens)[0], 1))

    return next_fn


def sequence_log_prob(table: np.ndarray, pieces: tuple[int, ...], cap: int) -> float:
    """log p(pieces + EOS); at the cap EOS is forced (free)."""
    total, previous = 0.0, BOS_ID
    for piece in pieces:
        total += table[previous, piece]
        previous = piece
    return total + (0.0 if len(pieces) == cap else table[previous, EOS_ID])


def brute_force(table, cap, alpha, min_len=0):
    """Every output of ``min_len`` (or the cap, if less) to ``cap`` pieces, best first by the
    GNMT-penalized score."""
    scored = []
    for length in range(min(min_len, cap), cap + 1):
        for pieces in itertools.product(WORDS, repeat=length):
            log_prob = sequence_log_prob(table, pieces, cap)
            scored.append((log_prob / ((5 + length + 1) / 6) ** alpha, list(pieces), log_prob))
    return sorted(scored, key=lambda item: -item[0])


def run_beam(table, caps, beam, alpha, n_best=1, no_repeat_ngram=0, min_len=0, blank_id=None):
    caps = np.asarray(caps, dtype="int32")
    state = (ops.zeros((len(caps) * beam, 1)),)
    tokens, scores, log_probs, _ = beam_search(
        fake_next(table), state, caps, int(caps.max()) + 1, beam=beam, alpha=ops.convert_to_tensor(alpha),
        n_best=n_best, no_repeat_ngram=no_repeat_ngram, min_len=min_len, blank_id=blank_id,
    )
    return [ops.convert_to_numpy(x) for x in (tokens, scores, log_probs)]


def pieces_of(row) -> list[int]:
    row = list(row)
    return row[: row.index(EOS_ID)] if EOS_ID in row else [p for p in row if p != PAD_ID]


@settings(max_examples=examples(12), deadline=None)
@given(seed=st.integers(0, 10_000), alpha=st.sampled_from([0.0, 0.6, 1.5]), cap=st.integers(1, 3))
def test_a_beam_as_wide_as_every_output_finds_the_exact_n_best(seed, alpha, cap):
    table = bigram_table(np.random.default_rng(seed))
    expected = brute_force(table, cap, alpha)
    beam = len(WORDS) ** cap + 1  # wider than every prefix: the search is exhaustive
    tokens, scores, log_probs = run_beam(table, [cap], beam, alpha, n_best=3)
    for k in range(3):
        assert scores[0, k] == pytest.approx(expected[k][0], abs=1e-4)
        assert log_probs[0, k] == pytest.approx(expected[k][2], abs=1e-4)
    assert list(scores[0]) == sorted(scores[0], reverse=True)  # the n-best list is sorted
    assert pieces_of(tokens[0, 0]) == expected[0][1] or scores[0, 0] == pytest.approx(expected[1][0], abs=1e-5)


@settings(max_examples=examples(10), deadline=None)
@given(seed=st.integers(0, 10_000), min_len=st.integers(1, 4), cap=st.integers(1, 3))
def test_min_len_bans_the_end_before_it_and_the_cap_still_ends(seed, min_len, cap):
    table = bigram_table(np.random.default_rng(seed))
    table[BOS_ID, EOS_ID] = 5.0  # an empty output is by far the likeliest: the ban must hold
    expected = brute_force(table, cap, 1.0, min_len)  # outputs of min(min_len, cap) .. cap pieces
    beam = len(WORDS) ** cap + 1
    tokens, scores, log_probs = run_beam(table, [cap], beam, 1.0, n_best=2, min_len=min_len)
    for k in range(2):
        assert log_probs[0, k] == pytest.approx(expected[k][2], abs=1e-4)
    assert len(pieces_of(tokens[0, 0])) >= min(min_len, cap)
    # greedy: the best piece other than EOS while t < min_len, then the best piece
    greedy_tokens, greedy_log_prob, _ = sample_search(
        fake_next(table), (ops.zeros((1, 1)),), np.array([cap], "int32"), cap + 1, greedy=True, min_len=min_len
    )
    pieces, previous = [], BOS_ID
    for t in range(cap):
        row = table[previous].copy()
        if t < min_len:
            row[EOS_ID] = -np.inf
        previous = int(np.argmax(row))
        if previous == EOS_ID:
            break
        pieces.append(previous)
    assert pieces_of(ops.convert_to_numpy(greedy_tokens)[0]) == pieces
    assert float(ops.convert_to_numpy(greedy_log_prob)[0]) == pytest.approx(sequence_log_prob(table, pieces, cap), abs=1e-4)
    # sampling: 64 draws, none ends before min_len (or the cap)
    sampled, _, _ = sample_search(
        fake_next(table), (ops.zeros((64, 1)),), np.full((64,), cap, "int32"), cap + 1, greedy=False, min_len=min_len,
        temperature=1.0, top_k=0, top_p=1.0, row_keys=np.arange(64, dtype="uint32") + seed,
    )
    assert min(len(pieces_of(row)) for row in ops.convert_to_numpy(sampled)) >= min(min_len, cap)


def test_beam_finds_the_sequence_greedy_misses():
    # From BOS, word 4 looks best (0.6) but every continuation of it is poor; word 5 (0.4) leads
    # to EOS with certainty. Greedy takes 4; a beam of two finds [5].
    table = np.full((VOCAB, VOCAB), -1e9, dtype="float32")
    table[BOS_ID, [4, 5]] = np.log([0.6, 0.4])
    table[4, [EOS_ID, 4, 5, 6]] = np.log(0.25)
    table[5, EOS_ID] = 0.0
    for row in (1, 6, EOS_ID, PAD_ID):
        table[row, EOS_ID] = 0.0
    tokens, _, log_probs = run_beam(table, [5], beam=2, alpha=0.0)
    assert pieces_of(tokens[0, 0]) == [5] and log_probs[0, 0] == pytest.approx(math.log(0.4), abs=1e-6)
    greedy_tokens, greedy_log_prob, _ = sample_search(
        fake_next(table), (ops.zeros((1, 1)),), np.array([5], "int32"), 6, greedy=True
    )
    assert pieces_of(ops.convert_to_numpy(greedy_tokens)[0])[0] == 4
    assert float(ops.convert_to_numpy(greedy_log_prob)[0]) < math.log(0.4)


def test_the_length_penalty_changes_the_winner():
    # A short output of log-prob -2.0 against longer, less probable ones: alpha 0 prefers the
    # short one, a strong length penalty (alpha 2: divide by ((5 + |Y|) / 6)^2) a long one.
    table = np.full((VOCAB, VOCAB), -1e9, dtype="float32")
    table[BOS_ID, 4] = np.log(0.5)
    table[BOS_ID, 5] = np.log(0.5)
    table[4, EOS_ID] = -2.0 - np.log(0.5)  # log p([4]) = -2.0
    table[5, 6] = 0.0
    table[6, 6] = np.log(0.9)
    table[6, EOS_ID] = np.log(0.1)
    # Every [5, 6, ...] ending in EOS has log p < log 0.5 + log 0.1 = -3.0, and the one cut at the
    # cap of 20 (EOS forced, free) has log 0.5 + 18 log 0.9 = -2.59.
    short = [4]
    plain = run_beam(table, [20], beam=4, alpha=0.0)
    penalized = run_beam(table, [20], beam=4, alpha=2.0)
    assert pieces_of(plain[0][0, 0]) == short
    assert len(pieces_of(penalized[0][0, 0])) > 1
    assert penalized[2][0, 0] < plain[2][0, 0]  # the long winner is less probable, as it must be


@settings(max_examples=examples(10), deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3), method=st.sampled_from(["greedy", "sample", "beam"]))
def test_no_repeat_ngram_holds(seed, n, method):
    # A table that loves repeating itself: the ban must still hold.
    table = bigram_table(np.random.default_rng(seed), sharpness=0.5)
    table[:, EOS_ID] = -30.0
    table[EOS_ID, EOS_ID] = 0.0
    caps = np.array([12, 7, 12], dtype="int32")
    if method == "beam":
        tokens = run_beam(table, caps, beam=3, alpha=0.6, no_repeat_ngram=n)[0][:, 0]
    else:
        tokens, _, _ = sample_search(
            fake_next(table), (ops.zeros((3, 1)),), caps, 13, greedy=method == "greedy", no_repeat_ngram=n,
            temperature=1.0, top_k=0, top_p=1.0, row_keys=np.array([seed, 1, 2], dtype="uint32"),
        )
        tokens = ops.convert_to_numpy(tokens)
    for row in tokens:
        pieces = pieces_of(row)
        grams = [tuple(pieces[i : i + n]) for i in range(len(pieces) - n + 1)]
        assert len(grams) == len(set(grams)), pieces


def test_sampling_repeats_for_a_seed_and_follows_the_distribution():
    table = np.full((VOCAB, VOCAB), -1e9, dtype="float32")
    table[BOS_ID, [4, 5, 6]] = np.log([0.5, 0.3, 0.2])
    table[[4, 5, 6], EOS_ID] = 0.0
    rows = 4000
    caps = np.full((rows,), 3, dtype="int32")

    def draw(keys, **filters):
        options = dict(temperature=1.0, top_k=0, top_p=1.0) | filters
        tokens, _, _ = sample_search(fake_next(table), (ops.zeros((rows, 1)),), caps, 4, greedy=False,
                                     row_keys=keys, **options)
        return ops.convert_to_numpy(tokens)[:, 0]

    keys = np.arange(rows, dtype="uint32") * 7919
    first = draw(keys)
    assert np.array_equal(first, draw(keys))  # same keys, same samples
    assert not np.array_equal(first, draw(keys + 1))
    shares = [np.mean(first == piece) for piece in (4, 5, 6)]
    assert shares == pytest.approx([0.5, 0.3, 0.2], abs=0.03)  # 4,000 draws: ~4 sigma
    assert set(draw(keys, top_k=1)) == {4}  # top-k 1 is greedy
    assert set(draw(keys, top_p=0.75)) == {4, 5}  # the 0.75 nucleus is {4, 5}
    cold = draw(keys, temperature=0.25)  # p^4 renormalized: 4 gets 0.87
    assert np.mean(cold == 4) > 0.8


@settings(max_examples=examples(12), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    top_k=st.integers(1, 4),
    top_p=st.sampled_from([0.3, 0.6, 0.9, 1.0]),
    temperature=st.sampled_from([0.7, 1.0, 1.5]),
)
def test_sampling_among_candidates_draws_what_the_whole_vocabulary_draws(seed, top_k, top_p, temperature):
    # The shortcut (a top-C of each row, C >= top_k) against the full sort of every row.
    table = bigram_table(np.random.default_rng(seed), sharpness=1.0)
    rows = 64
    caps = np.full((rows,), 8, dtype="int32")
    keys = np.random.default_rng(seed).integers(0, 2**32, size=rows, dtype="uint32")

    def draw(candidates):
        tokens, log_probs, _ = sample_search(
            fake_next(table), (ops.zeros((rows, 1)),), caps, 9, greedy=False, no_repeat_ngram=2,
            temperature=temperature, top_k=top_k, top_p=top_p, row_keys=keys, candidates=candidates,
        )
        return ops.convert_to_numpy(tokens), ops.convert_to_numpy(log_probs)

    full_tokens, full_log_probs = draw(0)
    for candidates in (top_k, 4, 8):  # 8: more than the 7 pieces there are
        tokens, log_probs = draw(candidates)
        np.testing.assert_array_equal(tokens, full_tokens)
        np.testing.assert_allclose(log_probs, full_log_probs, rtol=1e-6)


@settings(max_examples=examples(8), deadline=None)
@given(seed=st.integers(0, 10_000), temperature=st.sampled_from([0.5, 1.0, 1.7]))
def test_sampling_without_top_k_or_top_p_is_gumbel_max_over_the_whole_softmax(seed, temperature):
    # truncation=False skips the sort: the draw must be argmax(scores / T + noise), step by step,
    # as a NumPy walk through the bigram table gives it, and the same as the filter's at top-k 0, top-p 1.
    table = bigram_table(np.random.default_rng(seed), sharpness=1.0)
    rows, steps = 32, 7
    caps = np.full((rows,), steps - 1, dtype="int32")
    keys = np.random.default_rng(seed).integers(0, 2**32, size=rows, dtype="uint32")

    def draw(truncation):
        tokens, _, _ = sample_search(
            fake_next(table), (ops.zeros((rows, 1)),), caps, steps, greedy=False, temperature=temperature,
            top_k=0, top_p=1.0, row_keys=keys, truncation=truncation,
        )
        return ops.convert_to_numpy(tokens)

    expected = np.full((rows, steps), PAD_ID, dtype="int32")
    previous, finished = np.full((rows,), BOS_ID), np.zeros((rows,), dtype=bool)
    for t in range(steps):
        noise = ops.convert_to_numpy(constraints.gumbel_noise(keys, t, VOCAB))
        chosen = np.argmax(table[previous] / temperature + noise, axis=-1)
        chosen = np.where(t >= caps, EOS_ID, chosen)
        expected[:, t] = np.where(finished, PAD_ID, chosen)
        finished |= chosen == EOS_ID
        previous = chosen
    np.testing.assert_array_equal(draw(truncation=False), expected)
    np.testing.assert_array_equal(draw(truncation=True), expected)


def test_noise_is_finite_for_every_bit_pattern():
    # The largest patterns once rounded to a uniform of 1.0 and an infinite noise: that piece
    # won whatever its probability, even outside the nucleus or banned.
    bits = np.array([0, 1, 2**31, 2**32 - 512, 2**32 - 511, 2**32 - 2, 2**32 - 1], dtype="uint32")
    noise = ops.convert_to_numpy(constraints.gumbel_from_bits(bits))
    assert np.all(np.isfinite(noise)), noise
    assert np.all(np.diff(noise) >= 0)  # monotone in the bits
    assert noise[0] < -2.5 and noise[-1] > 15


def test_noise_at_chosen_pieces_is_the_noise_of_the_whole_vocabulary():
    keys = np.array([11, 22, 33], dtype="uint32")
    pieces = np.array([[0, 5, 49], [7, 7, 1], [48, 2, 3]], dtype="int32")
    whole = ops.convert_to_numpy(constraints.gumbel_noise(keys, 5, 50))
    at = ops.convert_to_numpy(constraints.gumbel_noise_at(keys, 5, pieces))
    np.testing.assert_allclose(at, np.take_along_axis(whole, pieces, axis=1), rtol=1e-6, atol=1e-6)


def test_noise_of_a_row_ignores_the_other_rows():
    keys = np.array([11, 22, 33], dtype="uint32")
    together = ops.convert_to_numpy(constraints.gumbel_noise(keys, 5, 50))
    alone = ops.convert_to_numpy(constraints.gumbel_noise(keys[1:2], 5, 50))
    # (equal but for the last float bit: a vectorized log may round differently per lane)
    np.testing.assert_allclose(together[1], alone[0], rtol=1e-6, atol=1e-6)
    assert np.abs(together[0] - together[1]).max() > 0.5


@settings(max_examples=examples(8), deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(["greedy", "beam"]))
def test_a_sentence_decodes_the_same_alone_and_in_a_batch(seed, method):
    # Per-sentence caps: a short cap beside long ones must not change anything.
    table = bigram_table(np.random.default_rng(seed), sharpness=1.0)
    caps = np.array([2, 9, 5, 1], dtype="int32")
    if method == "beam":
        batch = run_beam(table, caps, beam=3, alpha=0.6)[0][:, 0]
        alone = [run_beam(table, caps[i : i + 1], beam=3, alpha=0.6)[0][0, 0] for i in range(4)]
    else:
        def greedy(c):
            tokens, _, _ = sample_search(fake_next(table), (ops.zeros((len(c), 1)),), c, int(c.max()) + 1, greedy=True)
            return ops.convert_to_numpy(tokens)

        batch = greedy(caps)
        alone = [greedy(caps[i : i + 1])[0] for i in range(4)]
    for i in range(4):
        assert pieces_of(batch[i]) == pieces_of(alone[i])
        assert len(pieces_of(batch[i])) <= caps[i]


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**16),
    width=st.integers(1, 700),
    k=st.integers(1, 12),
    levels=st.sampled_from([3, 50, 0]),  # few distinct values (many ties), or continuous
)
def test_best_pieces_is_top_k_with_its_ties(seed, width, k, levels):
    """The chunked top-k equals a stable sort: values descending, ties to the lower index."""
    rng = np.random.default_rng(seed)
    k = min(k, width)
    scores = rng.normal(size=(3, width)).astype("float32")
    if levels:
        scores = np.round(scores * levels / 4) / levels + 0.0  # + 0.0: no -0.0 (JAX ranks it below 0.0)
    values, indices = selection.best_pieces(ops.convert_to_tensor(scores), k, chunk=16)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(ops.convert_to_numpy(indices), expected)
    np.testing.assert_array_equal(ops.convert_to_numpy(values), np.take_along_axis(scores, expected, axis=1))


def test_argmax_goes_to_the_lower_index_on_ties():
    scores = np.array([[0.0, 2.0, 2.0, 1.0], [-3.0, -1.0, -5.0, -1.0]], dtype="float32")
    best, index = selection.argmax(ops.convert_to_tensor(scores))
    np.testing.assert_array_equal(ops.convert_to_numpy(index), [1, 1])
    np.testing.assert_array_equal(ops.convert_to_numpy(best), [2.0, -1.0])


def test_pick_and_write_at_match_take_along_axis_and_slice_update():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4, 2)).astype("float32")
    index = rng.integers(0, 5, size=(3, 6)).astype("int32")
    expected = np.take_along_axis(x, index[:, :, None, None], axis=1)
    np.testing.assert_array_equal(ops.convert_to_numpy(selection.pick(ops.convert_to_tensor(x), index)), expected)
    values = rng.normal(size=(3, 5, 2)).astype("float32")
    written = x.copy()
    written[:, :, 2] = values
    t = ops.convert_to_tensor(2, dtype="int32")
    np.testing.assert_array_equal(ops.convert_to_numpy(selection.write_at(ops.convert_to_tensor(x), t, values, axis=2)), written)
    tokens = np.zeros((3, 4), dtype="int32")
    tokens[:, 3] = [7, 8, 9]
    result = selection.write_at(ops.zeros((3, 4), dtype="int32"), ops.convert_to_tensor(3, dtype="int32"), np.array([7, 8, 9], dtype="int32"), axis=1)
    np.testing.assert_array_equal(ops.convert_to_numpy(result), tokens)


def test_samples_are_ranked_by_their_mean_log_probability_per_piece_not_their_sum():
    E, P = EOS_ID, PAD_ID
    tokens = np.array([[4, E, P, P, P, P],  # sentence 0: one piece, -3.0 in all: -1.5 a piece
                       [4, 5, 6, 4, E, P],  # four pieces, -5.0 in all: -1.0 a piece, the best
                       [5, 5, E, P, P, P],  # two pieces, -3.3: -1.1 a piece
                       [6, E, P, P, P, P],  # sentence 1: the best, -0.5 a piece
                       [4, 4, 4, 4, 4, E],  # -6.0 over 6: -1.0
                       [E, P, P, P, P, P]], dtype="int32")  # an empty output: -2.0 over its EOS
    log_probs = np.array([-3.0, -5.0, -3.3, -1.0, -6.0, -2.0], dtype="float32")
    attention = np.arange(6, dtype="float32")[:, None, None] * np.ones((6, 6, 2), dtype="float32")
    caps = np.full((6,), 8, dtype="int32")  # none of them reached its cap
    ranked, scores, matrices = (ops.convert_to_numpy(x) for x in rank_samples(tokens, log_probs, attention, 3, caps))
    assert ranked.shape == (2, 3, 6) and matrices.shape == (2, 3, 6, 2)
    np.testing.assert_array_equal(ranked.reshape(6, 6), tokens[[1, 2, 0, 3, 4, 5]])
    np.testing.assert_array_equal(scores.reshape(6), log_probs[[1, 2, 0, 3, 4, 5]])
    np.testing.assert_array_equal(matrices[:, :, 0, 0].reshape(6), [1, 2, 0, 3, 4, 5])  # each its own attention
    one = rank_samples(tokens, log_probs, None, 1, caps)  # one sample: only reshaped
    assert ops.convert_to_numpy(one[0]).shape == (6, 1, 6) and one[2] is None


def test_an_end_forced_at_the_cap_is_not_counted_as_a_scored_piece():
    E, P = EOS_ID, PAD_ID
    tokens = np.array([[4, 5, 6, E],  # cut at its cap of 3: the EOS was forced, free; -3.3 over 3 pieces
                       [4, 5, E, P]], dtype="int32")  # ended by itself: -3.2 over 2 pieces and EOS
    log_probs = np.array([-3.3, -3.2], dtype="float32")
    caps = np.array([3, 3], dtype="int32")
    # Counting the forced EOS, the cut sample would score -3.3 / 4 = -0.825 and win; it scores -1.1.
    ranked, scores, _ = (None if x is None else ops.convert_to_numpy(x) for x in rank_samples(tokens, log_probs, None, 2, caps))
    np.testing.assert_array_equal(ranked[0], tokens[[1, 0]])
    np.testing.assert_array_equal(scores[0], log_probs[[1, 0]])


@settings(max_examples=examples(6), deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(["greedy", "sample", "beam"]))
def test_under_min_len_no_output_ends_on_a_piece_of_no_text(seed, method):
    # Piece 4 stands for the bare word boundary "▁": alone, it would be an empty reply.
    table = bigram_table(np.random.default_rng(seed))
    table[BOS_ID, 4] = 5.0  # by far the likeliest first piece ...
    table[4, EOS_ID] = 5.0  # ... and the end right after it: the ban must hold
    caps = np.full((16,), 3, "int32")
    if method == "beam":
        tokens = run_beam(table, caps[:1], 3, 1.0, n_best=3, min_len=1, blank_id=4)[0][0]
    else:
        tokens, _, _ = sample_search(
            fake_next(table), (ops.zeros((16, 1)),), caps, 4, greedy=method == "greedy", min_len=1, blank_id=4,
            temperature=1.0, top_k=0, top_p=1.0, row_keys=np.arange(16, dtype="uint32") + seed,
        )
        tokens = ops.convert_to_numpy(tokens)
    for row in tokens:
        pieces = pieces_of(row)
        assert pieces and (pieces[-1] != 4 or len(pieces) == 3)  # (at the cap the end is forced)
    alone = sample_search(fake_next(table), (ops.zeros((1, 1)),), caps[:1], 4, greedy=True, min_len=1)[0]
    assert pieces_of(ops.convert_to_numpy(alone)[0]) == [4]  # without blank_id: "▁", then the end
