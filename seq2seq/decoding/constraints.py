"""What the searches do to a step's log-probabilities before they choose: in ``keras.ops`` only.

- ``ban_repeated_ngrams``: no n-gram twice in one output;
- ``ban_early_end``: no EOS before the output's shortest length;
- ``nucleus_filter``: temperature, top-k and top-p (nucleus) for sampling, over the whole vocabulary;
- ``nucleus_candidates``: the same among a row's ``C`` best pieces (a small ``top_k``), without
  sorting the whole vocabulary;
- ``gumbel_noise``: per-row, per-step random numbers that depend on a row key and not on the
  batch, so a sentence samples the same reply alone or inside a batch;
- ``length_penalty``: GNMT's ``((5 + length) / 6) ** alpha``.

Shapes: ``N`` rows (sentences times hypotheses), ``V`` pieces, ``T`` output positions.
"""

from __future__ import annotations

from keras import ops

from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, SEPARATOR_ID

NEGATIVE = -1e9  # a log-probability nothing chooses (finite: -inf turns into NaN in sums)
# Pieces no training target holds, so no output may: padding (masked out of the loss), BOS (only
# ever an input) and the dialogue separator (only in sources). An undertrained model still gives
# them some probability, and a sample drew "<sep>" into a chat reply. (UNK stays: a target with a
# character the vocabulary lacks holds it.)
NEVER_OUTPUT = (PAD_ID, BOS_ID, SEPARATOR_ID)


def never_output_bias(vocab: int):
    """``(V,)`` float32 NumPy: ``NEGATIVE`` at ``NEVER_OUTPUT``, 0 elsewhere; added to a step's
    log-probabilities it bans those pieces in every search and leaves the others' scores as they were."""
    import numpy as np

    bias = np.zeros(vocab, dtype="float32")
    bias[[piece for piece in NEVER_OUTPUT if piece < vocab]] = NEGATIVE
    return bias


def ban_repeated_ngrams(log_probs, tokens, t, n: int):
    """Forbid each piece that would repeat an n-gram already in the output.

    Args:
        log_probs: ``(N, V)`` the scores of the piece at position ``t``.
        tokens: ``(N, T)`` int32, the pieces so far at positions ``0 .. t-1``.
        t: scalar int32, the position being chosen.
        n: the n-gram size (static, at least 1).

    Returns ``(N, V)``: ``NEGATIVE`` on each piece ``w`` such that ``tokens[t-n+1 : t] + [w]``
    already occurs in ``tokens[:t]``.
    """
    rows, width = ops.shape(tokens)[0], ops.shape(tokens)[1]
    vocab = ops.shape(log_probs)[1]
    if n == 1:  # a piece used once is banned
        starts = ops.arange(width, dtype="int32")[None, :]  # (1, T)
        used = ops.broadcast_to(starts < t, (rows, width))
        banned_tokens = tokens
    else:
        windows = width - n + 1  # n-gram start positions j: tokens[j : j + n] (callers: T >= n)
        # The n-1 pieces before position t: (N, n-1), from a start clamped at 0 (masked below).
        prefix_start = ops.maximum(t - (n - 1), 0)
        prefix = ops.slice(tokens, (0, prefix_start), (rows, n - 1))
        match = ops.ones((rows, windows), dtype="bool")
        for k in range(n - 1):
            match = ops.logical_and(match, ops.equal(tokens[:, k : k + windows], prefix[:, k : k + 1]))
        # Only complete n-grams already written (j + n - 1 < t) and a prefix that exists (t >= n-1).
        starts = ops.arange(windows, dtype="int32")[None, :]  # (1, W)
        used = ops.logical_and(match, ops.logical_and(starts + n - 1 < t, t >= n - 1))
        banned_tokens = tokens[:, n - 1 : n - 1 + windows]  # (N, W): the piece that completed it
    row_ids = ops.broadcast_to(ops.arange(rows, dtype="int32")[:, None], ops.shape(banned_tokens))
    indices = ops.reshape(ops.stack([row_ids, ops.cast(banned_tokens, "int32")], axis=-1), (-1, 2))
    counts = ops.scatter(indices, ops.reshape(ops.cast(used, "float32"), (-1,)), (rows, vocab))
    return ops.where(counts > 0, NEGATIVE, log_probs)


def ban_early_end(log_probs, t, min_len: int, previous=None, blank_id: int | None = None):
    """``(N, V)``: ``NEGATIVE`` on EOS while the position ``t`` (scalar int32) is below ``min_len``,
    and in the rows whose ``previous`` piece ``(N,)`` is ``blank_id`` (the bare word boundary
    ``▁``, a piece of no text): an output never ends on it, so one of ``min_len`` >= 1 pieces is
    never an empty text."""
    is_end = ops.arange(ops.shape(log_probs)[1], dtype="int32")[None, :] == EOS_ID  # (1, V)
    too_early = t < min_len
    if blank_id is not None:
        too_early = ops.logical_or(too_early, previous[:, None] == blank_id)  # (N, 1)
    return ops.where(ops.logical_and(is_end, too_early), NEGATIVE, log_probs)


