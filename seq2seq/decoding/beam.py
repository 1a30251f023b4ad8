"""Beam search with the GNMT length penalty, batched over sentences, in one compiled loop.

Each sentence keeps two pools of ``K`` hypotheses (as tensor2tensor's beam search does):

- *alive*: not yet ended, ranked by their log-probability ``log p(y_1..t)``;
- *finished*: ended with EOS, ranked by ``log p(Y) / lp(|Y|)``, ``lp = ((5 + |Y|) / 6) ** alpha``.

Every step extends each alive hypothesis by every piece, keeps the ``2K`` best extensions (so at
least ``K`` of them do not end), moves those among the ``K`` best that end in EOS into the
finished pool and keeps the ``K`` best others alive. A sentence is done at its length cap (where EOS is forced), or once ``K``
hypotheses have finished (fairseq's rule: the alive ones are by then less probable than all of
them), or as soon as its ``n_best``-th finished hypothesis scores at least what its best alive
one could still reach, ``log p(alive) / lp(cap + 1)`` (log-probabilities only fall as a
hypothesis grows and ``lp`` only rises). All of it is per sentence: the other sentences of the
batch change nothing.

``next_fn(tokens (N,), state) -> (log_probs (N, V), state, alignment (N, S))`` with ``N = B K``
rows, hypothesis ``k`` of sentence ``b`` in row ``b K + k``.
"""

from __future__ import annotations

from keras import ops, tree

from seq2seq.data.tokenizer import BOS_ID, EOS_ID
from seq2seq.decoding import constraints
from seq2seq.decoding.constraints import NEGATIVE, length_penalty
from seq2seq.decoding.selection import best_pieces, pick, write_at


