"""The live tracker driven through its real widgets over the demo school (offscreen, fake clock).

Time moves with FakeClock.advance/jump; the scheduler's sweep or the controller's check is
triggered by hand and waited for with qtbot.waitUntil (never a sleep on the wall clock).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget
from sqlalchemy import select

from hvdesk.events import EventKind
from hvdesk.models import Alarm, Event, Role, Visit, VisitStatus
from hvdesk.rules import deadlines as dl
from hvdesk.services.alarms import AlarmService
from hvdesk.services.base import Actor
from tests.conftest import _user
from tests.ui.waiting import idle, settle
from ui.tracker import actions as tracker_actions
from ui.tracker.alarm_window import AlarmWindow
from ui.tracker.board import BoardModel
from ui.tracker.feature import TrackerFeature
from ui.tracker.qt_scheduler import MAX_WAIT_MS

pytestmark = pytest.mark.ui
MIN = timedelta(minutes=1)
LEFT = Qt.MouseButton.LeftButton


def ctrl_of(window):
    return window.feature(TrackerFeature).controller


def clear_demo_alarms(window, actor: Actor) -> None:
    ctrl = ctrl_of(window)
    for alarm in ctrl.alarm_service.open_alarms():
        ctrl.alarm_service.acknowledge(actor, alarm.id)
        ctrl.alarm_service.resolve(actor, alarm.id, "safe_forgot", "cleared for the test")
    window.live.recorded()  # written behind the window's back: announce it now, not later
    ctrl.check("test")
    assert ctrl.windows == {}


def nobody_else_out(window, actor: Actor) -> None:
    """Bring the demo's staff back, so one visit's alarms can be followed alone."""
    clear_demo_alarms(window, actor)
    ctrl = ctrl_of(window)
    for row in ctrl.board.rows:
        ctrl.tracker.returned(actor, row.visit.id)
    window.live.recorded()
    ctrl.check("test")
    assert ctrl.board.rows == []


def the_window(window) -> AlarmWindow:
    windows = list(ctrl_of(window).windows.values())
    assert len(windows) == 1, [w.windowTitle() for w in windows]
    return windows[0]


def select_in_board(window, visit_id: int) -> None:
    assert window.today.select_visit(visit_id)


def click(qtbot, button: QAbstractButton) -> None:
    """Click, then wait until what it saved (on the write worker) is shown."""
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)
    settle(qtbot)


def test_startup_raises_what_lapsed_and_the_status_bar_says_so(window, qtbot):
    ctrl = ctrl_of(window)
    assert len(ctrl.windows) == 2  # the demo's lapsed check-in and overdue return
    for aw in ctrl.windows.values():
        assert aw.isVisible()
        assert aw.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
        assert "RED ALARM" in aw.windowTitle()
    titles = sorted(w.windowTitle() for w in ctrl.windows.values())
    assert "CHECK-IN OVERDUE" in titles[0] and "RETURN OVERDUE" in titles[1]
    ctrl.tick()
    assert ctrl.sound.on  # nobody has taken them yet
    assert window.monitoring_label.text() == "● Monitoring: ON"
    assert window.counts_label.text().startswith("5 out now, 2 overdue")
    assert "2 alarms open" in window.counts_label.text()
    banner = window.today.startup_banner
    assert not banner.isHidden() and "while hvdesk was not running" in banner.text()
    assert window.today.board_model.rowCount() == 5
    first = window.today.board_model.rows()[0]
    assert first.state.level(ctrl.clock.now()) is dl.Level.RED
    assert ctrl.tray.messages  # a tray message for each (kept even without a tray)


def test_a_visit_departs_lapses_and_the_ladder_is_walked_to_a_resolution(
    window, qtbot, office_actor, answers
):
    ctrl = ctrl_of(window)
    clock = ctrl.clock
    nobody_else_out(window, office_actor)
    today = window.today

    # depart an approved visit from 'Later today'
    later = [v for v in today.later_model.rows() if v.status == VisitStatus.APPROVED]
    visit = later[0]
    today.later_view.selectRow(today.later_model.rows().index(visit))
    click(qtbot, today.depart_button)
    assert today.board_model.row_of(visit.id) >= 0
    select_in_board(window, visit.id)
    click(qtbot, today.buttons["arrive"])
    click(qtbot, today.buttons["check_in"])
    row = today.board_model.rows()[today.board_model.row_of(visit.id)]
    assert row.visit.status == VisitStatus.ON_SITE

    # time passes beyond the check-in interval and its grace: the sweep raises the alarm
    policy = ctrl.tracker.policy()
    clock.advance(timedelta(minutes=policy.checkin_interval_min + policy.checkin_grace_min))
    ctrl.scheduler.sweep()  # as the 30 s safety sweep would, from its worker thread
    qtbot.waitUntil(lambda: len(ctrl.windows) == 1, timeout=5000)
    aw = the_window(window)
    assert aw.isVisible() and "CHECK-IN OVERDUE" in aw.windowTitle()
    staff = aw.facts["staff"].text()
    assert all(s.name in staff for s in row.visit.staff) and "07700\u00a0900" in staff
    assert "Checked in at" in aw.facts["contact"].text()
    focus = row.state.focus(clock.now())
    assert dl.countdown(focus, clock.now()) in aw.facts["overdue"].text()  # one wording for both
    assert aw.facts["risks"].text() and aw.facts["notes"].text()
    household = aw.detail.visit.household
    social = aw.facts["social"].text()  # Thomas More: the social worker's phone to hand
    if household.social_worker_name:
        assert social.startswith(household.social_worker_name + ": ")
    else:
        assert social == "None recorded"
    ctrl.tick()
    assert ctrl.sound.on

    # nothing can be recorded until someone owns it
    assert not aw.resolve_button.isEnabled()
    assert not any(b.isEnabled() for b in aw.steps[1].buttons.values())

    # take ownership: name shown, sound stops, the alarm stays open
    click(qtbot, aw.take_button)
    assert aw.resolve_button.isEnabled() and aw.steps[1].buttons["no_answer"].isEnabled()
    assert "You are handling this" in aw.owner_label.text()
    ctrl.tick()
    assert not ctrl.sound.on and aw.isVisible()

    # step 1: no answer -> step 2; its timer runs out -> prompt and sound come back
    click(qtbot, aw.steps[1].buttons["no_answer"])
    assert ctrl.alarm_service.get(aw.alarm_id).step == 2
    assert aw.steps[2].results.isVisibleTo(aw) and not aw.steps[1].results.isVisibleTo(aw)
    assert f"alarm:{aw.alarm_id}" in ctrl.scheduler.armed()  # the step timer is scheduled
    clock.advance(timedelta(minutes=policy.escalation_step_min))
    ctrl.tick()
    assert ctrl.sound.on and "Time is up for step 2" in aw.prompt.text()
    click(qtbot, aw.steps[2].buttons["no_answer"])
    ctrl.tick()
    assert not ctrl.sound.on
    click(qtbot, aw.steps[3].buttons["police"])
    assert "999" in aw.steps[4].numbers.text() and "101" in aw.steps[4].numbers.text()
    click(qtbot, aw.sheet_button)
    assert not aw.sheet.isHidden()
    sheet = aw.sheet.toPlainText()
    assert "Police information sheet" in sheet and row.visit.household.postcode in sheet
    aw.police_reference.setText("CAD 4321")
    click(qtbot, aw.steps[4].buttons["called_999"])
    assert "Police called" in aw.prompt.text()

    # resolve: genuine emergency, with the reference carried over
    aw.resolution_buttons["emergency"].setChecked(True)
    aw.notes.setText("Police found them safe; car broke down with no signal")
    click(qtbot, aw.resolve_button)
    assert ctrl.windows == {}
    with ctrl.services.db.read() as s:
        alarm = s.scalars(select(Alarm).where(Alarm.visit_id == visit.id)).one()
        timeline = list(
            s.scalars(select(Event).where(Event.visit_id == visit.id).order_by(Event.id))
        )
    assert alarm.resolution == "emergency" and alarm.police_reference == "CAD 4321"
    kinds = [e.kind for e in timeline if e.kind not in ("booked", "submitted", "approved")]
    assert kinds == [
        "departed",
        "arrived",
        "checked_in",
        "alarm_raised",
        "alarm_acknowledged",
        "escalation_step",
        "escalation_step",
        "escalation_step",
        "escalation_step",
        "alarm_resolved",
    ]
    assert all(e.user_name for e in timeline)


def test_refused_resolution_is_explained_on_the_alarm(window, qtbot):
    aw = next(iter(ctrl_of(window).windows.values()))
    click(qtbot, aw.take_button)
    aw.resolution_buttons["emergency"].setChecked(True)
    click(qtbot, aw.resolve_button)
    assert not aw.errors.isHidden()
    assert "Police reference" in aw.errors.text()
    assert aw.alarm_id in ctrl_of(window).windows


def test_alarm_window_cannot_be_closed_until_resolved(window, qtbot):
    aw = next(iter(ctrl_of(window).windows.values()))
    aw.close()
    assert aw.isVisible()
    assert "stays open until it is resolved" in aw.notice.text()


def test_another_seat_taking_the_alarm_shows_here(window, qtbot, services):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    other = _user(services.db, "t_office2", "Priya Office", Role.OFFICE)  # on another PC
    AlarmService(services.db, services.clock).acknowledge(other, aw.alarm_id)
    window.data_changed.emit()  # the main window's change probe does this within seconds
    idle(window, qtbot)  # the feed reads what changed on the window's reader
    assert "Priya Office is handling this" in aw.owner_label.text()
    assert aw.take_button.text() == "Take over from Priya Office…"


def test_steps_and_resolve_are_only_for_the_one_handling_it(window, qtbot, services):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    other = _user(services.db, "t_office2", "Priya Office", Role.OFFICE)  # on another PC
    AlarmService(services.db, services.clock).acknowledge(other, aw.alarm_id)
    window.data_changed.emit()
    idle(window, qtbot)  # the feed reads what changed on the window's reader
    step_buttons = [b for box in aw.steps.values() for b in box.buttons.values()]
    assert not aw.resolve_button.isEnabled() and not any(b.isEnabled() for b in step_buttons)
    assert "Take over from Priya Office" in aw.resolve_button.toolTip()


def test_taking_over_is_confirmed_and_shown_to_the_other_seat(
    window, qtbot, services, answers, office_actor
):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    other = _user(services.db, "t_office2", "Priya Office", Role.OFFICE)
    AlarmService(services.db, services.clock).acknowledge(other, aw.alarm_id)
    window.data_changed.emit()
    idle(window, qtbot)  # the feed reads what changed on the window's reader
    answers["reply"][0] = False  # "Take over from Priya Office?" -> No: nothing changes
    click(qtbot, aw.take_button)
    assert answers["asked"][-1][1].startswith("Take over from Priya Office?")
    assert AlarmService(services.db, services.clock).get(aw.alarm_id).acknowledged_by == (
        "Priya Office"
    )
    answers["reply"][0] = True
    click(qtbot, aw.take_button)
    qtbot.waitUntil(lambda: "You are handling this" in aw.owner_label.text())
    with services.db.read() as s:
        note = s.scalars(
            select(Event.note)
            .where(Event.alarm_id == aw.alarm_id, Event.kind == EventKind.ALARM_ACKNOWLEDGED)
            .order_by(Event.id.desc())
        ).first()
    assert note == f"{office_actor.name} is handling this (taken over from Priya Office)"
    assert "took this alarm over from Priya Office" in aw.notice.text()


def test_a_second_press_is_refused_naming_the_owner(window, qtbot, services):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    assert aw.detail.alarm.acknowledged_at is None  # this seat still shows nobody on it
    other = _user(services.db, "t_office2", "Priya Office", Role.OFFICE)
    AlarmService(services.db, services.clock).acknowledge(other, aw.alarm_id)  # meanwhile
    click(qtbot, aw.take_button)  # pressed before this seat heard about it
    assert "Priya Office is already handling this (since" in aw.errors.text()
    assert "Priya Office is handling this" in aw.owner_label.text()


def test_duress_button_and_shortcut_raise_the_top_alarm_at_the_police_step(
    window, qtbot, office_actor
):
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    action = window.feature(TrackerFeature).toolbar_actions["Duress!"]
    assert action.shortcut() == QKeySequence("Ctrl+Shift+D")
    out = next(r for r in window.today.board_model.rows() if r.visit.status == "on_site")
    select_in_board(window, out.visit.id)
    action.trigger()
    settle(qtbot)
    aw = the_window(window)
    assert "DURESS" in aw.windowTitle() and aw.detail.alarm.step == 4
    assert aw.steps[4].results.isVisibleTo(aw)
    row = window.today.board_model.rows()[0]
    assert row.visit.id == out.visit.id  # most urgent first
    assert row.state.level(ctrl.clock.now()) is dl.Level.DURESS
    assert window.today.board_model.data(
        window.today.board_model.index(0, BoardModel.LEVEL)
    ).endswith("DURESS")


def test_drill_is_labelled_everywhere_and_kept_out_of_the_figures(
    window, qtbot, office_actor, answers
):
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    out = window.today.board_model.rows()[-1]
    with qtbot.waitSignal(ctrl.actions.recorded):
        ctrl.actions.drill(out.visit, window)
    settle(qtbot)
    assert answers["asked"][-1][0] == "Start a drill?"
    aw = the_window(window)
    assert aw.windowTitle().startswith("DRILL") and "DRILL" in aw.banner.text()
    assert not aw.resolution_buttons["safe_forgot"].isEnabled()
    assert aw.resolution_buttons["drill"].isChecked()
    assert "DRILL running" in ctrl.counts_text()
    assert "DRILL" in window.today.board_model.data(
        window.today.board_model.index(window.today.board_model.row_of(out.visit.id), 0)
    )
    click(qtbot, aw.take_button)
    click(qtbot, aw.steps[1].buttons["no_answer"])
    click(qtbot, aw.resolve_button)
    assert ctrl.windows == {}
    stats = ctrl.alarm_service.stats()
    assert stats.drills == 1 and stats.total == 2  # only the demo's two real alarms


def test_parent_not_present_wait_then_offer_to_cancel(window, qtbot, office_actor, answers):
    ctrl = ctrl_of(window)
    today = window.today
    visit = next(r.visit for r in today.board_model.rows() if r.visit.status == "out")
    select_in_board(window, visit.id)
    click(qtbot, today.buttons["absent"])  # Harborne: wait 20 minutes
    assert today.buttons["cancel_absent"].isEnabled()  # staff may give up early
    row = today.selected_row()
    assert row.state.parent_wait_until == max(visit.start, ctrl.clock.now()) + 20 * MIN
    ctrl.clock.set(row.state.parent_wait_until)
    ctrl.refresh_levels()  # what the deadline job does at the end of the wait
    assert not today.wait_notice.isHidden()
    assert "the wait is over" in today.wait_notice.text()
    assert ctrl.tray.messages[-1][0] == "Parents not present"
    focus_texts = [dl.describe(d, ctrl.clock.now()) for d in row.state.deadlines]
    assert any("offer to cancel" in t for t in focus_texts)
    today.wait_notice.linkActivated.emit("cancel")  # the notice's 'Cancel the visit' link
    settle(qtbot)
    assert answers["asked"][-1][0] == "Cancel the visit?" and today.wait_notice.isHidden()
    with ctrl.services.db.read() as s:
        assert s.get(Visit, visit.id).status == VisitStatus.CANCELLED
    row = today.board_model.rows()[today.board_model.row_of(visit.id)]
    assert row.state.phase == "heading_back"  # still watched until back at school


def test_running_late_through_the_dialog_seam(window, qtbot, monkeypatch):
    ctrl = ctrl_of(window)
    today = window.today
    visit = next(r.visit for r in today.board_model.rows() if r.visit.status == "on_site")
    new = ctrl.clock.now() + 90 * MIN
    monkeypatch.setattr(tracker_actions, "ask_new_return", lambda p, v, now: (new, "traffic"))
    select_in_board(window, visit.id)
    click(qtbot, today.buttons["late"])
    row = today.board_model.rows()[today.board_model.row_of(visit.id)]
    assert row.state.return_due == new


def test_departing_an_unapproved_visit_is_refused_plainly(window, qtbot, answers):
    ctrl = ctrl_of(window)
    with ctrl.services.db.read() as s:
        waiting = s.scalars(
            select(Visit).where(Visit.status == VisitStatus.AWAITING_APPROVAL)
        ).first()
    with qtbot.waitSignal(ctrl.actions.failed):
        ctrl.actions.depart(waiting.id, window)
    title, text, kind = answers["told"][-1]
    assert "not recorded" in title and "cannot depart unapproved" in text and kind == "warning"


def test_quitting_while_out_asks_and_stops_everything_only_when_confirmed(window, qtbot, answers):
    ctrl = ctrl_of(window)
    quit_action = window.feature(TrackerFeature).quit_action
    assert not quit_action.shortcut().isEmpty()
    answers["reply"][0] = False
    quit_action.trigger()
    assert window.isVisible() and ctrl.monitoring
    assert answers["asked"][-1][0] == "Stop monitoring?"
    assert "5 visits are out now" in answers["asked"][-1][1]
    answers["reply"][0] = True
    alarm_windows = list(ctrl.windows.values())
    quit_action.trigger()
    assert not window.isVisible()
    assert ctrl.stopped and not ctrl.scheduler.running and not ctrl.ticker.isActive()
    assert not ctrl.sound.on and ctrl.windows == {}
    assert all(not w.isVisible() for w in alarm_windows)


def test_the_close_button_asks_too(window, qtbot, answers):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QCloseEvent

    guard = window.feature(TrackerFeature).close_guard
    answers["reply"][0] = False
    event = QCloseEvent()
    event.spontaneous = lambda: True  # as the window system's close button sends it
    assert guard.eventFilter(window, event) is True and not event.isAccepted()
    assert answers["asked"][-1][0] == "Stop monitoring?"
    answers["reply"][0] = True
    QCoreApplication.processEvents()
    assert window.isVisible() and ctrl_of(window).monitoring


def test_a_close_by_the_program_itself_stops_monitoring_without_asking(window, answers):
    ctrl = ctrl_of(window)
    assert window.close()  # e.g. after the tray's Quit was confirmed
    assert answers["asked"] == [] and ctrl.stopped and not ctrl.scheduler.running


def test_keep_running_in_the_tray_when_a_tray_exists(window, qtbot, answers, monkeypatch):
    ctrl = ctrl_of(window)
    guard = window.feature(TrackerFeature).close_guard
    monkeypatch.setattr(ctrl.tray, "available", True)
    monkeypatch.setattr(
        "PySide6.QtWidgets.QApplication.setQuitOnLastWindowClosed", lambda *_a: None
    )
    window.feature(TrackerFeature).quit_action.trigger()
    assert answers["asked"][-1][0] == "Keep monitoring?"
    assert guard.in_tray and not window.isVisible() and ctrl.monitoring
    guard.open_window()
    assert window.isVisible()


def test_the_scheduler_wakes_the_tracker_through_qt(window, qtbot, office_actor, monkeypatch):
    """A job fires on APScheduler's worker thread; the tracker acts on the GUI thread.

    A deadline that only changes a level (amber, due now) is re-read from the cached board; one
    that lapses goes to the database and raises its alarm.
    """
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    rederived: list[str] = []  # why the whole board went back to the database
    real_check = ctrl.check

    def check(reason: str = ""):
        rederived.append(reason)
        return real_check(reason)

    monkeypatch.setattr(ctrl, "check", check)
    fire_at(ctrl.scheduler, "test:amber", ctrl.clock.now())
    # other wakes may repaint first (the live feed, the status tick): wait for this one itself
    qtbot.waitUntil(lambda: any(w.key == "test:amber" for w in ctrl.wakes), timeout=5000)
    assert "deadline" not in rederived  # nothing lapsed: the cached board was re-read
    nxt = ctrl.board.next_alarm_at(ctrl.clock.now())
    ctrl.clock.set(nxt)
    fire_at(ctrl.scheduler, "test:lapse", nxt)
    qtbot.waitUntil(
        lambda: any(w.key == "test:lapse" for w in ctrl.wakes) and len(ctrl.windows) >= 1,
        timeout=5000,
    )  # the lapse went to the database (this wake, or a change landing first) and raised it


def fire_at(scheduler, key: str, when) -> None:
    """A deadline job in the backend, as arm() adds one, but outside the plan: the tracker's own
    re-arming (start-up reads landing, a real deadline) replaces the plan's jobs, not this one."""
    scheduler.backend.add_job(
        scheduler._fire, "date", run_date=scheduler._run_date(when), args=[key, when], id=key
    )


