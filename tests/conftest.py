"""The backend re-runs of ``test_backends.py`` start in the background as soon as pytest has collected them.

Each re-run is a pytest session of its own in a child process (a backend is fixed per process)
and takes minutes. Started at collection, under ``nice``, it runs on the CPU the main session
leaves idle (while it waits on its own subprocesses, say), and its test, moved to the end, only
collects the result: the suite takes about as long as the longer of the two, not their sum.
"""

from __future__ import annotations

import pytest
from test_backends import BACKEND_RUN, BACKEND_RUNS, start_backend_run


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(session, config, items):
    runs = [item for item in items if item.originalname == BACKEND_RUN]
    if not runs or config.option.collectonly:
        return
    items[:] = [item for item in items if item.originalname != BACKEND_RUN] + runs
    started = config.stash.setdefault(BACKEND_RUNS, {})
    for item in runs:
        backend = item.callspec.params["backend"]
        if backend not in started and (run := start_backend_run(backend)) is not None:
            started[backend] = run


def pytest_sessionfinish(session, exitstatus):
    for run in session.config.stash.get(BACKEND_RUNS, {}).values():
        run.stop()
