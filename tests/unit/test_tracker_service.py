"""The tracker service: one-click actions (one transaction, one Event each) and raising alarms."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hvdesk.clock import london_day_bounds
from hvdesk.errors import StateError, ValidationError
from hvdesk.events import EventKind
from hvdesk.models import Alarm, Event, Visit, VisitStatus
from hvdesk.policy import preset
from hvdesk.rules import deadlines as dl
from hvdesk.services.alarms import AlarmService
from hvdesk.services.settings import SettingsService
from hvdesk.services.tracker import TrackerService

MIN = timedelta(minutes=1)


def approved_today(db, clock) -> Visit:
    start, end = london_day_bounds(clock.now().date())
    with db.read() as s:
        return s.scalars(
            select(Visit)
            .where(Visit.status == VisitStatus.APPROVED, Visit.start >= start, Visit.start < end)
            .order_by(Visit.start)
        ).first()


def with_status(db, status) -> Visit:
    with db.read() as s:
        return s.scalars(select(Visit).where(Visit.status == status).order_by(Visit.id)).first()


def events(db, visit_id, kind=None) -> list[Event]:
    with db.read() as s:
        stmt = select(Event).where(Event.visit_id == visit_id).order_by(Event.id)
        if kind:
            stmt = stmt.where(Event.kind == kind)
        return list(s.scalars(stmt))


def alarm_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Alarm.id)))


@pytest.fixture
def tracker(demo_db, clock) -> TrackerService:
    return TrackerService(demo_db, clock)


def test_depart_refuses_an_unapproved_visit(tracker, demo_db, office):
    waiting = with_status(demo_db, VisitStatus.AWAITING_APPROVAL)
    with pytest.raises(StateError, match=r"cannot depart unapproved.*approve it first"):
        tracker.depart(office, waiting.id)
    draft = with_status(demo_db, VisitStatus.DRAFT)
    with pytest.raises(StateError, match="cannot depart unapproved"):
        tracker.depart(office, draft.id)
    assert events(demo_db, waiting.id, EventKind.DEPARTED) == []


def test_a_visit_through_the_day_one_event_per_action(tracker, demo_db, clock, office):
    visit = approved_today(demo_db, clock)
    steps = [
        (lambda: tracker.depart(office, visit.id), "departed", "out"),
        (lambda: tracker.arrive(office, visit.id), "arrived", "on_site"),
        (lambda: tracker.check_in(office, visit.id), "checked_in", "on_site"),
        (lambda: tracker.office_call(office, visit.id, True), "office_call", "on_site"),
        (lambda: tracker.left_property(office, visit.id), "left_property", "left_property"),
        (lambda: tracker.returned(office, visit.id), "returned", "returned"),
    ]
    for run, kind, status in steps:
        clock.advance(7 * MIN)
        before = len(events(demo_db, visit.id))
        run()
        after = events(demo_db, visit.id)
        assert len(after) == before + 1
        assert after[-1].kind == kind
        assert after[-1].user_name == "Sam Office" and after[-1].user_id == office.user_id
        assert after[-1].at == clock.now()
        with demo_db.read() as s:
            assert s.get(Visit, visit.id).status == status
    with demo_db.read() as s:
        v = s.get(Visit, visit.id)
        assert v.departed_at and v.arrived_at and v.left_at and v.returned_at


def test_actions_refuse_the_wrong_state_with_a_clear_message(tracker, demo_db, clock, office):
    visit = approved_today(demo_db, clock)
    with pytest.raises(StateError, match="only for a visit that is out"):
        tracker.check_in(office, visit.id)
    with pytest.raises(StateError, match="on its way there"):
        tracker.arrive(office, visit.id)
    tracker.depart(office, visit.id)
    with pytest.raises(StateError, match="already departed"):
        tracker.depart(office, visit.id)
    tracker.returned(office, visit.id)
    with pytest.raises(StateError, match="only a visit that is out can return"):
        tracker.returned(office, visit.id)
    with pytest.raises(StateError, match="duress is for a visit that is out"):
        tracker.duress(office, visit.id)


def test_running_late_validates_the_new_time(tracker, demo_db, clock, office):
    visit = with_status(demo_db, VisitStatus.LEFT_PROPERTY)
    for bad, message in [
        (None, "is required"),
        (clock.now() - MIN, "must be later than now"),
        (clock.now() + timedelta(hours=13), "more than 12 hours away"),
    ]:
        with pytest.raises(ValidationError) as err:
            tracker.running_late(office, visit.id, bad)
        assert err.value.for_field("New expected return") is not None
        assert message in str(err.value)
    new = clock.now() + 40 * MIN
    before = visit.expected_return
    tracker.running_late(office, visit.id, new, "traffic")
    ev = events(demo_db, visit.id, EventKind.RUNNING_LATE)[-1]
    assert ev.data["new_return"] == new.isoformat()
    assert ev.data["previous"] == before.isoformat()
    with demo_db.read() as s:
        assert s.get(Visit, visit.id).expected_return == new
    row = tracker.board().row(visit.id)
    assert row.state.return_due == new


def test_parent_not_present_wait_then_cancel_and_still_tracked_until_back(
    tracker, demo_db, clock, office, approver
):
    # Harrogate's preset is weaker than the demo's in places: only an approver may save it.
    SettingsService(demo_db, clock).save_policy(approver, preset("harrogate"))
    visit = approved_today(demo_db, clock)
    tracker.depart(office, visit.id)
    tracker.parent_not_present(office, visit.id, late_notice=True)
    ev = events(demo_db, visit.id, EventKind.PARENT_NOT_PRESENT)[-1]
    assert ev.data == {"late_notice": True, "wait_min": 30}
    with demo_db.read() as s:
        assert s.get(Visit, visit.id).status == VisitStatus.ON_SITE  # at the door
    with pytest.raises(StateError, match="Already waiting"):
        tracker.parent_not_present(office, visit.id)
    row = tracker.board().row(visit.id)
    assert row.state.parent_wait_until == max(visit.start, ev.at) + 30 * MIN
    tracker.cancel_parent_not_present(office, visit.id)
    with demo_db.read() as s:
        v = s.get(Visit, visit.id)
        assert v.status == VisitStatus.CANCELLED and v.cancel_reason == "parent_not_present"
        assert "Waited 30 min" in v.cancel_note
    row = tracker.board().row(visit.id)
    assert row is not None and row.state.phase == "heading_back"
    tracker.returned(office, visit.id)
    with demo_db.read() as s:
        v = s.get(Visit, visit.id)
        assert v.status == VisitStatus.CANCELLED and v.returned_at is not None
    assert tracker.board().row(visit.id) is None


def test_demo_school_raises_its_two_lapses_exactly_once(tracker, demo_db, clock):
    raised = tracker.raise_due_alarms()
    reasons = sorted(r.reason.split(" (")[0] for r in raised)
    assert reasons == ["Check-in overdue", "Return overdue"]
    assert tracker.raise_due_alarms() == []
    assert alarm_count(demo_db) == 2
    for r in raised:
        ev = events(demo_db, r.visit_id, EventKind.ALARM_RAISED)
        assert len(ev) == 1 and ev[0].alarm_id == r.alarm_id and ev[0].data["key"] == r.key


def test_a_second_lapse_of_the_same_visit_is_folded_into_its_open_alarm(tracker, demo_db, clock):
    tracker.raise_due_alarms()
    clock.advance(timedelta(hours=3))  # the check-in lapsed visit is now also overdue back
    raised = tracker.raise_due_alarms()
    merged = [r for r in raised if r.merged]
    assert merged
    with demo_db.read() as s:
        for r in merged:
            primary = s.get(Alarm, r.primary_id)
            assert primary.resolved_at is None and r.reason in primary.reason
            row = s.get(Alarm, r.alarm_id)
            assert row.resolution == dl.MERGED and row.resolved_at is not None
        open_per_visit = s.execute(
            select(Alarm.visit_id, func.count())
            .where(Alarm.resolved_at.is_(None))
            .group_by(Alarm.visit_id)
        ).all()
    assert all(count == 1 for _visit, count in open_per_visit)
    assert tracker.raise_due_alarms() == []


def test_board_is_sorted_by_urgency_and_plans_one_wakeup_per_visit(tracker, clock):
    tracker.raise_due_alarms()
    board = tracker.board()
    now = clock.now()
    levels = [r.state.level(now) for r in board.rows]
    assert levels == sorted(levels, reverse=True)
    assert levels[:2] == [dl.Level.RED, dl.Level.RED]
    wakeups = board.wakeups(now)
    assert set(wakeups) == {f"visit:{r.visit.id}" for r in board.rows}
    assert all(t > now for t in wakeups.values())
    lapses = [t for r in board.rows for d in r.state.deadlines if (t := d.lapse_at) and t > now]
    assert board.next_alarm_at(now) == min(lapses)
    counts = board.counts(now)
    assert counts[dl.Level.RED] == 2 and sum(counts.values()) == 5


def test_startup_lists_what_lapsed_while_not_running(tracker, clock):
    report = tracker.startup()
    assert len(report.raised) == 2 and report.out_count == 5
    lines = report.lines()
    assert any("Check-in overdue" in line and "lapsed at" in line for line in lines)
    again = tracker.startup()
    assert again.raised == []
    assert len(again.lines()) == 2 and all("Still open from before" in x for x in again.lines())


def test_sleep_jump_raises_each_lapse_once_none_missed(tracker, demo_db, clock):
    tracker.raise_due_alarms()
    before = {r.visit.id: r.state for r in tracker.board().rows}
    clock.jump(timedelta(hours=5))  # the PC slept: wall time moved, nothing ran
    now = clock.now()
    expected = {
        (vid, d.key)
        for vid, state in before.items()
        for d in state.deadlines
        if d.kind in dl.ALARM_KINDS and d.lapsed(now)
    }
    tracker.raise_due_alarms()
    tracker.raise_due_alarms()
    with demo_db.read() as s:
        rows = s.execute(select(Alarm.visit_id, Alarm.deadline_key)).all()
    assert len(rows) == len(set(rows))  # no duplicates
    assert expected <= set(rows)  # none missed


def test_two_seats_raising_at_once_raise_each_lapse_once(demo_db, clock):
    seats = [TrackerService(demo_db, clock) for _ in range(4)]
    barrier = threading.Barrier(len(seats))
    errors: list[BaseException] = []

    def run(seat: TrackerService) -> None:
        try:
            barrier.wait(timeout=10)
            seat.raise_due_alarms()
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(seat,)) for seat in seats]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert alarm_count(demo_db) == 2


def test_unanswered_office_call_raises_an_alarm_after_the_grace(tracker, demo_db, clock, office):
    visit = with_status(demo_db, VisitStatus.ON_SITE)
    tracker.raise_due_alarms()
    tracker.office_call(office, visit.id, answered=False)
    clock.advance(4 * MIN)
    assert all(r.visit_id != visit.id for r in tracker.raise_due_alarms())
    clock.advance(1 * MIN)
    raised = [r for r in tracker.raise_due_alarms() if r.visit_id == visit.id]
    assert raised and "No answer to the office call" in raised[0].reason


def test_answered_office_call_counts_as_a_check_in(tracker, demo_db, clock, office):
    visit = with_status(demo_db, VisitStatus.ON_SITE)
    tracker.office_call(office, visit.id, answered=True)
    row = tracker.board().row(visit.id)
    checkin = next(d for d in row.state.deadlines if d.kind is dl.Kind.CHECKIN)
    assert checkin.due_at == clock.now() + 60 * MIN


def test_change_token_grows_with_every_recorded_event(tracker, demo_db, clock, office):
    first = tracker.change_token()
    tracker.check_in(office, with_status(demo_db, VisitStatus.ON_SITE).id)
    assert tracker.change_token() > first


def test_check_returns_the_board_after_raising(tracker, clock):
    raised, board = tracker.check()
    assert len(raised) == 2
    assert sum(len(r.open_alarm_ids) for r in board.rows) == 2
    raised, board = tracker.check()
    assert raised == []


def test_duress_goes_through_the_alarm_service(tracker, demo_db, clock, office):
    visit = with_status(demo_db, VisitStatus.OUT)
    alarm = tracker.duress(office, visit.id)
    assert alarm.level == "duress" and alarm.step == 4
    assert AlarmService(demo_db, clock).open_alarms()[0].id == alarm.id


def test_depart_refuses_a_visit_booked_for_another_day_and_says_how_to_fix_it(
    tracker, demo_db, clock, office, make_visit
):
    today = approved_today(demo_db, clock)
    friday = clock.now().replace(hour=10, minute=0) + timedelta(days=3)  # Tue 24 -> Fri 27 Nov
    vid = make_visit(
        household_id=today.household_id,
        lead_id=today.lead_staff_id,
        start=friday,
        status="approved",
    )
    with pytest.raises(StateError) as err:
        tracker.depart(office, vid)
    message = str(err.value)
    assert "Fri 27 Nov 2026 09:45" in message  # booked departure, UK time
    assert "record the departure on the day, or move the visit in the Calendar" in message
    assert events(demo_db, vid, EventKind.DEPARTED) == []
    assert tracker.board().row(vid) is None
    # On the day, a little before the booked time, it departs.
    clock.advance(timedelta(days=3, minutes=30))  # Fri 09:30
    assert tracker.depart(office, vid).status == VisitStatus.OUT


def test_an_early_departure_on_the_day_is_covered_from_when_they_really_left(
    tracker, demo_db, clock, office, make_visit
):
    today = approved_today(demo_db, clock)
    later = clock.now().replace(hour=14, minute=0)  # booked to leave 13:45; it is 09:00
    vid = make_visit(
        household_id=today.household_id, lead_id=today.lead_staff_id, start=later, status="approved"
    )
    tracker.depart(office, vid)
    row = tracker.board().row(vid)
    interval = timedelta(minutes=tracker.policy().checkin_interval_min)
    deadlines = {d.kind: d for d in row.state.deadlines}
    assert deadlines[dl.Kind.CHECKIN].due_at == clock.now() + interval
    # Nobody hears from them: an alarm is raised well before the booked day is out.
    raised = tracker.raise_due_alarms(clock.now() + interval + 10 * MIN)
    assert vid in {r.visit_id for r in raised}


def test_thomas_more_parent_present_rule_unless_attendance(demo_db, clock, office, approver):
    """Thomas More: 'the home visit should only go ahead if the parent/carer is present unless it
    is for attendance issues'."""
    from hvdesk.services.settings import SettingsService

    SettingsService(demo_db, clock).save_policy(approver, preset("thomas_more"))
    tracker = TrackerService(demo_db, clock)
    with demo_db.read() as s:
        out = list(s.scalars(select(Visit).where(Visit.status == "out")))
    visit = out[0]
    with demo_db.transaction() as s:
        s.get(Visit, visit.id).purpose = "safe_and_well"
    assert tracker.needs_parent_present(visit.id)
    with pytest.raises(StateError, match="only with a parent or carer present"):
        tracker.arrive(office, visit.id, parent_present=False)
    assert tracker.arrive(office, visit.id, parent_present=True).status == "on_site"
    if len(out) > 1:
        other = out[1]
        with demo_db.transaction() as s:
            s.get(Visit, other.id).purpose = "attendance"
        assert not tracker.needs_parent_present(other.id)
        assert tracker.arrive(office, other.id, parent_present=False).status == "on_site"
