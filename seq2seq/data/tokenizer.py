"""SentencePiece subword tokenization with pinned special ids, saved into the checkpoint folder.

One joint model for source and target (``tokenizer.model``) or two separate ones
(``tokenizer.source.model`` and ``tokenizer.target.model``). Those files are all ``load`` needs.

Ids 0-3 are pinned in every model: ``PAD_ID = 0`` (padding, masked out), ``UNK_ID = 1`` (any
piece or character the model does not know), ``BOS_ID = 2`` (first decoder input), ``EOS_ID = 3``
(last decoder target). Id 4 is the dialogue ``CONTEXT_SEPARATOR`` (one piece, never split).

SentencePiece's own normalization is switched off (``identity``): the corpora are already
normalized by ``seq2seq.corpora.normalize_text``, so ``decode(encode(x)) == x`` for any
normalized ``x`` whose characters were seen in training (with ``character_coverage=1.0``, all
characters of the training text). Unknown characters become ``UNK_ID``, decoded as `` ⁇ ``.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import sentencepiece as spm

from seq2seq import atomic
from seq2seq.corpora.dialogue import CONTEXT_SEPARATOR
from seq2seq.errors import CheckpointError, ConfigError

log = logging.getLogger(__name__)

PAD_ID = 0
UNK_ID = 1
BOS_ID = 2
EOS_ID = 3
SEPARATOR_ID = 4  # CONTEXT_SEPARATOR, the first user-defined symbol
WORD_BOUNDARY = "\u2581"  # "▁", SentencePiece's mark of a piece that begins a word

JOINT_MODEL_FILE = "tokenizer.model"
SOURCE_MODEL_FILE = "tokenizer.source.model"
TARGET_MODEL_FILE = "tokenizer.target.model"
MODEL_TYPES = ("unigram", "bpe")

# Sentences SentencePiece samples for training (reservoir sampling caps its memory).
TRAINING_SENTENCE_CAP = 2_000_000
_ENCODE_THREADS = min(8, os.cpu_count() or 1)  # SentencePiece threads for encoding and training


class Tokenizer:
    """Source and target SentencePiece models (one shared model when joint).

    Build one with ``Tokenizer.train`` or ``Tokenizer.load``; encode lists of normalized strings
    to lists of id lists (no BOS/EOS added: ``seq2seq.data.batching`` adds them).
    """

    def __init__(self, source_model: bytes, target_model: bytes | None = None):
        """Wrap serialized SentencePiece models; ``target_model=None`` means one joint model."""
        self._source_proto = source_model
        self._target_proto = target_model
        self._source = _processor(source_model)
        self._target = self._source if target_model is None else _processor(target_model)

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        pairs: Iterable[tuple[str, str]],
        out_dir: str | os.PathLike | None,
        vocab_size: int = 8000,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
        joint: bool = True,
        max_sentences: int = TRAINING_SENTENCE_CAP,
        seed: int = 0,
    ) -> Tokenizer:
        """Train on the (training split) ``pairs`` and save into ``out_dir`` (unless ``None``).

        Args:
            pairs: re-iterable ``(source, target)`` normalized strings, e.g. a ``PairSource``
                of the train split; streamed to SentencePiece, never collected in a list
                (separate models iterate it twice).
            out_dir: checkpoint folder to ``save`` into; ``None`` keeps the models in memory.
            vocab_size: pieces per model, the 5 pinned ones included. A soft limit: a small
                corpus may give fewer.
            model_type: ``"unigram"`` or ``"bpe"``.
            character_coverage: share of the characters kept as pieces (1.0: all; 0.9995 suits
                languages with thousands of characters, the rest become ``UNK_ID``).
            joint: one model for both sides (shared vocabulary) or one model per side.
            max_sentences: SentencePiece trains on a random sample of at most this many
                sentences (``input_sentence_size`` with shuffling), capping its memory.
            seed: SentencePiece's random seed (sampling), for reproducible models.

        Raises:
            ConfigError: bad arguments, or SentencePiece refusing them (e.g. a vocabulary
                smaller than the number of characters to cover).
        """
        if model_type not in MODEL_TYPES:
            raise ConfigError(f"unknown model type {model_type!r}; expected unigram or bpe")
        if vocab_size < 8:
            raise ConfigError(f"vocab_size must be at least 8, got {vocab_size}")
        if not 0.0 < character_coverage <= 1.0:
            raise ConfigError(f"character_coverage must be in (0, 1], got {character_coverage}")
        options = dict(
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=character_coverage,
            max_sentences=max_sentences,
            seed=seed,
        )
        if joint:
            tokenizer = cls(_train_model(_both_sides(pairs), **options))
        else:
            tokenizer = cls(
                _train_model(_one_side(pairs, 0), **options),
                _train_model(_one_side(pairs, 1), **options),
            )
        if out_dir is not None:
            tokenizer.save(out_dir)
        return tokenizer

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Tokenizer:
        """Load the model file(s) ``save`` wrote into ``directory``.

        Raises:
            CheckpointError: no tokenizer model in the folder, or an unreadable one.
        """
        directory = Path(directory)
        joint_path = directory / JOINT_MODEL_FILE
        source_path = directory / SOURCE_MODEL_FILE
        target_path = directory / TARGET_MODEL_FILE
        if joint_path.is_file():
            return cls(_read_model(joint_path))
        if source_path.is_file() and target_path.is_file():
            return cls(_read_model(source_path), _read_model(target_path))
        raise CheckpointError(
            f"{directory}: no tokenizer found (expected {JOINT_MODEL_FILE}, "
            f"or {SOURCE_MODEL_FILE} and {TARGET_MODEL_FILE})"
        )

    def save(self, directory: str | os.PathLike) -> list[Path]:
        """Write the model file(s) into ``directory`` (created if needed), each atomically.

        Returns the paths written. Stale files of the other layout (joint vs separate) are
        removed so ``load`` finds exactly this tokenizer.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self.joint:
            files = {JOINT_MODEL_FILE: self._source_proto}
            stale = (SOURCE_MODEL_FILE, TARGET_MODEL_FILE)
        else:
            files = {SOURCE_MODEL_FILE: self._source_proto, TARGET_MODEL_FILE: self._target_proto}
            stale = (JOINT_MODEL_FILE,)
        written = [atomic.write_bytes(directory / name, data) for name, data in files.items()]
        for name in stale:
            (directory / name).unlink(missing_ok=True)
        return written

    # --- properties ---------------------------------------------------------------------------

    @property
    def joint(self) -> bool:
        """Whether source and target share one model (and one vocabulary)."""
        return self._target_proto is None

    @property
    def source_vocab_size(self) -> int:
        """Number of source ids (embedding rows), the pinned ids included."""
        return self._source.get_piece_size()

    @property
    def target_vocab_size(self) -> int:
        """Number of target ids (softmax classes), the pinned ids included."""
        return self._target.get_piece_size()

    def __repr__(self) -> str:
        layout = "joint" if self.joint else "separate"
        return (
            f"Tokenizer({layout}, source_vocab_size={self.source_vocab_size}, "
            f"target_vocab_size={self.target_vocab_size})"
        )

    # --- encoding and decoding ----------------------------------------------------------------

    def encode_source(self, texts: Sequence[str], threads: int | None = None) -> list[list[int]]:
        """Source texts ``(N,)`` -> N id lists of varying length (no BOS/EOS).

        ``threads``: SentencePiece's C++ threads (default: one per core, at most 8).
        """
        return _encode(self._source, texts, threads)

    def encode_target(self, texts: Sequence[str], threads: int | None = None) -> list[list[int]]:
        """Target texts ``(N,)`` -> N id lists of varying length (no BOS/EOS)."""
        return _encode(self._target, texts, threads)

    def decode_source(self, ids: Iterable[int]) -> str:
        """One source id sequence -> text (see ``decode_target`` for the id handling)."""
        return _decode(self._source, ids)

    def decode_target(self, ids: Iterable[int]) -> str:
        """One target id sequence ``(T,)`` -> text.

        Stops at the first ``EOS_ID``; skips ``PAD_ID`` and ``BOS_ID``; ids outside the
        vocabulary count as ``UNK_ID``. Accepts lists and NumPy arrays.
        """
        return _decode(self._target, ids)

    def source_piece(self, piece_id: int) -> str:
        """The source piece of one id (``'▁Hund'``)."""
        return self._source.id_to_piece(int(piece_id))

    def target_piece(self, piece_id: int) -> str:
        """The target piece of one id."""
        return self._target.id_to_piece(int(piece_id))

    def target_piece_id(self, piece: str) -> int:
        """The id of one target piece (``UNK_ID`` for a piece outside the vocabulary)."""
        return int(self._target.piece_to_id(piece))

    def blank_target_id(self) -> int | None:
        """The id of the bare word boundary ``▁``, the one piece that decodes to no text; None
        when the target vocabulary has no such piece."""
        piece_id = self.target_piece_id(WORD_BOUNDARY)
        return None if piece_id == UNK_ID else piece_id

    def source_pieces(self, text: str) -> list[str]:
        """The source pieces of one text, for inspection (``['▁A', '▁man', ...]``)."""
        return self._source.encode(text, out_type=str)

    def target_pieces(self, text: str) -> list[str]:
        """The target pieces of one text, for inspection."""
        return self._target.encode(text, out_type=str)