def test_qt_scheduler_keeps_one_bounded_timer_and_stops_it(window, qtbot):
    ctrl = ctrl_of(window)
    backend = ctrl.scheduler.backend
    timers_before = len(ctrl.findChildren(QTimer))
    far = ctrl.clock.now() + timedelta(days=40)  # past Qt's 2**31 ms overflow
    plan = dict.fromkeys((f"visit:{i}" for i in range(1000, 1050)), far)
    ctrl.scheduler.arm(plan)
    backend._process_jobs()
    assert 0 < backend.qtimer.interval() <= MAX_WAIT_MS
    assert len(ctrl.findChildren(QTimer)) == timers_before  # re-arming makes no new timers
    ctrl.stop()
    assert not backend.qtimer.isActive()


def test_board_model_is_a_proper_qt_model(window, qtmodeltester):
    qtmodeltester.check(window.today.board_model)


def test_every_control_on_an_alarm_has_an_accessible_name(window):
    aw = next(iter(ctrl_of(window).windows.values()))
    assert aw.accessibleName().startswith("RED ALARM")
    controls = aw.findChildren(QAbstractButton) + aw.findChildren(QLineEdit)
    for control in controls:
        if control.objectName().startswith("qt_"):  # a spin box's own editor, named by its box
            control = control.parentWidget()
        assert control.accessibleName(), control


