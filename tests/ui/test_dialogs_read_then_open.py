"""The last dialogs that read on the GUI thread (issue 9) read on the window's reader, then open:
the follow-up booking from Agreements and from Attendance, the Calendar's export (its file written
on the write worker), the risk assessment after "Book and assess now". A database that does not
answer is said in words; a disk that refuses the export's file is said as "Not saved: …"."""

from __future__ import annotations

import errno
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hvdesk.models import Event, Visit
from tests.ui.test_screens_off_gui_thread import reads_not_answered
from tests.ui.waiting import each_statement, gui_thread_statements, idle, saved, settle
from ui import attendance as attendance_ui
from ui.calendar.export_dialog import ExportDialog
from ui.calendar.feature import CalendarFeature

pytestmark = pytest.mark.ui


def test_a_suggested_visit_opens_after_reading_on_the_reader(window, qtbot, answers, monkeypatch):
    opened: list = []
    monkeypatch.setattr(attendance_ui, "open_dialog", opened.append)
    feature = window.feature(attendance_ui.AttendanceFeature)
    window.show_panel("Attendance")
    qtbot.waitUntil(lambda: feature.panel.model.rowCount() == 2, timeout=10_000)
    idle(window, qtbot)
    chosen = feature.panel.selected()
    with gui_thread_statements(window.services.db) as on_gui:
        feature.panel.book_button.click()  # "Book visit…"
        settle(qtbot)
    assert on_gui == []
    assert opened == [feature.booking]
    data = feature.booking.form_data()
    assert (data.household_id, data.pupil_id) == (chosen.household_id, chosen.pupil_id)
    assert data.purpose == "attendance" and data.pre_visit_notes == chosen.reason
    feature.booking.reject()


@contextmanager
def households_not_answered(db):
    """The booking form's read (it starts with the households) fails on the reader as a lost
    connection does; the agreement's own write still goes through."""

    def before(_conn, _cursor, sql, *_a) -> None:
        worker = threading.current_thread() is not threading.main_thread()
        if worker and sql.startswith("SELECT household."):
            raise OperationalError(sql[:40], {}, Exception("server closed the connection"))

    with each_statement(db, before):
        yield


def _broken(window, qtbot, clock, monkeypatch):
    """An agreement marked broken, the letter declined and the follow-up visit asked for:
    the booking forms opened (what attendance.open_dialog was given) and the agreements dialog."""
    from tests.ui.test_attendance_ui import _agreement_due
    from ui import dialogs

    opened: list = []
    monkeypatch.setattr(attendance_ui, "open_dialog", opened.append)
    monkeypatch.setattr(dialogs, "ask", lambda _p, _t, text: "letter" not in text)
    dialog = _agreement_due(window, qtbot, clock)
    return dialog, opened


def test_a_broken_agreements_follow_up_opens_after_reading_on_the_reader(
    window, qtbot, answers, clock, monkeypatch
):
    dialog, opened = _broken(window, qtbot, clock, monkeypatch)
    with gui_thread_statements(window.services.db) as on_gui:
        dialog.broken_button.click()
        saved(qtbot, dialog)
        settle(qtbot)  # the letter (write worker), then the booking form's read (reader)
    assert on_gui == []
    assert opened == [dialog.follow_up_booking]
    assert "agreement broken" in dialog.follow_up_booking.form_data().pre_visit_notes
    dialog.follow_up_booking.reject()
    dialog.close()


def test_a_follow_up_the_database_does_not_answer_is_said_not_opened(
    window, qtbot, answers, clock, monkeypatch
):
    dialog, opened = _broken(window, qtbot, clock, monkeypatch)
    family = dialog.selected().household
    with households_not_answered(window.services.db), qtbot.capture_exceptions() as raised:
        dialog.broken_button.click()  # recorded; the booking form's read is not answered
        saved(qtbot, dialog)
        settle(qtbot)
    assert raised == [] and opened == []
    title, text, kind = answers["told"][-1]
    assert (title, kind) == ("Follow-up not opened", "error")
    # review 9d #5: the agreement IS recorded broken; say so, and how to book the follow-up
    assert text.startswith("The agreement is recorded as broken. The booking form could not")
    assert "Nothing was changed" not in text
    assert f"book the follow-up for {family} from Calendar › New visit" in text
    assert "Traceback" not in text
    dialog.close()


