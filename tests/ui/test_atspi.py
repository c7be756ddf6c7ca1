"""What a Linux screen reader (Orca) receives: the real AT-SPI bus, not Qt's own tree.

Runs scripts/atspi_tree.py in a private D-Bus session on Xvfb (about 25 s) and checks what Orca
would say of the demo school's alarm window and status bar.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
NEEDED = ["dbus-run-session", "xvfb-run"]
MISSING = [tool for tool in NEEDED if shutil.which(tool) is None]
if not Path("/usr/libexec/at-spi-bus-launcher").exists():
    MISSING.append("at-spi2-core")


def _tree(screen: str) -> list[str]:
    """What Orca gets with `screen` open over Today (scripts/atspi_tree.py)."""
    run = subprocess.run(
        [
            *("dbus-run-session", "--", "xvfb-run", "-a"),
            *(sys.executable, "scripts/atspi_tree.py", screen),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout.splitlines()


@pytest.fixture(scope="module")
def tree() -> list[str]:
    return _tree("today")


@pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (scripts/setup.sh --dev)")
def test_orca_gets_the_alarm_window_as_an_alert_with_its_values(tree):
    alerts = [line for line in tree if "#2] 'RED ALARM" in line]  # ATSPI_ROLE_ALERT
    assert alerts, "\n".join(tree[:40])
    said = "\n".join(tree)
    for value in (
        "'Address: 143 Hill Street, Harborne",
        "'Expected back: 09:45'",
        "'Vehicle: Blue Ford Fiesta AB12 CDE",
        "'Who is handling this: Nobody is handling this yet.",
        '[push button #43] "I\'m handling this"',
    ):
        assert value in said, value


@pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (scripts/setup.sh --dev)")
def test_orca_reads_the_status_bar_and_the_today_actions(tree):
    said = "\n".join(tree)
    assert "'● Monitoring: ON'" in said
    assert "'Out now: 5 out now, 2 overdue" in said
    assert "'Alarm warning: ⚠ ALARM SOUND OFF" in said
    check_in = "'Check in OK for the selected visit' desc='Check in OK for the selected visit"
    assert f"{check_in} (Ctrl+Shift+K)'" in said
    assert "[table #" in said and "'Out now: visits being tracked'" in said


def _first(tree: list[str], piece: str) -> int:
    found = [i for i, line in enumerate(tree) if piece in line]
    assert found, piece
    return found[0]


@pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (scripts/setup.sh --dev)")
def test_orca_reads_the_window_and_today_top_to_bottom(tree):
    """Orca walks the tree in order: it must be the order on screen, not the order of building
    (Qt listed Today's panes bottom first and the menus after the screen)."""
    shown = [
        "[menu bar #",
        "[tool bar #63] 'Main'",
        "[list #31] 'Navigation'",
        "'OUT NOW (",
        "'Out now: visits being tracked'",
        "'Arrived for the selected visit'",
        "'LATER TODAY (",
        "'AWAITING APPROVAL (",
        "'OUTCOMES TO WRITE UP (",
        "[status bar #",
    ]
    read = [_first(tree, piece) for piece in shown]
    assert read == sorted(read), [shown[i] for i in sorted(range(len(shown)), key=read.__getitem__)]


ORCA_MISSING = bool(MISSING) or shutil.which("orca") is None
needs_orca = pytest.mark.skipif(
    ORCA_MISSING, reason="needs orca, speech-dispatcher, at-spi2-core (scripts/setup.sh --dev)"
)
SKIPPED = 3  # scripts/orca_transcript.py: another Orca of this user runs (not ours to stop)


def _run_whole_group(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in its own process group, killed whole on a timeout: Orca, Xvfb and the app would
    otherwise outlive a killed dbus-run-session and hold the Orca lock for every later run."""
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"Orca's run took over {timeout:.0f} s: {err[-3000:]}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


@pytest.fixture(scope="module")
def orca_heard() -> dict[str, str]:
    """What Orca said at each step of scripts/orca_transcript.py (one run, about 40 s)."""
    run = _run_whole_group(
        [
            *("dbus-run-session", "--", "xvfb-run", "-a"),
            *(sys.executable, "scripts/orca_transcript.py"),
        ],
        timeout=400,
    )
    if run.returncode == SKIPPED:
        pytest.skip(run.stderr.strip().splitlines()[-1])
    assert run.returncode == 0, run.stderr[-3000:]
    steps = run.stdout.split("## ")
    return {step.split("\n", 1)[0]: step for step in steps}


@pytest.mark.slow
@needs_orca
def test_orca_says_each_drop_down_s_field_and_choice(orca_heard):
    """Our own interface for a drop-down dropped Qt's (popup list, value): Orca said only
    'Purpose: combo box.', never the choice, nor the list when it opened."""
    assert "Lead staff: combo box.\nChoose who leads…" in orca_heard["Focus on Lead staff"]
    assert "Purpose: combo box.\nChoose a purpose…" in orca_heard["Focus on Purpose"]
    assert "List with 11 items." in orca_heard["Alt+Down on Purpose"]
    picked = orca_heard["Enter in the Purpose list"]
    assert "Purpose: combo box.\nAttendance concern." in picked


@pytest.mark.slow
@needs_orca
def test_orca_says_the_visit_in_out_now_and_the_alarm_s_facts(orca_heard):
    """A speaking screen reader, listened to (its speech as Orca logs it): Out now's rows name
    the family and the staff in full, and an alarm window says its address, time back and car
    the moment it comes to the front."""
    heard = orca_heard
    assert "Sign in to hvdesk dialog" in heard["The sign-in dialog opens"]
    assert "Rahman family, 93 Oak Road." in heard["Down arrow in Out now"]
    assert "Luke Wood + Sarah Mills." in heard["Down arrow in Out now"]
    alarm = heard["An alarm window comes to the front"]
    assert re.search(r"alert RED ALARM: CHECK-IN OVERDUE, Begum family, alarm \d+\.", alarm)
    for fact in ("Address: 143 Hill Street", "Expected back: 09:45", "Vehicle: Blue Ford Fiesta"):
        assert fact in alarm, fact


@pytest.mark.slow
@needs_orca
def test_orca_says_each_calendar_visit_once_as_the_arrows_move(orca_heard):
    """The Calendar's visits, said one by one from the list beside the painted views: the day's
    list when Tab reaches it, each visit as Down moves, and not again when the minute's reload
    comes (the same visits keep their items)."""
    calendar = orca_heard["Tab to the list of visits"]
    assert "List with 8 items." in calendar
    begum = (
        "06:30–09:30 Begum family, Jasmin Patel and Zoë Brontë-Núñez, Attendance concern, on site."
    )
    assert begum in calendar
    rahman = "07:35–08:20 Rahman family, Luke Wood and Sarah Mills, Safe and well check, overdue."
    down = orca_heard["Down arrow in the list of visits"]
    reload = orca_heard["The visits reloaded, as every minute"]
    assert (down + reload).count(rahman) == 1, (down, reload)  # not said again by the reload
    assert (
        "08:10–08:55 Nowak family, Amara Jones and Kamran Ahmed" in orca_heard["Down arrow again"]
    )


@pytest.mark.slow
@needs_orca
def test_orca_says_each_visit_of_the_painted_week_as_the_keyboard_moves(orca_heard):
    """The painted week was one object to Orca: now a list of its visits, each said once (in
    words: day, time, family, staff, purpose, state; then what the name leaves out) as Down moves
    the selection, not the view's own description again beside it."""
    focused = orca_heard["The Calendar's week view (painted) in focus"]
    assert "Calendar.\nList with 26 items." in focused
    assert "layered pane" not in focused  # the calendar's stack of views, passed over
    down = orca_heard["Down arrow in the week view"]
    yilmaz = (
        "Mon 23 Nov 09:15–10:00 Yilmaz family, Tom Lee and Amara Jones, "
        "Reception / new-starter induction, completed.\n"
        "leave school 09:00, back by 10:15, B16 9PA, unannounced, visit 21."
    )
    assert yilmaz in down
    assert "Mon 23 Nov 10:30–11:15 Zhang family, Luke Wood and Jasmin Patel" in down
    assert down.count("Yilmaz family") == 1 and down.count("Zhang family") == 1, down


@pytest.mark.slow
@needs_orca
def test_orca_says_a_drop_down_s_field_and_the_ladder_s_next_stop(orca_heard):
    """Walked as a screen-reader user: Settings' preset was said as 'Harborne Primary combo box'
    (on Linux Orca takes a drop-down's field only from its buddy label); after 'Answered: safe
    and well' focus fell on to the police reference and Orca read step 4, not Resolve as."""
    assert "Policy preset: combo box.\nHarborne Primary." in orca_heard["Tab in Settings"]
    settled = orca_heard["Enter on the current step's first result"]
    assert "Resolve as Safe and well (they forgot to check in)" in settled
    assert "Police reference" not in settled
    assert "Step 1: Answered: safe and well push button." in orca_heard["Alt+H takes the alarm"]


@pytest.mark.slow
@needs_orca
def test_orca_says_the_wizard_s_title_as_it_opens(orca_heard):
    """Orca said it all along: the transcript dropped a speech logged over two lines."""
    opened = orca_heard["The risk assessment wizard opens for a draft visit"]
    assert "Risk assessment — Brown family dialog" in opened
    assert "CPOMS (or MyConcern) checked" in opened


@pytest.mark.slow
@needs_orca
def test_orca_says_a_text_field_tab_reaches(orca_heard):
    """Tab into a line edit: Qt sent its caret move (the text selected on Tab) before its focus,
    so Orca took the field as focused in silence and said nothing of the password field nor of
    the alarm window's Step note and Police reference."""
    assert "Password: password text." in orca_heard["Tab in the sign-in dialog"]
    alarm_tabs = orca_heard["Tab in the alarm window"]
    assert "Step note text." in alarm_tabs
    assert "Police reference text." in alarm_tabs


@pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (scripts/setup.sh --dev)")
def test_orca_meets_each_calendar_visit_as_its_own_item():
    """The painted calendar reached Orca as one object (a filler): now it is a list whose items
    are its visits in words, in time order; the list beside gives the same, read after the
    calendar and before the selected visit's details."""
    tree = _tree("calendar")
    begum = (
        "'06:30–09:30 Begum family, Jasmin Patel and Zoë Brontë-Núñez, Attendance concern, on site'"
    )
    painted, beside = (
        _first(tree, "[list #31] 'Calendar'"),
        _first(tree, "[list #31] 'Visits shown'"),
    )
    for start in (painted, beside):
        items = [line.strip() for line in tree[start + 1 : start + 9]]
        assert all(line.startswith("[list item #32] '") for line in items), "\n".join(tree)
        assert items[0].startswith(f"[list item #32] {begum}")
        assert "overdue" in items[1] and "approved'" in items[-1]
    assert painted < beside < _first(tree, "'Selected visit: ")


@pytest.mark.slow
@needs_orca
def test_orca_says_a_time_or_date_box_tab_reaches(orca_heard):
    """A time or date box selects its first part on Tab, in its FocusIn as a line edit does, but
    Orca says it (checked: no delayed selection needed): the booking form's Date and the alarm
    window's New expected return, with their values."""
    assert "Date: 25/11/2026 (Wed) spin button." in orca_heard["Tab to the Date"]
    new_return = orca_heard["Tab to New expected return, its box ticked"]
    assert "New expected return 10:00 spin button." in new_return
