"""Atomic writes: a user's file is replaced whole or not at all, and only the file is replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from seq2seq import atomic
from seq2seq.errors import OutputError


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    path = tmp_path / "out.txt"
    atomic.write_text(path, "old\n")
    atomic.write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), atomic.replacing(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_symbolic_link_stays_and_its_target_is_written(tmp_path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old\n")
    link.symlink_to(target.name)
    atomic.write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == "target.txt"
    assert target.read_text() == "new\n"


def test_an_existing_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "private.txt"
    path.write_text("old\n")
    path.chmod(0o640)
    atomic.write_text(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    fresh = atomic.write_text(tmp_path / "fresh.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask  # an ordinary file, not mkstemp's 0600


def test_a_read_only_file_is_replaced_and_stays_read_only(tmp_path):
    path = tmp_path / "frozen.txt"
    path.write_text("old\n")
    path.chmod(0o444)
    seen = {}

    with atomic.replacing(path) as temporary:
        seen["mode"] = stat.S_IMODE(temporary.stat().st_mode)  # the body can write its file
        temporary.write_text("new\n")
    assert seen["mode"] & 0o200 and path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_standard_streams_are_written_through():
    assert atomic.write_through(Path("/dev/stdout")) and atomic.write_through(Path("/dev/null"))
    assert atomic.write_through(Path("/proc/self/fd/1"))
    assert atomic.check_writable(Path("/dev/stdout")) == Path("/dev/stdout")  # not /proc/PID/fd/pipe:[...]


def test_a_named_pipe_is_written_through_not_replaced(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()))
    reader.start()
    atomic.write_text(pipe, "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)


@pytest.mark.parametrize("where, message", [
    ("missing/out.txt", "missing: no such folder"),
    ("a-file/out.txt", "a-file: not a folder"),
    ("a-folder", "a-folder: is a folder"),
])
def test_an_impossible_place_is_one_clear_error_before_any_work(tmp_path, where, message):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(OutputError, match=message):
        atomic.check_writable(tmp_path / where)
    with pytest.raises(OutputError, match=message):
        atomic.write_text(tmp_path / where, "x")


def test_make_folder_creates_parents_and_refuses_a_file(tmp_path):
    assert atomic.make_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        atomic.make_folder(tmp_path / "file")
    with pytest.raises(OutputError, match="cannot create the folder"):
        atomic.make_folder(tmp_path / "file" / "run")


def test_a_full_disk_is_one_clear_error_and_the_old_file_stays(tmp_path):
    import errno

    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(OutputError, match=r"out.txt: cannot write \(No space left on device\); the file was not changed"):
        with atomic.replacing(path) as temporary:
            temporary.write_text("half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert path.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    with pytest.raises(OutputError, match=r"/dev/full: cannot write \(No space left on device\)"):
        atomic.write_text(Path("/dev/full"), "x" * 100_000)  # a stream: written through, its error named
    with pytest.raises(FileNotFoundError):  # another error of the body is the body's own
        with atomic.replacing(path) as temporary:
            (tmp_path / "missing" / "input").read_text()
    assert not atomic.write_through(Path("/proc/no-such-entry/out.txt"))  # nothing there: no stream


def test_a_save_that_cannot_fit_is_refused_before_it_starts(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(10**9, 10**9 - 1_200_000, 1_200_000))
    atomic.check_free_space(tmp_path, 1_000, "the model")  # fits, with the margin
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(10**9, 10**9 - 500_000, 500_000))
    with pytest.raises(OutputError, match=r"not enough free space to save the model \(about 1.0 MB needed, 0.5 MB free\)"):
        atomic.check_free_space(tmp_path, 1_000, "the model")
