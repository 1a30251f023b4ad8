"""Reading corpus files line by line, with every failure turned into a ``DataError``.

A missing or unreadable file and a corrupt gzip stream are fatal; a line that is not valid UTF-8
is a *bad line*, handed to the caller's ``on_bad_line`` (which raises, or counts and skips it
under ``--skip-bad-lines``).

``read_lines`` reads one line at a time; ``read_blocks`` reads blocks of whole lines, for readers
that handle a block at once (``tsv``) and decode it line by line (``decode_lines``) only when
it holds something irregular.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from seq2seq.errors import DataError

BadLineHandler = Callable[[DataError], None]


def stop_at_bad_line(error: DataError) -> None:
    """The strict ``BadLineHandler``: the first bad line ends the reading with its error."""
    raise error


BLOCK_BYTES = 1 << 20  # bytes read at a time by read_blocks
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip file


def is_gzip(path: Path) -> bool:
    """Whether ``path`` is read through gzip: named ``*.gz``, or starting with gzip's magic bytes
    (a ``pairs.tsv`` that is gzipped all the same)."""
    if path.suffix == ".gz":
        return True
    try:
        with open(path, "rb") as stream:
            return stream.read(2) == GZIP_MAGIC
    except OSError:  # open_binary says what is wrong
        return False


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading (gunzipping it if ``is_gzip``); raise ``DataError`` if we cannot."""
    try:
        if is_gzip(path):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise DataError("is a directory, expected a file", path=str(path)) from None
    except PermissionError:
        raise DataError("permission denied", path=str(path)) from None
    except OSError as error:
        raise DataError(f"cannot open: {error.strerror or error}", path=str(path)) from None


def read_lines(path: Path, on_bad_line: BadLineHandler) -> Iterator[tuple[int, str | None]]:
    """Yield ``(line_number, text)`` for each line of ``path`` (1-based, line ending removed).

    A line that is not valid UTF-8 is reported to ``on_bad_line`` and yielded with ``text=None``
    (so callers reading two files in lockstep stay aligned). A UTF-8 byte-order mark on the first
    line is dropped.
    """
    with open_binary(path) as stream:
        line_number = 0
        try:
            for line_number, text in decode_lines(stream, 1, path, on_bad_line):
                yield line_number, text
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DataError(
                f"corrupt gzip file: {error}", path=str(path), line=line_number + 1
            ) from None
        except OSError as error:
            raise DataError(
                f"read error: {error.strerror or error}", path=str(path), line=line_number + 1
            ) from None


def decode_lines(
    raw_lines: Iterable[bytes], first_line: int, path: Path, on_bad_line: BadLineHandler
) -> Iterator[tuple[int, str | None]]:
    """``read_lines`` for lines already read: ``raw_lines`` numbered from ``first_line``."""
    for line_number, raw in enumerate(raw_lines, start=first_line):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            on_bad_line(
                DataError(
                    f"invalid UTF-8 (byte {error.start + 1} of the line)",
                    path=str(path),
                    line=line_number,
                )
            )
            yield line_number, None
            continue
        if line_number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield line_number, text.rstrip("\r\n")


def read_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line, block)``: the bytes of ``path`` in blocks of whole lines.

    Each block holds about ``block_bytes`` (more for a longer line) and ends with a newline,
    except the last one when the file does not; ``first_line`` is its first line's number
    (1-based). For uncompressed files: reading in bulk moves where a gzip error would surface,
    so gzipped ones are read with ``read_lines``.
    """
    with open_binary(path) as stream:
        first_line = 1
        partial: list[bytes] = []  # the start of a line longer than what was read so far
        try:
            while data := stream.read(block_bytes):
                end = data.rfind(b"\n") + 1
                if end == 0:
                    partial.append(data)
                    continue
                block = b"".join((*partial, data[:end])) if partial else data[:end]
                partial = [data[end:]] if end < len(data) else []
                yield first_line, block
                first_line += block.count(b"\n")
        except OSError as error:
            raise DataError(
                f"read error: {error.strerror or error}", path=str(path), line=first_line
            ) from None
        if partial:
            yield first_line, b"".join(partial)


def split_block(block: bytes) -> list[bytes]:
    """The lines of a ``read_blocks`` block, without their newlines."""
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    return lines
