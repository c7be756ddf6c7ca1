"""Alarms: ownership, the escalation ladder with its timers, structured resolution, duress, drills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, StateError, ValidationError
from hvdesk.events import EventKind
from hvdesk.models import Alarm, Event, Visit, VisitStatus
from hvdesk.policy import preset
from hvdesk.rules import deadlines as dl
from hvdesk.rules import escalation as esc
from hvdesk.services.alarms import AlarmOwned, AlarmService
from hvdesk.services.tracker import TrackerService
from hvdesk.services.visits import VisitQueries

MIN = timedelta(minutes=1)


@pytest.fixture
def alarms(demo_db, clock) -> AlarmService:
    return AlarmService(demo_db, clock)


@pytest.fixture
def raised(demo_db, clock):
    """The demo's check-in lapse, raised."""
    found = TrackerService(demo_db, clock).raise_due_alarms()
    return next(r for r in found if "Check-in" in r.reason)


def get(db, alarm_id) -> Alarm:
    with db.read() as s:
        return s.get(Alarm, alarm_id)


def step_events(db, alarm_id) -> list[Event]:
    with db.read() as s:
        return list(
            s.scalars(
                select(Event)
                .where(Event.alarm_id == alarm_id, Event.kind == EventKind.ESCALATION_STEP)
                .order_by(Event.id)
            )
        )


def test_acknowledge_takes_ownership_on_every_seat(
    alarms, demo_db, clock, raised, office, approver
):
    state = alarms.detail(raised.alarm_id).ladder()
    assert not state.acknowledged and state.needs_attention(clock.now())
    clock.advance(MIN)
    alarms.acknowledge(office, raised.alarm_id)
    seat_b = AlarmService(demo_db, clock)  # another office PC on the same database
    alarm = seat_b.get(raised.alarm_id)
    assert alarm.acknowledged_by == "Sam Office" and alarm.acknowledged_at == clock.now()
    assert alarm.step_started_at == clock.now()
    assert not seat_b.detail(raised.alarm_id).ladder().needs_attention(clock.now())
    alarms.acknowledge(office, raised.alarm_id)  # again: nothing new recorded
    clock.advance(MIN)
    with pytest.raises(AlarmOwned, match=r"Sam Office is already handling this \(since 09:01\)"):
        seat_b.acknowledge(approver, raised.alarm_id)  # a second press is refused, naming the owner
    seat_b.take_over(approver, raised.alarm_id, "Sam Office")  # the separate, confirmed action
    alarm = alarms.get(raised.alarm_id)
    assert alarm.acknowledged_by == "Linda Francis"
    with demo_db.read() as s:
        acks = s.scalars(
            select(Event).where(
                Event.alarm_id == raised.alarm_id, Event.kind == EventKind.ALARM_ACKNOWLEDGED
            )
        ).all()
    assert [a.note for a in acks] == [
        "Sam Office is handling this",
        "Linda Francis is handling this (taken over from Sam Office)",
    ]


def test_visitors_cannot_handle_alarms(alarms, raised, visitor):
    with pytest.raises(NotAllowed, match="handle alarms"):
        alarms.acknowledge(visitor, raised.alarm_id)


