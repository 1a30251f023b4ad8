"""Tiny chat and translation checkpoints, and a real ``seq2seq ui`` server, for the UI tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from toy_tasks import reverse_pairs, write_tsv

from seq2seq.cli import main

TINY = ["--units", "16", "--embed", "16", "--attention-units", "16", "--vocab-size", "24", "--bleu-sample", "0",
        "--quiet", "--dropout", "0", "--lr", "0.01", "--warmup-steps", "10", "--seed", "0"]
ROOT = Path(__file__).resolve().parents[1]


def train(*args) -> None:
    result = CliRunner().invoke(main, ["train", *map(str, args), *TINY])
    assert result.exit_code == 0, result.output


def train_chatbot(folder: Path, cell: str = "gru") -> Path:
    """A dialogue checkpoint (``context_turns`` 2) on 300 conversations of letter triples."""
    dialogues = folder / "talk.jsonl"
    rng = np.random.default_rng(0)
    conversations = [[" ".join(rng.choice(list("abcdefgh"), size=3)) for _ in range(4)] for _ in range(300)]
    dialogues.write_text("".join(json.dumps({"messages": turns}) + "\n" for turns in conversations), encoding="utf-8")
    out = folder / f"chatbot-{cell}"
    train("--corpus", f"jsonl:{dialogues}", "--context-turns", "2", "--out", out, "--epochs", "1", "--cell", cell)
    return out


def train_translator(folder: Path, cell: str = "lstm") -> Path:
    """A translation checkpoint of the reverse-the-letters task."""
    corpus = write_tsv(folder / "reverse.tsv", reverse_pairs(300, seed=2))
    out = folder / f"reverse-{cell}"
    train("--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", "--cell", cell)
    return out


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Trained once per test session: an LSTM chatbot and a GRU translator."""
    folder = tmp_path_factory.mktemp("ui-models")
    return {"chat": train_chatbot(folder, "lstm"), "translator": train_translator(folder, "gru")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``seq2seq ui --checkpoint ... --port P`` in a child process, as a user starts it.

    ``SEQ2SEQ_CHECKPOINTS`` points at an empty folder, so only the given checkpoints are offered.
    """

    def __init__(self, checkpoints: list[Path], work: Path, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        shipped = work / "no-shipped"
        shipped.mkdir(exist_ok=True)
        env = {**os.environ, "SEQ2SEQ_CHECKPOINTS": str(shipped), "PYTHONPATH": str(ROOT),
               "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONWARNINGS": "default"}
        args = [sys.executable, "-m", "seq2seq", "ui", "--port", str(self.port), *extra]
        for checkpoint in checkpoints:
            args += ["--checkpoint", str(checkpoint)]
        self.stderr_path = work / "server.stderr"
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "w"),
                                        text=True, env=env)
        self.banner = self._wait_for_banner(timeout=180)

    def _wait_for_banner(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("seq2seq ui: open"):
                return line
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"seq2seq ui exited: {self.stderr()}")
        raise RuntimeError("seq2seq ui did not start in time")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
