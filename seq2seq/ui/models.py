"""The checkpoints the app offers, chat or translation (``checkpoint.model_kind``), each loaded
once for every session."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path

from seq2seq import checkpoint, shipped
from seq2seq.checkpoint import CHAT, model_kind
from seq2seq.errors import CheckpointError
from seq2seq.model.config import ModelConfig


@dataclass(frozen=True)
class ModelInfo:
    """One checkpoint folder as the picker shows it."""

    name: str  # the folder's name
    path: Path
    kind: str  # CHAT | TRANSLATION
    context_turns: int  # turns of history a chat model's source holds
    layers: int = ModelConfig.layers  # the encoder's recurrent layers
    bidirectional: bool = ModelConfig.bidirectional  # whether the encoder reads both ways

    key: str = ""  # what the page and its API call it: the name, or the path where two share a name

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"


def describe(path: Path, strict: bool = False) -> ModelInfo | None:
    """The ``ModelInfo`` of a checkpoint folder, or None when it is not one (``strict``: a
    ``CheckpointError`` that says why)."""
    try:
        config = checkpoint.read_config(path)
        if not (path / checkpoint.MODEL_FILE).is_file():
            raise CheckpointError(f"{path / checkpoint.MODEL_FILE}: missing (has a training run finished an epoch?)")
    except CheckpointError:
        if strict:
            raise
        return None
    model = config.get("model", {})
    return ModelInfo(name=path.name, path=path, kind=model_kind(config), context_turns=checkpoint.context_turns(config),
                     layers=int(model.get("layers", ModelConfig.layers)),
                     bidirectional=bool(model.get("bidirectional", ModelConfig.bidirectional)))


def discover(extra: list[Path] = (), folder: Path | None = None) -> list[ModelInfo]:
    """The checkpoint folders in ``folder`` (default: the shipped ones), then ``extra``.

    Chat models first (the shipped chatbot first of all), then translation models; a folder
    given twice is listed once.
    """
    folder = shipped.checkpoints_dir() if folder is None else folder
    candidates = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    seen, found = set(), []
    for path in map(Path, extra):  # folders the user named must be checkpoints
        if not path.is_dir():
            raise CheckpointError(f"{path}: no such checkpoint folder")
        describe(path, strict=True)
    for path in [*candidates, *map(Path, extra)]:
        key = path.resolve()
        info = describe(path)
        if info is not None and key not in seen:
            seen.add(key)
            found.append(info)
    found = sorted(found, key=lambda m: (m.kind != CHAT, m.name != shipped.CHATBOT, m.name != shipped.TRANSLATOR))
    names = [m.name for m in found]  # the API takes a model by its folder's name; a server's paths stay its own
    return [dataclasses.replace(m, key=m.name if names.count(m.name) == 1 else str(m.path)) for m in found]


class ModelCache:
    """Loads each checkpoint once and keeps it; safe to call from many threads at once.

    ``get(path)`` -> ``(Translator, Checkpoint)``. One lock per folder, so loading one model
    does not hold back requests to another that is already loaded.
    """

    def __init__(self):
        self._loaded: dict[Path, tuple] = {}
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, path: str | Path):
        key = Path(path).resolve()
        if key in self._loaded:
            return self._loaded[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._loaded:
                from seq2seq.decoding.translator import load_translator

                self._loaded[key] = load_translator(key)
            return self._loaded[key]
