"""``multi30k:SRC-TGT``: the Multi30k task 1 translations (en, de, fr, cs), with their own splits.

The gzip files sit in ``<data dir>/multi30k/`` (``seq2seq corpora download multi30k`` puts them
there): ``train.{lang}.gz`` (29,000 sentences), ``val.{lang}.gz`` (1,014) and
``test_2016_flickr.{lang}.gz`` (1,000), line ``i`` of one language translating line ``i`` of
another. They map to the splits train, valid and test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seq2seq.corpora.lines import read_lines
from seq2seq.corpora.request import ReadRequest
from seq2seq.errors import DataError

MULTI30K_LANGUAGES = ("cs", "de", "en", "fr")
MULTI30K_FOLDER = "multi30k"
# our split -> the Multi30k file prefix
MULTI30K_SPLIT_FILES = {"train": "train", "valid": "val", "test": "test_2016_flickr"}


def parse_language_pair(argument: str) -> tuple[str, str]:
    """``"de-en"`` -> ``("de", "en")``; ``DataError`` for anything but two different languages."""
    source, dash, target = argument.lower().partition("-")
    if (
        not dash
        or source not in MULTI30K_LANGUAGES
        or target not in MULTI30K_LANGUAGES
        or source == target
    ):
        raise DataError(
            f"unknown multi30k language pair {argument!r}; expected SRC-TGT with two different "
            f"languages of {', '.join(MULTI30K_LANGUAGES)}, e.g. multi30k:de-en"
        )
    return source, target


def multi30k_file(data_dir: Path, split: str, language: str) -> Path:
    """The gzip file of one split (``train``/``valid``/``test``) and language."""
    return data_dir / MULTI30K_FOLDER / f"{MULTI30K_SPLIT_FILES[split]}.{language}.gz"


def read_multi30k(argument: str, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """Yield ``(source sentence, target sentence)`` of the requested split(s), in file order."""
    source_language, target_language = parse_language_pair(argument)
    splits = list(MULTI30K_SPLIT_FILES) if request.split == "all" else [request.split]
    for split in splits:
        source_path = multi30k_file(request.data_dir, split, source_language)
        target_path = multi30k_file(request.data_dir, split, target_language)
        for path in (source_path, target_path):
            if not path.is_file():
                raise DataError(
                    "file not found; run `seq2seq corpora download multi30k` "
                    "or point --data-dir / SEQ2SEQ_CORPORA at a folder holding multi30k/",
                    str(path),
                )
        yield from _read_parallel(source_path, target_path, request)


def _read_parallel(
    source_path: Path, target_path: Path, request: ReadRequest
) -> Iterator[tuple[str, str]]:
    """Read two line-aligned files in lockstep; ``DataError`` if their line counts differ."""
    source_lines = read_lines(source_path, request.bad_line)
    target_lines = read_lines(target_path, request.bad_line)
    line_number = 0
    while True:
        source_item = next(source_lines, None)
        target_item = next(target_lines, None)
        if source_item is None and target_item is None:
            return
        if source_item is None or target_item is None:
            longer, shorter = (
                (target_path, source_path) if source_item is None else (source_path, target_path)
            )
            raise DataError(
                f"has more lines than {shorter} ({line_number}); the files must be line-aligned",
                str(longer),
                line_number + 1,
            )
        line_number, source = source_item
        _, target = target_item
        if source is not None and target is not None:
            yield source, target
