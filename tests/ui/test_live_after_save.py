"""After a form's save the window reads nothing itself: the change feed, the tracker and the
calendar read on the background worker, and a database gone just after the commit is said in the
status bar, never as a crash box."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bench.live_forms import _fill, _next_school_day
from hvdesk.models import Visit
from tests.ui.test_tracker_writes import slow
from tests.ui.waiting import idle, opened
from ui.calendar.feature import CalendarFeature


def _count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Visit))


def test_a_booking_that_saves_reads_nothing_on_the_gui_thread(window, qtbot, answers):
    idle(window, qtbot)
    window.show_panel("Calendar")
    feature = window.feature(CalendarFeature)
    idle(window, qtbot)
    before = _count(window.services.db)
    feature.controller.new_visit(window, start=_next_school_day(window.services.clock.now(), 13))
    dialog = opened(qtbot, feature.controller)  # read on the reader, then opened
    _fill(dialog)
    with slow(window.services.db, 0.05) as on_gui_thread:
        dialog.submit_button.click()
        qtbot.waitUntil(lambda: feature.controller.dialog is None, timeout=60_000)
        idle(window, qtbot)
    assert _count(window.services.db) == before + 1
    with window.services.db.read() as s:
        new_id = s.scalar(select(func.max(Visit.id)))
    assert feature.panel.view is not None and feature.panel.view.entry(new_id) is not None
    assert feature.panel.selected_id() == new_id
    assert on_gui_thread == []


def test_the_database_gone_just_after_a_save_is_said_in_the_status_bar(window, qtbot, answers):
    idle(window, qtbot)
    window.show_panel("Calendar")
    idle(window, qtbot)
    engine = window.services.db.engine

    def fail(_c, _cur, sql, *_a):  # every read fails from now on, on any thread
        raise OperationalError(sql[:40], {}, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        with qtbot.capture_exceptions() as raised:
            window.data_changed.emit()  # as after every form's save
            qtbot.waitUntil(lambda: window.live.down_since is not None, timeout=10_000)
            window.feature(CalendarFeature).panel.show_visit(1)  # as after a booking
            idle(window, qtbot)
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert [type(e[1]).__name__ for e in raised] == []
    assert window.db_label.text().startswith("database not answering since")
