"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

A crash (even ``kill -9``) at any moment leaves either the old complete file or the new one,
never a torn one. Used for checkpoints, tokenizers, curves and translation outputs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seq2seq.errors import OutputError


def check_writable(path: Path) -> Path:
    """Where writing ``path`` goes, if a file can be written there (checked before any long
    work); else ``OutputError``.

    A symbolic link is followed (its target is what gets written); a stream (``write_through``)
    is returned as it is.
    """
    if write_through(path):
        return Path(path)
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not target.parent.is_dir():
        named = target.parent if Path(path).is_symlink() else Path(path).parent  # as the user wrote it
        what = "not a folder" if named.exists() else "no such folder"
        raise OutputError(f"{named}: {what}")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target.parent}: permission denied")
    return target


def make_folder(path: Path) -> Path:
    """Create the folder ``path`` (and its parents) if needed; ``OutputError`` in one line if not."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{path}: cannot create the folder ({error.strerror})") from None
    return path


def first_missing(path: Path) -> Path | None:
    """The outermost of ``path`` and its parents that does not exist yet (None: ``path`` exists):
    what creating ``path`` would create, for ``remove_empty_folders`` to take back."""
    missing = None
    for folder in (Path(path).absolute(), *Path(path).absolute().parents):
        if folder.exists():
            return missing
        missing = folder
    return missing


def remove_empty_folders(path: Path, created: Path | None) -> None:
    """Remove the folder ``path`` and its parents up to ``created`` (see ``first_missing``) while
    they are empty: a failed command takes back the folders it made, never a user's file."""
    if created is None:
        return
    folder = Path(path).absolute()
    while folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        if folder == created or created not in folder.parents:
            break
        folder = folder.parent


# What writing a file can meet that is no fault of the program: a full disk or quota, a file too
# large for its file system, a failing device, a file system turned read-only.
WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS)


def check_free_space(folder: Path, needed: int, what: str) -> None:
    """``OutputError`` if ``folder``'s file system has less than ``needed`` bytes free (and a
    margin): a write that fails half-way through an HDF5 file leaves h5py in a state that can
    crash the interpreter, so a save that cannot fit is refused before it starts."""
    needed = int(needed * 1.1) + 1_000_000
    try:
        free = shutil.disk_usage(folder).free
    except OSError:  # no figure to go by: let the write say
        return
    if free < needed:
        raise OutputError(f"{folder}: not enough free space to save {what} (about {needed / 1e6:.1f} MB needed, "
                          f"{free / 1e6:.1f} MB free); the files saved before are kept")


def write_through(path: Path) -> bool:
    """Whether ``path`` is a stream to write directly, never to replace: a device, a FIFO or a
    socket, or anything that exists under ``/dev`` or ``/proc`` (``/dev/stdout`` may be the
    shell's redirection to a file, which a rename would take from under it)."""
    try:
        mode = os.stat(path).st_mode  # through links
    except OSError:  # (a path under /proc that does not exist is no stream either)
        return False
    if str(Path(path).absolute()).startswith(("/dev/", "/proc/")):
        return True
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path``; on success it replaces ``path``.

    Whatever the body writes to the temporary path becomes ``path`` in one ``os.replace``; on
    an exception the temporary file is removed and ``path`` is untouched. A symbolic link is
    followed (the link stays, its target is replaced); an existing file keeps its permissions;
    a stream (``/dev/stdout``, a named pipe: ``write_through``) is written directly.

    Raises:
        OutputError: ``path`` is a folder, or its folder is missing or not writable; or the write
            met a full disk or another ``WRITE_ERRORS`` error (``path`` is then as it was).
    """
    target = check_writable(path)
    if write_through(target):
        try:
            yield target
        except OSError as error:
            if error.errno not in WRITE_ERRORS:
                raise
            raise OutputError(f"{target}: cannot write ({error.strerror})") from None
        return
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + "".join(target.suffixes),
                                        dir=target.parent)
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write ({error.strerror})") from None
    os.close(handle)
    temporary = Path(name)
    try:
        mode = target.stat().st_mode & 0o7777  # an existing file keeps its permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp makes it private; these are ordinary files
    try:
        yield temporary
        os.chmod(temporary, mode)  # after the body: a read-only mode would lock the body out
        os.replace(temporary, target)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        raise OutputError(f"{target}: cannot write ({error.strerror}); the file was not changed") from None
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    with replacing(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))