def test_alarm_and_tracker_fit_a_small_screen(window):
    window.resize(1280, 720)
    aw = next(iter(ctrl_of(window).windows.values()))
    assert aw.minimumWidth() <= 1280 and aw.minimumHeight() <= 720
    assert window.minimumHeight() <= 720
    widgets: list[QWidget] = [window.today.board_view, window.today.action_bar]
    assert all(w.isVisible() for w in widgets)


def test_events_recorded_carry_the_user(window, qtbot, office_actor):
    ctrl = ctrl_of(window)
    visit = window.today.board_model.rows()[-1].visit
    select_in_board(window, visit.id)
    click(qtbot, window.today.buttons["check_in"])
    with ctrl.services.db.read() as s:
        event = s.scalars(
            select(Event)
            .where(Event.visit_id == visit.id, Event.kind == EventKind.CHECKED_IN)
            .order_by(Event.id.desc())
        ).first()
    assert event.user_id == office_actor.user_id and event.at == ctrl.clock.now()


def test_monitoring_says_off_while_the_database_does_not_answer(window, qtbot, monkeypatch):
    from sqlalchemy.exc import OperationalError

    ctrl = ctrl_of(window)
    windows_before = set(ctrl.windows)

    def down(*_a, **_k):
        raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))

    with monkeypatch.context() as patch:
        patch.setattr(ctrl.tracker, "check", down)
        ctrl.check("sweep")
        assert not ctrl.monitoring
        assert window.monitoring_label.text() == "⚠ Monitoring: OFF — database not answering"
        assert set(ctrl.windows) == windows_before  # alarms already showing stay up
    ctrl.check("sweep")
    assert ctrl.monitoring and window.monitoring_label.text() == "● Monitoring: ON"


