"""Every screen, dialog and alarm window passes the accessibility audit (tests/ui/a11y_audit.py).

Screens are taken from the main window's own registry, so a screen added later is audited too.
"""

from __future__ import annotations

import pytest

from tests.ui.a11y_audit import audit

pytestmark = pytest.mark.ui


def test_every_screen_is_named_readable_and_reachable_by_tab(window, qtbot):
    problems = []
    for name in list(window.panels):
        window.show_panel(name)
        qtbot.waitUntil(lambda n=name: window.stack.currentWidget() is window.panels[n])
        found = audit(qtbot, window)
        problems += [f"[{name}] {p}" for p in found.problems()]
    assert problems == [], "\n".join(problems)


def test_every_alarm_window_is_named_readable_and_reachable_by_tab(window, qtbot):
    windows = list(window.tracker_controller.windows.values())
    assert windows
    problems = []
    for aw in windows:
        found = audit(qtbot, aw)
        problems += [f"[{aw.windowTitle()}] {p}" for p in found.problems()]
    assert problems == [], "\n".join(problems)
