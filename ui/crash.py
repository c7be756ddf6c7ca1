"""Nothing dies silently: an unexpected error is logged in full and shown to the office in brief.

sys.excepthook catches errors on the GUI thread, including those raised inside Qt callbacks (slots,
timers: PySide prints them through sys.excepthook and carries on); threading.excepthook catches
worker threads; Qt's own warnings go to the log too. The message names the log file and says
monitoring carries on, so nobody closes hvdesk in a panic with staff out; a repeating error shows
one message, not a storm of them.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from hvdesk.errors import HvdeskError

log = logging.getLogger("hvdesk.crash")
QUIET_S = 30.0  # at most one message box in this many seconds

Show = Callable[[str, str], None]
_OPEN: list[object] = []


def _message_box(title: str, text: str) -> None:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is None:
        print(f"hvdesk: {text}", file=sys.stderr)
        return
    box = QMessageBox(QMessageBox.Icon.Warning, title, text)
    gui = app.thread()
    if gui.loopLevel() == 0 and QThread.currentThread() == gui:
        # no event loop yet (a crash during start-up): a non-modal box would never be painted
        # before the process ends, so this one waits for OK
        box.exec()
        return
    box.setModal(False)  # no nested event loop inside an error handler
    _OPEN.append(box)  # kept alive while shown
    box.finished.connect(lambda _r: _OPEN.remove(box))
    box.show()


def short_message(exc: BaseException, log_path: Path | None) -> str:
    if isinstance(exc, HvdeskError):
        return str(exc)
    where = f" The details are in {log_path}." if log_path else ""
    return (
        f"Something went wrong in hvdesk ({type(exc).__name__}: {str(exc)[:200]}).{where} "
        "Monitoring carries on; if this keeps happening, tell your IT support."
    )


class CrashHandler:
    def __init__(self, log_path: Path | None, show: Show = _message_box) -> None:
        self.log_path = log_path
        self.show = show
        self.last_shown = -QUIET_S
        self.count = 0

    def __call__(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.count += 1
        log.critical("Unexpected error", exc_info=(exc_type, exc, tb))
        now = time.monotonic()
        if now - self.last_shown >= QUIET_S:
            self.last_shown = now
            self.show("hvdesk: something went wrong", short_message(exc, self.log_path))

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self(args.exc_type, args.exc_value, args.exc_traceback)


def _qt_messages(mode, context, message) -> None:
    from PySide6.QtCore import QtMsgType

    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(mode, logging.ERROR)
    logging.getLogger(f"qt.{context.category or 'default'}").log(level, message)


def install(log_path: Path | None, show: Show = _message_box) -> CrashHandler:
    from PySide6.QtCore import qInstallMessageHandler

    handler = CrashHandler(log_path, show)
    sys.excepthook = handler
    threading.excepthook = handler.thread_hook
    qInstallMessageHandler(_qt_messages)
    return handler
