"""``PairBatches``: the padded batches of ``seq2seq.data.batching`` as a ``keras.utils.PyDataset``.

Works with ``model.fit`` on every Keras backend (TensorFlow, JAX, PyTorch): items are NumPy
arrays, ``((source (B, S), decoder_input (B, T)), target_output (B, T))`` int32, optionally with
``sample_weight (B, T)`` float32 (1 on tokens, 0 on padding) as a third element.
"""

from __future__ import annotations

import keras
import numpy as np

from seq2seq.data.batching import pad_batch, padding_mask, plan_batches
from seq2seq.data.encoded_pairs import EncodedPairs


class PairBatches(keras.utils.PyDataset):
    """Length-bucketed batches of ``EncodedPairs``, reshuffled every epoch.

    Epoch ``e`` uses the batches ``plan_batches(..., seed=seed, epoch=e)``: a fresh shuffle per
    epoch that is the same in every run with the same seed. Keras calls ``on_epoch_end`` after
    each epoch, which moves to the next one; a run resumed at epoch ``k`` calls
    ``set_epoch(k)`` to see the data in the order the interrupted run would have.

    Args:
        pairs: the encoded pairs (see ``seq2seq.data.encoded_pairs.encode_pairs``).
        batch_size: at most this many pairs per batch.
        max_tokens: if given, also at most this many padded ids per batch (``B * (S + T)``).
        shuffle: False for evaluation: a fixed order, shortest batches first.
        seed: the shuffling seed.
        epoch: the epoch to start at.
        sample_weights: also yield ``(B, T)`` float32 weights masking the padding out of the
            loss.
        workers, use_multiprocessing, max_queue_size: as ``keras.utils.PyDataset``.
    """

    def __init__(
        self,
        pairs: EncodedPairs,
        batch_size: int = 64,
        *,
        max_tokens: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        epoch: int = 0,
        sample_weights: bool = False,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size
        )
        if len(pairs) == 0:
            raise ValueError("no pairs to batch")
        self.pairs = pairs
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.shuffle = shuffle
        self.seed = seed
        self.sample_weights = sample_weights
        self._source_lengths = pairs.source_lengths
        self._target_lengths = pairs.target_lengths
        self.set_epoch(epoch)

    def set_epoch(self, epoch: int) -> None:
        """Plan the batches of epoch ``epoch`` (0-based)."""
        self.epoch = epoch
        self._batches = plan_batches(
            self._source_lengths,
            self._target_lengths,
            self.batch_size,
            max_tokens=self.max_tokens,
            shuffle=self.shuffle,
            seed=self.seed,
            epoch=epoch,
        )

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, index: int):
        """Batch ``index`` of the current epoch (``IndexError`` past the end)."""
        (source, decoder_input), target_output = pad_batch(self.pairs, self._batches[index])
        if not self.sample_weights:
            return (source, decoder_input), target_output
        weights = padding_mask(target_output).astype(np.float32)  # (B, T)
        return (source, decoder_input), target_output, weights

    def on_epoch_end(self) -> None:
        """Move to the next epoch's shuffle (Keras calls this after each epoch)."""
        self.set_epoch(self.epoch + 1)
