"""Taking an alarm is compare-and-set on its owner: two seats pressing at once, one owner."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hvdesk.db import Database
from hvdesk.errors import StateError
from hvdesk.events import EventKind
from hvdesk.models import Alarm, Event
from hvdesk.services.alarms import AlarmOwned, AlarmService
from hvdesk.services.base import Actor
from hvdesk.services.tracker import TrackerService


def race_takes(seats: list[Database], clock, alarm_id: int, actors: list[Actor]) -> list[object]:
    """Every seat presses 'I'm handling this' at the same instant; what each was told."""
    barrier = threading.Barrier(len(seats))
    told: list[object] = [None] * len(seats)

    def press(i: int) -> None:
        service = AlarmService(seats[i], clock)
        barrier.wait()
        try:
            told[i] = service.acknowledge(actors[i], alarm_id).acknowledged_by
        except StateError as err:
            told[i] = err

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(seats))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return told


def assert_one_owner(db: Database, alarm_id: int, told: list[object], rounds_so_far: int) -> None:
    winners = [t for t in told if isinstance(t, str)]
    refused = [t for t in told if isinstance(t, AlarmOwned)]
    assert len(winners) == 1 and len(refused) == len(told) - 1, told
    assert all(r.owner == winners[0] for r in refused)
    assert all(f"{winners[0]} is already handling this (since " in str(r) for r in refused)
    with db.read() as s:
        assert s.get(Alarm, alarm_id).acknowledged_by == winners[0]
        acks = s.scalars(
            select(Event).where(
                Event.alarm_id == alarm_id, Event.kind == EventKind.ALARM_ACKNOWLEDGED
            )
        ).all()
    assert len(acks) == rounds_so_far  # exactly one recorded take per round


def release(db: Database, alarm_id: int) -> None:
    with db.transaction() as s:
        s.execute(
            update(Alarm)
            .where(Alarm.id == alarm_id)
            .values(acknowledged_at=None, acknowledged_by="", acknowledged_by_id=None)
        )


@pytest.fixture
def raised(demo_db, clock) -> int:
    found = TrackerService(demo_db, clock).raise_due_alarms()
    return next(r for r in found if "Check-in" in r.reason).alarm_id


def test_two_seats_pressing_at_once_get_one_owner_sqlite(demo_db, clock, raised, office, approver):
    seat_b = Database(str(demo_db.engine.url), run_migrations=False)
    try:
        for round_ in range(1, 9):
            told = race_takes([demo_db, seat_b], clock, raised, [office, approver])
            assert_one_owner(demo_db, raised, told, round_)
            release(demo_db, raised)
    finally:
        seat_b.dispose()


def test_second_press_is_refused_naming_owner_and_time(demo_db, clock, raised, office, approver):
    service = AlarmService(demo_db, clock)
    clock.advance(timedelta(minutes=4))
    service.acknowledge(office, raised)
    clock.advance(timedelta(minutes=2))
    with pytest.raises(AlarmOwned) as refused:
        service.acknowledge(approver, raised)
    assert str(refused.value).startswith("Sam Office is already handling this (since 09:04)")
    assert service.get(raised).acknowledged_by == "Sam Office"


def test_take_over_is_separate_audited_and_checks_who_it_takes_from(
    demo_db, clock, raised, office, approver
):
    service = AlarmService(demo_db, clock)
    with pytest.raises(StateError, match="Nobody is handling"):
        service.take_over(approver, raised, "Sam Office")
    service.acknowledge(office, raised)
    with pytest.raises(AlarmOwned, match="Sam Office is already handling"):
        service.take_over(approver, raised, "Someone Else")  # the screen was out of date
    clock.advance(timedelta(minutes=3))
    alarm = service.take_over(approver, raised, "Sam Office")
    assert alarm.acknowledged_by == "Linda Francis" and alarm.acknowledged_at == clock.now()
    with demo_db.read() as s:
        last = s.scalars(
            select(Event)
            .where(Event.alarm_id == raised, Event.kind == EventKind.ALARM_ACKNOWLEDGED)
            .order_by(Event.id.desc())
        ).first()
    assert last.note == "Linda Francis is handling this (taken over from Sam Office)"
    assert last.data["taken_over"] is True and last.data["previous"] == "Sam Office"
    # the old owner's seat now refuses its own stale press
    with pytest.raises(AlarmOwned, match="Linda Francis is already handling"):
        service.acknowledge(office, raised)


def test_resolved_alarm_cannot_be_taken(demo_db, clock, raised, office, approver):
    service = AlarmService(demo_db, clock)
    service.acknowledge(office, raised)
    service.resolve(office, raised, "safe_forgot", "rang Jo, battery died")
    with pytest.raises(StateError, match="already resolved"):
        service.acknowledge(approver, raised)
    with pytest.raises(StateError, match="already resolved"):
        service.take_over(approver, raised, "Sam Office")


def test_only_the_holder_records_steps_and_resolves(demo_db, clock, raised, office, approver):
    """One owner per alarm: another seat is refused (naming the owner, pointing at Take over)."""
    from hvdesk.rules import escalation as esc

    service = AlarmService(demo_db, clock)
    first = esc.step(1).results[0].key
    service.acknowledge(office, raised)
    with pytest.raises(StateError, match=r"Sam Office is handling this alarm .*Take over from Sam"):
        service.record_step(approver, raised, 1, first, "rang her mobile")
    with pytest.raises(StateError, match=r"Sam Office is handling this alarm .*Take over from Sam"):
        service.resolve(approver, raised, "safe_forgot", "rang Jo, battery died")
    with demo_db.read() as s:
        steps = s.scalars(
            select(Event).where(Event.alarm_id == raised, Event.kind == EventKind.ESCALATION_STEP)
        ).all()
    assert steps == [] and service.get(raised).resolved_at is None
    service.take_over(approver, raised, "Sam Office")
    service.record_step(approver, raised, 1, first, "rang her mobile")
    service.resolve(approver, raised, "safe_forgot", "rang Jo, battery died")
    assert service.get(raised).resolved_by == "Linda Francis"


def test_an_unowned_alarms_first_step_takes_it(demo_db, clock, raised, approver):
    from hvdesk.rules import escalation as esc

    service = AlarmService(demo_db, clock)
    alarm = service.record_step(approver, raised, 1, esc.step(1).results[0].key, "rang her")
    assert alarm.acknowledged_by == "Linda Francis"
