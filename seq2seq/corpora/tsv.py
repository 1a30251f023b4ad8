"""``tsv:PATH``: one pair per line, ``source<TAB>target``, UTF-8 (optionally gzipped).

``read_tsv`` yields one pair at a time; ``read_tsv_chunks`` yields the same pairs a block of
lines at a time (``PairSource.chunks``, for bulk consumers such as ``encode_pairs``): a block
that is valid UTF-8 with exactly one tab a line is split with a few calls over the whole block
and normalized at once when it can be (``normalize_fields``); any other block goes line by line
through the code of ``read_tsv``, so the pairs, counts and error messages are the same.
``tsv:DIR`` reads a folder of your own split instead (``folders``: ``train.tsv``, ``valid.tsv``,
``test.tsv``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

from seq2seq.corpora.chunks import PairChunk, chunked
from seq2seq.corpora.folders import is_split_folder, split_files
from seq2seq.corpora.lines import decode_lines, is_gzip, read_blocks, read_lines, split_block
from seq2seq.corpora.request import ReadRequest, first_report
from seq2seq.corpora.text import normalize_fields
from seq2seq.errors import DataError

log = logging.getLogger(__name__)


def read_tsv(argument: str, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """Yield ``(source, target)`` for each line of the TSV file ``argument``, streaming; of a
    folder (``folders``), of the file of ``request.split``.

    A blank line yields ``("", "")`` (counted as empty by the filters); a line with no tab or
    more than one tab is a bad line.
    """
    for path in _files(argument, request):
        yield from _split_lines(read_lines(path, request.bad_line), path, request)


def read_tsv_chunks(argument: str, request: ReadRequest, size: int) -> Iterator[PairChunk]:
    """The pairs of ``read_tsv`` as ``PairChunk``s: a block of lines each (``size`` if gzipped)."""
    for path in _files(argument, request):
        if is_gzip(path):  # line by line, so a corrupt stream fails at the same line
            yield from chunked(read_tsv(str(path), request), size)
            continue
        for first_line, block in read_blocks(path):
            chunk = _regular_block_pairs(block, first_line)
            if chunk is None:
                lines = decode_lines(split_block(block), first_line, path, request.bad_line)
                pairs = list(_split_lines(lines, path, request))
                chunk = PairChunk([source for source, _ in pairs], [target for _, target in pairs])
            if chunk.sources:
                yield chunk


def _files(argument: str, request: ReadRequest) -> list[Path]:
    """The file ``argument``, or the split's file in the folder ``argument``."""
    if is_split_folder(argument):
        files = split_files(argument, ".tsv", request.split)
    else:
        files = [Path(argument).expanduser()]
    for path in files:
        _warn_of_a_header(path)
    return files


# Column names a first line may hold instead of a pair
HEADER_WORDS = frozenset(
    "source target src tgt input output text translation question answer prompt response reply query sentence "
    "context utterance from to english german french czech spanish en de fr cs es it pt nl ru zh ja ko ar tr pl".split()
)


def _warn_of_a_header(path: Path) -> None:
    """One warning when the first line looks like column names (``source<TAB>target``): it is
    read as a pair like every other line, and the user may want to delete it."""
    with closing(read_lines(path, lambda error: None)) as lines:  # the reading reports bad lines itself
        _, first = next(lines, (1, None))
    fields = (first or "").lower().split("\t")
    if len(fields) == 2 and fields[0].strip() != fields[1].strip() and all(f.strip() in HEADER_WORDS for f in fields):
        message = f"{path}:1: {first.strip()!r} looks like a header; it is read as a pair (delete the line if it is one)"
        if first_report(message):
            log.warning("%s", message)


def _split_lines(
    lines: Iterable[tuple[int, str | None]], path: Path, request: ReadRequest
) -> Iterator[tuple[str, str]]:
    """``(source, target)`` of each decoded ``(line_number, text)``; bad lines to ``request``."""
    for line_number, text in lines:
        if text is None:
            continue
        source, tab, target = text.partition("\t")
        if not tab:
            if text.strip():
                request.bad_line(
                    DataError("no tab: expected source<TAB>target", str(path), line_number)
                )
                continue
        elif "\t" in target:
            tabs = text.count("\t")
            carriage_returns = "\r" in text  # lines ended by CR alone (old Mac files) read as one
            request.bad_line(
                DataError(
                    f"{tabs} tabs: expected exactly one between source and target"
                    + (" (lines end in a carriage return alone here: convert them to newlines)"
                       if carriage_returns else ""),
                    str(path),
                    line_number,
                )
            )
            continue
        yield source, target


def _regular_block_pairs(block: bytes, first_line: int) -> PairChunk | None:
    """The pairs of a block whose every line is ``source<TAB>target`` in UTF-8, else ``None``.

    ``None`` also for a carriage return or a byte-order mark (``read_lines`` strips them), which
    leaves such blocks to the line-by-line path.
    """
    separators = block.translate(None, _ALL_BUT_TAB_AND_NEWLINE)  # b"\t\n\t\n..."
    line_count = (len(separators) + 1) // 2
    if separators != (_TAB_NEWLINE * line_count)[: len(separators)]:
        return None  # a line without a tab or with more than one
    if not block.endswith(b"\n") and len(separators) % 2 == 0:
        return None  # the last line has no tab
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text or (first_line == 1 and text.startswith("\ufeff")):
        return None
    normalized = normalize_fields(text)
    fields = (text if normalized is None else normalized).replace("\n", "\t").split("\t")
    if block.endswith(b"\n"):
        fields.pop()  # after the last newline
    if normalized is None:
        return PairChunk(fields[0::2], fields[1::2])
    lines = split_block(block if normalized is text else normalized.encode())
    return PairChunk(fields[0::2], fields[1::2], normalized=True, lines=lines)


_ALL_BUT_TAB_AND_NEWLINE = bytes(byte for byte in range(256) if byte not in b"\t\n")
_TAB_NEWLINE = b"\t\n"
