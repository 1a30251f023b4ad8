"""Data-parallel training on two logical CPU devices equals single-device training.

The children set their own backend; the TensorFlow session runs them all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import pytest
from toy_tasks import UNEQUAL_LENGTHS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="runs both backends in child processes"),
]

SCRIPT = Path(__file__).with_name("data_parallel_run.py")
PYTHONPATH = os.pathsep.join([str(SCRIPT.parent), str(SCRIPT.parent.parent)])  # toy_tasks, then this checkout


def run(tmp_path, backend: str, mode: str) -> str:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_DETERMINISTIC_OPS": "1", "PYTHONPATH": PYTHONPATH}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), mode], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result.stdout


def test_mirrored_strategy_on_two_cpus_equals_one_device(tmp_path):
    result_stdout = run(tmp_path, "tensorflow", "train")
    epochs = re.findall(r"loss (\S+) vs (\S+), val_loss (\S+) vs (\S+)", result_stdout)
    assert len(epochs) == 2, result_stdout
    for one_loss, two_loss, one_val, two_val in epochs:
        assert float(two_loss) == pytest.approx(float(one_loss), rel=1e-4)
        assert float(two_val) == pytest.approx(float(one_val), rel=1e-3)
    # Adam divides by the root of tiny second moments, so summation order shows in the weights.
    match = re.search(r"max weight difference (\S+)", result_stdout)
    assert match and float(match.group(1)) < 1e-3, result_stdout


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_replicas_with_unequal_token_counts_take_the_global_token_mean(tmp_path, backend):
    """Replicas holding 20 and 2 target tokens: SGD steps equal one device's, losses and weights.

    A mean of the replicas' own means would weigh the 2 tokens ten times more than the 20 and
    move the weights by about 1e-1 here.
    """
    assert UNEQUAL_LENGTHS == (10, 10, 1, 1)  # rows 0-1 on replica 0, rows 2-3 on replica 1
    output = run(tmp_path, backend, "sgd")
    match = re.search(r"sgd: loss difference (\S+), weight difference (\S+)", output)
    assert match, output
    assert float(match.group(1)) < 1e-5 and float(match.group(2)) < 1e-5, output
