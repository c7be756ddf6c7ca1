"""Who outside the office is told what, and when: the pure rules on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hvdesk.clock import FakeClock
from hvdesk.rules import escalation_messages as em

MIN = timedelta(minutes=1)
N = 2 * MIN
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HEAD = em.Person(1, "Linda Francis", "+447700900789", "head@example.org")
DSL = em.Person(2, "Priya Shah", "+447700900321", "")
DEPUTY = em.Person(3, "Omar Ali", "", "deputy@example.org")
LADDER = [HEAD, DSL, DEPUTY]
HOME = em.Person(9, "Ann Home", "+447700900555")


def run(facts, clock, responsible=None, ladder=LADDER, until=None, every=N):
    """Drive the rules minute by minute like the escalation clock: who is told, and when."""
    told: dict[int, datetime] = {}
    handled: dict[int, datetime] = {}
    log: list[tuple[str, str, datetime]] = []
    end = until or T0 + 30 * MIN
    while clock.now() <= end:
        for notice in em.due(facts, ladder, responsible, told, handled, clock.now(), every):
            (handled if notice.kind == em.HANDLED else told)[notice.person.contact_id] = clock.now()
            log.append((notice.kind, notice.person.name, clock.now()))
        clock.advance(MIN)
    return log


@pytest.fixture
def clock():
    return FakeClock(T0)


def test_nobody_takes_it_contacts_in_order_every_n_minutes(clock):
    log = run(em.AlarmFacts(1, T0), clock)
    assert log == [
        ("alarm", "Linda Francis", T0 + 2 * MIN),
        ("alarm", "Priya Shah", T0 + 4 * MIN),
        ("alarm", "Omar Ali", T0 + 6 * MIN),
    ]


def test_taken_at_five_tells_both_it_is_handled_and_nobody_else(clock):
    facts = em.AlarmFacts(1, T0, taken_at=T0 + 5 * MIN, taken_by="Linda Francis")
    log = run(facts, clock)
    assert log == [
        ("alarm", "Linda Francis", T0 + 2 * MIN),
        ("alarm", "Priya Shah", T0 + 4 * MIN),
        ("handled", "Linda Francis", T0 + 5 * MIN),
        ("handled", "Priya Shah", T0 + 5 * MIN),
    ]


def test_taken_before_the_first_contact_is_due_tells_nobody(clock):
    facts = em.AlarmFacts(1, T0, taken_at=T0 + MIN, taken_by="Sam Office")
    assert run(facts, clock) == []


def test_taken_exactly_when_due_tells_nobody(clock):
    facts = em.AlarmFacts(1, T0, taken_at=T0 + 2 * MIN, taken_by="Sam Office")
    assert run(facts, clock) == []


def test_resolved_counts_as_handled_by_the_resolver_when_nobody_took_it(clock):
    facts = em.AlarmFacts(1, T0, resolved_at=T0 + 3 * MIN, resolved_by="Sam Office")
    log = run(facts, clock)
    assert log[-1] == ("handled", "Linda Francis", T0 + 3 * MIN)
    assert facts.handled_by == "Sam Office"


def test_handled_by_the_taker_when_taken_before_resolved():
    facts = em.AlarmFacts(
        1, T0, taken_at=T0 + MIN, taken_by="A", resolved_at=T0 + 9 * MIN, resolved_by="B"
    )
    assert facts.handled_at == T0 + MIN and facts.handled_by == "A"


def test_duress_goes_to_the_first_contact_at_once_then_every_n(clock):
    log = run(em.AlarmFacts(1, T0, duress_at=T0), clock)
    assert [t for _, _, t in log] == [T0, T0 + 2 * MIN, T0 + 4 * MIN]


def test_an_alarm_that_becomes_duress_later_tells_at_once_from_then(clock):
    facts = em.AlarmFacts(1, T0, duress_at=T0 + MIN)
    log = run(facts, clock)
    assert [t for _, _, t in log] == [T0 + MIN, T0 + 3 * MIN, T0 + 5 * MIN]


def test_duress_after_the_first_contact_was_due_keeps_the_original_pace(clock):
    facts = em.AlarmFacts(1, T0, duress_at=T0 + 10 * MIN)
    log = run(facts, clock)
    assert [t for _, _, t in log] == [T0 + 2 * MIN, T0 + 4 * MIN, T0 + 6 * MIN]


def test_responsible_contact_is_first_and_at_once_then_the_ladder(clock):
    log = run(em.AlarmFacts(1, T0), clock, responsible=HOME)
    assert log[0] == ("alarm", "Ann Home", T0)
    assert [n for _, n, _ in log[1:]] == ["Linda Francis", "Priya Shah", "Omar Ali"]
    assert log[1][2] == T0 + 2 * MIN


def test_responsible_contact_on_the_ladder_is_told_once(clock):
    log = run(em.AlarmFacts(1, T0), clock, responsible=DSL)
    assert [(n, t) for _, n, t in log] == [
        ("Priya Shah", T0),
        ("Linda Francis", T0 + 2 * MIN),
        ("Omar Ali", T0 + 4 * MIN),
    ]


def test_responsible_contact_hears_handled_too(clock):
    facts = em.AlarmFacts(1, T0, taken_at=T0 + MIN, taken_by="Sam Office")
    assert run(facts, clock, responsible=HOME) == [
        ("alarm", "Ann Home", T0),
        ("handled", "Ann Home", T0 + MIN),
    ]


def test_merged_lapses_are_never_told_apart(clock):
    assert run(em.AlarmFacts(1, T0, merged=True), clock, responsible=HOME) == []


def test_no_contacts_no_messages(clock):
    assert run(em.AlarmFacts(1, T0), clock, ladder=[]) == []


def test_policy_minutes_set_the_pace(clock):
    log = run(em.AlarmFacts(1, T0), clock, every=5 * MIN)
    assert [t for _, _, t in log] == [T0 + 5 * MIN, T0 + 10 * MIN, T0 + 15 * MIN]


def test_a_late_clock_catches_up_with_everyone_due(clock):
    """The monitor was down: at its first look everyone who is due is told, in order."""
    notices = em.due(em.AlarmFacts(1, T0), LADDER, None, set(), set(), T0 + 5 * MIN, N)
    assert [n.person.name for n in notices] == ["Linda Francis", "Priya Shah"]
    assert [n.due_at for n in notices] == [T0 + 2 * MIN, T0 + 4 * MIN]


def test_due_is_idempotent_once_queued():
    facts = em.AlarmFacts(1, T0)
    assert em.due(facts, LADDER, None, {1, 2, 3}, set(), T0 + 20 * MIN, N) == []
    taken = em.AlarmFacts(1, T0, taken_at=T0 + 5 * MIN, taken_by="X")
    assert em.due(taken, LADDER, None, {1, 2}, {1, 2}, T0 + 20 * MIN, N) == []


def test_next_due_for_the_timer():
    facts = em.AlarmFacts(1, T0)
    assert em.next_due(facts, LADDER, None, set(), T0, N) == T0 + 2 * MIN
    assert em.next_due(facts, LADDER, None, {1}, T0 + 2 * MIN, N) == T0 + 4 * MIN
    assert em.next_due(facts, LADDER, None, {1, 2, 3}, T0 + 6 * MIN, N) is None
    taken = em.AlarmFacts(1, T0, taken_at=T0 + MIN, taken_by="X")
    assert em.next_due(taken, LADDER, None, set(), T0 + MIN, N) is None


# --- words ----------------------------------------------------------------------------------

VISIT = em.VisitFacts(
    staff_names=["Jasmin Patel", "Tom Lee"],
    household="Clarke family",
    address="14 Hill Street, Harborne, B17 0AB",
    vehicle="Blue Ford Fiesta AB12 CDE",
    expected_return=datetime(2026, 11, 24, 19, 30, tzinfo=UTC),
    school="Harborne Primary School",
    office_phone="0121 496 0000",
)


def test_alarm_message_says_who_where_vehicle_what_since_step_and_how_to_take_it():
    subject, body = em.alarm_message(
        VISIT,
        reason="Check-in overdue (due 10:00)",
        overdue_since=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        step=1,
        step_title="Call the worker",
        drill=False,
        duress=False,
    )
    for part in (
        "Jasmin Patel and Tom Lee",
        "Clarke family, 14 Hill Street, Harborne, B17 0AB",
        "Vehicle: Blue Ford Fiesta AB12 CDE",
        "ALARM: Check-in overdue (due 10:00).",
        "Ladder step 1: Call the worker",
        "call the office on 0121 496 0000",
        "open hvdesk",
        "Known risks: see hvdesk",
    ):
        assert part in body
    assert "Jasmin Patel and Tom Lee" in subject and not subject.startswith("DRILL")


def test_the_time_is_said_once():
    _, body = em.alarm_message(
        VISIT,
        reason="No arrival call",
        overdue_since=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        step=1,
        step_title="Call the worker",
        drill=False,
        duress=False,
    )
    assert "ALARM: No arrival call since 10:00." in body


def test_drill_and_duress_words():
    subject, body = em.alarm_message(
        VISIT, reason="x", overdue_since=None, step=4, step_title="Police", drill=True, duress=True
    )
    assert subject.startswith("DRILL") and body.startswith("DRILL")
    assert "DURESS: staff need help now" in body
    s2, b2 = em.handled_message(VISIT, by="Linda Francis", at=T0 + 5 * MIN, drill=True)
    assert b2.startswith("DRILL") and "handled by Linda Francis at 10:05" in b2 and "DRILL" in s2


def test_handled_message():
    _, body = em.handled_message(VISIT, by="Linda Francis", at=T0 + 5 * MIN, drill=False)
    assert "handled by Linda Francis at 10:05" in body and not body.startswith("DRILL")


def test_departure_message_in_the_words_of_the_policy():
    _, body = em.departure_message(
        VISIT, departed_at=datetime(2026, 11, 24, 18, 10, tzinfo=UTC), contact_name="Ann Home"
    )
    assert body == (
        "Jasmin Patel and Tom Lee left for the Clarke family at 18:10, expected back 19:30. "
        "You are their responsible contact: hvdesk will text you if they are overdue."
    )


def test_times_are_shown_in_london_time_in_summer():
    _, body = em.departure_message(
        VISIT, departed_at=datetime(2026, 6, 10, 17, 10, tzinfo=UTC), contact_name="Ann"
    )
    assert "at 18:10" in body


def test_messages_have_no_field_for_a_safe_word_or_risk_notes():
    names = {f for f in em.VisitFacts.__dataclass_fields__}
    assert names == {
        "staff_names",
        "household",
        "address",
        "vehicle",
        "expected_return",
        "school",
        "office_phone",
        "where",  # a person's visits out or last known place, from their visits only
    }


def test_an_alarm_about_a_person_with_no_visit_out_names_them_and_where_they_were_last():
    person = em.VisitFacts(
        staff_names=["Jasmin Patel"],
        household="",
        address="",
        school="Harborne Academy",
        where="no visit out; last known: back from Clarke family, 14 Hill Street at 11:30",
    )
    subject, body = em.alarm_message(
        person,
        reason="DURESS: Jasmin Patel needs help now",
        overdue_since=None,
        step=4,
        step_title="Call the police",
        drill=False,
        duress=True,
        duress_since=datetime(2026, 11, 24, 12, 5, tzinfo=UTC),
    )
    assert subject == "hvdesk alarm: Jasmin Patel - DURESS: staff need help now"
    assert "Harborne Academy ALARM: DURESS: staff need help now (since 12:05)." in body
    assert (
        "Jasmin Patel - no visit out; last known: back from Clarke family, 14 Hill Street at "
        "11:30." in body
    )
    assert " at ," not in body  # no empty household or address
    _, handled = em.handled_message(
        person, by="Linda Francis", at=datetime(2026, 11, 24, 12, 7, tzinfo=UTC), drill=False
    )
    assert "the alarm for Jasmin Patel (no visit out) is handled by Linda Francis" in handled


def _segments(body: str) -> int:
    """GSM-7 SMS parts: one up to 160 characters, else 153 a part."""
    return 1 if len(body) <= 160 else -(-len(body) // 153)


def test_a_texted_duress_the_gateway_held_says_when_it_was_sent_and_when_hvdesk_knew():
    """As the timeline does: the reason says sent 10:40, so the message must not say only 10:41."""
    sent = datetime(2026, 11, 24, 10, 40, 30, tzinfo=UTC)
    words = dict(
        reason="DURESS: staff need help now", overdue_since=None, step=4, step_title="Police"
    )
    _, before = em.alarm_message(VISIT, **words, drill=False, duress=True, duress_since=sent)
    _, body = em.alarm_message(
        VISIT,
        **words,
        drill=False,
        duress=True,
        duress_since=sent,
        duress_reached=datetime(2026, 11, 24, 10, 41, 5, tzinfo=UTC),
    )
    assert "ALARM: DURESS: staff need help now (sent 10:40, reached hvdesk 10:41)." in body
    assert "since" not in body
    assert _segments(body) == _segments(before)  # no extra SMS part
    _, same_minute = em.alarm_message(
        VISIT,
        **words,
        drill=False,
        duress=True,
        duress_since=sent,
        duress_reached=datetime(2026, 11, 24, 10, 40, 50, tzinfo=UTC),
    )
    assert "(since 10:40)." in same_minute  # nothing to explain
