"""Keys a person can find, and safe answers to a reflex Enter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from ui import dialogs
from ui.keyboard_help import KeyboardHelpFeature
from ui.tracker import keys
from ui.tracker.alarm_window import AlarmWindow
from ui.tracker.feature import TrackerFeature

pytestmark = pytest.mark.ui


def test_every_today_record_has_a_key_shown_in_the_menu_and_the_tooltips(window):
    menu = {a.shortcut().toString(): a for a in window.visit_menu.actions()}
    for record, (key, text) in keys.RECORD_KEYS.items():
        assert key in menu, f"{text} has no key in the Visit menu"
        assert menu[key].text() == text and key in menu[key].toolTip()
        button = window.today.buttons.get(record)
        if button is not None:
            assert key in button.toolTip(), button.text()
    assert keys.key_of("depart") in window.today.depart_button.toolTip()


def test_f1_opens_the_keyboard_help_with_every_menu_key(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.feature(KeyboardHelpFeature).dialog is not None)
    help_dialog = window.feature(KeyboardHelpFeature).dialog
    text = help_dialog.text.toPlainText()
    for key, label in keys.RECORD_KEYS.values():
        assert key in text and label in text
    assert "Alt+H" in text and "Alt+1" in text and "F1" in text
    help_dialog.reject()


def test_the_stop_monitoring_question_keeps_monitoring_on_enter(qtbot):
    seen = {}

    def press_enter() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["default"] = box.defaultButton().text()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, press_enter)
    assert dialogs._ask_safe(None, "Stop monitoring?", "2 visits are out now.") is False
    assert seen["default"] == "Keep monitoring"

    def press_escape() -> None:
        qtbot.keyClick(QApplication.activeModalWidget(), Qt.Key.Key_Escape)

    QTimer.singleShot(0, press_escape)
    assert dialogs._ask_safe(None, "Stop monitoring?", "2 visits are out now.") is False


def test_quit_with_staff_out_keeps_monitoring_unless_stopping_is_chosen(window, answers):
    ctrl = window.tracker_controller
    answers["reply"][0] = False  # the default answer: keep monitoring
    window.feature(TrackerFeature).quit_action.trigger()
    assert window.isVisible() and ctrl.monitoring
    assert answers["asked"][-1][0] == "Stop monitoring?"


def test_alarm_windows_are_raised_above_the_main_window_when_it_appears(window, qtbot, monkeypatch):
    raised: list[int] = []
    monkeypatch.setattr(AlarmWindow, "raise_", lambda self: raised.append(self.alarm_id))
    ctrl = window.tracker_controller
    assert ctrl.windows  # the demo's alarms were raised at start-up, before the window showed
    window.hide()
    window.show()  # as at start-up: the main window appears after the alarm windows
    qtbot.waitUntil(lambda: set(ctrl.windows) <= set(raised))


def test_the_alarm_window_takes_alt_h_as_take_not_a_mnemonic(window):
    aw = next(iter(window.tracker_controller.windows.values()))
    assert "&" not in aw.take_button.text() and "Alt+H" in aw.take_button.text()
    assert aw.take_button.shortcut() == QKeySequence()  # one owner of Alt+H: the shortcut
