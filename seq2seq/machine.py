"""What machine this runs on, in words, for reports and benchmarks. ``cpu_model`` imports no
framework (the command line may call it); ``accelerators`` and ``describe`` ask the Keras backend."""

from __future__ import annotations

import platform


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux; what ``lscpu`` prints), else what
    ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def accelerators() -> list[str]:
    """The GPUs the Keras backend sees, in words (``"NVIDIA H100 80GB HBM3"``); empty on a CPU.
    Imports the backend: for benchmarks, not for the command line's start-up."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [device.device_kind for device in jax.devices() if device.platform == "gpu"]
    if backend == "tensorflow":
        import tensorflow as tf

        return [
            tf.config.experimental.get_device_details(device).get("device_name", device.name)
            for device in tf.config.list_physical_devices("GPU")
        ]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
    return []


def describe() -> str:
    """The machine in one phrase for a benchmark's header: its GPUs if any, and its CPU."""
    gpus = accelerators()
    cpu = cpu_model()
    return f"{', '.join(gpus)} with {cpu}" if gpus else f"{cpu}, no GPU"
