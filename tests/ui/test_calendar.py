"""The Calendar screen over the demo school: switch, filter, book, drag, clash, cancel, export."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from hvdesk.clock import from_london, london
from hvdesk.models import CancelReason, Staff, Visit, VisitStatus
from hvdesk.services.booking import BookingService
from tests.ui.waiting import idle, opened, save_form, saved, settle, shown
from ui.booking_dialog import BookingDialog
from ui.calendar.export_dialog import ExportDialog
from ui.calendar.feature import CalendarFeature
from ui.calendar.model import Mode, visible_range
from ui.calendar.style import STYLES, style_for
from ui.cancel_dialog import CancelDialog

pytestmark = pytest.mark.ui

WED, THU, FRI = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return from_london(datetime(day.year, day.month, day.day, hh, mm))


@pytest.fixture
def cal(window, qtbot):
    window.show_panel("Calendar")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    idle(window, qtbot)  # read on the window's reader as it is shown
    return window.feature(CalendarFeature).panel


def visits(db, **where) -> list[Visit]:
    with db.read() as s:
        stmt = select(Visit).order_by(Visit.start, Visit.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Visit, key) == value)
        return list(s.scalars(stmt))


def on_day(db, day: date, status: str) -> list[Visit]:
    return [v for v in visits(db, status=status) if london(v.start).date() == day]


def fetch(db, visit_id: int) -> Visit:
    with db.read() as s:
        return s.get(Visit, visit_id)


def drag(qtbot, widget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, start + QPoint(0, 12))
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)
    settle(qtbot)  # a move is written on the window's write worker


def grid_point(cal, day: date, minutes: float, *, staff_id: int | None = None) -> QPoint:
    grid = cal.grid
    index = next(
        i
        for i, c in enumerate(grid.view.columns)
        if c.day == day and (staff_id is None or c.staff_id == staff_id)
    )
    rect = grid.column_rects()[index]
    return QPoint(int(rect.center().x()), int(grid.y_of(minutes)))


def drag_visit_to(qtbot, cal, visit: Visit, day: date, hh: int, mm: int, **lane) -> None:
    """Drag a block so the visit starts at hh:mm on `day` (keeping where it was grabbed)."""
    grid = cal.grid
    if lane.get("from_staff") is not None:
        index = next(i for i, c in enumerate(grid.view.columns) if c.staff_id == lane["from_staff"])
        column = grid.view.columns[index]
        entry = next(e for e in column.entries if e.id == visit.id)
        rect = grid.entry_rect(grid.column_rects()[index], entry).toRect()
    else:
        rect = grid.rect_of(visit.id)
    grab = QPoint(rect.center().x(), rect.top() + 6)
    travel = (visit.start - visit.planned_departure).total_seconds() / 60
    target = grid_point(cal, day, hh * 60 + mm - travel, staff_id=lane.get("to_staff"))
    drag(qtbot, grid, grab, QPoint(target.x(), target.y() + 6))


# --- the screen ---------------------------------------------------------------------------------
def test_calendar_comes_right_after_today_with_actions(window):
    assert [window.nav.item(i).text() for i in range(2)] == ["Today", "Calendar"]
    assert window.feature(CalendarFeature).new_visit_action.shortcut().toString() == "Ctrl+N"
    assert window.feature(CalendarFeature).new_visit_action in window.toolbar.actions()
    texts = [a.text() for a in window.visit_menu.actions()]
    assert "New visit" in texts and "Export calendar (.ics)…" in texts
    draft = visits(window.services.db, status=VisitStatus.DRAFT.value)[0]
    labels = [a.label for a in window.visit_actions.for_visit(draft)]
    assert {"Edit…", "Cancel visit…", "Send for approval"} <= set(labels)
    done = visits(window.services.db, status=VisitStatus.COMPLETED.value)[0]
    assert not {"Edit…", "Cancel visit…"} & {a.label for a in window.visit_actions.for_visit(done)}


def test_week_by_default_and_keyboard_switches_views(cal, qtbot, window):
    assert cal.mode is Mode.WEEK and cal.title.text() == "Week of Mon 23–29 Nov 2026"
    keys = cal.grid
    qtbot.keyClick(keys, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    shown(cal)
    assert cal.mode is Mode.MONTH and cal.title.text() == "November 2026"
    assert cal.stack.currentWidget() is cal.month
    qtbot.keyClick(cal.month, Qt.Key.Key_Right)
    shown(cal)
    assert cal.title.text() == "December 2026"
    qtbot.keyClick(cal.month, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    shown(cal)
    assert cal.mode is Mode.DAY
    qtbot.keyClick(cal.grid, Qt.Key.Key_T)
    shown(cal)
    assert cal.title.text() == "Tuesday 24 November 2026"
    qtbot.keyClick(cal.grid, Qt.Key.Key_Left)
    shown(cal)
    assert cal.title.text() == "Monday 23 November 2026"
    qtbot.keyClick(cal.grid, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    shown(cal)
    qtbot.keyClick(cal.grid, Qt.Key.Key_Right)
    shown(cal)
    assert cal.title.text() == "Week of Mon 30 Nov – 6 Dec 2026"
    qtbot.keyClick(cal.grid, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    shown(cal)
    assert cal.mode is Mode.LANES and cal.title.text().startswith("Staff lanes")


def test_shortcuts_sleep_while_another_screen_is_shown(cal, qtbot, window):
    window.show_panel("Visits")
    qtbot.keyClick(window.nav, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert cal.mode is Mode.WEEK


def test_only_the_visible_range_is_loaded(cal, monkeypatch):
    calls = []
    real = cal.services.visits.calendar_items

    def spy(start, end, **kw):
        calls.append((start, end))
        return real(start, end, **kw)

    monkeypatch.setattr(cal.services.visits, "calendar_items", spy)
    cal.set_mode(Mode.MONTH)
    shown(cal)
    cal.set_mode(Mode.DAY)
    shown(cal)
    assert calls == [
        visible_range(Mode.MONTH, date(2026, 11, 24)),
        visible_range(Mode.DAY, date(2026, 11, 24)),
    ]
    on_show = {e.id for e in cal.view.entries}
    start, end = calls[-1]
    assert on_show == {v.id for v in visits(cal.services.db) if start <= v.start < end}


def test_states_are_told_apart_without_colour(cal):
    cal.set_mode(Mode.DAY)
    shown(cal)
    states = {e.state for e in cal.view.entries}
    assert {"overdue", "out", "approved", "draft"} <= states
    cal.go(-1)  # Monday has a cancelled visit
    shown(cal)
    assert "cancelled" in {e.state for e in cal.view.entries}
    words = {
        s: style_for(s).badge
        for s in ("approved", "awaiting_approval", "out", "overdue", "cancelled")
    }
    assert len(set(words.values())) == 5
    assert all(any(ch.isalpha() for ch in w) and not w[0].isalnum() for w in words.values())
    assert STYLES["awaiting_approval"].outline != STYLES["approved"].outline
    assert STYLES["cancelled"].hatched and STYLES["cancelled"].struck
    assert STYLES["overdue"].outline_width > STYLES["out"].outline_width
    assert "⚠" in cal.legend.text() and "Cancelled" in cal.legend.text()


def test_filter_by_staff_and_purpose(cal, window):
    with window.services.db.read() as s:
        jasmin = s.scalar(select(Staff).where(Staff.name == "Jasmin Patel"))
    everyone = len(cal.view.entries)
    cal.staff_filter.setCurrentIndex(cal.staff_filter.findData(jasmin.id))
    shown(cal)
    mine = cal.view.entries
    assert 0 < len(mine) < everyone
    assert all(jasmin.id in e.item.staff_ids for e in mine)
    cal.purpose_filter.setCurrentIndex(cal.purpose_filter.findData("attendance"))
    shown(cal)
    assert all(e.item.purpose == "attendance" for e in cal.view.entries)
    cal.staff_filter.setCurrentIndex(0)
    shown(cal)
    cal.purpose_filter.setCurrentIndex(0)
    shown(cal)
    cal.show_cancelled.setChecked(False)
    shown(cal)
    assert all(e.state not in ("cancelled", "rejected") for e in cal.view.entries)


def test_lanes_show_who_is_where(cal):
    cal.set_mode(Mode.LANES)
    shown(cal)
    lanes = {c.title: c for c in cal.view.columns}
    assert "Gareth Price" not in lanes  # left the school, no visits
    out_now = [
        v for v in visits(cal.services.db) if v.status in ("out", "on_site", "left_property")
    ]
    for v in out_now:
        for staff_id in (v.lead_staff_id, v.companion_staff_id):
            lane = next(c for c in cal.view.columns if c.staff_id == staff_id)
            assert v.id in {e.id for e in lane.entries}


# --- booking from the calendar ------------------------------------------------------------------
def test_double_click_an_empty_slot_books_there(cal, qtbot, window):
    cal.anchor = WED
    cal.set_mode(Mode.DAY)
    shown(cal)
    qtbot.mouseDClick(cal.grid, Qt.MouseButton.LeftButton, pos=grid_point(cal, WED, 12 * 60 + 35))
    dialog = opened(qtbot, window.feature(CalendarFeature).controller)  # once read, it opens
    assert isinstance(dialog, BookingDialog)
    data = dialog.form_data()
    assert (data.start, data.end, data.planned_departure, data.expected_return) == (
        at(WED, 12, 30),
        at(WED, 13, 15),
        at(WED, 12, 15),
        at(WED, 13, 30),
    )
    qtbot.keyClicks(dialog.search, "Quinn")
    assert dialog.pupil.count() == 3  # two pupils: the office must say which
    dialog.pupil.setCurrentIndex(1)
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("safe_and_well"))
    dialog.lead.setCurrentIndex(dialog.lead.findText("Tom Lee"))
    dialog.companion.setCurrentIndex(dialog.companion.findText("Amara Jones"))
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.text() == "Saving…" and not dialog.submit_button.isEnabled()
    saved(qtbot, dialog)
    settle(qtbot)  # the calendar reloads on the window's reader
    assert window.feature(CalendarFeature).controller.dialog is None, dialog.banner.text()
    booked = [v for v in visits(window.services.db) if v.start == at(WED, 12, 30)]
    assert len(booked) == 1 and booked[0].status == "awaiting_approval"
    assert cal.grid.selected_id == booked[0].id
    assert "booked for Quinn family" in cal.message.text()


def test_new_visit_action_opens_the_form(window, qtbot):
    window.feature(CalendarFeature).new_visit_action.trigger()
    dialog = opened(qtbot, window.feature(CalendarFeature).controller)
    assert isinstance(dialog, BookingDialog) and dialog.windowTitle() == "New visit"
    dialog.reject()


@pytest.mark.parametrize("reader", [False, True], ids=["no screen reader", "screen reader"])
def test_keyboard_path_selects_and_opens_a_visit(cal, qtbot, window, monkeypatch, reader):
    """Down selects the first visit and a screen reader hears it: with no screen reader's items
    for the grid the view's description (and an announcement) says it; once a screen reader has
    the grid's own list, the visit's item takes the focus. Enter opens it."""
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    from ui.a11y_interfaces import install_interfaces
    from ui.calendar.views import agenda_line

    cal.anchor = WED
    cal.set_mode(Mode.DAY)
    shown(cal)
    cal.grid.setFocus()
    if reader:
        install_interfaces()
        QAccessible.setActive(True)
        QAccessible.queryAccessibleInterface(cal.grid)  # the grid's own list of visits
    sent = []
    monkeypatch.setattr(QAccessible, "updateAccessibility", lambda e: sent.append(e))
    qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
    first = cal.view.ordered_ids()[0]
    assert cal.grid.selected_id == first
    assert f"visit {first}" in cal.details.text()
    said = agenda_line(cal.view.entry(first), with_day=False)
    if cal.grid.accessible is None:
        assert f"visit {first}" in cal.grid.accessibleDescription()
        announced = [e.message() for e in sent if isinstance(e, QAccessibleAnnouncementEvent)]
        assert announced == ([said] if QAccessible.isActive() else [])
    else:
        focus = [e.accessibleInterface() for e in sent if e.type() == QAccessible.Event.Focus]
        assert [f.text(QAccessible.Text.Name) for f in focus] == [said]
    qtbot.keyClick(cal.grid, Qt.Key.Key_Return)
    dialog = opened(qtbot, window.feature(CalendarFeature).controller)
    assert isinstance(dialog, BookingDialog) and dialog.windowTitle() == f"Edit visit {first}"
    dialog.reject()


# --- moving -------------------------------------------------------------------------------------
def test_drag_moves_an_approved_visit_and_sends_it_back(cal, qtbot, window, answers):
    visit = on_day(window.services.db, THU, "approved")[0]
    drag_visit_to(qtbot, cal, visit, WED, 12, 15)
    title, text = answers["asked"][-1]
    assert title == "Move visit" and "Wed 25 Nov 2026 12:15" in text
    assert "gone back to the Headteacher for approval" in text
    moved = fetch(window.services.db, visit.id)
    assert moved.start == at(WED, 12, 15) and moved.status == "awaiting_approval"
    assert moved.end - moved.start == visit.end - visit.start
    assert "gone back to the Headteacher" in cal.message.text()
    assert cal.view.entry(visit.id).state == "awaiting_approval"


def _move_to_wednesday(window, cal, visit) -> bool:
    from ui.calendar.views import Drop

    item = next(e.item for e in cal.view.entries if e.id == visit.id)
    controller = window.feature(CalendarFeature).controller
    return controller.move(cal, item, Drop(visit.id, WED, 12 * 60))


def test_a_move_is_written_while_the_window_keeps_answering(cal, qtbot, window, answers):
    from tests.ui.test_tracker_writes import Beats, slow

    visit = on_day(window.services.db, THU, "approved")[0]
    cal.anchor = WED
    cal.refresh()
    settle(qtbot)
    saving = window.feature(CalendarFeature).controller.saving
    with slow(window.services.db) as on_gui_thread:
        beats = Beats(lambda: visit.id in saving)
        assert _move_to_wednesday(window, cal, visit)  # previewed on the reader
        assert not _move_to_wednesday(window, cal, visit)  # dropped again meanwhile: once
        qtbot.waitUntil(lambda: cal.message.text() == f"Saving visit {visit.id}…", timeout=30_000)
        assert answers["asked"][-1][0] == "Move visit"  # previewed and confirmed first
        assert not _move_to_wednesday(window, cal, visit)
        qtbot.waitUntil(lambda: visit.id not in saving, timeout=30_000)
        beats.stop()
    assert on_gui_thread == []  # neither the preview nor the move waited on the GUI thread
    assert beats.during >= 3
    assert fetch(window.services.db, visit.id).start.date() == WED


def test_a_move_the_database_does_not_take_is_said_and_changes_nothing(cal, qtbot, window, answers):
    from tests.ui.test_tracker_writes import failing_writes

    visit = on_day(window.services.db, THU, "approved")[0]
    cal.anchor = WED
    cal.refresh()
    settle(qtbot)
    with failing_writes(window.services.db):
        _move_to_wednesday(window, cal, visit)
        settle(qtbot)
    title, text, kind = answers["told"][-1]
    assert title == "Visit not moved" and kind == "error"
    assert text.startswith("The database is not answering: the change was NOT recorded.")
    assert fetch(window.services.db, visit.id).start == visit.start


def test_declining_the_move_changes_nothing(cal, qtbot, window, answers):
    answers["reply"][0] = False
    visit = on_day(window.services.db, THU, "approved")[0]
    drag_visit_to(qtbot, cal, visit, WED, 12, 15)
    assert fetch(window.services.db, visit.id).start == visit.start


def test_drag_into_a_clash_is_refused_naming_the_other_visit(cal, qtbot, window, answers):
    db = window.services.db
    future = [v for v in visits(db) if v.status in ("approved", "awaiting_approval", "draft")]
    future = [v for v in future if v.start > window.services.clock.now()]
    mover, other = next(
        (a, b)
        for a in future
        for b in future
        if a.id != b.id
        and london(a.start).date() != london(b.start).date()
        and {a.lead_staff_id, a.companion_staff_id}
        & {b.lead_staff_id, b.companion_staff_id} - {None}
        and london(b.start).date() in (WED, THU, FRI)
        and london(a.start).date() in (WED, THU, FRI)
    )
    day, local = london(other.start).date(), london(other.start)
    drag_visit_to(qtbot, cal, mover, day, local.hour, local.minute)
    title, text, kind = answers["told"][-1]
    assert title == "Visit not moved" and kind == "warning"
    assert f"already booked on visit {other.id}" in text
    assert fetch(db, mover.id).start == mover.start
    assert not answers["asked"]  # nothing to confirm: it cannot happen


def test_drag_across_staff_lanes_hands_the_visit_over(cal, qtbot, window, answers):
    db = window.services.db
    cal.anchor = WED
    cal.set_mode(Mode.LANES)
    shown(cal)
    visit = on_day(db, WED, "approved")[0]
    booking = BookingService(db, window.services.clock)
    taker = next(
        c.staff_id
        for c in cal.view.columns
        if c.staff_id not in (visit.lead_staff_id, visit.companion_staff_id)
        and booking.preview_move(
            visit.id, visit.start, reassign_from=visit.lead_staff_id, reassign_to=c.staff_id
        ).check.ok
    )
    local = london(visit.start)
    drag_visit_to(
        qtbot,
        cal,
        visit,
        WED,
        local.hour,
        local.minute,
        from_staff=visit.lead_staff_id,
        to_staff=taker,
    )
    assert "hands the visit to" in answers["asked"][-1][1]
    moved = fetch(db, visit.id)
    assert moved.lead_staff_id == taker and moved.start == visit.start
    assert moved.status == "awaiting_approval"  # a staff change goes back to the approver


def test_month_drag_moves_to_another_day_at_the_same_time(cal, qtbot, window):
    db = window.services.db
    cal.set_mode(Mode.MONTH)
    shown(cal)
    friday = next(i for i, c in enumerate(cal.view.cells) if c.day == FRI)
    lines, _hidden = cal.month.line_rects(friday, cal.view.cells[friday])
    rect, entry = next((r, e) for r, e in lines if e.movable)
    visit = fetch(db, entry.id)
    target = next(i for i, c in enumerate(cal.view.cells) if c.day == date(2026, 12, 3))
    drop = cal.month.cell_rect(target).center().toPoint()
    drag(qtbot, cal.month, rect.center().toPoint(), drop)
    moved = fetch(db, visit.id)
    assert london(moved.start).date() == date(2026, 12, 3)
    assert london(moved.start).time() == london(visit.start).time()


def test_month_day_in_words(cal):
    cal.set_mode(Mode.MONTH)
    shown(cal)
    index = next(i for i, c in enumerate(cal.view.cells) if c.day == date(2026, 11, 24))
    text = cal.month.cell_summary(index)
    assert text.startswith("Tue 24 Nov: 8 visits (1 overdue, ")
    assert "approved" in text and "draft" in text


def test_drag_out_of_school_hours_points_to_the_form(cal, qtbot, window, answers):
    visit = on_day(window.services.db, THU, "approved")[0]
    drag_visit_to(qtbot, cal, visit, WED, 16, 30)
    title, text, _kind = answers["told"][-1]
    assert title == "Visit not moved" and "Out-of-hours reason" in text
    assert "open it with Edit… and give the out-of-hours reason and responsible contact" in text
    assert fetch(window.services.db, visit.id).start == visit.start


def test_double_click_a_month_day_opens_it(cal, qtbot):
    cal.set_mode(Mode.MONTH)
    shown(cal)
    index = next(i for i, c in enumerate(cal.view.cells) if c.day == date(2026, 11, 12))
    qtbot.mouseDClick(
        cal.month, Qt.MouseButton.LeftButton, pos=cal.month.cell_rect(index).center().toPoint()
    )
    assert cal.mode is Mode.DAY and cal.anchor == date(2026, 11, 12)


# --- cancel, submit, export ---------------------------------------------------------------------
def test_cancel_for_safety_from_the_visit_menu(window, answers, qtbot):
    answers["reply"][0] = False  # do not print the note in this test
    visit = on_day(window.services.db, THU, "approved")[0]
    action = next(a for a in window.visit_actions.for_visit(visit) if a.label == "Cancel visit…")
    action.run(visit, window)
    settle(qtbot)  # the visit is read on the reader, then the form opens
    dialog = window.feature(CalendarFeature).controller.dialog
    assert isinstance(dialog, CancelDialog)
    dialog.choose(CancelReason.SAFETY_CONCERN)
    assert "in writing to the Headteacher" in dialog.hint.text()
    assert not save_form(qtbot, dialog)  # a safety reason needs the note
    assert "Note" in dialog.banner.text()
    dialog.note.setPlainText("Unknown adults at the door; staff did not go in")
    assert save_form(qtbot, dialog)
    cancelled = fetch(window.services.db, visit.id)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "safety_concern"
    said = " ".join(t for _title, t in answers["asked"]) + " ".join(
        t for _a, t, _k in answers["told"]
    )
    assert "in writing to the Headteacher" in said


def test_safety_cancellation_offers_the_printed_note(
    window, answers, services, office_actor, qtbot
):
    visit = on_day(services.db, THU, "approved")[0]
    printed = []
    dialog = CancelDialog(
        window.feature(CalendarFeature).controller.cancellation,
        office_actor,
        window.services.visits.get(visit.id),
        services.settings.policy(),
        window,
        print_note=lambda parent, actor, vid: printed.append((actor.name, vid)),
    )
    dialog.choose(CancelReason.SAFETY_CONCERN)
    dialog.note.setPlainText("Dog loose in the front garden; family would not shut it away")
    assert save_form(qtbot, dialog)
    assert printed == [("Sam Office", visit.id)]
    assert "Print the safety-cancellation note now?" in answers["asked"][-1][1]


def test_send_a_draft_for_approval(cal, window, qtbot):
    draft = visits(window.services.db, status=VisitStatus.DRAFT.value)
    draft = next(v for v in draft if v.start > window.services.clock.now())
    action = next(
        a for a in window.visit_actions.for_visit(draft) if a.label == "Send for approval"
    )
    action.run(draft, window)
    assert cal.message.text() == f"Saving visit {draft.id}…"
    settle(qtbot)  # written on the window's write worker
    assert fetch(window.services.db, draft.id).status == "awaiting_approval"
    assert "sent to the Headteacher for approval" in cal.message.text()


def test_export_ics_from_the_menu(window, answers, tmp_path, qtbot):
    window.feature(CalendarFeature).export_action.trigger()
    settle(qtbot)  # the staff and the policy are read on the window's reader, then it opens
    dialog = window.feature(CalendarFeature).controller.dialog
    assert isinstance(dialog, ExportDialog)
    privacy = next(
        w
        for w in dialog.findChildren(QLabel)
        if w.accessibleName().startswith("What the export contains")
    )
    assert "Family name and address: NOT included. Pupil: NOT included." in privacy.text()
    dialog.path.setText(str(tmp_path / "team.ics"))
    with qtbot.waitSignal(dialog.exported, timeout=10_000):
        assert dialog.save()  # the file is made on the background worker
        assert dialog.busy and not dialog.export_button.isEnabled()
    cal = Calendar.from_ical((tmp_path / "team.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) > 10
    title, text, _kind = answers["told"][-1]
    assert title == "Calendar exported" and f"Exported {len(events)} visits" in text


def test_export_shows_bad_input_on_the_field(window, qtbot, tmp_path):
    controller = window.feature(CalendarFeature).controller
    controller.export(window)
    dialog = opened(qtbot, controller)
    dialog.path.setText(str(tmp_path / "team.txt"))
    assert not dialog.save()
    assert "must end in .ics" in dialog.banner.text()
    assert dialog.path.styleSheet()
    dialog.reject()


def test_export_failure_on_the_worker_is_shown_on_the_field(window, qtbot, tmp_path, monkeypatch):
    from hvdesk.errors import FieldError, ValidationError

    controller = window.feature(CalendarFeature).controller
    controller.export(window)
    dialog = opened(qtbot, controller)

    def cannot_write(*_a, **_k):
        raise ValidationError([FieldError("File", "could not be written (Disk full)")])

    monkeypatch.setattr(dialog.service, "export", cannot_write)
    dialog.path.setText(str(tmp_path / "team.ics"))
    assert dialog.save()
    qtbot.waitUntil(lambda: "could not be written" in dialog.banner.text(), timeout=10_000)
    assert dialog.export_button.isEnabled() and not dialog.busy and dialog.isVisible()
    dialog.reject()


def test_timer_runs_only_while_on_screen(cal, window):
    assert cal.timer.isActive()
    window.show_panel("Visits")
    assert not cal.timer.isActive()
    window.show_panel("Calendar")
    assert cal.timer.isActive()
    window.close()
    assert not cal.timer.isActive()


def test_a_change_on_another_seat_shows_up_on_refresh(cal, window, office_actor, qtbot):
    visit = on_day(window.services.db, THU, "approved")[0]
    BookingService(window.services.db, window.services.clock).move(
        office_actor, visit.id, at(THU, 12, 15), row_version=visit.row_version
    )
    cal.refresh()
    settle(qtbot)
    entry = cal.view.entry(visit.id)
    assert entry.item.start == at(THU, 12, 15) and entry.state == "awaiting_approval"


def test_week_view_paints_at_1280x720(cal, window):
    window.resize(1280, 720)
    image = window.grab()
    assert image.width() >= 1024
    assert cal.grid.width() > 600 and cal.header.height() > 0
    assert window.nav.width() >= 100  # the calendar does not squeeze the navigation


def test_month_view_keyboard_and_details(cal, qtbot):
    cal.set_mode(Mode.MONTH)
    shown(cal)
    qtbot.keyClick(cal.month, Qt.Key.Key_Down)
    first = cal.view.ordered_ids()[0]
    assert cal.month.selected_id == first and f"visit {first}" in cal.details.text()
    assert cal.edit_button.isEnabled() is (
        cal.view.entry(first).item.status in ("draft", "awaiting_approval", "approved")
    )


def test_moving_a_visit_already_under_way_is_refused(cal, window, answers, qtbot):
    out = visits(window.services.db, status=VisitStatus.ON_SITE.value)[0]
    item = next(e.item for e in cal.view.entries if e.id == out.id)
    from ui.calendar.views import Drop

    window.feature(CalendarFeature).controller.move(cal, item, Drop(out.id, WED, 10 * 60))
    settle(qtbot)  # previewed on the reader
    assert "only visits not yet started can be moved" in answers["told"][-1][1]
    assert fetch(window.services.db, out.id).start == out.start


def test_travel_shift(cal):
    """Blocks run from departure to return: staff are away for the whole block."""
    cal.anchor = WED
    cal.set_mode(Mode.DAY)
    shown(cal)
    entry = cal.view.entries[0]
    assert entry.top < entry.start < entry.end < entry.bottom
    rect = cal.grid.rect_of(entry.id)
    assert rect.height() == pytest.approx(
        cal.grid.y_of(entry.bottom) - cal.grid.y_of(entry.top), abs=2
    )
    assert (
        timedelta(minutes=entry.start - entry.top)
        == entry.item.start - entry.item.planned_departure
    )


# --- one visit at a time, for the keyboard and a screen reader (issue 15) -------------------------
def test_the_list_beside_and_the_calendar_select_together(cal, qtbot, window):
    """Up/Down in either moves both; Tab goes calendar → list → the actions; Enter opens the
    visit and Shift+F10 shows its actions, from the list as from the calendar."""
    cal.anchor = WED
    cal.set_mode(Mode.DAY)
    shown(cal)
    first, second = cal.view.ordered_ids()[:2]
    cal.grid.setFocus()
    qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
    assert cal.agenda.selected_id() == first
    qtbot.keyClick(cal.grid, Qt.Key.Key_Tab)
    assert window.focusWidget() is cal.agenda
    qtbot.keyClick(cal.agenda, Qt.Key.Key_Down)
    assert cal.grid.selected_id == second and f"visit {second}" in cal.details.text()
    qtbot.keyClick(cal.agenda, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    shown(cal)  # the visit's latest state is read on the reader, then its menu shows
    assert cal._menu is not None and cal._menu.isVisible()
    cal._menu.close()
    qtbot.keyClick(cal.agenda, Qt.Key.Key_Return)
    dialog = opened(qtbot, window.feature(CalendarFeature).controller)
    assert isinstance(dialog, BookingDialog) and dialog.windowTitle() == f"Edit visit {second}"
    dialog.reject()
    cal.agenda.setFocus()
    qtbot.keyClick(cal.agenda, Qt.Key.Key_Tab)
    assert window.focusWidget() is cal.edit_button


def test_left_and_right_move_to_the_nearest_visit_in_the_next_day(cal, qtbot):
    """Then, with no visit further that way, to the next week as before."""
    zhang = next(
        e for e in cal.view.entries if e.item.household_name == "Zhang family" and e.day.day == 23
    )
    cal.grid.setFocus()
    cal.grid.select(zhang.id)  # Mon 10:30
    qtbot.keyClick(cal.grid, Qt.Key.Key_Right)
    shown(cal)
    brown = cal.view.entry(cal.grid.selected_id)
    assert (brown.day, brown.item.household_name) == (date(2026, 11, 24), "Brown family")  # 11:00
    qtbot.keyClick(cal.grid, Qt.Key.Key_Left)
    shown(cal)
    assert cal.grid.selected_id == zhang.id and cal.title.text() == "Week of Mon 23–29 Nov 2026"
    last = cal.view.ordered_ids()[-1]  # Friday afternoon: nothing at the weekend
    cal.grid.select(last)
    qtbot.keyClick(cal.grid, Qt.Key.Key_Right)
    shown(cal)
    assert cal.title.text() == "Week of Mon 30 Nov – 6 Dec 2026"


def test_the_list_follows_a_reload_and_a_filter(cal, window, qtbot):
    cal.anchor = WED
    cal.set_mode(Mode.DAY)
    shown(cal)
    chosen = cal.view.ordered_ids()[1]
    cal.grid.select(chosen)
    cal.refresh()  # every minute, and after any change
    settle(qtbot)
    assert cal.agenda.selected_id() == chosen
    assert cal.agenda.model().rowCount() == len(cal.view.entries)
    entry = cal.view.entry(chosen)
    other = next(
        i
        for i in range(cal.staff_filter.count())
        if cal.staff_filter.itemData(i)
        not in (None, entry.item.lead_staff_id, entry.item.companion_staff_id)
    )
    cal.staff_filter.setCurrentIndex(other)  # the chosen visit is no longer shown
    shown(cal)
    assert cal.agenda.selected_id() == 0 and cal.grid.selected_id == 0
    assert cal.agenda.model().rowCount() == len(cal.view.entries)


def test_the_painted_week_is_a_list_of_its_visits_to_a_screen_reader(cal, qtbot, window):
    """The painted views reached a screen reader as ONE object: now each visit is an item (name:
    time, family, staff, purpose, state; placed where it is painted), the selected one focused
    and told as the keyboard moves; a reload keeps the same items, a visit gone leaves."""
    from PySide6.QtGui import QAccessible, QAccessibleEvent

    from ui.a11y_interfaces import install_interfaces
    from ui.calendar.views import agenda_line

    install_interfaces()
    cal.anchor = WED
    cal.set_mode(Mode.WEEK)
    grid = QAccessible.queryAccessibleInterface(cal.grid)
    ids = cal.view.ordered_ids()
    assert grid.role() == QAccessible.Role.List and grid.childCount() == len(ids) > 3
    items = [grid.child(i) for i in range(grid.childCount())]
    lines = [agenda_line(cal.view.entry(i), with_day=True) for i in ids]
    assert [item.text(QAccessible.Text.Name) for item in items] == lines
    assert all(item.role() == QAccessible.Role.ListItem for item in items)
    assert grid.indexOfChild(items[2]) == 2 and items[2].parent() is grid
    assert items[2].text(QAccessible.Text.Description).endswith(f", visit {ids[2]}")
    painted = cal.grid.rect_of(ids[2])
    assert items[2].rect().center() == cal.grid.mapToGlobal(painted.center())
    hit = grid.childAt(items[2].rect().center().x(), items[2].rect().center().y())
    assert hit is items[2]

    told: list[QAccessibleEvent] = []
    original = QAccessible.updateAccessibility
    QAccessible.updateAccessibility = lambda e: told.append(e)  # what a screen reader is told
    was_on = QAccessible.isActive()
    QAccessible.setActive(True)
    try:
        cal.grid.setFocus()
        qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
        qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
    finally:
        QAccessible.updateAccessibility = original
        QAccessible.setActive(was_on)
    focus = [e for e in told if e.type() == QAccessible.Event.Focus]
    assert focus and focus[-1].accessibleInterface() is items[1]
    assert items[1].state().focused and items[1].state().selected
    assert grid.focusChild() is items[1] and not items[0].state().focused

    cal.refresh()
    idle(window, qtbot)
    assert grid.child(1) is items[1]  # the minute's reload: the same item, nothing said again
    cal.set_mode(Mode.DAY)
    idle(window, qtbot)
    assert grid.childCount() == len(cal.view.ordered_ids()) < len(ids)
    cal.set_mode(Mode.MONTH)
    idle(window, qtbot)
    month = QAccessible.queryAccessibleInterface(cal.month)
    assert month.role() == QAccessible.Role.List
    named = [month.child(i).text(QAccessible.Text.Name) for i in range(month.childCount())]
    assert named == [agenda_line(cal.view.entry(i), with_day=True) for i in cal.view.ordered_ids()]


def test_a_mode_change_the_database_does_not_answer_leaves_the_focus_alone_after(
    window, qtbot
):
    from tests.ui.test_screens_off_gui_thread import reads_not_answered
    from tests.ui.waiting import idle
    from ui.calendar.feature import CalendarFeature
    from ui.calendar.model import Mode

    window.show_panel("Calendar")
    idle(window, qtbot)
    cal = window.feature(CalendarFeature).panel
    with reads_not_answered(window.services.db):
        cal.set_mode(Mode.DAY)
        idle(window, qtbot)
    window.search.setFocus()  # the person moves on
    cal.refresh()  # the minute's refresh, now answered
    idle(window, qtbot)
    assert not cal.current_view().hasFocus() and window.search.hasFocus()


def test_the_minutes_refresh_neither_moves_the_grid_nor_says_loading(window, qtbot):
    from PySide6.QtWidgets import QApplication

    from tests.ui.test_screens_off_gui_thread import status
    from tests.ui.test_tracker_writes import slow
    from tests.ui.waiting import idle
    from ui.calendar.feature import CalendarFeature

    cal = window.feature(CalendarFeature).panel
    window.show_panel("Calendar")
    idle(window, qtbot)
    y = cal.views_splitter.geometry().y()
    with slow(window.services.db, 0.5):
        cal.timer.timeout.emit()  # the minute's tick: a read that takes a while
        qtbot.wait(400)  # longer than a person's read waits to say so (SHOW_AFTER_MS)
        QApplication.processEvents()
        assert cal.loading and status(cal) == ""
        assert cal.views_splitter.geometry().y() == y  # clicks land where they were aimed
        idle(window, qtbot)
    assert cal.views_splitter.geometry().y() == y


def test_a_read_the_person_asked_for_says_loading_only_once_it_takes_a_while(window, qtbot):
    from tests.ui.test_screens_off_gui_thread import status
    from tests.ui.test_tracker_writes import slow
    from tests.ui.waiting import idle
    from ui.calendar.feature import CalendarFeature
    from ui.screen_reads import LOADING

    cal = window.feature(CalendarFeature).panel
    window.show_panel("Calendar")
    idle(window, qtbot)
    with slow(window.services.db, 0.5):
        cal.go(1)
        assert status(cal) == ""  # not at once: a quick answer shows no line at all
        qtbot.waitUntil(lambda: status(cal) == LOADING, timeout=5_000)
        idle(window, qtbot)
    assert status(cal) == ""
