"""Re-runs the layer, attention and model tests on JAX and PyTorch, in child processes (a backend is fixed per process).

The TensorFlow run is the main pytest session itself (the default backend). JAX is in the test
extra; PyTorch is not (its default wheel brings gigabytes of CUDA): its run is skipped unless
``torch`` is installed (``pip install -e ".[torch]"``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

HERE = Path(__file__).parent
# The backend-sensitive tests: the layers, the attention, the model and the search loops (no training runs).
BACKEND_TESTS = [HERE / "layers", HERE / "test_attention.py", HERE / "test_model.py", HERE / "test_decoding_search.py"]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_layer_and_model_tests_pass_on_other_backends(backend):
    if keras.backend.backend() == backend:
        pytest.skip(f"this session already runs on {backend}")
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, BACKEND_TESTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"{backend} backend: {summary}")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]


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
