"""The wrapping status bar: QStatusBar's API kept, texts wrap to a second line, never cut."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from ui.status_bar import WrappingStatusBar

pytestmark = pytest.mark.ui


@pytest.fixture
def bar(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    status = WrappingStatusBar(window)
    window.setStatusBar(status)
    window.resize(400, 300)
    window.show()
    return window, status


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(text)
    return label


def test_the_order_follows_add_insert_and_permanent_like_qstatusbar(bar, qtbot):
    _window, status = bar
    first, counts, user, monitor = (_label(t) for t in ("first", "counts", "user", "monitor"))
    status.addWidget(first)
    status.addWidget(counts)
    status.addPermanentWidget(user)
    status.insertPermanentWidget(0, monitor)
    warning = _label("warning")
    status.insertWidget(1, warning)
    names = [w.objectName() for w in status.widgets() if w is not status.message_label]
    assert names == ["first", "warning", "counts", "monitor", "user"]
    qtbot.waitUntil(lambda: all(w.isVisible() for w in (first, warning, counts, user, monitor)))


def test_a_widget_hidden_before_it_is_added_stays_hidden_until_shown(bar, qtbot):
    _window, status = bar
    badge = _label("ALARM SOUND OFF")
    badge.setVisible(False)
    status.insertWidget(0, badge)
    qtbot.wait(0)
    assert badge.isHidden()
    badge.show()
    qtbot.waitUntil(badge.isVisible)


def test_too_much_for_one_line_wraps_and_shows_every_text_whole(bar, qtbot):
    window, status = bar
    labels = [_label(f"a status text number {n}") for n in range(6)]
    for label in labels:
        status.addWidget(label)
    qtbot.waitUntil(lambda: status.flow.rows(status.area.width()) > 1)
    one_line = max(label.sizeHint().height() for label in labels)
    qtbot.waitUntil(lambda: status.area.height() >= 2 * one_line)
    qtbot.waitUntil(lambda: all(lb.width() == lb.sizeHint().width() for lb in labels))
    for label in labels:
        assert label.isVisible()
        assert status.area.rect().contains(label.geometry())  # inside the bar, not cut off
    window.resize(2400, 300)
    qtbot.waitUntil(lambda: status.flow.rows(status.area.width()) == 1)
    qtbot.waitUntil(lambda: status.area.height() < 2 * one_line)


def test_a_message_shows_beside_the_labels_and_goes(bar, qtbot):
    _window, status = bar
    monitoring = _label("Monitoring: ON")
    status.addWidget(monitoring)
    status.showMessage("Importing attendance from marks.csv…")
    qtbot.waitUntil(status.message_label.isVisible)
    assert status.message_label.text() == "Importing attendance from marks.csv…"
    assert monitoring.isVisible()  # a message never hides Monitoring
    status.clearMessage()
    qtbot.waitUntil(status.message_label.isHidden)


def test_removing_a_widget_takes_it_out_of_the_flow(bar, qtbot):
    _window, status = bar
    label = _label("saved")
    status.addPermanentWidget(label)
    status.removeWidget(label)
    assert label not in status.widgets() and label.isHidden()
