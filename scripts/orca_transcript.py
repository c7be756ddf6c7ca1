"""What Orca says: a speaking screen reader run over hvdesk, its speech written down.

    dbus-run-session -- xvfb-run -a .venv/bin/python scripts/orca_transcript.py > said.txt

Orca (Debian's orca, with speech-dispatcher) runs headless on the X server in a private D-Bus
session with its own settings folder; hvdesk's demo school opens on the same server and is
walked by the keyboard as a person would: the sign-in dialog (Tab through it), Today (the Out
now table, a row, Tab to the actions), the Calendar (its list of visits, Down, a reload, Down),
then an alarm window brought to the front (Tab through it).
Orca's debug log keeps every 'SPEECH OUTPUT' it sends to the synthesiser whether or not a sound
card is there; those lines, in order, with each step's heading, are the transcript.
Needs orca, speech-dispatcher, at-spi2-core, dbus and Xvfb (scripts/setup.sh --dev); talks to no
network. Saved: docs/accessibility/orca_transcript.txt.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
SAID = re.compile(r"SPEECH OUTPUT: '(.*)'(?:\{.*\})?$")
STEP = re.compile(r"^STEP (.*)$")

# Run inside hvdesk: each step after the one before, printed (with the time) as it starts.
APP = r"""
import sys, tempfile, time
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from ui.app import create_application
import screenshots
app = create_application([])
from ui.login import LoginDialog
from ui.tracker.feature import TrackerFeature

def say(step):
    print(f"STEP {time.time():.3f} {step}", flush=True)

def key(widget, k, times=1):
    # a second apart, as a person listens: Orca drops what a quicker key cut short
    for i in range(times):
        QTimer.singleShot(1200 * i, lambda: QTest.keyClick(app.focusWidget() or widget, k))

state = {}

def sign_in():
    say("The sign-in dialog opens")
    login = LoginDialog(None)
    state["login"] = login
    login.show(); login.raise_(); login.activateWindow()

def sign_in_tab():
    say("Tab, Tab in the sign-in dialog")
    key(state["login"], Qt.Key.Key_Tab, 2)

def today():
    state["login"].close()
    say("Today (the main window) comes to the front")
    w = state["w"]
    w.show(); w.raise_(); w.activateWindow()

def out_now():
    say("Focus on the Out now table")
    board = state["w"].today.board_view
    board.setFocus(Qt.FocusReason.TabFocusReason)

def row_down():
    say("Down arrow in Out now")
    key(state["w"].today.board_view, Qt.Key.Key_Down)

def tab_to_actions():
    say("Tab, Tab from Out now")
    key(state["w"], Qt.Key.Key_Tab, 2)

def calendar():
    say("The Calendar's day view, Tab to the list of visits")
    from ui.calendar.feature import CalendarFeature
    from ui.calendar.model import Mode
    w = state["w"]
    w.show_panel("Calendar")
    cal = state["cal"] = w.feature(CalendarFeature).panel
    cal.set_mode(Mode.DAY)
    QTest.keyClick(cal.grid, Qt.Key.Key_Down)
    key(cal.grid, Qt.Key.Key_Tab)

def calendar_down():
    say("Down arrow in the list of visits, the visits reloaded, Down arrow again")
    key(state["cal"].agenda, Qt.Key.Key_Down)
    QTimer.singleShot(1200, state["cal"].refresh)  # as every minute: the bridge must survive it
    QTimer.singleShot(2400, lambda: QTest.keyClick(state["cal"].agenda, Qt.Key.Key_Down))

def alarm():
    say("An alarm window comes to the front")
    windows = state["w"].feature(TrackerFeature).controller.windows
    first = next(iter(windows.values()))
    state["alarm"] = first
    first.show(); first.raise_(); first.activateWindow()

def alarm_tab():
    say("Tab, Tab, Tab in the alarm window")
    key(state["alarm"], Qt.Key.Key_Tab, 3)

# The demo school is built first, out of sight: a window that does not answer for seconds
# (building it) is taken by Orca for a dead one, which the real sign-in never does.
w = screenshots._window(Path(tempfile.mkdtemp()), demo=True)
state["w"] = w
for shown in w.feature(TrackerFeature).controller.windows.values():
    shown.hide()  # shown again below, one at a time
