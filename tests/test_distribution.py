"""Multi-worker plumbing: who is the chief, and which rows each replica reads."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from seq2seq.errors import ConfigError
from seq2seq.training.data import replica_slices
from seq2seq.training.distribution import workers_from_environment


def batch(rows: int, width: int, start: int):
    ids = np.arange(start, start + rows * width, dtype=np.int32).reshape(rows, width) + 1
    return (ids, ids + 1000), ids + 2000, np.ones((rows, width), np.float32)


@pytest.mark.parametrize("replicas,workers", [(2, 2), (4, 2), (3, 3), (4, 1)])
def test_replica_slices_cover_every_row_once(replicas, workers):
    """Over all workers, the slices of each batch put together are the batch, plus zero-weight rows."""
    batches = [batch(5, 3, 0), batch(8, 4, 100), batch(1, 2, 200)]
    local = replicas // workers
    per_worker = [list(replica_slices(batches, replicas, worker * local, local)) for worker in range(workers)]
    assert all(len(slices) == len(batches) * local for slices in per_worker)
    for index, ((source, decoder_input), target, weights) in enumerate(batches):
        parts = [per_worker[worker][index * local + j] for worker in range(workers) for j in range(local)]
        assert len({part[0][0].shape for part in parts}) == 1, "replicas must get equal shapes"
        joined = [np.concatenate([part[0][0] for part in parts]), np.concatenate([part[1] for part in parts])]
        joined_weights = np.concatenate([part[2] for part in parts])
        rows = source.shape[0]
        np.testing.assert_array_equal(joined[0][:rows], source)
        np.testing.assert_array_equal(joined[1][:rows], target)
        np.testing.assert_array_equal(np.concatenate([part[0][1] for part in parts])[:rows], decoder_input)
        assert joined[0].shape[0] == -(-rows // replicas) * replicas
        assert not joined[0][rows:].any() and not joined_weights[rows:].any()  # padding rows weigh 0


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF_CONFIG is TensorFlow's")
@pytest.mark.parametrize(
    "cluster,task,expected",
    [
        ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1}, (2, 1)),
        ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, {"type": "chief", "index": 0}, (3, 0)),
        ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1}, (3, 2)),
        ({"worker": ["a:1"]}, {"type": "worker", "index": 0}, (1, 0)),
    ],
)
def test_workers_from_tf_config(monkeypatch, cluster, task, expected):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
    assert workers_from_environment() == expected


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF_CONFIG is TensorFlow's")
@pytest.mark.parametrize("value", ["{not json", json.dumps({"cluster": {"worker": ["a", "b"]}, "task": {"type": "worker", "index": 5}})])
def test_bad_tf_config_is_a_config_error(monkeypatch, value):
    monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(ConfigError, match="TF_CONFIG"):
        workers_from_environment()
