"""The window never waits on the database on the GUI thread (issue 9): every screen's reads
(the Calendar's weeks, modes and filters; the Staff, Users, Incidents and Agreements lists; the
Settings form) run on the window's reader, the screen says "Loading…" and keeps its last rows
meanwhile, an older answer landing after a newer one is dropped, and a database that does not
answer is said in words."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import replace

import pytest
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QTableView
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from hvdesk.clock import london
from tests.ui.test_tracker_writes import slow
from tests.ui.waiting import each_statement, gui_thread_statements, idle
from ui.calendar.feature import CalendarFeature
from ui.calendar.model import Mode
from ui.incidents import IncidentsFeature
from ui.screen_reads import LOADING

pytestmark = pytest.mark.ui


@pytest.fixture
def cal(window, qtbot):
    window.show_panel("Calendar")
    idle(window, qtbot)
    return window.feature(CalendarFeature).panel


@contextmanager
def reads_not_answered(db):
    """Every statement from a worker thread fails as a lost connection does."""

    def before(_conn, _cursor, sql, *_a) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise OperationalError(sql[:40], {}, Exception("server closed the connection"))

    with each_statement(db, before):
        yield


def status(panel) -> str:
    """What the screen's read status line says (empty when hidden)."""
    lines = [w for w in panel.findChildren(QLabel, "read_status") if w.isVisibleTo(panel)]
    return lines[0].text() if lines else ""


def test_changing_week_mode_and_filters_reads_off_the_gui_thread(cal, window, qtbot):
    title = cal.title.text()
    with gui_thread_statements(window.services.db) as on_gui:
        with slow(window.services.db, 0.5):  # a read that takes a while says so
            cal.go(1)
            qtbot.waitUntil(lambda: status(cal) == LOADING, timeout=5_000)
            while_out = (status(cal), cal.title.text())
            idle(window, qtbot)
        answered = (status(cal), cal.title.text())
        cal.go(-1)
        for mode in (Mode.DAY, Mode.MONTH, Mode.WEEK):
            cal.set_mode(mode)
        cal.go_today()
        cal.staff_filter.setCurrentIndex(1)
        cal.purpose_filter.setCurrentIndex(2)
        cal.show_cancelled.setChecked(False)
        idle(window, qtbot)
    assert on_gui == []
    assert while_out == (LOADING, title)  # the last week stays on show meanwhile
    assert answered[0] == "" and answered[1] != title
    assert cal.mode is Mode.WEEK and cal.staff_filter.currentIndex() == 1


def test_an_older_week_landing_after_a_newer_one_is_dropped(cal, window, qtbot):
    shown = []
    original = cal._show
    cal._show = lambda loaded: (shown.append(loaded.query.anchor), original(loaded))
    start = cal.anchor
    cal.go(1)
    cal.go(1)
    cal.go(1)
    idle(window, qtbot)
    assert shown == [cal.anchor]  # only the newest request is laid out
    assert cal.anchor != start


def test_a_calendar_read_the_database_does_not_answer_is_said(cal, window, qtbot):
    title = cal.title.text()
    with reads_not_answered(window.services.db):
        cal.go(1)
        idle(window, qtbot)
    assert "The database is not answering" in status(cal)
    assert cal.title.text() == title  # the last week stays
    assert window.live.down_since is not None  # the status bar says since when
    window.live.recorded()  # the database answers again (the feed's next read)
    idle(window, qtbot)
    assert window.live.down_since is None
    assert status(cal) == "" and cal.title.text() != title  # read again by itself, words gone


@pytest.mark.parametrize("name", ["Staff", "Incidents", "Settings"])
def test_a_screens_refresh_reads_off_the_gui_thread(window, qtbot, name):
    panel = window.panels[name]
    idle(window, qtbot)
    with gui_thread_statements(window.services.db) as on_gui, slow(window.services.db, 0.5):
        window.show_panel(name)
        panel.refresh() if name != "Settings" else panel.load()
        qtbot.waitUntil(lambda: status(panel) == LOADING, timeout=5_000)
        while_out = status(panel)
        idle(window, qtbot)
    assert on_gui == []
    assert while_out == LOADING and status(panel) == ""


