"""Start hvdesk (or a bare PySide6 window) the way a user does, and stop once a window is painted.

    .venv/bin/python bench/startup_probe.py bare
    .venv/bin/python bench/startup_probe.py app --db FILE            # sign-in dialog painted
    .venv/bin/python bench/startup_probe.py enter --db FILE          # + sign in, main window painted
    .venv/bin/python bench/startup_probe.py alarm --db FILE          # ... and an alarm window

bench/run.py times the whole process from outside (start to exit) for `bare` and `app`, so the
ratio of the two is start-up over a bare window started the same way. `enter` also prints, from
inside, the seconds from pressing Sign in to the main window being painted, and the CPU seconds
the process (every thread) spent meanwhile: `SIGNED_IN_WINDOW <seconds> cpu <seconds>`. It types
as a person does, a key at a time: the username early in the HVDESK_BENCH_TYPING_S (2) seconds
after the dialog is painted, the password in their second half, Enter at the end (the app builds
the window for the username while the password is typed). Each key of the password is due at a
set moment: how late the GUI thread handles it is how long that key waited, printed before Enter
as `KEY_STALL <max seconds> median <seconds>`. `alarm` (a database with a visit overdue) goes on
until an alarm window is painted too: `ALARM_WINDOW <seconds>` from Enter. The process leaves
with os._exit: tearing down is not start-up.

The paints are watched on each window as it is shown (show/exec/open called from Python, the
bare window's and the app's alike), not by a filter on the whole application: such a filter has
PySide wrap every object any event goes to, and for Qt's private classes (the label's text
control...) that makes it build every enum of QtCore and QtGui (~160, ~30 ms of CPU) as the
sign-in dialog is made, a cost the app without the probe never pays.
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
from PySide6.QtWidgets import QApplication, QDialog, QWidget

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
            self.typist = _Typist(window)
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

    def _press_enter(self, dialog: QWidget) -> None:
        self.typist.report()
        enter = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
        self.pressed_at, self.cpu_at = time.perf_counter(), time.process_time()
        QApplication.sendEvent(dialog.password, enter)  # type: ignore[attr-defined]


class _Typist:
    """Types as a person does, a key at a time: the username from a tenth of TYPING_S after the
    dialog is painted, the password from half-way, its last key a twentieth before Enter. Each
    key is due at a set moment; how late it is handled is how long that key waited on the GUI
    thread (building the window, the database opening...): `KEY_STALL <max s> median <s>`."""

    def __init__(self, dialog: QWidget) -> None:
        self.start = time.perf_counter()
        self.late: list[float] = []
        self.timers: list[QTimer] = []
        password = os.environ.get("HVDESK_BENCH_PASSWORD", DEMO_PASSWORD)
        name_gap = TYPING_S * 0.3 / len(DEMO_USER)
        word_gap = TYPING_S * 0.45 / len(password)
        field = dialog.username  # type: ignore[attr-defined]
        for i, char in enumerate(DEMO_USER):
            self._due(TYPING_S * 0.1 + i * name_gap, field, char, record=False)
        field = dialog.password  # type: ignore[attr-defined]
        self._due(TYPING_S * 0.5 - 0.05, field, "", record=False)  # Tab: into the password
        for i, char in enumerate(password):
            self._due(TYPING_S * 0.5 + i * word_gap, field, char, record=True)

    def _due(self, at_s: float, field: QWidget, char: str, *, record: bool) -> None:
        timer = QTimer()
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(lambda: self._key(at_s, field, char, record))
        timer.start(int(at_s * 1000))
        self.timers.append(timer)

    def _key(self, at_s: float, field: QWidget, char: str, record: bool) -> None:
        if record:
            self.late.append(time.perf_counter() - self.start - at_s)
        if not char:
            field.setFocus()
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(field, key)

    def report(self) -> None:
        if self.late:
            late = sorted(self.late)
            print(f"KEY_STALL {late[-1]:.4f} median {late[len(late) // 2]:.4f}", flush=True)


def _watch_windows(watcher: QObject) -> None:
    """`watcher` filters each window's events from the moment it is shown (see the docstring)."""

    def watched(method):  # type: ignore[no-untyped-def]
        def showing(widget: QWidget, *args):  # type: ignore[no-untyped-def]
            if widget.isWindow():
                widget.installEventFilter(watcher)
            return method(widget, *args)

        return showing

    for cls, names in (
        (QWidget, ("show", "showNormal", "showMaximized")),
        (QDialog, ("exec", "open")),
    ):
        for name in names:
            setattr(cls, name, watched(getattr(cls, name)))


def main() -> None:
    mode = sys.argv[1]
    app = QApplication(sys.argv[:1])
    watcher = _FirstPaint(mode)
    _watch_windows(watcher)
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
