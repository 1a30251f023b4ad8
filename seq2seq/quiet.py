"""Keep TensorFlow's native start-up chatter off the user's terminal, and nothing else.

TensorFlow's C++ libraries log through absl straight to file descriptor 2 ("WARNING: All log
messages before absl::InitializeLog() ...", "I0000 ... oneDNN custom operations are on",
"Could not find cuda drivers", "E0000 ... failed call to cuInit"), from several shared
libraries, at import and at the first operation; ``TF_CPP_MIN_LOG_LEVEL`` no longer reaches
them. ``filter_native_stderr`` is called by the command line before any framework loads:

- Python's own ``sys.stderr`` (our errors, warnings, tracebacks, progress bars) is re-pointed
  at a duplicate of the real stderr, so it is untouched and unbuffered as before;
- file descriptor 2, which only native code still writes to, becomes a pipe read by a thread
  that forwards every line except absl's informational ones and a short list of known harmless
  start-up errors. Real native errors (``E`` lines not on the list, ``F`` fatal lines,
  anything not in absl's format) still reach the user.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import threading

_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_ABSL_LINE = re.compile(r"^(?P<severity>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] (?P<message>.*)")
# Errors absl logs on every CPU-only start, which say nothing about the user's work.
_HARMLESS_ERRORS = (
    "failed call to cuInit",
    "oneDNN supports DT_",  # DT_BOOL, DT_HALF (mixed_float16), ...: "only on platforms with AVX-512. Falling back to ..."
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
)
# Lines that continue a dropped record (absl messages may span lines).
_CONTINUATIONS = ("To enable the following instructions",)
# Gloo (JAX's CPU collectives) says so on stdout when the workers connect; see native_stdout_to_stderr.
_GLOO_CONNECTED = re.compile(r"^\[Gloo\] Rank \d+ is connected to \d+ peer ranks")


def is_chatter(line: str) -> bool:
    """Whether one line written by native code is start-up chatter to drop."""
    line = line.rstrip("\n")
    if line == _ABSL_BANNER or _GLOO_CONNECTED.match(line):
        return True
    match = _ABSL_LINE.match(line)
    if match is None:
        return False
    if match["severity"] in "IW":
        return True
    return match["severity"] == "E" and any(text in match["message"] for text in _HARMLESS_ERRORS)


def filter_native_stderr() -> None:
    """Route native writes to stderr through the chatter filter (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        real_stderr = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no usable stderr: nothing to filter
        return
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stderr = open(real_stderr, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                      errors="backslashreplace", closefd=False)
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(target=_forward, args=(read_end, real_stderr), daemon=True)
    forwarder.start()

    def restore() -> None:  # at exit: close the pipe's last write end, let the thread drain
        sys.stderr.flush()
        os.dup2(real_stderr, 2)
        forwarder.join(timeout=1.0)

    atexit.register(restore)


def _forward(read_end: int, real_stderr: int) -> None:
    """Forward native stderr lines but chatter; the known second line of a dropped record
    ("This TensorFlow binary is optimized ...\nTo enable the following instructions ...") goes
    too, and nothing else unannounced."""
    dropping = False
    with open(read_end, "rb") as pipe:
        for raw in pipe:
            line = raw.decode("utf-8", "backslashreplace")
            if is_chatter(line):
                dropping = True
                continue
            if dropping and line.startswith(_CONTINUATIONS):
                continue  # the rest of the record just dropped
            dropping = False
            os.write(real_stderr, raw)


_installed = False


@contextlib.contextmanager
def native_stdout_to_stderr():
    """Meanwhile, native writes to file descriptor 1 go to stderr, while Python's ``sys.stdout``
    keeps writing to the real stdout. Native libraries that print on stdout (Gloo: "[Gloo] Rank 0
    is connected to 1 peer ranks ...", when JAX's CPU collectives first run) would otherwise mix
    with the program's output; on stderr the chatter filter drops such lines."""
    python_stdout = sys.stdout
    python_stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout to keep clean
        yield
        return
    sys.stdout = open(saved, "w", buffering=1 if python_stdout.line_buffering else -1, closefd=False,
                      encoding=python_stdout.encoding or "utf-8", errors=python_stdout.errors or "strict")
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = python_stdout
        os.dup2(saved, 1)
        os.close(saved)