def test_the_staff_list_fills_from_the_reader_and_keeps_its_rows_while_reading(window, qtbot):
    window.show_panel("Staff")
    idle(window, qtbot)
    rows = window.staff.model.rowCount()
    assert rows > 0
    with gui_thread_statements(window.services.db) as on_gui:
        window.staff.show_inactive.setChecked(True)
        assert window.staff.model.rowCount() == rows  # kept until the answer comes
        idle(window, qtbot)
    assert on_gui == [] and window.staff.model.rowCount() == rows + 1


def test_a_refresh_the_database_does_not_answer_keeps_the_rows_and_says_so(window, qtbot):
    panel = window.feature(IncidentsFeature).panel
    window.show_panel("Incidents")
    idle(window, qtbot)
    rows = panel.model.rowCount()
    with reads_not_answered(window.services.db):
        panel.refresh()
        idle(window, qtbot)
    assert panel.model.rowCount() == rows
    assert "The database is not answering: the incidents shown as last read" in status(panel)


def test_users_and_agreements_read_off_the_gui_thread(qtbot, services, office_actor, answers):
    from ui.agreements import open_agreements
    from ui.app import build_window
    from ui.panels.users import UsersPanel

    admin = replace(office_actor, role="admin")
    window = build_window(services, admin)
    qtbot.addWidget(window)
    window.show()
    idle(window, qtbot)
    users = window.panels["Users"]
    assert isinstance(users, UsersPanel) and users.model.rowCount() > 0
    with gui_thread_statements(services.db) as on_gui:
        window.show_panel("Users")
        users.refresh()
        dialog = open_agreements(window)
        idle(window, qtbot)
    assert on_gui == []
    assert users.model.rowCount() > 0 and status(dialog) == ""
    dialog.close()
    window.close()


def _every_filter(panel) -> list:
    """The screen's own choosers: combo boxes, check boxes and filter boxes on show."""
    widgets = [
        *panel.findChildren(QComboBox),
        *panel.findChildren(QCheckBox),
        *[e for e in panel.findChildren(QLineEdit) if "filter" in e.accessibleName().lower()],
    ]
    return [w for w in widgets if w.isVisibleTo(panel) and w.isEnabled()]


def _every_table(panel) -> list:
    return [t for t in panel.findChildren(QTableView) if t.isVisibleTo(panel) and t.model()]


def _change(widget) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex((widget.currentIndex() + 1) % max(1, widget.count()))
    elif isinstance(widget, QCheckBox):
        widget.toggle()
    else:
        widget.setText("a")


def test_the_walk_every_screen_and_every_filter_waits_on_no_read(window, qtbot):
    """Open every screen, change each of its filters and choose a row in each of its tables: not
    one statement on the GUI thread once the window is up (this walk fails as soon as a screen
    reads on the GUI thread)."""
    idle(window, qtbot)
    found: dict[str, int] = {}
    for name in list(window.panels):
        panel = window.panels[name]
        with gui_thread_statements(window.services.db) as on_gui:
            window.show_panel(name)
            idle(window, qtbot)
            for widget in _every_filter(panel):
                _change(widget)
                idle(window, qtbot)
            for table in _every_table(panel):  # a row chosen: its details are read
                table.selectRow(0)
                idle(window, qtbot)
            window.refresh_all()
            idle(window, qtbot)
        if on_gui:
            found[name] = len(on_gui)
    assert found == {}


# --- the booking form's live check ------------------------------------------------------------
@pytest.fixture
def booking(window, qtbot):

    from tests.ui.waiting import opened

    controller = window.feature(CalendarFeature).controller
    controller.new_visit(window)
    dialog = opened(qtbot, controller)
    yield dialog
    dialog.close()