def _read_model(path: Path) -> bytes:
    """A SentencePiece model file's bytes; ``CheckpointError`` naming it if it is not one."""
    try:
        model = path.read_bytes()
        _processor(model)
    except OSError as error:
        raise CheckpointError(f"{path}: cannot read ({error.strerror})") from None
    except CheckpointError:
        raise CheckpointError(f"{path}: not a SentencePiece model (damaged or cut short?)") from None
    return model


def _processor(model: bytes) -> spm.SentencePieceProcessor:
    """A processor for a serialized model; ``CheckpointError`` if it is not one."""
    try:
        return spm.SentencePieceProcessor(model_proto=model)
    except RuntimeError as error:
        raise CheckpointError(f"not a SentencePiece model: {error}") from None


def _encode(
    processor: spm.SentencePieceProcessor, texts: Sequence[str], threads: int | None
) -> list[list[int]]:
    """Encode a list of texts in C++ threads (the GIL is released while it runs)."""
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got one string")
    if not isinstance(texts, list):
        texts = list(texts)
    return processor.encode(texts, out_type=int, num_threads=threads or _ENCODE_THREADS)


def _decode(processor: spm.SentencePieceProcessor, ids: Iterable[int]) -> str:
    """Decode up to the first EOS, dropping PAD/BOS and mapping unknown ids to UNK; with spaces
    collapsed, as in the training text (an untrained model may write a run of lone "▁" pieces)."""
    size = processor.get_piece_size()
    pieces = []
    for piece_id in (int(i) for i in ids):
        if piece_id == EOS_ID:
            break
        if piece_id in (PAD_ID, BOS_ID):
            continue
        pieces.append(piece_id if 0 <= piece_id < size else UNK_ID)
    return " ".join(processor.decode(pieces).split())