def nucleus_filter(logits, temperature, top_k, top_p):
    """Sampling logits ``(N, V)``: divided by ``temperature``; pieces outside the ``top_k`` most
    probable (``top_k`` 0: no limit) or outside the top-p nucleus get ``NEGATIVE``.

    ``temperature``, ``top_k`` and ``top_p`` are scalar tensors (no recompilation per value).
    The nucleus is the smallest set of most probable pieces whose probability reaches ``top_p``;
    the most probable piece is always kept.
    """
    logits = logits / temperature
    vocab = ops.shape(logits)[-1]
    ranked, _ = ops.top_k(logits, vocab)  # (N, V), descending
    probs = ops.softmax(ranked, axis=-1)
    before = ops.cumsum(probs, axis=-1) - probs  # probability of the pieces ranked above
    keep = ops.logical_and(before < top_p, ops.logical_or(top_k <= 0, ops.arange(vocab)[None, :] < top_k))
    keep = ops.logical_or(keep, ops.arange(vocab)[None, :] == 0)
    threshold = ops.min(ops.where(keep, ranked, ops.max(ranked, axis=-1, keepdims=True)), axis=-1, keepdims=True)
    return ops.where(logits >= threshold, logits, NEGATIVE)


def nucleus_candidates(scores, temperature, top_k, top_p, candidates: int):
    """``nucleus_filter`` for a ``top_k`` in ``1 .. candidates``: the same pieces kept, found
    among each row's ``candidates`` best instead of a sort of all ``V``.

    Returns ``(logits (N, C), pieces (N, C) int32)``: the ``C`` best pieces of each row, best
    first, with their logits divided by ``temperature``, and ``NEGATIVE`` on those outside the
    top-k or the nucleus. The nucleus is measured in the probabilities over all ``V`` pieces, as
    in ``nucleus_filter``.

    The nucleus filter over the whole vocabulary was most of a sampling step (TensorFlow, 20
    rows of 8,000 pieces: 12 ms of about 17, 8 ms of it the sort); a top-64 takes 1.2 ms. The
    kept pieces are the same, bar float rounding in the probabilities and a tie with a piece
    ranked below ``C``.
    """
    candidates = min(candidates, scores.shape[-1])  # a vocabulary smaller than the shortlist
    logits = scores / temperature
    ranked, pieces = ops.top_k(logits, candidates)  # (N, C), descending
    probs = ops.exp(ranked - ops.logsumexp(logits, axis=-1, keepdims=True))  # of all V pieces
    before = ops.cumsum(probs, axis=-1) - probs
    rank = ops.arange(candidates)[None, :]
    keep = ops.logical_or(ops.logical_and(before < top_p, rank < top_k), rank == 0)
    return ops.where(keep, ranked, NEGATIVE), ops.cast(pieces, "int32")


def _mix(h):
    """MurmurHash3's 32-bit finalizer: every input bit flips each output bit with p = 1/2."""
    h = ops.bitwise_xor(h, ops.right_shift(h, _u32(16)))
    h = ops.multiply(h, _u32(0x85EBCA6B))
    h = ops.bitwise_xor(h, ops.right_shift(h, _u32(13)))
    h = ops.multiply(h, _u32(0xC2B2AE35))
    return ops.bitwise_xor(h, ops.right_shift(h, _u32(16)))


def _u32(value):
    return ops.convert_to_tensor(value, dtype="uint32")


def gumbel_noise(row_keys, t, vocab: int):
    """``(N, V)`` standard Gumbel noise, a pure function of ``(row key, t, piece)``.

    ``argmax(logits + noise)`` is a sample from ``softmax(logits)`` (the Gumbel-max trick); the
    noise of a row depends on its key (``uint32 (N,)``) and the step, never on the other rows.
    """
    return gumbel_noise_at(row_keys, t, ops.arange(vocab, dtype="int32")[None, :])


def gumbel_noise_at(row_keys, t, pieces):
    """``gumbel_noise`` at the given ``pieces`` only: ``(N, C)`` or ``(1, C)`` int32 piece ids.

    Equal to ``gumbel_noise(row_keys, t, V)[row, piece]`` for every row and piece: sampling among
    a row's candidates draws what sampling over the whole vocabulary would, with the same keys.
    """
    step_keys = _mix(ops.add(row_keys, ops.multiply(ops.cast(t, "uint32") + _u32(1), _u32(0x9E3779B9))))
    pieces = ops.multiply(ops.cast(pieces, "uint32"), _u32(0x632BE5AB))
    bits = _mix(ops.bitwise_xor(step_keys[:, None], pieces))  # (N, C)
    return gumbel_from_bits(bits)


def gumbel_from_bits(bits):
    """Standard Gumbel noise from uniformly random ``uint32`` bits, finite for every input."""
    # 23 bits, so that (k + 0.5) / 2**23 is exact in float32 and strictly inside (0, 1). With 24
    # bits the largest k rounded to 1.0, whose noise is +inf: about once in 2,000 steps over 8,000
    # pieces, a sample landed on a piece outside the nucleus, or a banned one.
    uniform = (ops.cast(ops.right_shift(bits, _u32(9)), "float32") + 0.5) / 8388608.0
    return -ops.log(-ops.log(uniform))


def length_penalty(length, alpha):
    """GNMT's ``lp = ((5 + length) / 6) ** alpha`` (``alpha`` 0: 1)."""
    return ops.power((5.0 + ops.cast(length, "float32")) / 6.0, alpha)
