"""A crash is logged in full and shown in brief; the log file rotates."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from hvdesk.errors import HvdeskError
from hvdesk.logs import setup_logging
from ui import crash

pytestmark = pytest.mark.ui


@pytest.fixture
def log_file(tmp_path):
    path = setup_logging(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "hvdesk_log", None) == path]:
        root.removeHandler(handler)
        handler.close()


def _raise(exc):
    try:
        raise exc
    except BaseException as err:
        return type(err), err, err.__traceback__


def test_an_unexpected_error_is_logged_and_shown_briefly_once(log_file, monkeypatch):
    shown: list[tuple[str, str]] = []
    handler = crash.CrashHandler(log_file, lambda title, text: shown.append((title, text)))
    handler(*_raise(ZeroDivisionError("division by zero")))
    handler(*_raise(ZeroDivisionError("again")))  # a storm: logged, not shown again
    assert handler.count == 2
    assert len(shown) == 1
    title, text = shown[0]
    assert "went wrong" in title
    assert "ZeroDivisionError" in text and str(log_file) in text
    assert "Monitoring carries on" in text
    for h in logging.getLogger().handlers:
        h.flush()
    logged = log_file.read_text()
    assert "Unexpected error" in logged and "Traceback" in logged and "again" in logged


def test_a_plain_hvdesk_error_is_shown_as_it_is(log_file):
    shown = []
    handler = crash.CrashHandler(log_file, lambda t, x: shown.append(x))
    handler(*_raise(HvdeskError("Backup folder: D:\\ is full; free some space")))
    assert shown == ["Backup folder: D:\\ is full; free some space"]


def test_install_covers_qt_callbacks_and_threads(log_file, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    handler = crash.install(log_file, lambda t, x: shown.append(x))
    try:
        worker = threading.Thread(target=lambda: 1 / 0)
        worker.start()
        worker.join()
        assert handler.count == 1 and "ZeroDivisionError" in shown[0]
    finally:
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(None)


SLOT_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from hvdesk.logs import setup_logging
from ui import crash

app = QApplication([])
shown = []
crash.install(setup_logging(Path(sys.argv[1])), lambda t, x: shown.append(x))
def boom():
    raise RuntimeError("a bug in a timer callback")
QTimer.singleShot(0, boom)
QTimer.singleShot(200, app.quit)  # still running after the error
app.exec()
print("shown:", shown[0] if shown else "nothing")
"""


def test_an_error_in_a_qt_callback_is_caught_and_the_app_carries_on(tmp_path):
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", SLOT_SCRIPT, str(tmp_path / "logs")],
        cwd=root,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "shown: Something went wrong in hvdesk (RuntimeError" in result.stdout
    logged = (tmp_path / "logs" / "hvdesk.log").read_text()
    assert "a bug in a timer callback" in logged and "Traceback" in logged


def test_the_log_rotates(tmp_path):
    path = setup_logging(tmp_path / "logs")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "hvdesk_log", None) == path)
    try:
        assert setup_logging(tmp_path / "logs") == path  # once only
        assert sum(getattr(h, "hvdesk_log", None) == path for h in logging.getLogger().handlers) == 1
        handler.maxBytes = 2000
        for i in range(200):
            logging.getLogger("hvdesk.test").warning("line %d of a long week", i)
        assert (tmp_path / "logs" / "hvdesk.log.1").exists()
        assert not (tmp_path / "logs" / "hvdesk.log.6").exists()  # five old ones at most
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