def test_policy_reminders_appear_when_their_setting_is_on(window, qtbot, office_actor):
    """Harborne: the office rings 10 min into the visit. Hampton: staff phone if 15 min late."""
    from hvdesk.policy import preset

    ctrl = ctrl_of(window)
    today = window.today
    visit = next(r.visit for r in ctrl.board.rows if r.visit.status == "out")
    ctrl.clock.set(visit.start + MIN)
    with qtbot.waitSignal(ctrl.actions.recorded):
        ctrl.actions.arrive(visit.id, window)  # the arrival call, before going in
    settle(qtbot)
    ctrl.clock.set(visit.start + 6 * MIN)  # amber from 5 minutes before the call is due
    ctrl.refresh_levels()
    row = today.board_model.row_of(visit.id)
    text = today.board_model.data(today.board_model.index(row, BoardModel.NEXT))
    assert text.startswith("Office to ring the worker now")

    services = ctrl.services
    head = _user(services.db, "t_head2", "Linda Francis", Role.APPROVER)  # Hampton is weaker
    services.settings.save_policy(head, preset("hampton"))
    window.settings.policy_changed.emit()
    idle(window, qtbot)  # the feed reads what changed on the window's reader
    ctrl.clock.set(visit.expected_return + 16 * MIN)
    ctrl.check("test")
    focus = [
        dl.describe(d, ctrl.clock.now())
        for d in ctrl.board.row(visit.id).state.deadlines
        if d.kind is dl.Kind.LATE_PHONE
    ]
    assert focus == ["Running late with no call: staff must phone the office"]
    assert all(d.kind is not dl.Kind.OFFICE_CALL for d in ctrl.board.row(visit.id).state.deadlines)


