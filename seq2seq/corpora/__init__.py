"""Corpora: named by specs, read as normalized (source, target) string pairs.

>>> pairs = load_pairs(["multi30k:de-en"], split="train", data_dir="../shared/corpora")  # doctest: +SKIP
>>> for source, target in pairs: ...          # doctest: +SKIP
>>> print(pairs.stats.summary())              # doctest: +SKIP

Modules, one idea each: ``spec`` (parsing ``KIND:ARG``), ``kinds`` (the registry), one reader per
kind (``chitchat``, ``chatterbot``, ``multi30k``, ``tsv``, ``jsonl``), ``lines`` (file reading and
its errors), ``dialogue`` (turns to pairs), ``text`` (normalization), ``splits`` (hash splits),
``stats`` (filter counts), ``request`` (what a reader is asked for, where it reports), ``source``
(``load_pairs``, ``PairSource``), ``chunks`` (the same filters in bulk, for encoding),
``selection`` (``CorpusSelection``), ``unseen`` (which pairs a checkpoint never trained on),
``folders`` (a split of your own), ``paths`` (the data directory) and ``download`` (Multi30k,
checksummed).
"""

from seq2seq.corpora.dialogue import CONTEXT_SEPARATOR
from seq2seq.corpora.download import MULTI30K_BASE_URL, download_multi30k
from seq2seq.corpora.kinds import CORPUS_KINDS, CorpusKind
from seq2seq.corpora.paths import DATA_DIR_ENV, resolve_data_dir
from seq2seq.corpora.source import PairSource, load_pairs
from seq2seq.corpora.selection import CorpusSelection
from seq2seq.corpora.spec import CorpusSpec, parse_spec
from seq2seq.corpora.splits import SPLIT_CHOICES, SPLITS, split_of
from seq2seq.corpora.stats import CorpusStats
from seq2seq.corpora.text import normalize_text

__all__ = [
    "CONTEXT_SEPARATOR",
    "CORPUS_KINDS",
    "DATA_DIR_ENV",
    "MULTI30K_BASE_URL",
    "SPLITS",
    "SPLIT_CHOICES",
    "CorpusKind",
    "CorpusSelection",
    "CorpusSpec",
    "CorpusStats",
    "PairSource",
    "download_multi30k",
    "load_pairs",
    "normalize_text",
    "parse_spec",
    "resolve_data_dir",
    "split_of",
]
