"""Data-parallel training on two logical CPU devices equals single-device training."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="MirroredStrategy is TensorFlow's"),
]


def test_mirrored_strategy_on_two_cpus_equals_one_device(tmp_path):
    script = Path(__file__).with_name("data_parallel_run.py")
    env = {**os.environ, "TF_DETERMINISTIC_OPS": "1", "PYTHONPATH": str(script.parent)}
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    epochs = re.findall(r"loss (\S+) vs (\S+), val_loss (\S+) vs (\S+)", result.stdout)
    assert len(epochs) == 2, result.stdout
    for one_loss, two_loss, one_val, two_val in epochs:
        assert float(two_loss) == pytest.approx(float(one_loss), rel=1e-4)
        assert float(two_val) == pytest.approx(float(one_val), rel=1e-3)
    # Adam divides by the root of tiny second moments, so summation order shows in the weights.
    match = re.search(r"max weight difference (\S+)", result.stdout)
    assert match and float(match.group(1)) < 1e-3, result.stdout