def beam_search(
    next_fn,
    state,
    caps,
    steps,
    *,
    beam: int,
    alpha,
    n_best: int = 1,
    no_repeat_ngram: int = 0,
    min_len: int = 0,
    blank_id: int | None = None,
    source_length=None,
):
    """Beam search for ``B`` sentences of ``beam`` hypotheses each.

    Args:
        next_fn: the model's step (see the module docstring).
        state: the initial decoder state of the ``B * beam`` rows (each sentence's repeated).
        caps: ``(B,)`` int32, each sentence's most pieces before EOS.
        steps: the loop's bound, at least ``max(caps) + 1``.
        beam: ``K``, hypotheses per sentence (static).
        alpha: the length penalty exponent (a scalar tensor).
        n_best: the early stop waits for this many finished hypotheses (static).
        no_repeat_ngram: ban repeated n-grams of this size (0: off).
        min_len: ban EOS before this many pieces (static; 0: off); the cap still ends a sentence.
        blank_id: with ``min_len``, the piece of no text that an output may not end on (``ban_early_end``).
        source_length: ``S``, to collect attention; None: no attention.

    Returns ``(tokens (B, K, steps), scores (B, K), log_probs (B, K), attention)``: the finished
    hypotheses, best first; ``scores`` are length-penalized, ``log_probs`` raw; ``attention``
    is ``(B, K, steps, S)`` or None.
    """
    sentences = ops.shape(caps)[0]
    rows = sentences * beam

    def reshape_rows(x):  # (N, ...) -> (B, K, ...)
        return ops.reshape(x, (sentences, beam, *ops.shape(x)[1:]))

    tokens = ops.zeros((sentences, beam, steps), dtype="int32")
    collect = source_length is not None
    attention = ops.zeros((sentences, beam, steps, source_length), dtype="float32") if collect else ()
    first_only = ops.where(ops.arange(beam) == 0, 0.0, NEGATIVE)  # (K,): one live start per sentence

    def cond(t, previous, state, alive, finished, done):
        return ops.logical_and(t < steps, ops.logical_not(ops.all(done)))

    def body(t, previous, state, alive, finished, done):
        alive_tokens, alive_log_probs, alive_attention = alive
        log_probs, state, alignment = next_fn(previous, state)  # (N, V)
        vocab = log_probs.shape[1]  # static: the model's vocabulary
        if no_repeat_ngram:
            log_probs = constraints.ban_repeated_ngrams(
                log_probs, ops.reshape(alive_tokens, (rows, -1)), t, no_repeat_ngram
            )
        if min_len:
            log_probs = constraints.ban_early_end(log_probs, t, min_len, previous, blank_id)

        # 1. The 2K best extensions of the alive hypotheses: (B, 2K). At its cap a sentence's
        #    only extensions are its K alive hypotheses ending there (EOS forced, free).
        extended = alive_log_probs[:, :, None] + reshape_rows(log_probs)  # (B, K, V)
        top_log_probs, top_index = best_pieces(ops.reshape(extended, (sentences, beam * vocab)), 2 * beam)
        origin, piece = top_index // vocab, top_index % vocab  # (B, 2K)
        at_cap = (t >= caps)[:, None]  # (B, 1)
        slots = ops.arange(2 * beam)[None, :]  # (1, 2K)
        ending_alive = ops.concatenate([alive_log_probs, ops.full_like(alive_log_probs, NEGATIVE)], axis=1)
        top_log_probs = ops.where(at_cap, ending_alive, top_log_probs)
        origin = ops.where(at_cap, ops.minimum(slots, beam - 1), origin)
        piece = ops.where(at_cap, EOS_ID, piece)
        grown = write_at(pick(alive_tokens, origin), t, piece, axis=2)  # (B, 2K, T)
        if collect:
            grown_attention = write_at(
                pick(alive_attention, origin), t, pick(reshape_rows(ops.cast(alignment, "float32")), origin), axis=2
            )
        ends = ops.equal(piece, EOS_ID)

        # 2. The K best that do not end stay alive.
        alive_log_probs, keep = ops.top_k(ops.where(ends, NEGATIVE, top_log_probs), beam)  # (B, K)
        alive_tokens = pick(grown, keep)
        alive_attention = pick(grown_attention, keep) if collect else ()
        origin = pick(origin, keep)

        # 3. Those ending join the finished pool, ranked by the length-penalized score.
        finished_tokens, finished_scores, finished_log_probs, finished_attention = finished
        # Only an ending among the K best extensions finishes (as in fairseq): one ranked below K
        # live ones is no better than what those will still give.
        ending = ops.logical_and(ops.logical_and(ends, slots < beam), ops.logical_not(done)[:, None])
        ending_scores = ops.where(ending, top_log_probs / length_penalty(t + 1, alpha), NEGATIVE)
        finished_scores, best = ops.top_k(ops.concatenate([finished_scores, ending_scores], axis=1), beam)
        finished_tokens = pick(ops.concatenate([finished_tokens, grown], axis=1), best)
        finished_log_probs = pick(ops.concatenate([finished_log_probs, top_log_probs], axis=1), best)
        if collect:
            finished_attention = pick(ops.concatenate([finished_attention, grown_attention], axis=1), best)

        # 4. The decoder state follows each surviving hypothesis.
        rows_of_origin = ops.reshape(ops.arange(sentences)[:, None] * beam + origin, (-1,))  # (N,)
        state = tree.map_structure(lambda s: ops.take(s, rows_of_origin, axis=0), state)
        previous = ops.reshape(pick(piece[:, :, None], keep)[:, :, 0], (-1,))

        # 5. Done at the cap, when the finished pool is full (K hypotheses, as fairseq stops),
        #    or when no alive hypothesis can still beat the n-best finished ones.
        reachable = alive_log_probs[:, 0] / length_penalty(caps + 1, alpha)
        settled = ops.logical_or(finished_scores[:, n_best - 1] >= reachable, finished_scores[:, -1] > NEGATIVE / 2)
        done = ops.logical_or(done, ops.logical_or(t >= caps, settled))
        alive = (alive_tokens, alive_log_probs, alive_attention)
        finished = (finished_tokens, finished_scores, finished_log_probs, finished_attention)
        return t + 1, previous, state, alive, finished, done

    empty_scores = ops.full((sentences, beam), NEGATIVE, dtype="float32")
    start = (
        ops.convert_to_tensor(0, dtype="int32"),
        ops.full((rows,), BOS_ID, dtype="int32"),
        state,
        (tokens, ops.broadcast_to(first_only[None, :], (sentences, beam)), attention),
        (tokens, empty_scores, empty_scores, attention),
        ops.zeros((sentences,), dtype="bool"),
    )
    *_, finished, _ = ops.while_loop(cond, body, start)
    finished_tokens, finished_scores, finished_log_probs, finished_attention = finished
    return finished_tokens, finished_scores, finished_log_probs, (finished_attention if collect else None)
