"""The one typed configuration of a model, saved with every checkpoint.

``ModelConfig`` holds every architectural hyperparameter; ``from_dict`` rejects unknown keys and
bad values, so a typo in a config file is an error, never a silent default. The defaults are the
recipe of the shipped German->English model (``seq2seq train`` reads its option defaults here).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from seq2seq.errors import ConfigError

CELLS = ("rnn", "lstm", "gru")
ATTENTIONS = ("bahdanau", "luong", "none")


@dataclass(frozen=True)
class ModelConfig:
    source_vocab_size: int  # SentencePiece pieces on the source side (pinned specials included)
    target_vocab_size: int  # ... and on the target side (the same model when the vocab is joint)
    cell: str = "gru"  # "rnn" | "lstm" | "gru": the recurrent cell of encoder and decoder
    attention: str = "bahdanau"  # "bahdanau" (additive) | "luong" (general) | "none" (Sutskever)
    layers: int = 1  # recurrent layers in the encoder and in the decoder
    units: int = 256  # hidden units per recurrent layer (per direction in the encoder)
    embed: int = 256  # embedding size of source and target tokens
    attention_units: int = 256  # hidden size of the additive attention's scorer
    bidirectional: bool = True  # encoder reads both directions (outputs concatenated)
    dropout: float = 0.3  # on embeddings, between layers and before the output projection
    input_feeding: bool = True  # feed the previous attentional vector to the decoder (Luong 3.3)
    tie_embeddings: bool = False  # output projection shares the target embedding (needs embed == units)
    unroll: int = 1  # recurrent steps unrolled per loop iteration (a GPU speed knob)

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ConfigError(f"cell must be one of {', '.join(CELLS)}; got {self.cell!r}")
        if self.attention not in ATTENTIONS:
            raise ConfigError(f"attention must be one of {', '.join(ATTENTIONS)}; got {self.attention!r}")
        for name in ("source_vocab_size", "target_vocab_size", "layers", "units", "embed", "attention_units", "unroll"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer; got {value!r}")
        for name in ("bidirectional", "input_feeding", "tie_embeddings"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false; got {getattr(self, name)!r}")
        if not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool) or not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1); got {self.dropout!r}")
        if self.tie_embeddings and self.embed != self.units:
            raise ConfigError(f"tie_embeddings (--tie-embeddings) needs embed == units; got embed={self.embed}, units={self.units}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        fields = dataclasses.fields(cls)
        unknown = set(data) - {f.name for f in fields}
        if unknown:
            raise ConfigError(f"unknown model config keys: {', '.join(sorted(unknown))}")
        missing = [f.name for f in fields if f.default is dataclasses.MISSING and f.name not in data]
        if missing:
            raise ConfigError(f"incomplete model config: missing {', '.join(missing)}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)
