"""Length-bucketed, padded, seeded batches of encoded pairs, in plain NumPy.

A batch is ``((source, decoder_input), target_output)``:

- ``source``: ``(B, S)`` int32, the source ids, padded with ``PAD_ID`` to the batch's longest;
- ``decoder_input``: ``(B, T)`` int32, ``[BOS_ID] + target`` padded;
- ``target_output``: ``(B, T)`` int32, ``target + [EOS_ID]`` padded.

The mask of any of them is ``ids != PAD_ID`` (``padding_mask``); a row's mask sums to its length.

Bucketing: each epoch the pairs are shuffled (a generator seeded by ``(seed, epoch)``), stably
sorted along a Hilbert curve through the (source length, target length) plane, cut into batches
of neighbours (so the pairs of a batch have about the same lengths on both sides and padding
stays small), and the batch order is shuffled.
Every pair is in exactly one batch per epoch. The same ``(seed, epoch)`` gives the same batches,
so a resumed run sees the data in the same order.

Nothing here needs TensorFlow: the arrays feed ``model.fit`` on any Keras backend through
``seq2seq.data.pair_batches.PairBatches`` (a ``keras.utils.PyDataset``), which imports this
module, never the other way round, so that this module stays light.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from seq2seq.data.encoded_pairs import EncodedPairs
from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID

Batch = tuple[tuple[np.ndarray, np.ndarray], np.ndarray]  # ((source, decoder_input), target)


def padding_mask(ids: np.ndarray) -> np.ndarray:
    """``(B, L)`` ids -> ``(B, L)`` bool, True where there is a token (not ``PAD_ID``)."""
    return ids != PAD_ID


def plan_batches(
    source_lengths: np.ndarray,
    target_lengths: np.ndarray,
    batch_size: int,
    max_tokens: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    epoch: int = 0,
) -> list[np.ndarray]:
    """Group pair indices into length-bucketed batches for one epoch.

    Args:
        source_lengths: ``(N,)`` source ids per pair.
        target_lengths: ``(N,)`` target ids per pair (no BOS/EOS).
        batch_size: at most this many pairs per batch.
        max_tokens: if given, also at most this many ids per batch, counted padded:
            ``B * (S + T)``; a single pair over the budget still gets a batch of its own.
        shuffle: shuffle ties within a length and the batch order, with a generator seeded by
            ``(seed, epoch)``; if False, batches follow the curve (short pairs first).

    Returns:
        The batches, each a ``(B,)`` int64 array of pair indices; together a permutation of
        ``range(N)``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    source_lengths = np.asarray(source_lengths, dtype=np.int64)
    target_lengths = np.asarray(target_lengths, dtype=np.int64)
    count = len(source_lengths)
    if count == 0:
        return []
    rng = np.random.default_rng([seed, epoch]) if shuffle else None
    # 1. a random order, then a stable sort along a Hilbert curve through the plane of
    #    (source length, target length): neighbours on the curve have similar lengths on both
    #    sides, wherever the pairs are dense or sparse; equal lengths stay in random order
    order = rng.permutation(count) if rng is not None else np.arange(count)
    curve_position = _curve_positions(source_lengths, target_lengths)  # (N,)
    order = order[np.argsort(curve_position[order], kind="stable")]
    # 2. cut the sorted order into batches of neighbours
    if max_tokens is None:
        cuts = np.arange(batch_size, count, batch_size)
    else:
        cuts = _token_budget_cuts(
            source_lengths[order], target_lengths[order] + 1, batch_size, max_tokens
        )
    batches = np.split(order, cuts)
    # 3. a random batch order
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def hilbert_index(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Positions ``(N,)`` int64 of the points ``(x[i], y[i])`` along a Hilbert curve.

    The curve visits every cell of a ``2^k x 2^k`` grid (``2^k`` above the largest coordinate)
    and consecutive positions are adjacent cells, so sorting by position groups points that are
    close in both coordinates. Each level of the loop picks the quadrant (two bits of the
    position) and turns the coordinates into that quadrant's frame (the classic ``xy2d``).
    """
    x = np.array(x, dtype=np.int64)  # copies: the loop rotates them in place
    y = np.array(y, dtype=np.int64)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    size = 1 << int(max(x.max(), y.max(), 1)).bit_length()  # the grid side, a power of two
    position = np.zeros(len(x), dtype=np.int64)
    half = size // 2
    while half > 0:
        right = (x & half) > 0  # (N,) bool: the point is in the right half
        upper = (y & half) > 0  # (N,) bool: ... in the upper half
        position += half * half * ((3 * right) ^ upper)
        # rotate the lower quadrants so that the sub-curve there joins its neighbours
        flip = ~upper & right
        x[flip] = size - 1 - x[flip]
        y[flip] = size - 1 - y[flip]
        swap = ~upper
        x[swap], y[swap] = y[swap], x[swap]
        half //= 2
    return position


def _curve_positions(source_lengths: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """``hilbert_index`` of the length pairs ``(N,)``, looked up in a table of the whole grid.

    The lengths span a small grid (up to a few hundred a side), so the curve is walked once per
    cell rather than once per pair, and the positions come back in the smallest unsigned type
    that holds them (NumPy sorts 16-bit keys by radix, stably, much faster than 64-bit ones).
    """
    side = int(max(source_lengths.max(), target_lengths.max(), 1)) + 1
    if side * side > len(source_lengths):  # a sparse grid: the pairs themselves are fewer
        return hilbert_index(source_lengths, target_lengths)
    cells = np.arange(side * side)  # (side * side,) cell x * side + y
    table = hilbert_index(cells // side, cells % side)  # (side * side,)
    dtype = np.uint16 if table.max() <= np.iinfo(np.uint16).max else np.int64
    return table.astype(dtype)[source_lengths * side + target_lengths]


def _token_budget_cuts(
    source_widths: np.ndarray, target_widths: np.ndarray, batch_size: int, max_tokens: int
) -> np.ndarray:
    """Greedy cut points along the ordered pairs so that ``B * (max S + max T) <= max_tokens``.

    The running maxima of the widths only grow as a batch grows, so its padded size does too,
    and the longest batch within budget is found by a binary search over it.
    """
    count = len(source_widths)
    cuts = []
    start = 0
    while start < count:
        stop = min(count, start + batch_size)
        widest_source = np.maximum.accumulate(source_widths[start:stop])
        widest_target = np.maximum.accumulate(target_widths[start:stop])
        padded_sizes = np.arange(1, stop - start + 1) * (widest_source + widest_target)
        size = max(1, int(np.searchsorted(padded_sizes, max_tokens, side="right")))
        start += size
        cuts.append(start)
    return np.asarray(cuts[:-1], dtype=np.int64)


def pad_batch(pairs: EncodedPairs, indices: np.ndarray) -> Batch:
    """Gather pairs ``indices`` ``(B,)`` into padded arrays.

    Returns:
        ``((source (B, S), decoder_input (B, T)), target_output (B, T))``, all int32, where
        ``S`` is the longest source and ``T`` the longest target plus one (BOS or EOS), at
        least 1 each.
    """
    indices = np.asarray(indices, dtype=np.int64)
    source_lengths = pairs.source_offsets[indices + 1] - pairs.source_offsets[indices]  # (B,)
    target_lengths = pairs.target_offsets[indices + 1] - pairs.target_offsets[indices]  # (B,)
    source, _ = _padded(pairs.source_tokens, pairs.source_offsets[indices], source_lengths)
    target_width = int(target_lengths.max(initial=0)) + 1
    targets, mask = _padded(  # (B, T - 1): the target ids, and where they are
        pairs.target_tokens, pairs.target_offsets[indices], target_lengths, target_width - 1
    )
    batch = len(indices)
    decoder_input = np.zeros((batch, target_width), dtype=np.int32)  # (B, T)
    decoder_input[:, 0] = BOS_ID
    decoder_input[:, 1:] = targets
    target_output = np.zeros((batch, target_width), dtype=np.int32)  # (B, T)
    target_output[:, :-1] = targets
    target_output[np.arange(batch), target_lengths] = EOS_ID
    return (source, decoder_input), target_output


def _padded(
    tokens: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``tokens[starts[b]:starts[b] + lengths[b]]`` padded with ``PAD_ID``.

    Args:
        width: the padded length; ``None``: the longest row's, at least 1.

    Returns:
        ``(ids (B, width) int32, mask (B, width) bool)``.
    """
    if width is None:
        width = max(1, int(lengths.max(initial=0)))
    positions = np.arange(width)  # (width,)
    mask = positions < lengths[:, None]  # (B, width)
    ids = np.full(mask.shape, PAD_ID, dtype=np.int32)  # (B, width)
    ids[mask] = tokens[(starts[:, None] + positions)[mask]]  # row-major: each row in order
    return ids, mask


def make_batches(
    source_ids: Sequence[Sequence[int]] | EncodedPairs,
    target_ids: Sequence[Sequence[int]] | None = None,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
    epoch: int = 0,
    max_tokens: int | None = None,
    max_len: int | None = None,
) -> Iterator[Batch]:
    """Yield one epoch of padded batches.

    Args:
        source_ids: N source id lists, or an ``EncodedPairs`` (then ``target_ids`` is None).
        target_ids: N target id lists (no BOS/EOS), ``target_ids[i]`` the reply to or the
            translation of ``source_ids[i]``.
        batch_size, max_tokens, shuffle, seed, epoch: see ``plan_batches``.
        max_len: leave out pairs with more than ``max_len`` source ids or ``max_len - 1``
            target ids (only with id lists; an ``EncodedPairs`` was filtered when built).

    Yields:
        ``((source (B, S), decoder_input (B, T)), target_output (B, T))`` int32 arrays.
    """
    if isinstance(source_ids, EncodedPairs):
        if target_ids is not None or max_len is not None:
            raise ValueError("with EncodedPairs, give neither target_ids nor max_len")
        pairs = source_ids
    else:
        if target_ids is None:
            raise ValueError("target_ids is required with source id lists")
        pairs = EncodedPairs.from_id_lists(source_ids, target_ids, max_len=max_len)
    for indices in plan_batches(
        pairs.source_lengths,
        pairs.target_lengths,
        batch_size,
        max_tokens=max_tokens,
        shuffle=shuffle,
        seed=seed,
        epoch=epoch,
    ):
        yield pad_batch(pairs, indices)


__all__ = [
    "Batch",
    "EncodedPairs",
    "hilbert_index",
    "make_batches",
    "pad_batch",
    "padding_mask",
    "plan_batches",
]