def test_walking_the_ladder_with_its_timers(alarms, demo_db, clock, raised, office):
    policy = alarms.policy()
    step_min = timedelta(minutes=policy.escalation_step_min)
    alarms.acknowledge(office, raised.alarm_id)
    state = alarms.detail(raised.alarm_id).ladder()
    assert state.step.number == 1 and state.timer_due == clock.now() + step_min
    clock.advance(step_min - timedelta(seconds=1))
    assert not state.needs_attention(clock.now())
    assert "next step in 0:01" in state.prompt(clock.now(), policy)
    clock.advance(timedelta(seconds=1))
    assert state.overdue(clock.now()) and state.needs_attention(clock.now())  # sound returns
    assert "go on to step 2" in state.prompt(clock.now(), policy)

    alarms.record_step(office, raised.alarm_id, 1, "no_answer", "rang both mobiles")
    state = alarms.detail(raised.alarm_id).ladder()
    assert state.step.number == 2 and not state.needs_attention(clock.now())
    clock.advance(MIN)
    alarms.record_step(office, raised.alarm_id, 2, "no_answer")
    clock.advance(MIN)
    alarms.record_step(office, raised.alarm_id, 3, "police", "Mrs Francis says call")
    state = alarms.detail(raised.alarm_id).ladder()
    assert state.step.number == 4
    clock.advance(MIN)
    alarms.record_step(office, raised.alarm_id, 4, "called_999", reference="CAD 1234")
    state = alarms.detail(raised.alarm_id).ladder()
    assert state.settled and state.timer_due is None
    assert not state.needs_attention(clock.now() + timedelta(hours=1))
    assert get(demo_db, raised.alarm_id).police_reference == "CAD 1234"
    recorded = step_events(demo_db, raised.alarm_id)
    assert [(e.data["step"], e.data["result"]) for e in recorded] == [
        (1, "no_answer"),
        (2, "no_answer"),
        (3, "police"),
        (4, "called_999"),
    ]
    assert all(e.user_name == "Sam Office" for e in recorded)


def test_step_results_are_checked(alarms, demo_db, clock, raised, office):
    with pytest.raises(ValidationError) as err:
        alarms.record_step(office, raised.alarm_id, 1, "shrug")
    assert err.value.for_field("Result").startswith("choose one of: Answered: safe and well")
    with pytest.raises(StateError, match="at step 1 now, not step 3"):
        alarms.record_step(office, raised.alarm_id, 3, "police")
    with pytest.raises(ValidationError, match="Step"):
        alarms.record_step(office, raised.alarm_id, 7, "police")
    assert step_events(demo_db, raised.alarm_id) == []


def test_recording_a_step_takes_ownership_if_nobody_has(alarms, raised, office):
    alarms.record_step(office, raised.alarm_id, 1, "no_answer")
    assert alarms.get(raised.alarm_id).acknowledged_by == "Sam Office"


def test_needs_help_goes_straight_to_the_police_as_duress(alarms, raised, office):
    alarms.record_step(office, raised.alarm_id, 1, "answered_help", "said 'bluebell'")
    alarm = alarms.get(raised.alarm_id)
    assert alarm.level == "duress" and alarm.step == esc.POLICE_STEP


def test_reaching_the_staff_settles_the_step_and_counts_as_contact(
    alarms, demo_db, clock, raised, office
):
    alarms.record_step(office, raised.alarm_id, 1, "answered_safe")
    state = alarms.detail(raised.alarm_id).ladder()
    assert state.settled and "resolve the alarm" in state.prompt(clock.now(), alarms.policy())
    assert step_events(demo_db, raised.alarm_id)[0].data["contact"] is True


def test_resolve_with_a_structured_result(alarms, demo_db, clock, raised, office):
    clock.advance(3 * MIN)
    alarms.acknowledge(office, raised.alarm_id)
    alarms.resolve(office, raised.alarm_id, "safe_forgot", "Phone on silent")
    alarm = alarms.get(raised.alarm_id)
    assert alarm.resolution == "safe_forgot" and alarm.resolved_by == "Sam Office"
    assert alarm.resolved_at == clock.now() and alarm.resolution_note == "Phone on silent"
    with pytest.raises(StateError, match="already resolved by Sam Office"):
        alarms.acknowledge(office, raised.alarm_id)
    # resolving 'safe' is contact: the next check-in counts from now, so nothing re-raises
    tracker = TrackerService(demo_db, clock)
    assert tracker.raise_due_alarms() == []
    row = tracker.board().row(raised.visit_id)
    checkin = next(d for d in row.state.deadlines if d.kind is dl.Kind.CHECKIN)
    assert checkin.due_at == clock.now() + timedelta(minutes=60)
    assert row.state.level(clock.now()) is dl.Level.OK


