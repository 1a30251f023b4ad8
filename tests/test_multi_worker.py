"""Two worker processes on loopback train as one device does, through each backend's standard mechanism.

TensorFlow: ``MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG``. JAX:
``keras.distribution.initialize()`` configured by ``KERAS_DISTRIBUTION_*`` (gloo collectives on
the CPU). The children set their own backend, so this runs once, in the TensorFlow session.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from seq2seq.model import Seq2Seq  # noqa: F401  (registers the class for load_model; seq2seq.model is lazy)
from toy_tasks import compare_unequal_runs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="runs both backends in child processes"),
]

SCRIPT = Path(__file__).with_name("multi_worker_run.py")
PYTHONPATH = os.pathsep.join([str(SCRIPT.parent), str(SCRIPT.parent.parent)])  # toy_tasks, then this checkout


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def losses(output: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"loss (\S+) val_loss (\S+)", output)]


def worker_environment(backend: str, ports: list[int], index: int) -> dict[str, str]:
    """The standard multi-worker variables of ``backend`` for worker ``index`` of ``len(ports)``."""
    if backend == "tensorflow":
        cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
        return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
    return {
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{ports[0]}",
        "KERAS_DISTRIBUTION_NUM_PROCESSES": str(len(ports)),
        "KERAS_DISTRIBUTION_PROCESS_ID": str(index),
        "JAX_CPU_COLLECTIVES_IMPLEMENTATION": "gloo",
    }


def run_alone_then_two_workers(tmp_path, backend: str, mode: str) -> tuple[str, list[str]]:
    """Run ``multi_worker_run.py`` alone (OUT_NAME "one"), then as two workers ("multi"): stdouts."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG" and not k.startswith("KERAS_DISTRIBUTION")}
    env.update(KERAS_BACKEND=backend, TF_DETERMINISTIC_OPS="1", PYTHONPATH=PYTHONPATH)
    single = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "one", mode], env=env, capture_output=True, text=True, timeout=600
    )
    assert single.returncode == 0, single.stderr[-5000:]

    ports = free_ports(2)
    workers = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), str(tmp_path), "multi", mode],
            env={**env, **worker_environment(backend, ports, index)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    outputs = []
    try:
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=600)
            assert worker.returncode == 0, stderr[-5000:]
            outputs.append(stdout)
    finally:
        for worker in workers:
            worker.kill()
    return single.stdout, outputs


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_workers_equal_one_device(tmp_path, backend):
    single_stdout, outputs = run_alone_then_two_workers(tmp_path, backend, "train")

    expected = losses(single_stdout)
    assert len(expected) == 2, single_stdout
    for output in outputs:  # both workers log the same global losses as the lone device
        assert all(line.startswith("epoch ") for line in output.splitlines()), output  # no native chatter
        got = losses(output)
        assert len(got) == 2, output
        for (loss, val_loss), (want_loss, want_val_loss) in zip(got, expected):
            assert loss == pytest.approx(want_loss, rel=1e-4)
            assert val_loss == pytest.approx(want_val_loss, rel=1e-3)

    # The chief (worker 0) wrote DIR; worker 1 its own folder beside it.
    assert (tmp_path / "multi.worker1" / "model.keras").is_file()
    one = load_weights(tmp_path / "one" / "model.keras")
    multi = load_weights(tmp_path / "multi" / "model.keras")
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(one, multi)) < 1e-3


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_workers_with_unequal_token_counts_take_the_global_token_mean(tmp_path, backend):
    """Worker 0 holds 20 target tokens a step, worker 1 holds 2: SGD equals one device's."""
    run_alone_then_two_workers(tmp_path, backend, "sgd")
    for worker in range(2):  # both workers end with the lone device's losses and weights
        loss, weight = compare_unequal_runs(tmp_path / "one.worker0.npz", tmp_path / f"multi.worker{worker}.npz")
        assert loss < 1e-5 and weight < 1e-5, (worker, loss, weight)


def load_weights(path: Path) -> list[np.ndarray]:
    """The weights stored in a ``.keras`` file (whatever backend wrote it)."""
    return keras.saving.load_model(path, safe_mode=True).get_weights()
