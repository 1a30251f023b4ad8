"""Errors that reach the user as one clear line.

Library code raises these; the command line turns them into ``click.ClickException`` (one line,
exit status 1), never a traceback.
"""

from __future__ import annotations


class Seq2SeqError(Exception):
    """Base class for errors meant for the user: the message is the whole story."""


class DataError(Seq2SeqError):
    """Bad corpus input: a missing file, invalid UTF-8, a malformed line, an unknown spec.

    The message names the file and line where there is one: ``corpus.tsv:12: no tab``.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class CheckpointError(Seq2SeqError):
    """A checkpoint folder that is missing, incomplete or does not match the code."""


class ConfigError(Seq2SeqError):
    """An invalid model or training configuration (unknown key, bad value)."""


class OutputError(Seq2SeqError):
    """A place to write to that cannot take the file: a missing folder, a folder, no permission."""