def test_resolution_checks(alarms, demo_db, clock, raised, office):
    with pytest.raises(StateError, match="press 'I'm handling this' first"):
        alarms.resolve(office, raised.alarm_id, "safe_forgot", "Phone on silent")
    assert alarms.get(raised.alarm_id).resolved_at is None
    alarms.acknowledge(office, raised.alarm_id)
    with pytest.raises(ValidationError) as err:
        alarms.resolve(office, raised.alarm_id, "safe_forgot")
    assert "what you did and who you spoke to" in err.value.for_field("Notes")
    with pytest.raises(ValidationError) as err:
        alarms.resolve(office, raised.alarm_id, "sorted")
    assert "Safe and well (they forgot to check in)" in err.value.for_field("Resolution")
    with pytest.raises(ValidationError) as err:
        alarms.resolve(office, raised.alarm_id, "emergency")
    assert "reference the police gave" in err.value.for_field("Police reference")
    with pytest.raises(ValidationError) as err:
        alarms.resolve(office, raised.alarm_id, "safe_delayed", new_return=clock.now() - MIN)
    assert "later than now" in err.value.for_field("New expected return")
    assert alarms.get(raised.alarm_id).resolved_at is None
    alarms.resolve(office, raised.alarm_id, "emergency", "Police attended", "CAD 99")
    assert alarms.get(raised.alarm_id).police_reference == "CAD 99"


def test_resolving_delayed_with_a_new_return_time(alarms, demo_db, clock, office):
    found = TrackerService(demo_db, clock).raise_due_alarms()
    ret = next(r for r in found if "Return" in r.reason)
    new = clock.now() + 30 * MIN
    alarms.acknowledge(office, ret.alarm_id)
    alarms.resolve(office, ret.alarm_id, "safe_delayed", "Stuck in traffic", new_return=new)
    with demo_db.read() as s:
        assert s.get(Visit, ret.visit_id).expected_return == new
        late = s.scalars(
            select(Event).where(
                Event.visit_id == ret.visit_id, Event.kind == EventKind.RUNNING_LATE
            )
        ).one()
    assert late.data["new_return"] == new.isoformat()
    row = TrackerService(demo_db, clock).board().row(ret.visit_id)
    assert row.state.return_due == new and row.state.level(clock.now()) < dl.Level.RED


def test_resolve_closes_lapses_folded_into_the_alarm(alarms, demo_db, clock, raised, office):
    clock.advance(timedelta(hours=3))
    more = TrackerService(demo_db, clock).raise_due_alarms()
    assert any(r.merged and r.primary_id == raised.alarm_id for r in more)
    detail = alarms.detail(raised.alarm_id)
    assert detail.merged_reasons  # the window lists what else is overdue
    alarms.acknowledge(office, raised.alarm_id)
    alarms.resolve(office, raised.alarm_id, "safe_delayed", "Rang her: still with the family")
    with demo_db.read() as s:
        still_open = s.scalars(
            select(Alarm).where(Alarm.visit_id == raised.visit_id, Alarm.resolved_at.is_(None))
        ).all()
    assert still_open == []


def test_duress_is_the_top_alarm_straight_at_the_police_step(alarms, demo_db, clock, office):
    with demo_db.read() as s:
        visit = s.scalars(select(Visit).where(Visit.status == VisitStatus.OUT)).first()
    alarm = alarms.duress(office, visit.id, "code word on the phone")
    assert alarm.level == "duress" and alarm.step == esc.POLICE_STEP and not alarm.drill
    row = TrackerService(demo_db, clock).board().row(visit.id)
    assert row.state.level(clock.now()) is dl.Level.DURESS
    with demo_db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.alarm_id == alarm.id))]
    assert EventKind.DURESS in kinds and EventKind.ALARM_RAISED in kinds


def test_duress_on_a_visit_with_an_open_alarm_upgrades_it(alarms, clock, raised, office):
    alarms.acknowledge(office, raised.alarm_id)
    clock.advance(MIN)
    upgraded = alarms.duress(office, raised.visit_id)
    assert upgraded.id == raised.alarm_id
    assert upgraded.level == "duress" and upgraded.step == 4
    assert upgraded.reason.startswith("DURESS")
    assert len(alarms.open_alarms()) == 2  # the demo's other alarm, and this one


def test_duress_refused_for_a_visit_not_out(alarms, demo_db, office):
    with demo_db.read() as s:
        visit = s.scalars(select(Visit).where(Visit.status == VisitStatus.COMPLETED)).first()
    with pytest.raises(StateError, match="ring 999"):
        alarms.duress(office, visit.id)


