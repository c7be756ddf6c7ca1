"""A window left running for a week submits tens of thousands of jobs: none may outlive its result.

The soak's census found `ui.worker._Job` runnables alive 13 -> 24 -> 35, held by their QThreadPool
with nothing outstanding: a Python QRunnable that finishes before `QThreadPool.start()` returns is
kept by the pool's wrapper for as long as the pool lives (with its function and callbacks).
"""

from __future__ import annotations

import gc

import pytest

from ui.worker import Worker, _Job

pytestmark = pytest.mark.ui

JOBS = 300


def _live_jobs() -> int:
    gc.collect()
    return sum(isinstance(o, _Job) for o in gc.get_objects())


def test_finished_jobs_are_let_go_without_waiting_for_the_pool(qtbot):
    before = _live_jobs()
    worker = Worker()
    results: list[int] = []
    for i in range(JOBS):  # quick jobs, each result awaited as the window does (no waitForDone)
        worker.submit(lambda i=i: i, results.append)
        qtbot.waitUntil(lambda i=i: len(results) > i, timeout=5000)
    assert results == list(range(JOBS))
    assert _live_jobs() <= before + 1  # one may be passing through
    worker.deleteLater()


def test_queued_jobs_dropped_at_shutdown_are_let_go(qtbot):
    import threading

    before = _live_jobs()
    release = threading.Event()
    worker = Worker()
    worker.submit(release.wait)  # the running one holds the queue
    for _ in range(20):
        worker.submit(lambda: None)
    worker.shutdown(msecs=0)  # drops the queued jobs
    release.set()
    assert worker.pool.waitForDone(5000)
    assert _live_jobs() <= before + 1
    worker.deleteLater()
