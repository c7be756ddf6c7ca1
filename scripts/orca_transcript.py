"""What Orca says: a speaking screen reader run over hvdesk, its speech written down.

    dbus-run-session -- xvfb-run -a .venv/bin/python scripts/orca_transcript.py > said.txt

Orca (Debian's orca, with speech-dispatcher) runs headless on the X server in a private D-Bus
session with its own settings folder; hvdesk's demo school opens on the same server and is
walked by the keyboard as a person would: the sign-in dialog (Tab through it), Today (the Out
now table, a row, Tab to the actions), the Calendar (its painted week: Down, Down; its list of
visits: Down, a reload, Down), New visit (a drop-down chosen from its list), the risk assessment
wizard (Tab, Next), Settings (Tab), then an alarm window brought to the front (Tab through it,
Alt+H takes it, Enter on the first answer of its step, Tab).
Orca's debug log keeps every 'SPEECH OUTPUT' it sends to the synthesiser whether or not a sound
card is there. Each step starts when Orca has finished speaking of the one before (or has said
nothing for a while), so the speech in the log after a step began is that step's, however slow
the machine. Needs orca, speech-dispatcher, at-spi2-core, dbus and Xvfb (scripts/setup.sh
--dev); talks to no network. Saved: docs/accessibility/orca_transcript.txt.

Exit status: 0 a transcript, 1 a failure (Orca's own output on stderr), 3 skipped: another
Orca of this user runs (Orca would quit at once beside it, and it is not ours to replace).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
LOCK = Path(tempfile.gettempdir()) / "hvdesk-orca.lock"
SPEECH = "SPEECH OUTPUT: '"
SAID = re.compile(r"SPEECH OUTPUT: '(.*)'(?:\{.*\})?$")
ORCA_ON = "SPEECH OUTPUT: 'Screen reader on.'"
SKIPPED = 3
QUIET = 0.8  # Orca has finished a step once it has said nothing more for this long
SILENT_STEP = 3.0  # a step Orca says nothing of ends after this long
STEP_DEADLINE = 20.0  # one step may speak for at most this long
OTHER_ORCA_WAIT = 120.0  # how long another user's Orca (not ours to stop) is waited for

# Run inside hvdesk: each line on stdin runs the next step, which prints 'STEP <heading>'.
APP = r"""
import os, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from PySide6.QtCore import QEventLoop, QSocketNotifier, Qt
from PySide6.QtTest import QTest
from ui.app import create_application
import screenshots
app = create_application([])
from ui.login import LoginDialog
from ui.tracker.feature import TrackerFeature

state = {}