def test_several_alarms_are_stacked_and_flash_the_taskbar(window, qtbot, office_actor, monkeypatch):
    from PySide6.QtWidgets import QApplication

    ctrl = ctrl_of(window)
    positions = {w.pos().toTuple() for w in ctrl.windows.values()}
    assert len(positions) == len(ctrl.windows) == 2  # offset, not on top of each other
    flashed: list[QWidget] = []
    monkeypatch.setattr(QApplication, "alert", lambda widget, ms=0: flashed.append(widget))
    out = next(r.visit for r in ctrl.board.rows if r.visit.status == "out")
    ctrl.actions.duress(out.id, window)
    settle(qtbot)
    assert len(ctrl.windows) == 3 and all(w.isVisible() for w in ctrl.windows.values())
    assert flashed and flashed[-1] is ctrl.window_for_visit(out.id)
    assert ctrl.tray.messages[-1][0].startswith("DURESS")


def test_print_police_sheet_from_the_police_step(window, qtbot, monkeypatch):
    import ui.print_actions as print_actions

    printed: list[tuple[str, int]] = []
    monkeypatch.setattr(
        print_actions,
        "print_form",
        lambda parent, service, actor, form, visit_id=None, **_k: printed.append((form, visit_id)),
    )
    aw = next(iter(ctrl_of(window).windows.values()))
    assert aw.print_button.isVisibleTo(aw)
    click(qtbot, aw.print_button)
    assert printed == [("police-sheet", aw.visit_id)]


