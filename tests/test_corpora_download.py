"""``seq2seq corpora download multi30k`` against local ``file://`` base URLs built in tmp_path."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from seq2seq.cli import main
from seq2seq.corpora.download import MULTI30K_SHA256

MULTI30K = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "multi30k"
needs_multi30k = pytest.mark.skipif(
    not (MULTI30K / "train.cs.gz").is_file(), reason="Multi30k files not in ../shared/corpora"
)
CZECH = ["train.cs.gz", "val.cs.gz", "test_2016_flickr.cs.gz"]


def download(data_dir: Path, base_url: str, *extra: str):
    args = ["corpora", "download", "multi30k", "--data-dir", str(data_dir)]
    return CliRunner().invoke(main, [*args, "--base-url", base_url, "--language", "cs", *extra])


def mirror(tmp_path: Path) -> Path:
    """A copy of the Czech files in tmp_path, served as file://."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in CZECH:
        shutil.copyfile(MULTI30K / name, folder / name)
    return folder


@needs_multi30k
def test_download_checks_and_places_the_files_then_keeps_them(tmp_path):
    data_dir = tmp_path / "data"
    result = download(data_dir, mirror(tmp_path).as_uri())
    assert result.exit_code == 0, result.output
    assert "3 downloaded, 0 already present" in result.output
    assert sorted(p.name for p in (data_dir / "multi30k").iterdir()) == sorted(CZECH)
    for name in CZECH:
        digest = hashlib.sha256((data_dir / "multi30k" / name).read_bytes()).hexdigest()
        assert digest == MULTI30K_SHA256[name]

    again = download(data_dir, "file:///nowhere")  # nothing fetched: all present and valid
    assert again.exit_code == 0 and "0 downloaded, 3 already present" in again.output


@needs_multi30k
def test_a_damaged_local_file_is_fetched_again(tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "multi30k").mkdir(parents=True)
    (data_dir / "multi30k" / "val.cs.gz").write_bytes(b"truncated")
    result = download(data_dir, mirror(tmp_path).as_uri())
    assert result.exit_code == 0, result.output
    fetched = (data_dir / "multi30k" / "val.cs.gz").read_bytes()
    assert fetched == (MULTI30K / "val.cs.gz").read_bytes()


@needs_multi30k
def test_checksum_mismatch_is_an_error_and_leaves_no_file(tmp_path):
    source = mirror(tmp_path)
    (source / "val.cs.gz").write_bytes(b"not the published file")
    data_dir = tmp_path / "data"
    result = download(data_dir, source.as_uri())
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Error: checksum mismatch for file://" in result.output
    assert "val.cs.gz: expected sha256 " + MULTI30K_SHA256["val.cs.gz"] in result.output
    # train.cs.gz came first and is complete; nothing else, no temporary file
    assert sorted(p.name for p in (data_dir / "multi30k").iterdir()) == ["train.cs.gz"]


def test_unreachable_base_url(tmp_path):
    result = download(tmp_path / "data", (tmp_path / "empty").as_uri())
    assert result.exit_code == 1
    assert "Error: download of file://" in result.output and "train.cs.gz failed" in result.output
    assert not (tmp_path / "data").exists()  # the folders it made are gone again
    (tmp_path / "mine").mkdir()
    download(tmp_path / "mine", (tmp_path / "empty").as_uri())
    assert list(tmp_path.glob("mine/**")) == [tmp_path / "mine"]  # the user's own folder stays


def test_unknown_corpus_name_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["corpora", "download", "wmt14"])
    assert result.exit_code == 2 and "'wmt14' is not 'multi30k'" in result.output


def test_a_kill_during_a_download_leaves_no_partial_file(tmp_path):
    """SIGTERM ends ``seq2seq`` as Ctrl-C does, through its cleanup: no temporary file is left."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    source = tmp_path / "mirror"
    source.mkdir()
    os.mkfifo(source / "train.cs.gz")  # a slow download: bytes trickle in until the test stops
    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "seq2seq", "corpora", "download", "multi30k", "--data-dir", str(data_dir),
               "--base-url", source.as_uri(), "--language", "cs"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def trickle():
        # Python runs a signal handler in the main thread between reads (the signal itself may
        # reach another thread), so the bytes keep coming as a real download's would.
        try:
            with open(source / "train.cs.gz", "wb") as stream:  # opens once the download reads it
                while not stop.is_set():
                    stream.write(b"x" * 16_384)
                    stream.flush()
                    time.sleep(0.01)
        except BrokenPipeError:  # the download closed its end
            pass

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    try:
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size for p in data_dir.glob("multi30k/.*.tmp*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(data_dir.glob("multi30k/.*.tmp*")), "the download never started writing"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        stop.set()
        process.kill()
        os.close(os.open(source / "train.cs.gz", os.O_RDONLY | os.O_NONBLOCK))  # a feeder still opening: go on
        feeder.join(timeout=10)
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert not data_dir.exists()  # no partial file, and the folders it made are gone