w.hide()
steps = [
    sign_in, sign_in_tab, today, out_now, row_down, tab_to_actions, calendar, calendar_down,
    alarm, alarm_tab,
]
for i, step in enumerate(steps):
    QTimer.singleShot(2000 + 4000 * i, step)
import os  # quitting would ask 'Stop monitoring?': this demo just ends
QTimer.singleShot(2000 + 4000 * len(steps) + 5000, lambda: os._exit(0))
app.exec()
"""


def transcript(log: str, steps: list[tuple[float, str]]) -> list[str]:
    """Orca's speech, each line under the step it followed."""
    spoken: list[tuple[float, str]] = []
    for line in log.splitlines():
        match = SAID.search(line)
        if match is None:
            continue
        hh, mm, ss = line.split(" ", 1)[0].split(":")
        spoken.append((int(hh) * 3600 + int(mm) * 60 + float(ss), match.group(1)))
    heard: dict[str, list[str]] = {step: [] for step in ["Orca starts", *(s for _a, s in steps)]}
    for at, text in spoken:
        earlier = [step for begun, step in steps if begun <= at]
        heard[earlier[-1] if earlier else "Orca starts"].append(text)
    return [line for step, texts in heard.items() for line in (f"## {step}", *texts, "")]


def _seconds_of_day(epoch: float) -> float:
    moment = time.localtime(epoch)
    return moment.tm_hour * 3600 + moment.tm_min * 60 + moment.tm_sec + epoch % 1


def _wait_for_other_orcas(deadline: float) -> None:
    """Orca will not start while another Orca of the same user runs anywhere on the machine
    (even one in another D-Bus session, even a zombie): it says so and leaves, and the
    transcript comes out empty. Wait for them (e.g. a colleague's run) until `deadline`."""
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-u", str(os.getuid()), "-x", "orca"], capture_output=True)
        if not found.stdout.strip():
            return
        time.sleep(2)


def main() -> int:
    if shutil.which("orca") is None:
        print("needs orca and speech-dispatcher (scripts/setup.sh --dev)", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="hvdesk-orca-"))
    env = {**os.environ, "GSETTINGS_BACKEND": "memory", "HOME": str(folder)}
    launcher = subprocess.Popen(
        [LAUNCHER, "--launch-immediately"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    log = folder / "orca.log"
    print(f"Orca's whole log: {log}", file=sys.stderr)
    _wait_for_other_orcas(time.monotonic() + 240)
    out = folder / "orca.out"
    with out.open("w") as orca_out:  # a file, not a pipe: a full pipe would stop Orca
        orca = subprocess.Popen(
            ["orca", "-u", str(folder / "prefs"), f"--debug-file={log}"],
            env=env,
            stdout=orca_out,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(6)  # Orca is listening ('Screen reader on.')
        if orca.poll() is not None:  # e.g. another Orca started meanwhile: no transcript
            said = out.read_text(errors="replace").strip()
            print(f"Orca did not start: {said or orca.returncode}", file=sys.stderr)
            return 3
        app_env = {
            **env,
            "QT_QPA_PLATFORM": "xcb",
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_ACCESSIBILITY": "1",
            "HVDESK_NO_SOUND": "1",
        }
        args = [sys.executable, "-c", APP, str(ROOT), str(ROOT / "scripts")]
        run = subprocess.run(
            args, env=app_env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        time.sleep(1)
    finally:
        orca.terminate()
        try:
            orca.wait(5)
        except subprocess.TimeoutExpired:  # Orca may not stop on SIGTERM: it is only ours
            orca.kill()
            orca.wait(5)
        launcher.terminate()
    steps = []
    for line in run.stdout.splitlines():
        match = STEP.match(line)
        if match:
            at, step = match.group(1).split(" ", 1)
            steps.append((_seconds_of_day(float(at)), step))
    print("\n".join(transcript(log.read_text(errors="replace"), steps)))
    return 0 if steps else 1


if __name__ == "__main__":
    sys.exit(main())