def test_drill_is_labelled_walks_the_ladder_and_stays_out_of_the_statistics(
    alarms, demo_db, clock, raised, office
):
    with demo_db.read() as s:
        visit = s.scalars(select(Visit).where(Visit.status == VisitStatus.ON_SITE)).first()
    drill = alarms.start_drill(office, visit.id)
    assert drill.drill and drill.reason.startswith("DRILL")
    with pytest.raises(StateError, match="already running"):
        alarms.start_drill(office, visit.id)
    alarms.record_step(office, drill.id, 1, "answered_safe")
    first = step_events(demo_db, drill.id)[0]
    assert first.data["contact"] is False and first.note.startswith("DRILL: Step 1")
    with pytest.raises(ValidationError, match="DRILL"):
        alarms.resolve(office, drill.id, "safe_forgot")
    alarms.resolve(office, drill.id, "drill")  # a drill needs no note
    alarms.acknowledge(office, raised.alarm_id)
    alarms.resolve(office, raised.alarm_id, "false_alarm", "She had phoned the school line")
    stats = alarms.stats()
    assert stats.drills == 1
    assert stats.by_resolution == {"false_alarm": 1}
    assert stats.total == 2 and stats.open == 1  # the demo's return alarm is still open
    assert stats.median_to_resolve_s == 0.0


def test_stats_leave_out_folded_lapses_and_give_medians(alarms, demo_db, clock, raised, office):
    clock.advance(timedelta(hours=3))
    TrackerService(demo_db, clock).raise_due_alarms()
    clock.advance(2 * MIN)
    for alarm in alarms.open_alarms():
        alarms.acknowledge(office, alarm.id)
    clock.advance(4 * MIN)
    for alarm in alarms.open_alarms():
        alarms.resolve(office, alarm.id, "safe_forgot", "Rang her mobile: safe")
    stats = alarms.stats()
    assert stats.total == len({a.id for a in alarms_real(demo_db)})
    assert stats.by_resolution == {"safe_forgot": stats.total}


def alarms_real(db) -> list[Alarm]:
    with db.read() as s:
        return [a for a in s.scalars(select(Alarm)) if not a.drill and a.resolution != dl.MERGED]


def test_the_visit_timeline_shows_every_step_with_times(alarms, demo_db, clock, raised, office):
    for minutes, action in [
        (1, lambda: alarms.acknowledge(office, raised.alarm_id)),
        (2, lambda: alarms.record_step(office, raised.alarm_id, 1, "no_answer")),
        (3, lambda: alarms.record_step(office, raised.alarm_id, 2, "answered_safe")),
        (4, lambda: alarms.resolve(office, raised.alarm_id, "safe_forgot", "battery flat")),
    ]:
        clock.advance(minutes * MIN)
        action()
    timeline = VisitQueries(demo_db, clock).timeline(raised.visit_id)
    tail = [(e.kind, e.user_name) for e in timeline if e.alarm_id == raised.alarm_id]
    assert tail == [
        ("alarm_raised", "hvdesk"),
        ("alarm_acknowledged", "Sam Office"),
        ("escalation_step", "Sam Office"),
        ("escalation_step", "Sam Office"),
        ("alarm_resolved", "Sam Office"),
    ]
    times = [e.at for e in timeline if e.alarm_id == raised.alarm_id]
    assert times == sorted(times) and len(set(times)) == len(times)


# --- the ladder's pure rules -------------------------------------------------------------------


def test_ladder_steps_use_the_schools_words():
    hampton = preset("hampton")
    assert [esc.step_title(n, hampton) for n in (1, 2, 3, 4)] == [
        "Call the worker",
        "Call the visit address",
        "Tell the head of school",
        "Call the police (999 / 101)",
    ]
    assert esc.step_title(3, preset("harrogate")) == "Tell the assistant headteacher"
    assert [r.advance_to for r in esc.step(1).results] == [None, 4, 2, 2]
    assert esc.step(4).result("called_999").reference
    with pytest.raises(ValueError, match="steps 1 to 4"):
        esc.step(5)
