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
