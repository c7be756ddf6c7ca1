"""Closing the window finishes a save or a backup under way while the window keeps painting and
says so: it never blocks the GUI thread waiting for another worker."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

from tests.ui.waiting import idle


def test_close_during_a_slow_settings_save_keeps_painting_and_saves(
    window, qtbot, answers, monkeypatch
):
    idle(window, qtbot)
    panel = window.settings
    service = panel.service
    released = threading.Event()
    real = service.save_settings

    def slow_save(*args, **kwargs):
        released.wait(10)  # a database across a slow network: answers when the test says
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "save_settings", slow_save)
    spin = next(iter(panel.numbers.values()))
    spin.setValue(spin.value() - 5)  # stricter: the office may
    wanted = spin.value()
    panel.save()
    assert panel.saving.busy
    during_close: list[str] = []

    def meanwhile() -> None:  # runs only if the GUI thread keeps turning while closing
        during_close.append(window.statusBar().currentMessage())
        released.set()

    QTimer.singleShot(100, meanwhile)
    window.close()
    # Settings saves on the window's one write worker: closing counts it with the tracker's presses
    assert during_close == ["Saving 1 record before closing…"]
    assert service.policy().to_dict()[next(iter(panel.numbers))] == wanted  # still saved


def test_close_during_the_daily_backup_says_so(window, qtbot, monkeypatch):
    import ui.main_window as main_window

    idle(window, qtbot)
    released = threading.Event()

    def slow_backup(*_args):
        released.wait(10)

    monkeypatch.setattr(main_window, "daily_backup", slow_backup)
    window._backup_timer.stop()
    window._start_backup()
    during_close: list[str] = []

    def meanwhile() -> None:
        during_close.append(window.statusBar().currentMessage())
        released.set()

    QTimer.singleShot(100, meanwhile)
    window.close()
    assert during_close == ["Finishing the backup before closing…"]