@pytest.fixture
def file_writes(monkeypatch):
    """Every Path.write_bytes meanwhile: (path, written on the GUI thread?)."""
    seen: list[tuple[Path, bool]] = []
    original = Path.write_bytes

    def write_bytes(self, data):
        seen.append((self, threading.current_thread() is threading.main_thread()))
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    return seen


def _exports(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Event.id)).where(Event.kind == "calendar_exported"))


def test_the_calendar_export_reads_and_writes_off_the_gui_thread(
    window, qtbot, answers, tmp_path, file_writes
):
    controller = window.feature(CalendarFeature).controller
    target = tmp_path / "team.ics"
    with gui_thread_statements(window.services.db) as on_gui:
        controller.export(window)  # Visits > Export calendar (.ics)…
        settle(qtbot)
        dialog = controller.dialog
        assert isinstance(dialog, ExportDialog) and dialog.who.count() > 1
        dialog.path.setText(str(target))
        assert dialog.save()
        assert dialog.busy and dialog.banner.text() == "Saving…"
        settle(qtbot)
    assert on_gui == []
    assert file_writes == [(target, False)] and target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert answers["told"][-1][0] == "Calendar exported"


def test_an_export_the_disk_refuses_says_not_saved_and_records_nothing(
    window, qtbot, answers, tmp_path, monkeypatch
):
    def full(self, _data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    controller = window.feature(CalendarFeature).controller
    controller.export(window)
    settle(qtbot)
    dialog = controller.dialog
    before = _exports(window.services.db)
    target = tmp_path / "team.ics"
    dialog.path.setText(str(target))
    monkeypatch.setattr(Path, "write_bytes", full)
    with qtbot.capture_exceptions() as raised:
        assert dialog.save()
        saved(qtbot, dialog)
    assert raised == [] and dialog.isVisible() and not dialog.busy
    assert dialog.banner.text().startswith(f"Not saved: {target}: No space left on device")
    assert "Traceback" not in dialog.banner.text()
    assert _exports(window.services.db) == before  # nothing recorded
    dialog.reject()


def test_an_export_the_database_does_not_answer_is_said_not_opened(window, qtbot, answers):
    controller = window.feature(CalendarFeature).controller
    with reads_not_answered(window.services.db):
        controller.export(window)
        settle(qtbot)
    assert controller.dialog is None
    title, text, kind = answers["told"][-1]
    assert (title, kind) == ("Not opened", "error")
    assert text.startswith("The database is not answering: the calendar export")


def _editable(db) -> int:
    with db.read() as s:
        return s.scalar(select(Visit.id).where(Visit.status == "draft"))


def test_book_and_assess_opens_the_wizard_after_reading_on_the_reader(window, qtbot, answers):
    from ui.panels.approvals import ApprovalFeature

    visit_id = _editable(window.services.db)
    controller = window.feature(CalendarFeature).controller
    with gui_thread_statements(window.services.db) as on_gui:
        controller.assess_after_booking(visit_id, window)  # after "Book and assess now"
        settle(qtbot)
    assert on_gui == []
    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.isVisible() and wizard.form.visit_id == visit_id
    wizard.reject()


def test_an_assessment_of_a_visit_that_moved_on_is_refused_in_words(window, qtbot, answers):
    from ui.panels.approvals import ApprovalFeature

    with window.services.db.read() as s:
        returned = s.scalar(select(Visit.id).where(Visit.status == "returned"))
    feature = window.feature(ApprovalFeature)
    with gui_thread_statements(window.services.db) as on_gui:
        feature.assess(returned, window)
        settle(qtbot)
    assert on_gui == [] and feature.wizard is None
    title, text, kind = answers["told"][-1]
    assert (title, kind) == ("Risk assessment", "warning") and "no longer changed" in text


WALKED_GROUPS = ("booking", "approval", "visit")  # the dialogs a visit's menu opens


def test_the_walk_every_visit_dialog_opens_with_no_statement_on_the_gui_thread(
    window, qtbot, answers, monkeypatch, tmp_path
):
    """For a visit of every status: each action of its menu that opens a dialog (booking,
    approval, the outcome, an incident), then the Calendar's export and a follow-up booking from
    Attendance: not one SQL statement on the GUI thread. Fails as soon as one reads there."""
    from PySide6.QtWidgets import QApplication, QDialog

    from ui import incidents as incidents_ui
    from ui.panels.users import UserDialog

    monkeypatch.setattr(incidents_ui, "run_dialog", lambda _d: False)
    monkeypatch.setattr(UserDialog, "exec", lambda _d: 0)
    monkeypatch.setattr(attendance_ui, "open_dialog", lambda d: d.open())
    idle(window, qtbot)
    with window.services.db.read() as s:
        ids = {status: s.scalar(select(Visit.id).where(Visit.status == status))
               for status in s.scalars(select(Visit.status).distinct())}  # fmt: skip
    visits = {status: window.services.visits.get(i) for status, i in ids.items()}
    found: dict[str, int] = {}

    def walk(name: str, open_) -> None:
        with gui_thread_statements(window.services.db) as on_gui:
            open_()
            settle(qtbot)
        if on_gui:
            found[name] = len(on_gui)
        for top in QApplication.topLevelWidgets():  # whatever it opened, closed again
            if isinstance(top, QDialog) and top.isVisible():
                top.reject()
        settle(qtbot)

    for status, visit in visits.items():
        for action in window.visit_actions.for_visit(visit):
            if action.group in WALKED_GROUPS and action.label != "Send for approval":
                walk(f"{action.label} ({status})", lambda a=action, v=visit: a.run(v, window))
    controller = window.feature(CalendarFeature).controller
    walk("Export calendar", lambda: controller.export(window))
    feature = window.feature(attendance_ui.AttendanceFeature)
    window.show_panel("Attendance")
    qtbot.waitUntil(lambda: feature.panel.model.rowCount() > 0, timeout=10_000)
    walk("Book the suggested visit", feature.panel.book_button.click)
    assert found == {}
    assert len(visits) >= 4


def test_presses_while_the_form_is_read_read_once_and_say_so(
    window, qtbot, answers, monkeypatch
):
    """Review 9d #6: each extra press of "Book visit…" added a whole read (3 presses: 3 reads
    before the form opened) and nothing said the form was on its way."""
    from ui import booking_dialog

    opened: list = []
    monkeypatch.setattr(attendance_ui, "open_dialog", opened.append)
    reads: list[int] = []
    real = booking_dialog.read_for_booking

    def counted(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(booking_dialog, "read_for_booking", counted)
    feature = window.feature(attendance_ui.AttendanceFeature)
    window.show_panel("Attendance")
    qtbot.waitUntil(lambda: feature.panel.model.rowCount() == 2, timeout=10_000)
    idle(window, qtbot)
    busy = threading.Event()
    window.worker.submit(lambda: busy.wait(10))  # the reader is busy: the presses queue
    try:
        for _ in range(3):
            feature.panel.book_button.click()
        assert window.statusBar().currentMessage() == "Opening the booking form…"
    finally:
        busy.set()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    settle(qtbot)
    assert len(reads) == 1 and opened == [feature.booking]
    assert window.statusBar().currentMessage() != "Opening the booking form…"
    feature.booking.reject()
