"""Self-contained checkpoint folders, written atomically and loaded in Keras safe mode.

A checkpoint folder holds::

    config.json         {"model": ModelConfig, "training": TrainingConfig, "data": {...}}
    model.keras         the best weights so far (by validation loss), a Keras file
    tokenizer*.model    the SentencePiece tokenizer (one joint model, or source and target models)
    metrics.json        the figures of the best epoch
    history.json        every epoch's figures; curves.png plots them
    backup/             training state for --resume (seq2seq.training.backup)

Every file is written to a temporary name in the same folder and renamed over the old one, so a
crash (even ``kill -9``) at any moment leaves the previous complete file in place.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seq2seq import atomic
from seq2seq.corpora.kinds import CORPUS_KINDS
from seq2seq.data.tokenizer import Tokenizer
from seq2seq.errors import CheckpointError, ConfigError
from seq2seq.model import ModelConfig
from seq2seq.training.config import TrainingConfig

if TYPE_CHECKING:
    from seq2seq.model import Seq2Seq

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.json"
CURVES_FILE = "curves.png"
BACKUP_DIR = "backup"

CHAT, TRANSLATION = "chat", "translation"  # what a checkpoint does, by what it was trained on


@dataclass
class Checkpoint:
    model: Seq2Seq
    tokenizer: Tokenizer
    config: dict  # the whole config.json
    metrics: dict  # metrics.json, or {} if absent
    directory: Path


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON to ``path`` atomically."""
    atomic.write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def variable_bytes(variables) -> int:
    """The bytes ``variables`` (Keras variables) take as arrays: about what a file of them takes."""
    import numpy as np

    return sum(math.prod(variable.shape) * np.dtype(variable.dtype).itemsize for variable in variables)


def save_model(model: Seq2Seq, directory: Path) -> None:
    """Save the weights of ``model`` as ``model.keras`` (without optimizer state), atomically."""
    from seq2seq.model import Seq2Seq

    atomic.check_free_space(directory, variable_bytes(model.weights), "the model")
    export = Seq2Seq(model.config)
    export.set_weights(model.get_weights())
    with atomic.replacing(directory / MODEL_FILE) as temporary:
        export.save(temporary)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: unreadable ({error})") from None


def read_history(directory: str | os.PathLike) -> list[dict]:
    """A run's ``history.json``: one object per completed epoch, each with its whole-number
    ``epoch`` (``[]`` if there is none yet); ``CheckpointError`` naming the file for anything else."""
    path = Path(directory) / HISTORY_FILE
    if not path.is_file():
        return []
    history = read_json(path)
    if not isinstance(history, list) or not all(
            isinstance(record, dict) and isinstance(record.get("epoch"), int) and not isinstance(record["epoch"], bool)
            for record in history):
        raise CheckpointError(f"{path}: not a training history (a list of objects with an \"epoch\" each)")
    return history


def read_config(directory: str | os.PathLike) -> dict:
    """A checkpoint's ``config.json``: a JSON object whose ``model`` section is a valid
    ``ModelConfig`` (and ``training`` and ``data``, where present, objects).

    Raises ``CheckpointError`` naming the file, in one line, for anything else.
    """
    path = Path(directory) / CONFIG_FILE
    if Path(directory).is_dir() and not path.exists():
        raise CheckpointError(f"{directory}: not a checkpoint folder (no {CONFIG_FILE})")
    config = read_json(path)
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        raise CheckpointError(f"{path}: not a checkpoint config (no \"model\" section)")
    for section in ("training", "data"):
        if not isinstance(config.get(section, {}), dict):
            raise CheckpointError(f"{path}: the \"{section}\" section is not an object")
    turns = config.get("data", {}).get("context_turns", 1)
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise CheckpointError(f"{path}: data.context_turns must be a whole number of at least 1, not {json.dumps(turns)}")
    try:
        ModelConfig.from_dict(config["model"])
        TrainingConfig.from_dict(config.get("training", {}), ignore_unknown=True)  # a later version's keys
    except (ConfigError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: {error}") from None
    return config


def context_turns(config: dict) -> int:
    """How many dialogue turns the checkpoint's sources hold (``data.context_turns``; 1 if unsaved)."""
    return int(config.get("data", {}).get("context_turns", 1))


def corpora_holding(config: dict, content: str) -> list[str]:
    """The corpus specs of ``data.corpora`` whose kind holds ``content`` (``"dialogue"`` or
    ``"translation"``: ``CorpusKind.content``)."""
    specs = config.get("data", {}).get("corpora", [])
    return [spec for spec in specs
            if getattr(CORPUS_KINDS.get(str(spec).split(":", 1)[0]), "content", None) == content]


def model_kind(config: dict) -> str:
    """``CHAT`` or ``TRANSLATION`` for a checkpoint's ``config.json`` (a dict).

    A chat model was trained on a dialogue corpus (chitchat, chatterbot) or with more than one
    turn of context; everything else translates.
    """
    if corpora_holding(config, "dialogue") or context_turns(config) > 1:
        return CHAT
    return TRANSLATION


def check_vocabulary(tokenizer: Tokenizer, model_config: ModelConfig, directory: Path) -> None:
    """``CheckpointError`` if the SentencePiece model(s) in ``directory`` do not have the model's
    vocabulary sizes: a tokenizer of another model, whose piece ids would fall outside this
    model's embeddings or mean other pieces. (One of the same size cannot be told apart.)"""
    for side in ("source", "target"):
        pieces, expected = getattr(tokenizer, f"{side}_vocab_size"), getattr(model_config, f"{side}_vocab_size")
        if pieces != expected:
            raise CheckpointError(f"{directory}: the {side} tokenizer has {pieces:,} pieces, but the model was "
                                  f"trained on {expected:,} ({CONFIG_FILE}): it belongs to another model")


def load_checkpoint(directory: str | os.PathLike) -> Checkpoint:
    """Load a checkpoint folder; ``CheckpointError`` with one clear line if it is incomplete."""
    import keras

    from seq2seq.model import Seq2Seq  # noqa: F401  (registers the class with Keras's loader)

    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such checkpoint folder")
    config = read_config(directory)
    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise CheckpointError(f"{model_path}: missing (has a training run finished an epoch?)")
    if not zipfile.is_zipfile(model_path):  # Keras would say "File not found"
        raise CheckpointError(f"{model_path}: not a Keras model file (damaged or cut short?)")
    try:
        model = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as error:  # noqa: BLE001 - any failure of Keras's loader is the file's fault
        raise CheckpointError(f"{model_path}: cannot load ({type(error).__name__}: {error})") from None
    if model.config != ModelConfig.from_dict(config["model"]):
        raise CheckpointError(f"{directory}: {MODEL_FILE} does not match {CONFIG_FILE}")
    tokenizer = Tokenizer.load(directory)
    check_vocabulary(tokenizer, model.config, directory)
    metrics_path = directory / METRICS_FILE
    metrics = read_json(metrics_path) if metrics_path.is_file() else {}
    return Checkpoint(model=model, tokenizer=tokenizer, config=config, metrics=metrics, directory=directory)
