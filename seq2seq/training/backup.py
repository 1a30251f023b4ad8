"""The training state ``--resume`` restores, in ``DIR/backup``, committed in one atomic rename.

Keras's ``BackupAndRestore`` saves the weights, the optimizer state and the epoch, but no
callback's state, and writes its metadata in place after the weights: a kill between the two
leaves weights of epoch N + 1 beside the metadata of epoch N. ``TrainingBackup`` keeps its
layout and adds the states of stateful callbacks (``get_state``/``set_state``, such as
``ResumableEarlyStopping``'s ``wait`` and ``best``) to the metadata::

    latest.weights.h5                  weights and optimizer state after epoch N
    training_metadata.json             {"epoch": N, "batch": 0, "callbacks": {name: state}}
    previous.weights.h5                the same pair after epoch N - 1
    previous_metadata.json

Each save:
1. copies the current pair to ``previous`` (each file atomically, the metadata last);
2. removes the current metadata (from here until 4, the ``previous`` pair is the state);
3. writes the new weights atomically;
4. writes the new metadata atomically: this rename commits the save.

A pair counts only when its metadata exists, so whatever instant a kill comes,
``resume_point`` names one whole pair of one epoch: the data restarts at its epoch and
``on_train_begin`` restores its weights. A pair that cannot be read stops the resume with
``CheckpointError``; it never silently restarts from epoch 1.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import keras

from seq2seq import atomic
from seq2seq.checkpoint import variable_bytes
from seq2seq.errors import CheckpointError

WEIGHTS_FILE = "latest.weights.h5"
METADATA_FILE = "training_metadata.json"
# (weights, metadata): the pair after the last epoch, then the one before it. Keras loads
# weights only from a name ending in ``.weights.h5``.
PAIRS = ((WEIGHTS_FILE, METADATA_FILE), ("previous.weights.h5", "previous_metadata.json"))


def resume_point(directory: Path) -> dict | None:
    """The metadata of the pair a resume in backup folder ``directory`` starts from (None: fresh).

    ``{"epoch": completed epochs, "callbacks": {name: state}}``; the current pair if committed,
    else the previous one.
    """
    found = _resume_pair(Path(directory))
    return None if found is None else found[1]


def _resume_pair(directory: Path) -> tuple[Path, dict] | None:
    """(weights file, metadata) of the last committed pair in ``directory``, if any."""
    for weights, metadata in PAIRS:
        state = _read_metadata(directory / metadata)
        if state is not None and (directory / weights).is_file():
            return directory / weights, state
    return None


def unreadable_metadata(directory: Path) -> Path | None:
    """The current pair's metadata file if it exists but cannot be read (torn or edited): a resume
    then starts from the pair before it."""
    path = Path(directory) / METADATA_FILE
    return path if path.is_file() and _read_metadata(path) is None else None


def check_resumable(directory: Path) -> None:
    """``CheckpointError`` if the pair a resume would start from is not a readable weights file:
    checked before the resume changes anything."""
    import h5py

    found = _resume_pair(Path(directory))
    if found is None:
        return
    try:
        h5py.File(found[0], "r").close()
    except OSError as error:
        raise _damaged(found[0], error) from None


def _damaged(weights: Path, error: Exception) -> CheckpointError:
    return CheckpointError(f"{weights}: damaged or cut short ({type(error).__name__}); --resume cannot continue "
                           f"from it (without it and its metadata, it would continue from the pair before)")


def _read_metadata(path: Path) -> dict | None:
    """A pair's metadata, or None if missing or not ``{"epoch": N, ...}`` (torn, say)."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    epoch = metadata.get("epoch") if isinstance(metadata, dict) else None
    return metadata if isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 0 else None


class TrainingBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` (``double_checkpoint``, kept after training) with callback states.

    Args:
        directory: the backup folder.
        stateful: callbacks to save and restore, by name; each has ``get_state() -> dict`` (JSON
            values) and ``set_state(dict)``.

    Put it last among the callbacks, so that what it saves is the state after the others ran.
    """

    def __init__(self, directory: Path, stateful: dict | None = None):
        super().__init__(str(directory), double_checkpoint=True, delete_checkpoint=False)
        self.directory = Path(directory)
        self.stateful = dict(stateful or {})

    def on_train_begin(self, logs=None):
        found = _resume_pair(self.directory)  # the pair the trainer started the data from
        if found is None:
            return
        weights, metadata = found
        try:
            self._restore(weights, metadata)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise _damaged(weights, error) from None

    def _restore(self, weights: Path, metadata: dict) -> None:
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(str(weights))
        self.model._initial_epoch = int(metadata["epoch"])
        for name, state in metadata.get("callbacks", {}).items():
            if name in self.stateful:
                self.stateful[name].set_state(state)

    def _save_model(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        (weights, metadata), (previous_weights, previous_metadata) = [
            [self.directory / name for name in pair] for pair in PAIRS]
        # The new weights' temporary file; the first copy to ``previous`` stays beside it.
        copies = 2 if weights.is_file() and not previous_weights.is_file() else 1
        variables = [*self.model.weights, *(self.model.optimizer.variables if self.model.optimizer else [])]
        atomic.check_free_space(self.directory, copies * variable_bytes(variables),
                                f"epoch {self._current_epoch}'s training state")
        if weights.is_file() and metadata.is_file():  # 1.
            for path, copy in ((weights, previous_weights), (metadata, previous_metadata)):
                with atomic.replacing(copy) as temporary:
                    shutil.copyfile(path, temporary)
        metadata.unlink(missing_ok=True)  # 2.
        with atomic.replacing(weights) as temporary:  # 3.
            self.model.save_weights(str(temporary), overwrite=True)
        state = {
            "epoch": self._current_epoch,
            "batch": self._last_batch_seen,
            "callbacks": {name: callback.get_state() for name, callback in self.stateful.items()},
        }
        atomic.write_text(metadata, json.dumps(state, indent=2, sort_keys=True) + "\n")  # 4.


def finite_or_none(value) -> float | None:
    """``value`` as a JSON-safe float: None for None, infinities and NaN."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
