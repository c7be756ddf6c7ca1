"""bench/startup_probe.py watches each window's paints from its show (no application-wide event
filter, whose wrapping of every event's receiver cost the sign-in dialog ~30 ms of enums)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from bench import startup_probe

pytestmark = pytest.mark.ui


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.painted: list[QObject] = []
        self.receivers: set[str] = set()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        self.receivers.add(type(obj).__name__)
        if event.type() == QEvent.Type.Paint:
            self.painted.append(obj)
        return False


@pytest.fixture
def watcher(qapp, monkeypatch) -> _Paints:
    for cls, names in (
        (QWidget, ("show", "showNormal", "showMaximized")),
        (QDialog, ("exec", "open")),
    ):
        for name in names:  # put back after the test: the probe patches them for its process
            monkeypatch.setattr(cls, name, getattr(cls, name))
    paints = _Paints()
    startup_probe._watch_windows(paints)
    return paints


def test_a_shown_window_s_paint_reaches_the_watcher_and_only_its_own_events(qtbot, watcher):
    window = QWidget()
    QLabel("<b>rich</b> text", window)  # Qt's private text control: never handed to the watcher
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window in watcher.painted)
    assert watcher.receivers == {"QWidget"}


def test_an_opened_dialog_is_watched_and_a_child_shown_is_not(qtbot, watcher):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    child = QLabel("a child", dialog)
    child.show()  # not a window: no filter of its own
    dialog.open()
    qtbot.waitUntil(lambda: dialog in watcher.painted)
    assert child not in watcher.painted
