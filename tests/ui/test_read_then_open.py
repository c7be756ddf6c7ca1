"""ReadThenOpen's status-bar message: said while a request is out, never left behind."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QMainWindow

from ui.screen_reads import ReadThenOpen


def _opener(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    return window, ReadThenOpen(window, None)


def test_a_request_dropped_by_a_dialog_opened_another_way_clears_its_message(qtbot):
    """Review of issue 9 #2: IncidentsPanel.record(visit_id=…) and the approvals wizard call
    opened() while a request may be out; its answer is dropped and must not leave "Opening the
    booking form…" in the status bar for ever."""
    window, opener = _opener(qtbot)
    gate, shown = threading.Event(), []
    opener.open(window, lambda: gate.wait(5), lambda _p, r: shown.append(r), "the booking form")
    assert window.statusBar().currentMessage() == "Opening the booking form…"
    opener.opened()
    gate.set()
    qtbot.waitUntil(lambda: opener.worker.outstanding == 0)
    assert shown == []  # dropped: a dialog is open already
    assert window.statusBar().currentMessage() == ""


def test_a_superseded_request_leaves_the_newer_ones_message(qtbot):
    """An older request's answer (skipped or dropped) does not clear the message of the newer
    request still out; the newer one's answer does."""
    window, opener = _opener(qtbot)
    first, second, shown = threading.Event(), threading.Event(), []
    opener.open(window, lambda: first.wait(5), lambda _p, r: shown.append(1), "the booking form")
    qtbot.waitUntil(lambda: opener.worker.pool.activeThreadCount() == 1)
    opener.open(window, lambda: second.wait(5), lambda _p, r: shown.append(2), "the booking form")
    first.set()
    qtbot.waitUntil(lambda: opener.worker.outstanding == 1)
    assert window.statusBar().currentMessage() == "Opening the booking form…"
    second.set()
    qtbot.waitUntil(lambda: opener.worker.outstanding == 0)
    assert shown == [2]
    assert window.statusBar().currentMessage() == ""
