"""A duress alarm about a person with no visit out, on a seat: it arrives through the live feed
from another seat (or the monitor), its window says who, their mobile and where they were last
known, and it is taken and resolved like any other (demo school, offscreen, fake clock).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hvdesk.db import Database
from hvdesk.models import AlarmLevel, Staff
from hvdesk.services.alarms import AlarmService, StaffRaise
from hvdesk.services.base import Actor
from hvdesk.services.whereabouts import visits_out
from ui.tracker.alarm_window import AlarmWindow
from ui.tracker.feature import TrackerFeature

pytestmark = pytest.mark.ui


def _someone_not_out(db: Database) -> Staff:
    with db.read() as s:
        staff = [p for p in s.scalars(select(Staff).order_by(Staff.id)) if p.mobile]
        return next(p for p in staff if not visits_out(s, p.id))


def _raise_on_another_seat(window, clock, person: Staff) -> int:
    """What the monitor does when this person texts their safe word with no visit out."""
    other = Database(str(window.services.db.engine.url), run_migrations=False)
    try:
        with other.transaction() as s:
            raised = StaffRaise(
                staff_id=person.id,
                name=person.name,
                level=AlarmLevel.DURESS,
                reason=f"DURESS: {person.name} needs help now: no visit out and none recorded "
                "today",
                key="duress@text:ui-test",
                note="safe word by text",
            )
            return AlarmService(other, clock).raise_for_staff(
                s, Actor(None, person.name), raised, clock.now()
            ).id
    finally:
        other.dispose()


def _person_window(ctrl, alarm_id: int) -> AlarmWindow:
    return ctrl.windows[alarm_id]


def test_a_person_alarm_from_another_seat_opens_here_and_says_who_and_where(
    window, qtbot, clock, tmp_path
):
    ctrl = window.feature(TrackerFeature).controller
    person = _someone_not_out(window.services.db)
    alarm_id = _raise_on_another_seat(window, clock, person)
    qtbot.waitUntil(lambda: alarm_id in ctrl.windows, timeout=10_000)  # through the live feed
    shown = _person_window(ctrl, alarm_id)
    assert shown.visit_id is None
    title = f"DURESS: STAFF NEED HELP NOW — {person.name} · alarm {alarm_id}"
    assert shown.windowTitle() == title  # the number `print person-police-sheet --alarm` asks for
    assert shown.banner.text().endswith(f"{person.name} · alarm {alarm_id}")
    assert shown.accessibleName().endswith(f", alarm {alarm_id}")  # read by a screen reader too
    mobile = shown.facts["staff"].text()
    assert mobile.startswith(person.name) and "07" in mobile  # their mobile, as dialled
    assert shown.facts["visit"].text() == "No visit out"
    assert shown.facts["address"].text().startswith("no visit out")
    assert shown.facts["contact"].text().startswith("Text from ")
    assert shown.print_button.isVisibleTo(shown)  # the person's sheet prints too
    assert person.name in shown.sheet.toPlainText()
    assert shown.steps[1].numbers.text().startswith(f"{person.name}: ")
    assert not shown.new_return_check.isEnabled()
    shown.grab().save(str(tmp_path / "person_alarm.png"))


def test_a_person_alarm_is_taken_and_resolved_from_its_window(window, qtbot, clock):
    ctrl = window.feature(TrackerFeature).controller
    person = _someone_not_out(window.services.db)
    alarm_id = _raise_on_another_seat(window, clock, person)
    qtbot.waitUntil(lambda: alarm_id in ctrl.windows, timeout=10_000)
    shown = _person_window(ctrl, alarm_id)
    qtbot.mouseClick(shown.take_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown.resolve_button.isEnabled(), timeout=10_000)
    assert "You are handling this" in shown.owner_label.text()
    shown.resolution_buttons["false_alarm"].setChecked(True)
    shown.notes.setText(f"rang {person.name}: texted the word by mistake, safe")
    qtbot.mouseClick(shown.resolve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: alarm_id not in ctrl.windows, timeout=10_000)
    resolved = AlarmService(window.services.db, clock).get(alarm_id)
    assert resolved.resolution == "false_alarm" and resolved.resolved_by


def test_a_visiting_staff_seat_lists_an_alarm_about_a_person_by_name(
    qtbot, services, visitor, answers, clock, tmp_path
):
    """A seat that cannot handle alarms still lists one about a person with no visit out (it
    is on no row of the board), named, as it arrives from another seat."""
    from ui.app import build_window

    win = build_window(services, visitor)
    qtbot.addWidget(win)
    win.show()
    person = _someone_not_out(services.db)
    alarm_id = _raise_on_another_seat(win, clock, person)
    listed = win.today.alarms_readonly
    qtbot.waitUntil(lambda: person.name in listed.text(), timeout=10_000)  # live feed, worker
    assert f"ALARM: DURESS: {person.name} needs help now" in listed.text()
    assert listed.isVisible() and "The office handles alarms." in listed.text()
    assert alarm_id not in win.feature(TrackerFeature).controller.windows  # listed, not opened
    win.grab().save(str(tmp_path / "visitor_person_alarm.png"))
    win.close()


def test_print_police_sheet_from_a_person_alarm_window_makes_her_sheet(
    window, qtbot, clock, tmp_path, monkeypatch
):
    """The button on the police step prints the sheet about the person (made off the GUI
    thread), naming her and where she was last known, and opens it in the PDF viewer."""
    import io

    import pypdf

    from ui import print_actions

    opened: list = []
    monkeypatch.setattr(print_actions, "opener", lambda path: opened.append(path) or True)
    monkeypatch.setattr(print_actions, "output_folder", lambda: tmp_path)
    ctrl = window.feature(TrackerFeature).controller
    person = _someone_not_out(window.services.db)
    alarm_id = _raise_on_another_seat(window, clock, person)
    qtbot.waitUntil(lambda: alarm_id in ctrl.windows, timeout=10_000)
    shown = _person_window(ctrl, alarm_id)
    assert shown.print_button.isEnabled()
    shown.scroll_area.ensureWidgetVisible(shown.print_button)
    shown.grab().save(str(tmp_path / "person_alarm_print.png"))
    qtbot.mouseClick(shown.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=20_000)
    assert print_actions.wait_for_prints()
    [path] = opened
    assert path.name.startswith(f"person-police-sheet-{alarm_id}-")
    pages = pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pages)
    assert f"DURESS: {person.name} needs help now (no visit out)" in text
    assert "no visit out and none recorded today" in text