def test_the_booking_forms_live_check_reads_off_the_gui_thread(booking, window, qtbot):
    from tests.ui.test_booking_dialog import fill
    from tests.ui.waiting import checked

    with gui_thread_statements(window.services.db) as on_gui:
        fill(booking, qtbot, companion="")
        booking.start.setTime(QTime(18, 15))  # an evening visit, on foot alone
        booking.end.setTime(QTime(19, 15))
    assert on_gui == []
    checked(qtbot, booking)
    assert "evening" in booking.checks.text() and not booking.ooh_box.isHidden()
    assert not booking.lone_reason.isHidden()


def test_the_live_check_waits_for_a_pause_and_shows_only_the_newest(booking, window, qtbot):
    from tests.ui.waiting import checked

    checked(qtbot, booking)
    asked: list[object] = []
    service = booking.deps.booking
    original = service.check
    service.check = lambda data, visit_id: (asked.append(data.start), original(data, visit_id))[1]
    shown: list[object] = []
    show = booking._show_check
    booking._show_check = lambda check: (shown.append(check), show(check))
    try:
        for minutes in range(5):  # five quick changes: one check, after the pause
            booking.start.setTime(QTime(13, minutes * 5))
        assert asked == [] and booking.checking
        qtbot.waitUntil(lambda: not booking.checking)
        assert len(asked) == 1 and len(shown) == 1
        booking.check_now()
        booking.start.setTime(QTime(14, 0))
        booking.check_now()  # two out at once: only the newer is shown
        qtbot.waitUntil(lambda: not booking.checking)
        assert len(asked) == 3 and len(shown) == 2
        assert london(asked[-1]).hour == 14
    finally:
        service.check = original


def test_a_save_before_the_live_check_answers_is_checked_by_the_save(booking, window, qtbot):
    """The Save button does not rely on the live check: the save checks on the write worker."""
    from tests.ui.test_booking_dialog import fill
    from tests.ui.waiting import save_form

    fill(booking, qtbot, companion="")
    booking.start.setTime(QTime(18, 15))
    assert booking.checking  # not yet answered
    assert not save_form(qtbot, booking)
    assert "Out-of-hours reason" in booking.banner.text()


def test_a_live_check_the_database_does_not_answer_is_said(booking, window, qtbot):
    from tests.ui.waiting import checked

    with reads_not_answered(window.services.db):
        checked(qtbot, booking)
    assert "The database is not answering: the checks" in status(booking)


# --- audited outputs: their audit event is a write, on the write worker --------------------------
def test_a_safe_word_is_revealed_off_the_gui_thread_and_shown_once_recorded(
    window, qtbot, answers
):
    from hvdesk.models import Staff
    from tests.ui.waiting import settle
    from ui.panels.approvals import ApprovalFeature

    with window.services.db.read() as s:
        jasmin = s.scalar(select(Staff.id).where(Staff.name == "Jasmin Patel"))
    dialog = window.feature(ApprovalFeature).open_lone_working(jasmin)
    settle(qtbot)  # the list is read on the window's reader
    with gui_thread_statements(window.services.db) as on_gui:
        dialog.reveal_selected()
        told_before = len(answers["told"])
    assert on_gui == []
    settle(qtbot)
    title, text, _kind = answers["told"][-1]
    assert told_before == 0 and title == "Safe word for Jasmin Patel"
    assert "This reveal has been recorded" in text
    dialog.close()


