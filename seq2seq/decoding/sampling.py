"""Greedy decoding and sampling: one hypothesis per sentence, one compiled loop over steps.

The model is reached through one callback, as in keras-hub's samplers::

    next_fn(tokens (N,) int32, state) -> (log_probs (N, V) float32, state, alignment (N, S))

``state`` is any nest of ``(N, ...)`` tensors. Every sentence has its own length cap and stops
at its own EOS; a finished sentence emits padding while the others go on, and the loop stops as
soon as every sentence has finished. ``rank_samples`` orders several samples of each sentence by
their mean log-probability per piece (sample-and-rank).
"""

from __future__ import annotations

from keras import ops

from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID
from seq2seq.decoding import constraints
from seq2seq.decoding.selection import argmax, write_at


def sample_search(
    next_fn,
    state,
    caps,
    steps: int,
    *,
    greedy: bool,
    no_repeat_ngram: int = 0,
    min_len: int = 0,
    blank_id: int | None = None,
    temperature=1.0,
    top_k=0,
    top_p=1.0,
    row_keys=None,
    source_length: int | None = None,
    candidates: int = 0,
    truncation: bool = True,
):
    """Decode ``N`` sentences.

    Args:
        next_fn: the model's step (see the module docstring).
        state: the initial decoder state, a nest of ``(N, ...)`` tensors.
        caps: ``(N,)`` int32, each sentence's most pieces before EOS (EOS is forced there).
        steps: the loop's static bound, at least ``max(caps) + 1``.
        greedy: argmax; otherwise sample (``temperature``, ``top_k``, ``top_p``, ``row_keys``:
            ``(N,)`` uint32 seeds, one per sentence).
        no_repeat_ngram: ban repeated n-grams of this size (0: off).
        min_len: ban EOS before this many pieces (static; 0: off); ``caps`` still end a row.
        blank_id: with ``min_len``, the piece of no text that an output may not end on (``ban_early_end``).
        source_length: ``S``, to collect the attention ``(N, steps, S)``; None: no attention.
        candidates: sampling with a ``top_k`` of at most this many (static): each step looks at
            the ``candidates`` best pieces only (``nucleus_candidates``), the same draw as over
            the whole vocabulary but without sorting it. 0: the whole vocabulary.
        truncation: whether ``top_k`` or ``top_p`` may cut the distribution (static). False:
            sample from the whole softmax at the temperature, with no sort of the vocabulary
            (``top_k`` and ``top_p`` are then ignored).

    Returns ``(tokens (N, steps) int32, log_prob (N,) float32, attention or None)``; each row is
    its pieces, then EOS, then ``PAD_ID``. ``log_prob`` is the model's log-probability of the
    row's pieces and EOS (before any sampling filter).
    """
    rows = ops.shape(caps)[0]
    tokens = ops.zeros((rows, steps), dtype="int32")
    # An empty nest when no attention is collected (a loop variable cannot be None).
    attention = () if source_length is None else ops.zeros((rows, steps, source_length), dtype="float32")

    def cond(t, previous, tokens, log_prob, finished, state, attention):
        return ops.logical_and(t < steps, ops.logical_not(ops.all(finished)))

    def body(t, previous, tokens, log_prob, finished, state, attention):
        log_probs, state, alignment = next_fn(previous, state)  # (N, V)
        scores = log_probs
        if no_repeat_ngram:
            scores = constraints.ban_repeated_ngrams(scores, tokens, t, no_repeat_ngram)
        if min_len:
            scores = constraints.ban_early_end(scores, t, min_len, previous, blank_id)
        if greedy:  # the best piece's score is its log-probability: a banned piece is never best
            chosen_log_prob, chosen = argmax(scores)
        else:
            if candidates:
                filtered, pieces = constraints.nucleus_candidates(scores, temperature, top_k, top_p, candidates)
                _, best = argmax(filtered + constraints.gumbel_noise_at(row_keys, t, pieces))
                chosen = ops.take_along_axis(pieces, best[:, None], axis=-1)[:, 0]
            else:
                filtered = (constraints.nucleus_filter(scores, temperature, top_k, top_p) if truncation
                            else scores / temperature)
                _, chosen = argmax(filtered + constraints.gumbel_noise(row_keys, t, ops.shape(scores)[1]))
            chosen_log_prob = ops.take_along_axis(log_probs, chosen[:, None], axis=-1)[:, 0]
        at_cap = t >= caps  # EOS forced there, at no cost
        chosen = ops.where(at_cap, EOS_ID, chosen)
        chosen = ops.where(finished, PAD_ID, chosen)  # (N,)
        log_prob = log_prob + ops.where(ops.logical_or(finished, at_cap), 0.0, chosen_log_prob)
        tokens = write_at(tokens, t, chosen, axis=1)
        if source_length is not None:
            attention = write_at(attention, t, ops.cast(alignment, "float32"), axis=1)
        finished = ops.logical_or(finished, chosen == EOS_ID)
        return t + 1, chosen, tokens, log_prob, finished, state, attention

    start = (
        ops.convert_to_tensor(0, dtype="int32"),
        ops.full((rows,), BOS_ID, dtype="int32"),
        tokens,
        ops.zeros((rows,), dtype="float32"),
        ops.zeros((rows,), dtype="bool"),
        state,
        attention,
    )
    _, _, tokens, log_prob, _, _, attention = ops.while_loop(cond, body, start)
    return tokens, log_prob, (None if source_length is None else attention)


def rank_samples(tokens, log_probs, attention, width: int, caps):
    """Each sentence's ``width`` samples, the likeliest per piece first (sample-and-rank).

    ``tokens (N * W, T)``, ``log_probs (N * W,)``, ``attention (N * W, T, S)`` or None and
    ``caps (N * W,)`` (``sample_search``'s), a sentence's ``W`` samples in consecutive rows ->
    ``(N, W, T)``, ``(N, W)``, ``(N, W, T, S)`` ordered by ``log_prob`` over the pieces it scores
    (the pieces and their EOS; an EOS forced at the cap scores nothing and is not counted),
    highest first. The mean, not the sum: the sum prefers the shortest sample.
    """
    tokens = ops.reshape(tokens, (-1, width, ops.shape(tokens)[-1]))  # (N, W, T)
    log_probs = ops.reshape(log_probs, (-1, width))  # (N, W)
    if attention is not None:
        attention = ops.reshape(attention, (-1, width, *ops.shape(attention)[1:]))  # (N, W, T, S)
    if width == 1:
        return tokens, log_probs, attention
    written = ops.sum(ops.cast(tokens != PAD_ID, "int32"), axis=-1)  # (N, W): pieces and EOS
    forced = ops.cast(written - 1 >= ops.reshape(caps, (-1, width)), "int32")  # the EOS at the cap
    scored = ops.cast(ops.maximum(written - forced, 1), "float32")
    order = ops.argsort(-(log_probs / scored), axis=1)  # (N, W)
    tokens = ops.take_along_axis(tokens, order[:, :, None], axis=1)
    log_probs = ops.take_along_axis(log_probs, order, axis=1)
    if attention is not None:
        attention = ops.take_along_axis(attention, order[:, :, None, None], axis=1)
    return tokens, log_probs, attention
