"""Closing the window never waits for a read still running; the writes pressed are still made."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool, QTimer

from tests.ui.test_tracker_writes import ctrl_of, events_of, held, on_site
from tests.ui.waiting import settle
from ui import worker as worker_module

pytestmark = pytest.mark.ui


def kept(pool: QThreadPool) -> bool:
    return any(p is pool for p, *_kept in worker_module._abandoned)


def test_closing_drops_a_read_still_running_and_still_makes_the_write(window, qtbot, monkeypatch):
    ctrl = ctrl_of(window)
    settle(qtbot)
    visit = on_site(window)
    before = events_of(ctrl.services.db, visit.id)
    reading, gate, read_ended, shown = threading.Event(), threading.Event(), threading.Event(), []
    order: list[str] = []
    seen: list[str] = []
    try:
        with held(ctrl.tracker, "check_in", monkeypatch, order) as release:
            ctrl.actions.check_in(visit.id, window)  # a write, held on the write worker
            qtbot.waitUntil(lambda: order == ["check_in"])
            # a read on the reader that does not answer (a database across a dead network)
            window.worker.submit(
                lambda: (reading.set(), gate.wait(30), read_ended.set()), shown.append
            )
            assert reading.wait(5)

            def during_close() -> None:  # the window handles events while the write finishes
                seen.append(window.statusBar().currentMessage())
                release.set()

            QTimer.singleShot(0, during_close)
            reader = window.worker.pool
            assert window.close()
        # close() came back while the read was still running (had it waited, the read would
        # have ended first, when its 30 s wait gave up): an order, whatever the machine's load
        assert not read_ended.is_set(), "closing waited for a read"
    finally:
        gate.set()
    assert seen == ["Saving 1 record before closing…"]
    assert events_of(ctrl.services.db, visit.id) == before + 1  # the write was made
    # the read ended by itself and its pool was let go
    qtbot.waitUntil(lambda: not kept(reader), timeout=5000)
    assert shown == []  # and its result went nowhere


def test_an_abandoned_worker_takes_no_more_work(qtbot):
    from ui.worker import Worker

    worker = Worker()
    worker.abandon()  # nothing running: nothing kept
    assert not kept(worker.pool)
    worker.submit(lambda: None)
    assert worker.submitted == 0
