"""Starting hvdesk a second time brings the running window forward instead of a second tracker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ui.single_instance import SingleInstance

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def key():
    return f"hvdesk-test-{uuid.uuid4().hex[:8]}"


def test_the_second_copy_is_refused_and_wakes_the_first(qtbot, tmp_path, key):
    first = SingleInstance(key, tmp_path)
    assert first.acquire()
    second = SingleInstance(key, tmp_path)
    assert not second.acquire()
    with qtbot.waitSignal(first.activated, timeout=3000):
        assert second.notify()
    first.release()
    third = SingleInstance(key, tmp_path)  # after the first quits, a new one may start
    assert third.acquire()
    third.release()


def test_a_second_process_brings_the_window_forward(qtbot, tmp_path, key):
    first = SingleInstance(key, tmp_path)
    assert first.acquire()
    script = (
        "import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]);"
        "from pathlib import Path; from ui.single_instance import SingleInstance;"
        f"s = SingleInstance({key!r}, Path({str(tmp_path)!r}));"
        "sys.exit(0 if (not s.acquire() and s.notify()) else 1)"
    )
    with qtbot.waitSignal(first.activated, timeout=10_000):
        proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy())
    assert proc.wait(timeout=30) == 0
    first.release()


def test_a_crashed_copys_lock_is_taken_over(qtbot, tmp_path, key):
    script = (
        "import os; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]);"
        "from pathlib import Path; from ui.single_instance import SingleInstance;"
        f"s = SingleInstance({key!r}, Path({str(tmp_path)!r})); assert s.acquire(); os._exit(9)"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), timeout=30)
    assert (tmp_path / f"{key}.lock").exists()  # left behind by the dead copy
    again = SingleInstance(key, tmp_path)
    assert again.acquire()
    again.release()


def test_the_lock_is_held_at_once_and_later_copies_answered_from_listen(qtbot, tmp_path, key):
    """At start-up the lock comes first (a second copy never shows a sign-in dialog) and the
    listening once the dialog is on screen: in between, a later copy is refused unanswered."""
    first = SingleInstance(key, tmp_path)
    assert first.acquire(listen=False) and first.server is None
    second = SingleInstance(key, tmp_path)
    assert not second.acquire()
    assert not second.notify(timeout_ms=200)  # nobody answers yet: 'hvdesk is already running'
    first.listen()
    first.listen()  # once only
    with qtbot.waitSignal(first.activated, timeout=3000):
        assert second.notify()
    first.release()
    assert first.server is None
    first.listen()  # after release: no longer this copy's to answer
    assert first.server is None