def test_sound_falls_back_to_the_system_beep_without_audio(qtbot, monkeypatch):
    from ui.tracker.sound import AlarmSound

    monkeypatch.setenv("HVDESK_NO_SOUND", "0")
    sound = AlarmSound()
    assert not sound.muted
    sound._effect = None  # no audio device here (offscreen CI)
    sound.set_on(True)
    assert sound.on and sound._beep.isActive() and sound.plays == 1
    sound.set_on(True)  # already on: not restarted
    assert sound.plays == 1
    sound.stop()
    assert not sound.on and not sound._beep.isActive()


def test_duress_from_the_keyboard(window, qtbot):
    ctrl = ctrl_of(window)
    settle(qtbot)  # no start-up read lands (and raises an alarm window) after the activation
    row = next(r for r in window.today.board_model.rows() if not r.open_alarm_ids)
    select_in_board(window, row.visit.id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(
        window,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    settle(qtbot)
    aw = ctrl.window_for_visit(row.visit.id)
    assert aw is not None and aw.detail.alarm.level == "duress"


def test_a_visiting_staff_seat_shows_alarms_read_only_without_windows_or_sound(
    qtbot, services, visitor, answers
):
    from ui.app import build_window

    win = build_window(services, visitor)
    qtbot.addWidget(win)
    win.show()
    ctrl = ctrl_of(win)
    assert ctrl.alarm_service.open_alarms()  # the demo has lapses at start-up
    ctrl.check("test")
    ctrl.tick()
    assert ctrl.windows == {} and not ctrl.sound.on
    note = win.today.alarms_readonly
    assert note.isVisibleTo(win) and "The office handles alarms" in note.text()
    assert "ALARM:" in note.text()
    row = next(r for r in ctrl.board.rows if r.open_alarm_ids)
    select_in_board(win, row.visit.id)
    assert not win.today.buttons["alarm"].isEnabled()
    win.close()


def _down(*args, **kwargs):
    from sqlalchemy.exc import OperationalError

    raise OperationalError("UPDATE alarm", {}, Exception("could not connect to server"))


def test_a_step_while_the_database_is_down_says_so_and_keeps_the_note(window, qtbot, monkeypatch):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    click(qtbot, aw.take_button)
    qtbot.waitUntil(lambda: "You are handling this" in aw.owner_label.text())
    aw.step_note.setText("rang her mobile, voicemail")
    monkeypatch.setattr(ctrl.alarm_service, "record_step", _down)
    step = aw.detail.alarm.step
    click(qtbot, next(iter(aw.steps[step].buttons.values())))
    assert "The database is not answering: the step was NOT recorded" in aw.errors.text()
    assert "What you typed is kept" in aw.errors.text()
    assert aw.step_note.text() == "rang her mobile, voicemail"
    assert all(b.isEnabled() for b in aw.steps[step].buttons.values())  # press it again


def test_a_press_while_the_database_is_down_says_press_it_again(
    window, qtbot, answers, monkeypatch
):
    ctrl = ctrl_of(window)
    visit = next(r.visit for r in ctrl.board.rows if r.visit.status == "on_site")
    monkeypatch.setattr(ctrl.tracker, "check_in", _down)
    with qtbot.waitSignal(ctrl.actions.failed):
        ctrl.actions.check_in(visit.id, window)
    title, text, kind = answers["told"][-1]
    assert title == "Check in: not recorded" and kind == "error"
    assert "The database is not answering: the check-in was NOT recorded. Try again." in text
    assert "catches up by itself" not in text
    assert ctrl.actions.pending == frozenset()


def press_record(qtbot, widget: QWidget, record: str) -> None:
    """The record's own shortcut (from ui/tracker/keys.py), pressed on `widget`."""
    from ui.tracker import keys

    seq = QKeySequence(keys.key_of(record))
    combo = seq[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def test_record_keys_in_an_alarm_window_act_on_that_alarms_family(window, qtbot, services, answers):
    """Issue 15 review #1: Today has another family selected; the key pressed in an alarm window
    is about the alarm's family, never the selection behind it."""
    ctrl = ctrl_of(window)
    aw = list(ctrl.windows.values())[-1]
    other = next(r.visit for r in ctrl.board.rows if r.visit.id != aw.visit_id)
    select_in_board(window, other.id)
    aw.activateWindow()
    qtbot.waitUntil(lambda: aw.isActiveWindow(), timeout=2000)
    aw.notes.setFocus()
    before = services.visits.get(other.id).status
    press_record(qtbot, aw.notes, "left")
    settle(qtbot)
    assert services.visits.get(other.id).status == before
    mine = services.visits.get(aw.visit_id)
    assert mine.status == VisitStatus.LEFT_PROPERTY.value


def test_a_record_key_confirms_the_family_when_the_target_is_not_in_front(
    window, qtbot, services, answers
):
    """Nothing selected and one visit out, or the selection behind another window: the
    family is named and the person's No records nothing."""
    from PySide6.QtWidgets import QDialog

    ctrl = ctrl_of(window)
    settle(qtbot)  # no start-up read lands (and raises an alarm window) after the activation
    row = ctrl.board.rows[0]
    select_in_board(window, row.visit.id)
    other_window = QDialog(window)
    qtbot.addWidget(other_window)
    other_window.show()
    other_window.activateWindow()
    qtbot.waitUntil(lambda: other_window.isActiveWindow(), timeout=2000)
    before = services.visits.get(row.visit.id).status
    answers["reply"][0] = False
    press_record(qtbot, other_window, "returned")
    settle(qtbot)
    assert row.visit.household.name in answers["asked"][-1][0]
    assert services.visits.get(row.visit.id).status == before


def test_a_step_recorded_elsewhere_on_a_visit_back_rearms_its_timer(window, qtbot, office_actor):
    """The visit came back with its alarm still open; another seat records a ladder step on it:
    the board has nothing to repaint, but the step's timer is armed all the same."""
    ctrl = ctrl_of(window)
    aw = next(w for w in ctrl.windows.values() if w.visit_id is not None)
    ctrl.tracker.returned(office_actor, aw.visit_id, "back")  # as at another seat
    window.live.recorded()
    idle(window, qtbot)
    assert aw.visit_id not in {row.visit.id for row in ctrl.board.rows}
    assert f"alarm:{aw.alarm_id}" not in ctrl.scheduler.armed()
    ctrl.alarm_service.acknowledge(office_actor, aw.alarm_id)
    ctrl.alarm_service.record_step(office_actor, aw.alarm_id, 1, "no_answer")
    window.live.recorded()
    idle(window, qtbot)
    assert aw.detail.alarm.step == 2  # the window shows the step
    assert f"alarm:{aw.alarm_id}" in ctrl.scheduler.armed()  # and its timer runs
