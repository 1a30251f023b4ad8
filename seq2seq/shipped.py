"""Where the shipped checkpoints are: ``$SEQ2SEQ_CHECKPOINTS``, else ``checkpoints/`` beside the
package (a source checkout or an editable install), else ``<prefix>/share/seq2seq/checkpoints``
(where ``pip install .`` puts them)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKPOINTS_ENV = "SEQ2SEQ_CHECKPOINTS"
TRANSLATOR = "multi30k-de-en"  # the default of translate and evaluate
CHATBOT = "chitchat"  # the default of chat and ui


def checkpoints_dir() -> Path:
    """The folder holding the shipped checkpoint folders."""
    if os.environ.get(CHECKPOINTS_ENV):
        return Path(os.environ[CHECKPOINTS_ENV]).expanduser()
    beside = Path(__file__).resolve().parents[1] / "checkpoints"
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "seq2seq" / "checkpoints"


def shipped(name: str) -> Path:
    """The folder of the shipped checkpoint ``name`` (it may not exist)."""
    return checkpoints_dir() / name