def test_a_reveal_whose_dialog_is_closed_meanwhile_is_shown_on_the_main_window(
    window, qtbot, answers, monkeypatch
):
    from PySide6.QtCore import QCoreApplication, QEvent
    from shiboken6 import isValid

    from hvdesk.models import Staff
    from tests.ui.waiting import settle
    from ui import dialogs
    from ui.panels.approvals import ApprovalFeature

    told: list = []
    monkeypatch.setattr(
        dialogs, "tell", lambda parent, title, _t, _k="info": told.append((parent.windowTitle(), title))
    )
    with window.services.db.read() as s:
        jasmin = s.scalar(select(Staff.id).where(Staff.name == "Jasmin Patel"))
    dialog = window.feature(ApprovalFeature).open_lone_working(jasmin)
    settle(qtbot)
    with qtbot.capture_exceptions() as raised:
        dialog.reveal_selected()  # the reveal's audit write is out on the write worker
        dialog.close()  # deleted on close
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert not isValid(dialog)
        settle(qtbot)
    assert raised == []
    assert told == [(window.windowTitle(), "Safe word for Jasmin Patel")]


def test_a_reveal_the_database_does_not_take_shows_no_word(window, qtbot, answers):
    from hvdesk.models import Staff
    from tests.ui.test_tracker_writes import failing_writes
    from tests.ui.waiting import settle
    from ui.panels.approvals import ApprovalFeature

    with window.services.db.read() as s:
        jasmin = s.scalar(select(Staff.id).where(Staff.name == "Jasmin Patel"))
    dialog = window.feature(ApprovalFeature).open_lone_working(jasmin)
    settle(qtbot)  # the list is read on the window's reader
    with failing_writes(window.services.db):
        dialog.reveal_selected()
        settle(qtbot)
    title, text, kind = answers["told"][-1]
    assert title == "Safe word not shown" and "NOT recorded" in text and kind == "error"
    dialog.close()


def _one_incident_chosen(window, qtbot):
    """The Incidents screen on show with one incident recorded and chosen: its panel."""
    from hvdesk.services.incidents import IncidentInput

    panel = window.feature(IncidentsFeature).panel
    panel.service.record(
        window.actor, IncidentInput(occurred_at=window.services.clock.now(), what="Dog loose")
    )
    window.show_panel("Incidents")
    idle(window, qtbot)
    panel.view.selectRow(0)
    return panel


def test_an_incident_report_is_printed_off_the_gui_thread(window, qtbot, monkeypatch):
    from tests.ui.waiting import settle
    from ui import incidents as incidents_ui

    pdfs: list = []
    monkeypatch.setattr(incidents_ui, "open_pdf", pdfs.append)
    panel = _one_incident_chosen(window, qtbot)
    with gui_thread_statements(window.services.db) as on_gui:
        assert panel.print_selected()
    assert on_gui == [] and pdfs == []
    settle(qtbot)
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")


def test_a_report_pdf_is_exported_off_the_gui_thread(window, qtbot, monkeypatch, tmp_path):
    from tests.ui.waiting import settle
    from ui import reports as reports_ui
    from ui.reports import ReportsFeature

    window.show_panel("Reports")
    panel = window.feature(ReportsFeature).panel
    qtbot.waitUntil(lambda: panel.report is not None, timeout=15_000)
    monkeypatch.setattr(reports_ui, "save_path", lambda _p, _t, name, _f: str(tmp_path / name))
    with gui_thread_statements(window.services.db) as on_gui:
        target = panel.export_pdf()
    assert on_gui == []
    settle(qtbot)
    assert target.read_bytes().startswith(b"%PDF")


def test_a_broken_agreements_letter_is_printed_off_the_gui_thread(
    window, qtbot, answers, monkeypatch, clock
):
    from tests.ui.test_attendance_ui import _agreement_due
    from tests.ui.waiting import saved, settle
    from ui import agreements as agreements_ui
    from ui import incidents as incidents_ui

    pdfs: list = []
    monkeypatch.setattr(incidents_ui, "open_pdf", pdfs.append)
    monkeypatch.setattr(agreements_ui.AgreementsDialog, "book_follow_up", lambda _d, _row: None)
    dialog = _agreement_due(window, qtbot, clock)
    with gui_thread_statements(window.services.db) as on_gui:
        dialog.broken_button.click()
        saved(qtbot, dialog)
        settle(qtbot)
    assert on_gui == []
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
    dialog.close()


