"""The training hyperparameters, saved beside the model's in ``config.json``.

The defaults are the recipe of the shipped German->English model; ``seq2seq train`` reads its
option defaults from here, so the library and the command line cannot disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from seq2seq.errors import ConfigError

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 12  # passes over the training split
    batch_size: int = 64  # pairs per batch (batches are bucketed by length)
    lr: float = 2e-3  # peak learning rate of Adam
    warmup_steps: int = 200  # linear warm-up to lr, then cosine decay to lr / 20
    schedule_epochs: int = 0  # epochs the warm-up and decay span, then lr / 20 (0: epochs; a resume keeps it)
    clip_norm: float = 1.0  # gradient clipping by global norm (0: off)
    label_smoothing: float = 0.1  # share of probability mass spread over the vocabulary
    seed: int = 1  # initial weights, dropout masks and data order
    precision: str = "float32"  # float32 | mixed_bfloat16 | mixed_float16
    patience: int = 0  # early stopping after this many epochs without a better valid loss (0: off)
    vocab_size: int = 8000  # SentencePiece pieces per model
    joint_vocab: bool = True  # one SentencePiece model for source and target
    max_pieces: int = 128  # pairs with a longer side (in pieces) are left out of training
    bleu_sample: int = 200  # validation pairs translated each epoch for a BLEU (0: off)
    tensorboard: bool = False  # write TensorBoard logs to DIR/logs

    def __post_init__(self):
        for field in dataclasses.fields(self):  # config.json is a file a person can edit
            value, kind = getattr(self, field.name), type(field.default)
            accepted = (int, float) if kind is float else kind  # (an int is a number too)
            if not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool)):
                raise ConfigError(f"{field.name} must be {_KIND_NAMES[kind]}; got {value!r}")
        for name in ("epochs", "batch_size", "vocab_size", "max_pieces"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1; got {getattr(self, name)}")
        for name in ("warmup_steps", "schedule_epochs", "patience", "bleu_sample"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative; got {getattr(self, name)}")
        if self.lr <= 0 or self.clip_norm < 0:
            raise ConfigError("lr must be positive and clip_norm not negative")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ConfigError(f"label_smoothing must be in [0, 1); got {self.label_smoothing}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict, ignore_unknown: bool = False) -> TrainingConfig:
        """From ``config.json``'s training section; keys this version does not know are an error,
        or with ``ignore_unknown`` left out (reading a checkpoint to decode with)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown and not ignore_unknown:
            raise ConfigError(f"unknown training config keys: {', '.join(sorted(unknown))}")
        return cls(**{key: value for key, value in data.items() if key in known})