def _both_sides(pairs: Iterable[tuple[str, str]]) -> Iterator[str]:
    """Source and target of every pair, for a joint model."""
    for source, target in pairs:
        yield source
        yield target


def _one_side(pairs: Iterable[tuple[str, str]], side: int) -> Iterator[str]:
    """Side 0 (sources) or 1 (targets) of every pair."""
    for pair in pairs:
        yield pair[side]


class _CountingSentences:
    """Wraps the sentence stream given to SentencePiece: counts it and keeps its exception.

    SentencePiece turns an exception raised by the iterator into its own ``RuntimeError``; the
    original (a ``DataError`` naming a corpus line) is kept here and re-raised instead.
    """

    def __init__(self, sentences: Iterator[str]):
        self._sentences = sentences
        self.count = 0
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            for sentence in self._sentences:
                self.count += 1
                yield sentence
        except Exception as error:
            self.error = error
            raise


def _train_model(
    sentences: Iterator[str],
    vocab_size: int,
    model_type: str,
    character_coverage: float,
    max_sentences: int,
    seed: int,
) -> bytes:
    """Train one SentencePiece model on streamed sentences; return it serialized."""
    model = io.BytesIO()
    counted = _CountingSentences(sentences)
    spm.set_random_generator_seed(seed)  # global in SentencePiece: sentence sampling
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(counted),
            model_writer=model,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=character_coverage,
            pad_id=PAD_ID,
            unk_id=UNK_ID,
            bos_id=BOS_ID,
            eos_id=EOS_ID,
            user_defined_symbols=[CONTEXT_SEPARATOR],
            normalization_rule_name="identity",  # texts come normalized (NFKC) already
            input_sentence_size=max_sentences,
            shuffle_input_sentence=True,
            hard_vocab_limit=False,  # a small corpus gets a smaller vocabulary, not an error
            num_threads=_ENCODE_THREADS,
            minloglevel=2,  # warnings and errors only
        )
    except RuntimeError as error:
        if counted.error is not None:
            raise counted.error from None
        if counted.count == 0:
            raise ConfigError("cannot train the tokenizer: no training text") from None
        reason = _sentencepiece_reason(error)
        too_small = re.match(r"Vocabulary size is smaller than required_chars\. (\d+) vs (\d+)", reason)
        if too_small:
            raise ConfigError(
                f"vocabulary size {too_small[1]} is too small for this text: its characters and the special "
                f"pieces need at least {too_small[2]} (--vocab-size {too_small[2]} or more)"
            ) from None
        raise ConfigError(f"SentencePiece training failed: {reason}") from None
    log.info("trained a %s SentencePiece model on %d sentences", model_type, counted.count)
    return model.getvalue()


def _sentencepiece_reason(error: Exception) -> str:
    """The readable part of a SentencePiece error: ``INTERNAL: file.cc(638) [check] reason``."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    _, bracket, reason = text.rpartition("] ")
    return reason if bracket and reason else text
