"""Data-parallel training through the backend's own distribution engine.

Every visible accelerator gets a replica of the model and a slice of each batch; gradients are
averaged. TensorFlow: ``tf.distribute.MirroredStrategy``; JAX: ``keras.distribution.DataParallel``.
One device (a CPU, one GPU) means no distribution at all. Training across several machines
(``tf.distribute.MultiWorkerMirroredStrategy``, ``keras.distribution.initialize()``) is not
wired in yet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import keras


def accelerators() -> list[str]:
    """The visible GPUs/TPUs, as device names of the current backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [device.name for device in tf.config.list_logical_devices("GPU")]
    if backend == "jax":
        import jax

        return [f"{d.platform}:{d.id}" for d in jax.devices() if d.platform != "cpu"]
    return []


@contextlib.contextmanager
def data_parallel(devices: Sequence[str] | None = None) -> Iterator[int]:
    """Build, compile and fit inside this context; yields the number of replicas.

    Args:
        devices: device names (``"/cpu:0"`` on TensorFlow, ``"cpu:0"`` on JAX); default: every
            visible accelerator.
    """
    devices = list(accelerators() if devices is None else devices)
    if len(devices) < 2:
        yield 1
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy(devices)
        with strategy.scope():
            yield strategy.num_replicas_in_sync
    elif backend == "jax":
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        try:
            yield len(devices)
        finally:
            keras.distribution.set_distribution(previous)
    else:
        raise NotImplementedError(f"data-parallel training is not supported on the {backend} backend")
