"""A normal ``pip install .`` (a wheel, not the source tree) carries the web app and every file
of the shipped checkpoints, and ``seq2seq.shipped`` finds them where pip puts them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from seq2seq import shipped

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (shipped.TRANSLATOR, shipped.CHATBOT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(folder), str(ROOT)],
                   check=True, capture_output=True)
    (path,) = folder.glob("seq2seq-*.whl")
    return path


def shipped_files(name: str) -> set[str]:
    return {path.name for path in (ROOT / "checkpoints" / name).iterdir() if path.is_file()}


def test_the_wheel_holds_the_app_and_every_file_of_the_shipped_checkpoints(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "seq2seq/ui/app.py" in names and "seq2seq/cli/ui.py" in names
    for name in SHIPPED:
        prefix = f"share/seq2seq/checkpoints/{name}/"
        packed = {entry.split(prefix, 1)[1] for entry in names if ".data/data/" + prefix in entry}
        assert packed == shipped_files(name)


def test_an_installed_package_finds_the_shipped_checkpoints_under_its_prefix(wheel, tmp_path, monkeypatch):
    """Installed, the package has no ``checkpoints/`` beside it; pip puts the wheel's data files
    under ``sys.prefix``, and the models load from there."""
    from seq2seq.ui.models import describe

    site, prefix = tmp_path / "site-packages", tmp_path / "prefix"
    with zipfile.ZipFile(wheel) as archive:
        for entry in archive.namelist():
            if ".data/data/" in entry:  # what pip installs into the prefix
                target = prefix / entry.split(".data/data/", 1)[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(entry))
    monkeypatch.delenv(shipped.CHECKPOINTS_ENV, raising=False)
    monkeypatch.setattr(shipped, "__file__", str(site / "seq2seq" / "shipped.py"))
    monkeypatch.setattr(sys, "prefix", str(prefix))
    for name in SHIPPED:
        assert shipped.shipped(name) == prefix / "share" / "seq2seq" / "checkpoints" / name
        assert describe(shipped.shipped(name), strict=True).name == name
