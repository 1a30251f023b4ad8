"""Where downloaded corpora live: ``--data-dir``, else ``$SEQ2SEQ_CORPORA``, else ``./corpora``."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "SEQ2SEQ_CORPORA"
DEFAULT_DATA_DIR = Path("corpora")  # relative to the working directory (the repository root)


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: ``data_dir`` if given, else ``$SEQ2SEQ_CORPORA``, else ``corpora``.

    Downloaded corpora sit in sub-folders of it, e.g. ``<data dir>/multi30k/train.de.gz``.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return DEFAULT_DATA_DIR