def key(k, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(app.focusWidget() or app.activeWindow(), k, modifier)

def show(window):
    window.show(); window.raise_(); window.activateWindow()

def sign_in():
    state["login"] = LoginDialog(None)
    show(state["login"])

def today():
    state["login"].close()
    show(state["w"])

def until(found, seconds=60):
    # what found() returns once it is not None: a form opens once its read is back
    import time
    end = time.monotonic() + seconds
    while (got := found()) is None:
        if time.monotonic() > end:
            raise TimeoutError("the form did not open")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    return got

def booking():
    [a for a in state["w"].toolbar.actions() if a.text() == "New visit"][0].trigger()
    state["d"] = until(lambda: next(
        (x for x in app.topLevelWidgets() if x.windowTitle() == "New visit" and x.isVisible()),
        None))
    show(state["d"])

def week():
    from ui.calendar.feature import CalendarFeature
    from ui.calendar.model import Mode
    w = state["w"]
    w.show_panel("Calendar")
    cal = state["cal"] = w.feature(CalendarFeature).panel
    cal.set_mode(Mode.WEEK)
    cal.grid.setFocus(Qt.FocusReason.TabFocusReason)

def calendar():
    from ui.calendar.model import Mode
    cal = state["cal"]
    cal.set_mode(Mode.DAY)
    cal.reads.worker.wait()  # the day is read on the window's reader
    app.sendPostedEvents()
    cal.grid.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(cal.grid, Qt.Key.Key_Down)

def wizard():
    from ui.panels.approvals import ApprovalFeature
    state["d"].reject()
    w = state["w"]
    draft = next(e.item.id for e in state["cal"].view.entries if e.item.status == "draft")
    visit = w.services.visits.get(draft)
    action = next(a for a in w.visit_actions.for_visit(visit) if a.label == "Risk assessment…")
    action.run(visit, w)
    state["wiz"] = until(lambda: w.feature(ApprovalFeature).wizard)
    show(state["wiz"])

def next_page():
    from PySide6.QtWidgets import QWizard
    state["wiz"].button(QWizard.WizardButton.NextButton).click()

def settings():
    state["wiz"].hide()
    show(state["w"])
    state["w"].show_panel("Settings")
    state["w"].nav.setFocus(Qt.FocusReason.TabFocusReason)

def alarm():
    windows = state["w"].feature(TrackerFeature).controller.windows
    state["alarm"] = next(iter(windows.values()))
    show(state["alarm"])

def new_return():
    state["alarm"].new_return_check.setChecked(True)
    state["alarm"].new_return.setFocus(Qt.FocusReason.TabFocusReason)

tab = lambda: key(Qt.Key.Key_Tab)
# (heading, step, what Orca says once it has taken the step in: the next waits for it)
STEPS = [
    ("The sign-in dialog opens", sign_in, "Username"),
    ("Tab in the sign-in dialog", tab, ""),
    ("Tab in the sign-in dialog", tab, ""),
    ("Today (the main window) comes to the front", today, "Today"),
    ("Focus on the Out now table",
     lambda: state["w"].today.board_view.setFocus(Qt.FocusReason.TabFocusReason),
     "Check-in 06:45"),
    ("Down arrow in Out now", lambda: key(Qt.Key.Key_Down), "Left property 08:20"),
    ("Tab from Out now", tab, ""),
    ("Tab from Out now", tab, ""),
    ("The Calendar's week view (painted) in focus", week, "Calendar"),
    ("Down arrow in the week view", lambda: key(Qt.Key.Key_Down), "family"),
    ("Down arrow in the week view", lambda: key(Qt.Key.Key_Down), "family"),
    ("The Calendar's day view, Down in it", calendar, "Begum family"),
    ("Tab to the list of visits", tab, "List with"),
    ("Down arrow in the list of visits", lambda: key(Qt.Key.Key_Down), "Rahman family"),
    ("The visits reloaded, as every minute", lambda: state["cal"].refresh(), ""),
    ("Down arrow again", lambda: key(Qt.Key.Key_Down), "Nowak family"),
    ("New visit opens", booking, "New visit dialog"),
    ("Focus on Lead staff",
     lambda: state["d"].lead.setFocus(Qt.FocusReason.TabFocusReason), "Lead staff"),
    ("Focus on Purpose",
     lambda: state["d"].purpose.setFocus(Qt.FocusReason.TabFocusReason), "Purpose"),
    ("Alt+Down on Purpose",
     lambda: key(Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier), "List with"),
    ("Down in the Purpose list", lambda: key(Qt.Key.Key_Down), "Attendance concern"),
    ("Enter in the Purpose list", lambda: key(Qt.Key.Key_Return), "Purpose"),
    ("Tab to the Date",
     lambda: state["d"].day.setFocus(Qt.FocusReason.TabFocusReason), ""),
    ("The risk assessment wizard opens for a draft visit", wizard, "Risk assessment"),
    ("Tab in the wizard", tab, ""),
    ("Tab in the wizard", tab, ""),
    ("Tab in the wizard", tab, ""),
    ("Next page of the wizard", next_page, ""),
    ("Tab in the wizard", tab, ""),
    ("Tab in the wizard", tab, ""),
    ("Settings, Tab from the navigation", settings, "Settings"),
    ("Tab in Settings", tab, ""),
    ("Tab in Settings", tab, ""),
    ("Tab in Settings", tab, ""),
    ("Tab in Settings", tab, ""),
    ("An alarm window comes to the front", alarm, "I'm handling this"),
    ("Tab in the alarm window", tab, ""),
    ("Tab in the alarm window", tab, ""),
    ("Tab in the alarm window", tab, ""),
    ("Alt+H takes the alarm", lambda: key(Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier), ""),
    ("Enter on the current step's first result", lambda: key(Qt.Key.Key_Return), ""),
    ("Tab from Resolve as", tab, ""),
    ("Tab to New expected return, its box ticked", new_return, ""),
]

def next_step():
    line = sys.stdin.readline()
    if not line.strip() or not STEPS:
        folder.cleanup()
        os._exit(0)  # quitting would ask 'Stop monitoring?': this demo just ends
    heading, step, until = STEPS.pop(0)
    step()
    print(f"STEP {heading}\t{until}", flush=True)

# The demo school is built first, out of sight: a window that does not answer for seconds
# (building it) is taken by Orca for a dead one, which the real sign-in never does.
folder = tempfile.TemporaryDirectory(prefix="hvdesk-orca-app-")
w = screenshots._window(Path(folder.name), demo=True)
state["w"] = w
for shown in w.feature(TrackerFeature).controller.windows.values():
    shown.hide()  # shown again below, one at a time
w.hide()
notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(next_step)
print("READY", flush=True)
app.exec()
"""


class Failed(Exception):
    """Orca or hvdesk did not do its part; the message says what each printed."""


class OtherOrca(Exception):
    """Another Orca of this user runs: ours quit at once beside it (never --replace it)."""


def _spoken(log: Path, start: int) -> tuple[list[str], int]:
    """What Orca has said since byte `start` of its log, and where the log now ends. A speech
    with a line break in it (a dialog's title and subtitle) goes on over indented lines; one
    still being written waits for the next look, as does a line not yet ended."""
    with log.open("rb") as f:
        f.seek(start)
        chunk = f.read()
    whole = chunk[: chunk.rfind(b"\n") + 1]
    lines = whole.decode(errors="replace").splitlines(keepends=True)
    texts: list[str] = []
    used = i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if SPEECH not in line:
            used += len(line.encode())
            continue
        joined, taken = line.rstrip("\n"), [line]
        while not SAID.search(joined) and i < len(lines) and lines[i].startswith(" "):
            joined += " " + lines[i].strip()
            taken.append(lines[i])
            i += 1
        said = SAID.search(joined)
        if said is None:  # its end is not written yet
            break
        texts.append(said.group(1))
        used += sum(len(t.encode()) for t in taken)
    return texts, start + used


def _listen(log: Path, start: int, until: str) -> tuple[list[str], int]:
    """Orca's speech from `start` until it has said `until` (or anything, when that is '') and
    then nothing for a moment; a step with nothing to wait for may be silent."""
    heard: list[str] = []
    began = last = time.monotonic()
    while True:
        time.sleep(0.1)
        texts, start = _spoken(log, start)
        now = time.monotonic()
        if texts:
            heard += texts
            last = now
        taken_in = any(until in text for text in heard) if until else bool(heard)
        silent = not until and not heard and now - began >= SILENT_STEP
        if (taken_in and now - last >= QUIET) or silent or now - began >= STEP_DEADLINE:
            return heard, start


def _wait_for_orca(orca: subprocess.Popen[bytes], log: Path, output: Path) -> int:
    """Block until Orca says 'Screen reader on.'; where its log then ends."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and ORCA_ON in log.read_text(errors="replace"):
            return log.stat().st_size
        if orca.poll() is not None:
            if "already running" in output.read_text(errors="replace"):
                raise OtherOrca(output.read_text(errors="replace").strip())
            break
        time.sleep(0.2)
    raise Failed(f"Orca did not start (exit {orca.poll()}):\n{output.read_text()[-3000:]}")


def _walk(app: subprocess.Popen[str], log: Path, start: int) -> list[tuple[str, list[str]]]:
    """Each step run once Orca has finished with the one before; its heading and speech."""
    assert app.stdin is not None and app.stdout is not None
    said: list[tuple[str, list[str]]] = []
    while True:
        line = app.stdout.readline()
        if not line:
            return said
        if line.startswith("STEP "):
            heading, until = line[5:].rstrip("\n").split("\t")
            heard, start = _listen(log, start, until)
            said.append((heading, heard))
        elif line.strip() != "READY":
            continue
        app.stdin.write("next\n")
        app.stdin.flush()


def transcript(said: list[tuple[str, list[str]]]) -> list[str]:
    """Headings and speech, a step repeated in a row (Tab, Tab) under one heading."""
    lines: list[str] = []
    previous = None
    for heading, texts in said:
        if heading != previous:
            lines += ["", f"## {heading}"] if lines else [f"## {heading}"]
        lines += texts
        previous = heading
    return [*lines, ""]


def _other_orca() -> str:
    """The pid of an Orca of this user already running, or ''."""
    found = subprocess.run(
        ["pgrep", "-u", str(os.getuid()), "-x", "orca"], capture_output=True, text=True
    )
    return found.stdout.strip()


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:  # Orca may not stop on SIGTERM: it is only ours
        process.kill()
        process.wait(5)


def _copy(terminal: int, log: Path) -> None:
    """Orca's log from its terminal into `log`, line by line, until Orca ends."""
    with log.open("wb", buffering=0) as f:
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # Orca has ended
                chunk = b""
            if not chunk:
                os.close(terminal)
                return
            f.write(chunk.replace(b"\r\n", b"\n"))


def _run(folder: Path) -> list[str]:
    """Orca started, hvdesk walked, both stopped: the transcript."""
    env = {**os.environ, "GSETTINGS_BACKEND": "memory", "HOME": str(folder)}
    log, output = folder / "orca.log", folder / "orca.out"
    launcher = subprocess.Popen(
        [LAUNCHER, "--launch-immediately"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Orca's log is a file Python buffers 8 KB at a time (the last words of a step would sit
    # there): written to a terminal it is written line by line, and copied to `log` as it comes
    terminal, orca_end = pty.openpty()
    with output.open("wb") as out:
        orca = subprocess.Popen(
            ["orca", "-u", str(folder / "prefs"), "--debug-file=/dev/stderr"],
            env=env,
            stdout=out,
            stderr=orca_end,
        )
    os.close(orca_end)
    copier = threading.Thread(target=_copy, args=(terminal, log), daemon=True)
    copier.start()
    app: subprocess.Popen[str] | None = None
    try:
        start = _wait_for_orca(orca, log, output)
        speech = [("Orca starts", _spoken(log, 0)[0])]
        app_env = {
            **env,
            "QT_QPA_PLATFORM": "xcb",
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_ACCESSIBILITY": "1",
            "HVDESK_NO_SOUND": "1",
        }
        with (folder / "app.err").open("w") as errors:
            app = subprocess.Popen(
                [sys.executable, "-c", APP, str(ROOT), str(ROOT / "scripts")],
                env=app_env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        speech += _walk(app, log, start)
        if app.wait(30) != 0 or len(speech) < 2:
            raise Failed(f"hvdesk exited {app.returncode}:\n{(folder / 'app.err').read_text()}")
        return transcript(speech)
    finally:
        if app is not None and app.poll() is None:
            _stop(app)
        _stop(orca)
        copier.join(5)
        if os.environ.get("HVDESK_ORCA_LOG"):  # Orca's whole log, to see why it said what it said
            shutil.copy(log, os.environ["HVDESK_ORCA_LOG"])
        launcher.terminate()
        launcher.wait(5)


def _alone(deadline: float) -> str:
    """Wait (until `deadline`) for any other Orca of this user to end: '' once none runs, else
    why not. Orca counts even one that has ended but not been collected, as we do."""
    while other := _other_orca():
        if time.monotonic() >= deadline:
            return f"another Orca of this user runs (pid {' '.join(other.split())})"
        time.sleep(0.5)
    return ""


def main() -> int:
    if shutil.which("orca") is None:
        print("needs orca and speech-dispatcher (scripts/setup.sh --dev)", file=sys.stderr)
        return 2
    deadline = time.monotonic() + OTHER_ORCA_WAIT
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one of our runs at a time: Orca allows one a user
        while True:
            busy = _alone(deadline)
            if busy:
                print(f"skipped: {busy}", file=sys.stderr)
                return SKIPPED
            with tempfile.TemporaryDirectory(prefix="hvdesk-orca-") as folder:
                try:
                    print("\n".join(_run(Path(folder))))
                    return 0
                except OtherOrca:  # one started between our look and ours: wait for it again
                    continue
                except Failed as failed:
                    print(failed, file=sys.stderr)
                    return 1


if __name__ == "__main__":
    sys.exit(main())
