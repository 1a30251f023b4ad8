"""``Translator``: texts in, outputs out, through one compiled decoding function per setting.

For a list of texts it:

1. normalizes each text as the training text was (``normalize_text``: NFKC, no control
   characters, single spaces), encodes it with SentencePiece and cuts it to the model's longest
   source (``max_source_pieces``), counting the cuts;
2. sorts the sentences by length and cuts them into batches; each batch is padded to a bucket
   (rows and source length rounded up to powers of two), so a long file compiles a handful of
   shapes on JAX and one on TensorFlow;
3. runs the encoder once per batch and the whole search (greedy, sampling, sample-and-rank or
   beam) as one compiled loop (``tf.function`` or ``jax.jit``), two batches at a time on two threads: the
   backends release the GIL while they compute, so one batch's small serial operations and
   host-side work overlap the other's (greedy 1.04 to 1.45x, beam 1.14 to 1.34x the throughput
   of one batch at a time on a 2-core CPU, ``benchmarks/RESULTS.md``). A process that decodes
   gives each batch its cores (``decoding_threads``) rather than each operation a pool;
4. detokenizes and restores the input order. An empty line gives an empty output.

Every sentence's length cap, mask and score is its own, so its output does not depend on the
batch it is decoded in.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import keras
import numpy as np
from keras import ops, tree

from seq2seq.corpora.text import normalize_text
from seq2seq.data.tokenizer import EOS_ID, PAD_ID
from seq2seq.decoding import constraints
from seq2seq.decoding.beam import beam_search
from seq2seq.decoding.options import DECODE_BATCH, DECODE_WORKERS, MAX_SEED, DecodingOptions
from seq2seq.decoding.sampling import rank_samples, sample_search
from seq2seq.training.config import TrainingConfig

MIN_SOURCE_BUCKET = 8  # the shortest padded source length
MAX_CANDIDATES = 256  # a sampling top_k up to this looks at its top-k pieces only, not the whole vocabulary


@dataclass
class Output:
    """One decoded sentence."""

    text: str  # the output, detokenized
    score: float  # the model's log-probability of its pieces and EOS
    n_best: list[tuple[str, float]] = field(default_factory=list)  # distinct (text, log-probability), best first; the text first
    pieces: list[str] = field(default_factory=list)  # the output's pieces
    source_pieces: list[str] = field(default_factory=list)  # the (cut) source's pieces
    attention: np.ndarray | None = None  # (output pieces + EOS, source pieces), rows sum to 1


@dataclass
class Batch:
    """A padded batch: ``R`` rows of ``source_ids (R, S)``, the first ``len(indices)`` real."""

    indices: list[int]  # positions in the input of the real rows
    source_ids: np.ndarray  # (R, S) int32
    caps: np.ndarray  # (R,) int32, each row's most output pieces
    steps: int  # the loop bound: the cap of the bucket's width (at least no_repeat_ngram) + 1, same for every batch of the bucket


class Translator:
    """Decodes with one model and tokenizer.

    The compiled search functions are kept per setting. On JAX they hold the weights as they
    were when first compiled: after changing the model's weights (training), make a new
    ``Translator``.

    Args:
        model: a ``Seq2Seq``.
        tokenizer: its ``Tokenizer``.
        max_source_pieces: sources are cut to this many pieces (the longest the model trained on).
        workers: batches decoded at the same time (threads); 1: one after another.
    """

    def __init__(self, model, tokenizer, max_source_pieces: int = TrainingConfig.max_pieces,
                 workers: int = DECODE_WORKERS):
        self.model = model
        self.tokenizer = tokenizer
        self.max_source_pieces = max_source_pieces
        self.workers = workers
        self._compiled: dict[tuple, Callable] = {}
        self._compiling = threading.Lock()

    # -- text -------------------------------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> tuple[list[list[int]], int]:
        """Normalized, encoded and cut sources, and how many were cut."""
        encoded = self.tokenizer.encode_source([normalize_text(text) for text in texts])
        cut = sum(len(ids) > self.max_source_pieces for ids in encoded)
        return [ids[: self.max_source_pieces] for ids in encoded], cut

    def translate(
        self,
        texts: Sequence[str],
        options: DecodingOptions = DecodingOptions(),
        batch_size: int = DECODE_BATCH,
        attention: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> list[Output]:
        """Decode ``texts``; one ``Output`` per text, in order.

        ``attention``: also return each output's attention matrix. ``progress(n)`` is called
        after each batch with the number of sentences it held (the empty ones count at once).
        """
        encoded, _ = self.encode(texts)
        return self.decode_ids(encoded, options, batch_size, attention, progress)

    def decode_ids(
        self,
        encoded: Sequence[Sequence[int]],
        options: DecodingOptions = DecodingOptions(),
        batch_size: int = DECODE_BATCH,
        attention: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> list[Output]:
        """As ``translate``, from source ids already encoded and cut."""
        results = [Output(text="", score=0.0, n_best=[("", 0.0)]) for _ in encoded]  # an empty line's, certain
        seed = options.seed if options.seed is not None else random.SystemRandom().getrandbits(32)
        batches = plan_batches(encoded, options, batch_size)
        empty = len(encoded) - sum(len(batch.indices) for batch in batches)  # no decoding: done
        if progress is not None and empty:
            progress(empty)

        def run(number: int, batch: Batch):
            # a fixed seed keys each row by its source alone; a fresh one differs per batch
            return self._run(batch, options, seed if options.seed is not None else seed + number, attention)

        pool = ThreadPoolExecutor(self.workers) if self.workers > 1 and len(batches) > 1 else None
        try:
            decoded_batches = (pool.map if pool else map)(run, range(len(batches)), batches)  # in order
            for batch, decoded in zip(batches, decoded_batches):
                for row, index in enumerate(batch.indices):
                    results[index] = self._output(encoded[index], decoded, row, options)
                if progress is not None:
                    progress(len(batch.indices))
        finally:
            if pool:  # on an error or Ctrl-C, the batches not yet started are dropped
                pool.shutdown(wait=True, cancel_futures=True)
        return results

    def _output(self, source_ids, decoded, row: int, options: DecodingOptions) -> Output:
        tokens, log_probs, attention = decoded
        hypotheses = []
        for k in range(options.n_best):
            ids = until_end(tokens[row, k])
            if all(ids != other for other, _ in hypotheses):  # samples may repeat one another: listed once
                hypotheses.append((ids, float(log_probs[row, k])))
        ids, score = hypotheses[0]
        matrix = None
        if attention is not None:
            matrix = attention[row, 0, : len(ids) + 1, : len(source_ids)]
        return Output(
            text=self.tokenizer.decode_target(ids),
            score=score,
            n_best=[(self.tokenizer.decode_target(h), s) for h, s in hypotheses],
            pieces=[self.tokenizer.target_piece(i) for i in ids],
            source_pieces=[self.tokenizer.source_piece(i) for i in source_ids],
            attention=matrix,
        )

    # -- the compiled search ----------------------------------------------------------------------

    def _run(self, batch: Batch, options: DecodingOptions, seed: int, attention: bool):
        """-> NumPy ``(tokens (R, K', T), log_probs (R, K'), attention (R, K', T, S) or None)``."""
        n_best = options.n_best if options.method == "beam" else 1  # (samples: all come back, ranked)
        key = (options.method, options.width, n_best, options.no_repeat_ngram, options.min_len, attention,
               candidates(options), options.truncates)
        with self._compiling:
            if key not in self._compiled:
                self._compiled[key] = compile_function(self._search_function(options, attention))
        copies = options.width if options.method == "sample" else 1  # samples drawn per sentence
        if options.seed is None:  # fresh randomness for every row, even for equal sources
            row_keys = np.random.default_rng(seed).integers(0, 2**32, size=len(batch.source_ids) * copies,
                                                            dtype="uint32")
        else:  # a pure function of the seed and the source: the same alone or in any batch; the
            # first of several samples is the one sample of that seed
            row_keys = np.array([row_key((seed + copy) & MAX_SEED, ids) for ids in batch.source_ids
                                 for copy in range(copies)], dtype="uint32")
        outputs = self._compiled[key](
            batch.source_ids,
            batch.caps,
            row_keys,
            batch.steps,
            np.float32(options.temperature),
            np.int32(options.top_k),
            np.float32(options.top_p),
            np.float32(options.alpha),
        )
        return tuple(None if x is None else ops.convert_to_numpy(x) for x in outputs)

    def _search_function(self, options: DecodingOptions, attention: bool):
        model, width = self.model, options.width
        method, n_best, ngram, min_len = options.method, options.n_best, options.no_repeat_ngram, options.min_len
        shortlist = candidates(options)
        blank = self.tokenizer.blank_target_id()  # no text: under min_len, no output ends on it
        never = constraints.never_output_bias(model.config.target_vocab_size)

        def search(source_ids, caps, row_keys, steps, temperature, top_k, top_p, alpha):
            memory, state = model.encode(source_ids)
            if width > 1:  # each sentence's rows, repeated for its hypotheses
                memory, state = tree.map_structure(lambda x: ops.repeat(x, width, axis=0), (memory, state))
            source_length = ops.shape(source_ids)[1] if attention else None

            def next_fn(tokens, state):
                logits, state, alignment = model.decoder.step(tokens, state, memory)
                if alignment is None:  # no attention: report none
                    alignment = ops.zeros((ops.shape(tokens)[0], ops.shape(source_ids)[1]), dtype="float32")
                return ops.log_softmax(logits, axis=-1) + never, state, alignment

            if method == "beam":
                tokens, _, log_probs, matrix = beam_search(
                    next_fn, state, caps, steps, beam=width, alpha=alpha, n_best=n_best,
                    no_repeat_ngram=ngram, min_len=min_len, blank_id=blank, source_length=source_length,
                )
                return tokens, log_probs, matrix
            caps = ops.repeat(caps, width, axis=0) if width > 1 else caps  # a cap a sample
            tokens, log_probs, matrix = sample_search(
                next_fn, state, caps, steps,
                greedy=method == "greedy", no_repeat_ngram=ngram, min_len=min_len, blank_id=blank,
                temperature=temperature, top_k=top_k, top_p=top_p, row_keys=row_keys,
                source_length=source_length, candidates=shortlist, truncation=options.truncates,
            )
            return rank_samples(tokens, log_probs, matrix, width, caps)

        return search


def decoding_threads(workers: int = DECODE_WORKERS) -> int | None:
    """Gives each TensorFlow operation ``CPUs // workers`` threads (at least one), for a process that decodes.

    A decoding step is some hundred small operations (a GRU step, the attention, the output
    projection, over a few dozen rows); handing each to a pool of threads costs more than the
    pool gains, while the ``workers`` batches in flight keep the cores busy anyway. On the 2-core
    CPU, one thread an operation gave greedy 1.4 to 1.8x the sentences/s of the pool and beam 5
    1.1 to 1.2x (``benchmarks/RESULTS.md``). Training wants the pool: call this only where a
    process decodes, before TensorFlow runs its first operation.

    Returns the threads set; None where it sets nothing: another backend, ``TF_NUM_INTRAOP_THREADS``
    set (the user's choice), or TensorFlow already running (it cannot change then).
    """
    if keras.backend.backend() != "tensorflow" or "TF_NUM_INTRAOP_THREADS" in os.environ:
        return None
    import tensorflow as tf

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    threads = max(1, cpus // workers)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # "cannot be modified after initialization"
        return None
    return threads


def load_translator(directory):
    """The ``Translator`` of a checkpoint folder, and the ``LoadedCheckpoint``: sources are cut
    where training cut them (the checkpoint's ``training.max_pieces``)."""
    from seq2seq.checkpoint import load_checkpoint

    loaded = load_checkpoint(directory)
    max_pieces = loaded.config.get("training", {}).get("max_pieces", TrainingConfig.max_pieces)
    return Translator(loaded.model, loaded.tokenizer, max_source_pieces=max_pieces), loaded

def plan_batches(encoded: Sequence[Sequence[int]], options: DecodingOptions, batch_size: int) -> list[Batch]:
    """Sort non-empty sources by length, cut into batches, pad each to its bucket."""
    order = sorted((i for i, ids in enumerate(encoded) if ids), key=lambda i: len(encoded[i]))
    batches = []
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        rows = min(bucket(len(indices), 1), max(batch_size, len(indices)))
        width = bucket(max(len(encoded[i]) for i in indices), MIN_SOURCE_BUCKET)
        source_ids = np.full((rows, width), PAD_ID, dtype="int32")
        caps = np.zeros((rows,), dtype="int32")  # padding rows end at once
        source_ids[len(indices) :, 0] = EOS_ID  # ... and have a one-piece source
        for row, index in enumerate(indices):
            source_ids[row, : len(encoded[index])] = encoded[index]
            caps[row] = options.cap(len(encoded[index]))
        steps = max(options.cap(width), options.no_repeat_ngram) + 1
        batches.append(Batch(indices=indices, source_ids=source_ids, caps=caps, steps=steps))
    return batches


def candidates(options: DecodingOptions) -> int:
    """How many best pieces a sampling step looks at: ``top_k`` rounded up to a power of two when
    it is at most ``MAX_CANDIDATES`` (one compilation per size), else 0 (the whole vocabulary)."""
    if options.method != "sample" or not 0 < options.top_k <= MAX_CANDIDATES:
        return 0
    return bucket(options.top_k, 8)


def bucket(size: int, smallest: int) -> int:
    """``size`` rounded up to a power of two, at least ``smallest``."""
    return max(smallest, 1 << max(0, math.ceil(math.log2(max(size, 1)))))


def row_key(seed: int, source_ids: np.ndarray) -> int:
    """A sentence's sampling key: the seed and its source ids (padding aside), hashed."""
    ids = np.asarray(source_ids, dtype="int32")
    ids = ids[ids != PAD_ID]
    return zlib.crc32(ids.tobytes(), seed & 0xFFFFFFFF)


def until_end(ids: np.ndarray) -> list[int]:
    """The pieces of one output row up to (not including) EOS."""
    ids = ids.tolist()
    if EOS_ID in ids:
        ids = ids[: ids.index(EOS_ID)]
    return [i for i in ids if i != PAD_ID]


class OneTracePerSetting(logging.Filter):
    """Drops TensorFlow's "N out of the last M calls to <function ... search> triggered
    tf.function retracing" warning, and only it.

    Each decoding setting gets its own ``tf.function``, traced once for every shape. They all
    wrap the same Python function (``search``), and TensorFlow counts traces per Python function:
    a user who tries a sixth setting (a beam width, a top-k in the web page) was told about
    retracing that does not happen.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and "_search_function" in message)


def compile_function(function: Callable) -> Callable:
    """``function`` compiled by the backend: ``tf.function`` (one trace for every shape: the
    shapes are left unknown; without AutoGraph, whose rewriting of the Python source took most
    of the first call's 4 s: every branch here is on static values, the loops are
    ``ops.while_loop``), ``jax.jit`` (one compilation per bucket shape), or eager (PyTorch)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        logger = tf.get_logger()
        if not any(isinstance(f, OneTracePerSetting) for f in logger.filters):
            logger.addFilter(OneTracePerSetting())
        signature = [
            tf.TensorSpec((None, None), tf.int32),  # source_ids
            tf.TensorSpec((None,), tf.int32),  # caps
            tf.TensorSpec((None,), tf.uint32),  # row_keys
            *[tf.TensorSpec((), dtype) for dtype in (tf.int32, tf.float32, tf.int32, tf.float32, tf.float32)],
        ]
        return tf.function(function, input_signature=signature, autograph=False)
    if backend == "jax":
        import jax

        return jax.jit(function, static_argnums=(3,))
    return function
