"""Choosing and moving pieces and hypotheses inside the compiled searches, in ``keras.ops``.

- ``argmax``: the best piece of each row;
- ``best_pieces``: the ``k`` best entries of wide rows (a beam's ``K V`` extensions);
- ``pick``: each sentence's chosen hypotheses;
- ``write_at``: one step's values into a ``(..., T, ...)`` buffer at a traced position ``t``.

Each is what one ``keras.ops`` call would do, written to avoid a slow path of that call on the
default (TensorFlow) backend; the tests compare them with the plain call.
"""

from __future__ import annotations

from keras import ops


def argmax(scores):
    """``(N, V) -> (best score (N,), its index (N,) int32)``; ties go to the lower index.

    ``ops.top_k`` with ``k = 1``: on TensorFlow ``ops.argmax`` of a float tensor first rewrites
    every ``-0.0`` (three extra passes over the scores), which cost more than the argmax itself.
    """
    best, index = ops.top_k(scores, 1)
    return best[:, 0], ops.cast(index[:, 0], "int32")


def best_pieces(scores, k: int, chunk: int = 64):
    """The ``k`` largest entries of each row of ``scores (B, W)``, best first, as ``ops.top_k``.

    Returns ``(values (B, k), indices (B, k) int32)``; ties go to the lower index. A top-k over
    tens of thousands of entries per row (``K`` hypotheses times ``V`` pieces) is slow for
    ``k > 1`` (TensorFlow, 64 rows of 40,000, ``k = 10``: 5.6 ms for ``ops.top_k``, 0.8 ms
    here), so this cuts each row into chunks of ``chunk`` entries
    and searches only the ``k`` chunks with the largest maxima: every one of the ``k`` best
    entries lies in one of them (each chunk passed over has a maximum no better than ``k``
    entries already found, and on a tie the chunk further left wins, as the lower index does).
    The chosen chunks are kept in their left-to-right order, so ties still go to the lower index.
    ``W`` must be static (it is ``K V`` in a beam).
    """
    rows, width = ops.shape(scores)[0], scores.shape[1]
    chunks = -(-width // chunk)
    if chunks <= k:  # too narrow to gain anything
        values, indices = ops.top_k(scores, k)
        return values, ops.cast(indices, "int32")
    padded = ops.pad(scores, ((0, 0), (0, chunks * chunk - width)), constant_values=float("-inf"))
    blocks = ops.reshape(padded, (rows, chunks, chunk))  # (B, M, C)
    _, best_blocks = ops.top_k(ops.max(blocks, axis=-1), k)  # (B, k)
    best_blocks = ops.sort(ops.cast(best_blocks, "int32"), axis=-1)  # left to right
    candidates = pick(blocks, best_blocks)  # (B, k, C)
    values, position = ops.top_k(ops.reshape(candidates, (rows, k * chunk)), k)
    position = ops.cast(position, "int32")
    block = ops.take_along_axis(best_blocks, position // chunk, axis=1)
    return values, block * chunk + position % chunk


def pick(x, index):
    """``x (B, M, ...)``, ``index (B, J)`` int32 -> ``(B, J, ...)``: row ``b`` takes ``x[b, index[b]]``.

    One gather over the flattened ``(B M, ...)`` rows (``ops.take_along_axis`` would broadcast the
    index over every trailing axis first).
    """
    sentences, members = ops.shape(x)[0], ops.shape(x)[1]
    rows = ops.arange(sentences, dtype="int32")[:, None] * members + ops.cast(index, "int32")  # (B, J)
    flat = ops.reshape(x, (sentences * members, *ops.shape(x)[2:]))
    return ops.reshape(ops.take(flat, ops.reshape(rows, (-1,)), axis=0), (*ops.shape(index), *ops.shape(x)[2:]))


def write_at(buffer, t, values, axis: int):
    """``buffer`` with ``values`` written at position ``t`` (a traced scalar) of ``axis``.

    ``values`` has ``buffer``'s shape without ``axis``: ``buffer (N, T)``, ``values (N,)``,
    ``axis=1``; ``buffer (B, K, T, S)``, ``values (B, K, S)``, ``axis=2``. An elementwise
    ``where``: ``ops.slice_update`` at a traced position runs a separately compiled XLA kernel on
    TensorFlow, slower at these sizes and compiled again for every shape.
    """
    positions = ops.arange(ops.shape(buffer)[axis], dtype="int32")
    at_t = ops.reshape(ops.equal(positions, t), (-1,) + (1,) * (len(buffer.shape) - axis - 1))
    return ops.where(at_t, ops.expand_dims(values, axis), buffer)
