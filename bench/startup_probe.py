"""Start hvdesk (or a bare PySide6 window) the way a user does, and stop once a window is painted.

    .venv/bin/python bench/startup_probe.py bare
    .venv/bin/python bench/startup_probe.py app --db FILE            # sign-in dialog painted
    .venv/bin/python bench/startup_probe.py enter --db FILE          # + sign in, main window painted
    .venv/bin/python bench/startup_probe.py alarm --db FILE          # ... and an alarm window

bench/run.py times the whole process from outside (start to exit) for `bare` and `app`, so the
ratio of the two is start-up over a bare window started the same way. `enter` also prints, from
inside, the seconds from pressing Sign in to the main window being painted, and the CPU seconds
the process (every thread) spent meanwhile: `SIGNED_IN_WINDOW <seconds> cpu <seconds>`. It types
as a person does: the username half-way through HVDESK_BENCH_TYPING_S (2) seconds after the
dialog is painted, the password and Enter at the end (the app builds the window for the username
while the password is typed). `alarm` (a database with a visit overdue) goes on until an
alarm window is painted too: `ALARM_WINDOW <seconds>` from Enter. The process leaves with
os._exit: tearing down is not start-up.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

DEMO_USER, DEMO_PASSWORD = "office", "hvdesk-demo"
# A person takes a couple of seconds to type a username and password; the app uses that time.
TYPING_S = float(os.environ.get("HVDESK_BENCH_TYPING_S", "2"))


class _FirstPaint(QObject):
    """Waits for a top-level window to be painted; what then depends on the mode."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.pressed_at: float | None = None
        self.cpu_at = 0.0  # the process's CPU seconds (every thread) when Enter was pressed
        self.seen: set[str] = set()  # alarm mode: the windows painted since Enter

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.isWindow():
            self._painted(obj)
        return False

    def _painted(self, window: QWidget) -> None:
        name = type(window).__name__
        if self.mode == "alarm" and self.pressed_at and self.pressed_at > 0:
            self._alarm_mode(name)
            return
        if self.mode not in ("enter", "alarm") or (
            name == "MainWindow" and self.pressed_at is not None
        ):
            if self.pressed_at is not None:
                self._signed_in()
            os._exit(0)
        if name == "LoginDialog" and self.pressed_at is None:
            self.pressed_at = -1.0
            QTimer.singleShot(int(TYPING_S * 500), lambda: self._type_username(window))
            QTimer.singleShot(int(TYPING_S * 1000), lambda: self._press_enter(window))

    def _signed_in(self) -> None:
        assert self.pressed_at is not None
        wall, cpu = time.perf_counter() - self.pressed_at, time.process_time() - self.cpu_at
        print(f"SIGNED_IN_WINDOW {wall:.4f} cpu {cpu:.4f}", flush=True)

    def _alarm_mode(self, name: str) -> None:
        """Both the main window and an alarm window painted, each said once, then leave."""
        assert self.pressed_at is not None
        if name in self.seen or name not in ("MainWindow", "AlarmWindow"):
            return
        self.seen.add(name)
        if name == "MainWindow":
            self._signed_in()
        else:
            print(f"ALARM_WINDOW {time.perf_counter() - self.pressed_at:.4f}", flush=True)
        if len(self.seen) == 2:
            os._exit(0)

    def _type_username(self, dialog: QWidget) -> None:
        dialog.username.setText(DEMO_USER)  # type: ignore[attr-defined]
        dialog.password.setFocus()  # type: ignore[attr-defined]

    def _press_enter(self, dialog: QWidget) -> None:
        dialog.password.setText(os.environ.get("HVDESK_BENCH_PASSWORD", DEMO_PASSWORD))  # type: ignore[attr-defined]
        enter = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
        self.pressed_at, self.cpu_at = time.perf_counter(), time.process_time()
        QApplication.sendEvent(dialog.password, enter)  # type: ignore[attr-defined]


def main() -> None:
    mode = sys.argv[1]
    app = QApplication(sys.argv[:1])
    watcher = _FirstPaint(mode)
    app.installEventFilter(watcher)
    QTimer.singleShot(60_000, lambda: os._exit(3))  # never hang a benchmark run
    if mode == "bare":
        window = QWidget()
        window.setWindowTitle("bare")
        window.resize(400, 300)
        window.show()
        app.exec()
        return
    from hvdesk.cli import main as hvdesk_main

    def open_window(args):  # type: ignore[no-untyped-def]
        from ui.app import run_gui  # as main.py does: the core never imports Qt

        return run_gui(args)

    code = hvdesk_main(sys.argv[2:], open_window=open_window)
    os._exit(4 if code == 0 else code)  # reaching here means no window was ever painted


if __name__ == "__main__":
    main()
