"""Feeding batches to ``model.fit``: a deterministic order, and shapes that may vary.

Bucketed batches have a different length (and the last one a different size) each time.
``fit_input`` hands them to Keras so that no shape is frozen: on TensorFlow, Keras infers a
``tf.data`` signature from the first two batches and fails later on any batch whose length
differs from theirs where they agreed; there we build the ``tf.data.Dataset`` ourselves with
``(None, None)`` shapes. JAX and PyTorch compile a step per input shape: there the lengths are
padded up to a multiple of 8, and the rows to a multiple of the data-parallel replicas, which
bounds the shapes to a handful. Padding is masked everywhere (weight 0), so it changes nothing
but the work done.
"""

from __future__ import annotations

import keras
import numpy as np

from seq2seq.training.distribution import Placement

LENGTH_MULTIPLE = 8


class EpochRun(keras.utils.PyDataset):
    """The batches of epochs ``start .. epochs - 1`` as one sequence, for ``fit(steps_per_epoch=n)``.

    Item ``i`` is batch ``i % n`` of epoch ``start + i // n``: a pure function of ``i``, so the
    data order cannot depend on when Keras prefetches or calls ``on_epoch_end``.
    """

    def __init__(self, batches, start: int, epochs: int):
        super().__init__()
        self.batches, self.start = batches, start
        self.per_epoch = len(batches)
        self.total = max(epochs - start, 0) * self.per_epoch

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: int):
        if not 0 <= index < self.total:
            raise IndexError(index)
        epoch, position = divmod(index, self.per_epoch)
        if self.batches.epoch != self.start + epoch:
            self.batches.set_epoch(self.start + epoch)
            if len(self.batches) != self.per_epoch:
                raise RuntimeError("the number of batches per epoch changed between epochs")
        return self.batches[position]


class PaddedBatches(keras.utils.PyDataset):
    """``batches`` with lengths padded to a multiple of ``length_multiple`` and rows to ``row_multiple``."""

    def __init__(self, batches, length_multiple: int = LENGTH_MULTIPLE, row_multiple: int = 1):
        super().__init__()
        self.batches, self.length_multiple, self.row_multiple = batches, length_multiple, row_multiple

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        (source, decoder_input), target, weights = self.batches[index]
        rows = -(-source.shape[0] // self.row_multiple) * self.row_multiple
        return (
            (self._pad(source, rows), self._pad(decoder_input, rows)),
            self._pad(target, rows),
            self._pad(weights, rows),
        )

    def _pad(self, array: np.ndarray, rows: int) -> np.ndarray:
        width = -(-array.shape[1] // self.length_multiple) * self.length_multiple
        return np.pad(array, ((0, rows - array.shape[0]), (0, width - array.shape[1])))


class ProcessRows(keras.utils.PyDataset):
    """This process's share of each (row-padded) global batch when several processes train (JAX).

    Keras's JAX data parallelism takes each process's local rows and assembles the global batch.
    """

    def __init__(self, batches, process: int, processes: int):
        super().__init__()
        self.batches, self.process, self.processes = batches, process, processes

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        return _rows(self.batches[index], self.process, self.processes)


def _rows(batch, part: int, parts: int):
    """Rows ``part`` of ``parts`` equal slices of every array of ``batch``."""
    (source, decoder_input), target, weights = batch
    size = source.shape[0] // parts
    rows = slice(part * size, (part + 1) * size)
    return (source[rows], decoder_input[rows]), target[rows], weights[rows]


def fit_input(batches: keras.utils.PyDataset, placement: Placement = Placement()):
    """``batches`` as ``fit`` should get them.

    Items are ``((source, decoder_input), target, weights)``: int32 ids, float32 weights.
    """
    if keras.backend.backend() != "tensorflow":
        padded = PaddedBatches(batches, row_multiple=placement.replicas)
        if placement.workers > 1:
            return ProcessRows(padded, placement.worker, placement.workers)
        return padded
    if placement.workers > 1:
        return _per_replica_datasets(batches, placement)
    return _dataset(lambda: (batches[index] for index in range(len(batches))), len(batches))


def _dataset(generate, count: int):
    """A ``tf.data.Dataset`` of ``count`` batches from ``generate()``, lengths left open."""
    import tensorflow as tf

    ids = tf.TensorSpec(shape=(None, None), dtype=tf.int32)
    weights = tf.TensorSpec(shape=(None, None), dtype=tf.float32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=((ids, ids), ids, weights))
    # A known length lets Keras end each pass cleanly instead of running into the end of data.
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    return dataset.prefetch(2)


def _per_replica_datasets(batches, placement: Placement):
    """Several workers (TensorFlow): each reads only its replicas' slices of every global batch.

    Rows are padded to a multiple of the replicas (weight 0), each replica gets an equal slice,
    and a worker's dataset yields its local replicas' slices in turn, as
    ``distribute_datasets_from_function`` hands consecutive elements to the local replicas.
    """
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    batch_count = len(batches)

    def dataset_fn(context: tf.distribute.InputContext):
        local = placement.replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local
        return _dataset(lambda: replica_slices(batches, placement.replicas, first, local), batch_count * local)

    return strategy.distribute_datasets_from_function(dataset_fn)


def replica_slices(batches, replicas: int, first: int, count: int):
    """For each batch, the row slices of replicas ``first .. first + count - 1`` of ``replicas``.

    Rows are padded to a multiple of ``replicas`` (weight 0) and cut into equal slices.
    """
    padded = PaddedBatches(batches, length_multiple=1, row_multiple=replicas)
    for index in range(len(padded)):
        batch = padded[index]
        for replica in range(first, first + count):
            yield _rows(batch, replica, replicas)