def test_an_incident_pdf_the_disk_refuses_is_said_as_not_printed(
    window, qtbot, answers, monkeypatch, tmp_path
):
    import tempfile

    from tests.ui.waiting import settle
    from ui import incidents as incidents_ui

    pdfs: list = []
    monkeypatch.setattr(incidents_ui, "open_pdf", pdfs.append)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # no such folder
    panel = _one_incident_chosen(window, qtbot)
    assert panel.print_selected()
    settle(qtbot)
    title, text, kind = answers["told"][-1]
    assert pdfs == [] and title == "Not printed" and kind == "warning"
    assert text.startswith(f"Not printed: {tmp_path / 'gone'}") and "NOT recorded" not in text


def test_an_agreements_letter_the_disk_refuses_is_said_as_not_printed(
    window, qtbot, answers, monkeypatch, clock, tmp_path
):
    import tempfile

    from tests.ui.test_attendance_ui import _agreement_due
    from tests.ui.waiting import saved, settle
    from ui import agreements as agreements_ui
    from ui import incidents as incidents_ui

    pdfs: list = []
    monkeypatch.setattr(incidents_ui, "open_pdf", pdfs.append)
    monkeypatch.setattr(agreements_ui.AgreementsDialog, "book_follow_up", lambda _d, _row: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    dialog = _agreement_due(window, qtbot, clock)
    dialog.broken_button.click()
    saved(qtbot, dialog)
    settle(qtbot)
    title, text, kind = answers["told"][-1]
    assert pdfs == [] and title == "Letter not printed" and kind == "warning"
    assert text.startswith(f"Not printed: {tmp_path / 'gone'}") and "NOT recorded" not in text
    dialog.close()


def test_cancel_visit_reads_the_visit_off_the_gui_thread(window, qtbot, answers):
    from hvdesk.models import Visit
    from tests.ui.waiting import settle
    from ui.cancel_dialog import CancelDialog

    with window.services.db.read() as s:
        visit = s.scalars(select(Visit).where(Visit.status == "approved")).first()
    controller = window.feature(CalendarFeature).controller
    with gui_thread_statements(window.services.db) as on_gui:
        controller.cancel_visit(window, visit.id)
        settle(qtbot)
    assert on_gui == []
    assert isinstance(controller.dialog, CancelDialog) and controller.dialog.visit.id == visit.id
    controller.dialog.reject()


def test_the_lone_working_list_and_history_read_off_the_gui_thread(window, qtbot):
    from tests.ui.waiting import settle
    from ui.panels.approvals import ApprovalFeature

    with gui_thread_statements(window.services.db) as on_gui:
        dialog = window.feature(ApprovalFeature).open_lone_working()
        settle(qtbot)
        dialog.table.selectRow(1)
        settle(qtbot)
    assert on_gui == []
    assert dialog.model.rowCount() > 1 and dialog.history.count() > 0 and dialog.mobiles
    dialog.close()


def test_a_form_closed_while_its_check_is_out_drops_the_answer(window, qtbot):
    """The booking form closed (and deleted) with its live check still on the reader: the answer
    goes nowhere, no traceback."""
    from shiboken6 import delete

    from tests.ui.waiting import opened, settle

    controller = window.feature(CalendarFeature).controller
    controller.new_visit(window)
    dialog = opened(qtbot, controller)
    dialog.check_now()
    reads = dialog.live_checks
    dialog.close()
    delete(dialog)
    with qtbot.captureExceptions() as raised:
        settle(qtbot)
    assert raised == [] and reads.pending == 0


# --- a reload is no new choice: the row chosen stays chosen ---------------------------------------
def _chosen_stays(window, qtbot, screen, view, row: int) -> None:
    view.selectRow(row)
    chosen = screen.selected()
    assert chosen is not None
    screen.refresh()
    idle(window, qtbot)
    assert screen.selected() is not None and screen.selected().id == chosen.id


def test_a_reload_keeps_the_staff_member_chosen(window, qtbot):
    staff = window.panels["Staff"]
    window.show_panel("Staff")
    idle(window, qtbot)
    assert staff.model.rowCount() > 2
    _chosen_stays(window, qtbot, staff, staff.table, 2)


def test_a_reload_keeps_the_account_chosen(qtbot, services, office_actor, answers):
    from ui.app import build_window

    window = build_window(services, replace(office_actor, role="admin"))
    qtbot.addWidget(window)
    window.show()
    idle(window, qtbot)
    users = window.panels["Users"]
    window.show_panel("Users")
    idle(window, qtbot)
    _chosen_stays(window, qtbot, users, users.table, 1)
    window.close()


def test_a_reload_keeps_the_agreement_chosen(window, qtbot, answers, clock):
    from datetime import timedelta

    from hvdesk.models import Visit
    from hvdesk.services.outcomes import OutcomeInput, OutcomeService
    from ui.agreements import open_agreements

    with window.services.db.read() as s:
        returned = s.scalars(select(Visit.id).where(Visit.status == "returned")).all()[:3]
    for visit_id in returned:
        OutcomeService(window.services.db, clock).record(
            window.actor,
            visit_id,
            OutcomeInput(summary="Met Mum", agreements="Diary signed — by 27/11/2026"),
        )
    clock.advance(timedelta(days=4))
    dialog = open_agreements(window)
    idle(window, qtbot)
    assert dialog.model.rowCount() > 1
    _chosen_stays(window, qtbot, dialog, dialog.view, 1)  # Kept/Broken act on this one still
    dialog.close()


def test_record_an_incident_and_add_a_user_open_after_reading_on_the_reader(
    qtbot, services, office_actor, answers, monkeypatch
):
    from ui import incidents as incidents_ui
    from ui.app import build_window
    from ui.panels import users as users_ui

    opened: list = []
    monkeypatch.setattr(incidents_ui, "run_dialog", lambda d: opened.append(d) or False)
    monkeypatch.setattr(users_ui.UserDialog, "exec", lambda d: opened.append(d) or 0)
    window = build_window(services, replace(office_actor, role="admin"))
    qtbot.addWidget(window)
    window.show()
    idle(window, qtbot)
    incidents = window.feature(IncidentsFeature).panel
    users = window.panels["Users"]
    window.show_panel("Incidents")
    idle(window, qtbot)
    with gui_thread_statements(services.db) as on_gui:
        incidents.new_button.click()  # "Record an incident…"
        idle(window, qtbot)
        window.show_panel("Users")
        users.add_button.click()  # "Add user…"
        idle(window, qtbot)
    assert on_gui == []
    recording, adding = opened
    assert recording.household is not None and recording.household.count() > 1
    assert isinstance(adding, users_ui.UserDialog)
    window.close()


def test_new_visit_and_edit_open_after_reading_on_the_reader(window, qtbot, answers):
    from hvdesk.models import Visit
    from tests.ui.waiting import opened
    from ui.booking_dialog import BookingDialog

    controller = window.feature(CalendarFeature).controller
    with window.services.db.read() as s:
        draft = s.scalar(select(Visit.id).where(Visit.status.in_(["draft", "approved"])))
        returned = s.scalar(select(Visit.id).where(Visit.status == "returned"))
    idle(window, qtbot)
    with gui_thread_statements(window.services.db) as on_gui:
        controller.new_visit(window)  # "New visit…"
        new = opened(qtbot, controller)
        new.reject()
        controller.edit_visit(window, draft)  # "Edit…"
        edit = opened(qtbot, controller)
        edit_id = edit.visit.id
        edit.reject()
        controller.edit_visit(window, returned)  # no longer editable: said, nothing opened
        idle(window, qtbot)
    assert on_gui == []
    assert isinstance(new, BookingDialog) and new.visit is None and new._households
    assert isinstance(edit, BookingDialog) and edit_id == draft
    assert answers["told"][-1][0] == "This visit cannot be edited"
