"""Your own split: a folder of ``train``, ``valid`` and ``test`` files instead of one file.

``tsv:DIR`` reads ``DIR/train.tsv`` for training, ``DIR/valid.tsv`` (or ``dev.tsv``) to choose
the best epoch and ``DIR/test.tsv`` for ``evaluate``; ``jsonl:DIR`` the same ``.jsonl`` files. Each
may be gzipped (``train.tsv.gz``). The files are the splits as they are: no pair moves by its hash.
"""

from __future__ import annotations

from pathlib import Path

from seq2seq.corpora.splits import SPLITS
from seq2seq.errors import DataError

NAMES = {"train": ("train",), "valid": ("valid", "dev", "validation"), "test": ("test",)}  # split -> file stems


def is_split_folder(argument: str) -> bool:
    """Whether a ``tsv:`` or ``jsonl:`` argument names a folder of split files."""
    return Path(argument).expanduser().is_dir()


def split_files(argument: str, suffix: str, split: str) -> list[Path]:
    """The file of ``split`` in the folder ``argument`` (for ``"all"``: every split's that is
    there), e.g. ``DIR/valid.tsv`` or ``DIR/dev.tsv.gz`` for ``suffix`` ``".tsv"``.

    ``DataError`` naming what to put there when the split asked for has no file.
    """
    folder = Path(argument).expanduser()
    found = {name: _file_of(folder, name, suffix) for name in SPLITS}
    if split == "all":
        if not any(found.values()):
            raise DataError(f"no split files in this folder: expected {_expected(suffix)}", path=str(folder))
        return [path for path in found.values() if path is not None]
    if found[split] is None:
        first, *others = (f"{stem}{suffix}" for stem in NAMES[split])
        names = f"{first} (or {', '.join(others)})" if others else first
        raise DataError(f"no {names} in this folder: a folder of your own split holds {_expected(suffix)}",
                        path=str(folder))
    return [found[split]]


def _file_of(folder: Path, split: str, suffix: str) -> Path | None:
    """The one file of ``split`` in ``folder``; ``DataError`` when two are there (``valid.tsv``
    and ``dev.tsv``, ``test.tsv`` and ``test.tsv.gz``): which one is meant is not for us to guess."""
    found = [folder / name for stem in NAMES[split] for name in (f"{stem}{suffix}", f"{stem}{suffix}.gz")
             if (folder / name).is_file()]
    if len(found) > 1:
        raise DataError(f"{folder}: {' and '.join(path.name for path in found)} are both the {split} split; keep one")
    return found[0] if found else None


def _expected(suffix: str) -> str:
    return f"train{suffix}, valid{suffix} and test{suffix} (each may be gzipped)"
