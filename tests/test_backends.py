"""Re-runs the layer, attention and model tests on JAX and PyTorch, in child processes (a backend is fixed per process).

The TensorFlow run is the main pytest session itself (the default backend). JAX is in the test
extra; PyTorch is not (its default wheel brings gigabytes of CUDA): its run is skipped unless
``torch`` is installed (``pip install -e ".[torch]"``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import pytest

HERE = Path(__file__).parent
# The backend-sensitive tests: the layers, the attention, the model and the search loops (no training runs).
BACKEND_TESTS = [HERE / "layers", HERE / "test_attention.py", HERE / "test_model.py", HERE / "test_decoding_search.py"]


BACKEND_RUN = "test_layer_and_model_tests_pass_on_other_backends"
BACKEND_RUNS = pytest.StashKey[dict]()  # backend -> its BackendRun, started by conftest.py at collection


class BackendRun:
    """``BACKEND_TESTS`` under one backend in a child pytest, niced, its output in temporary files."""

    def __init__(self, backend: str):
        self.stdout, self.stderr = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []
        self.process = subprocess.Popen(
            [*nice, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, BACKEND_TESTS)],
            env={**os.environ, "KERAS_BACKEND": backend},
            stdout=self.stdout, stderr=self.stderr, text=True, start_new_session=True,
        )

    def result(self, timeout: float) -> tuple[int, str, str]:
        """Waits for the run: its exit status, stdout and stderr."""
        returncode = self.process.wait(timeout)
        self.stdout.seek(0), self.stderr.seek(0)
        return returncode, self.stdout.read(), self.stderr.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.stdout.close(), self.stderr.close()


def start_backend_run(backend: str) -> BackendRun | None:
    """Starts the re-run on ``backend``, or None where the session runs on it already or it is not installed."""
    if keras.backend.backend() == backend or importlib.util.find_spec(backend) is None:
        return None
    return BackendRun(backend)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_layer_and_model_tests_pass_on_other_backends(backend, request):
    if keras.backend.backend() == backend:
        pytest.skip(f"this session already runs on {backend}")
    pytest.importorskip(backend)
    run = request.config.stash.get(BACKEND_RUNS, {}).pop(backend, None) or BackendRun(backend)
    try:
        returncode, stdout, stderr = run.result(timeout=1800)
    finally:
        run.stop()
    summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    print(f"{backend} backend: {summary}")
    assert returncode == 0, stdout[-5000:] + stderr[-3000:]


def test_the_program_points_jax_compilation_cache_at_the_users_cache_folder(tmp_path):
    pytest.importorskip("jax")
    env = {key: value for key, value in os.environ.items() if key != "JAX_COMPILATION_CACHE_DIR"}
    code = ("import sys\nfrom seq2seq.cli import run\nsys.argv = ['seq2seq', '--version']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "import jax\nprint('CACHE', jax.config.jax_compilation_cache_dir)")

    def cache_dir(**variables):
        result = subprocess.run([sys.executable, "-c", code], env={**env, **variables, "KERAS_BACKEND": "jax"},
                                capture_output=True, text=True, timeout=120)
        return result.stdout.splitlines()[-1]

    assert cache_dir(XDG_CACHE_HOME=str(tmp_path)) == f"CACHE {tmp_path / 'seq2seq' / 'jax'}"
    assert cache_dir(JAX_COMPILATION_CACHE_DIR=str(tmp_path / "mine")) == f"CACHE {tmp_path / 'mine'}"  # the user's wins
