"""Deadlines and levels: every preset, every state, grace edges, the clocks changing, a long sleep.

Pure functions, so these tests build plain objects and move `now` by hand (no database, no Qt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hvdesk.clock import fmt_time, from_london, london
from hvdesk.policy import PRESETS, preset
from hvdesk.rules import deadlines as dl
from hvdesk.rules.deadlines import Kind, Level

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, GMT
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
PHASES = ("out", "on_site", "left_property", "heading_back")


@dataclass
class V:
    id: int = 1
    status: str = "out"
    planned_departure: datetime = T0
    start: datetime = T0 + 15 * MIN
    end: datetime = T0 + 60 * MIN
    expected_return: datetime = T0 + 75 * MIN
    departed_at: datetime | None = T0
    arrived_at: datetime | None = None
    left_at: datetime | None = None
    returned_at: datetime | None = None


@dataclass
class E:
    kind: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    user_name: str = "Sam Office"


@dataclass
class A:
    deadline_key: str
    level: str = "red"
    resolved_at: datetime | None = None
    resolution: str = ""
    drill: bool = False


def visit_in(phase: str, **kw: Any) -> V:
    v = V(**kw)
    if phase == "out":
        v.status = "out"
    elif phase == "on_site":
        v.status, v.arrived_at = "on_site", v.start
    elif phase == "left_property":
        v.status, v.arrived_at, v.left_at = "left_property", v.start, v.end
    else:  # cancelled while out: tracked until back at school
        v.status = "cancelled"
    return v


def events_for(v: V) -> list[E]:
    evs = [E("departed", v.departed_at)]
    if v.arrived_at:
        evs.append(E("arrived", v.arrived_at))
    if v.left_at:
        evs.append(E("left_property", v.left_at))
    return evs


def by_kind(state: dl.TrackState) -> dict[Kind, dl.Deadline]:
    return {d.kind: d for d in state.deadlines}


# --- which deadlines exist, per preset and state ----------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("phase", PHASES)
def test_deadlines_per_preset_and_state(name, phase):
    policy = preset(name)
    v = visit_in(phase)
    state = dl.track(v, events_for(v), policy)
    kinds = by_kind(state)
    anchor = max(e.at for e in events_for(v))

    checkin = kinds[Kind.CHECKIN]
    assert checkin.due_at == anchor + timedelta(minutes=policy.checkin_interval_min)
    assert checkin.lapse_at == checkin.due_at + timedelta(minutes=policy.checkin_grace_min)

    ret = kinds[Kind.RETURN]
    assert ret.due_at == v.expected_return
    assert ret.lapse_at == v.expected_return + timedelta(minutes=policy.return_grace_min)

    assert (Kind.ARRIVAL in kinds) == (phase == "out")
    office = policy.office_call_after_start_min is not None and phase in ("out", "on_site")
    assert (Kind.OFFICE_CALL in kinds) == office
    if office:
        assert kinds[Kind.OFFICE_CALL].due_at == v.start + timedelta(minutes=10)
        assert kinds[Kind.OFFICE_CALL].lapse_at is None  # a reminder, never an alarm
    assert (Kind.LATE_PHONE in kinds) == (policy.late_phone_reminder_min is not None)
    assert Kind.PARENT_WAIT not in kinds
    assert state.phase == phase


def test_preset_values_from_the_policies():
    assert preset("harborne").checkin_interval_min == 60
    assert preset("st_hughs").checkin_interval_min == 120
    assert preset("harrogate").checkin_interval_min == 120
    assert preset("hampton").return_grace_min == 30
    assert preset("thomas_more").return_grace_min == 0
    assert preset("hampton").late_phone_reminder_min == 15
    assert preset("harborne").office_call_after_start_min == 10


@pytest.mark.parametrize(
    ("name", "late", "wait"),
    [
        ("st_hughs", False, 10),
        ("harborne", False, 20),
        ("harrogate", False, 20),
        ("harrogate", True, 30),
        ("hampton", False, 20),
        ("hampton", True, 20),  # no longer wait in Hampton's policy
        ("thomas_more", False, 20),
    ],
)
def test_parent_wait_per_policy(name, late, wait):
    policy = preset(name)
    v = visit_in("on_site")
    at = v.start + 2 * MIN
    evs = [*events_for(v), E("parent_not_present", at, {"late_notice": late})]
    state = dl.track(v, evs, policy)
    pw = by_kind(state)[Kind.PARENT_WAIT]
    assert pw.due_at == at + timedelta(minutes=wait)
    assert state.parent_wait_until == pw.due_at
    assert pw.lapse_at is None
    # at the end of the wait it is amber (offer cancellation), never red
    assert pw.level(pw.due_at) is Level.AMBER
    assert pw.level(pw.due_at + timedelta(hours=3)) is Level.AMBER
    assert "offer to cancel" in dl.describe(pw, pw.due_at)


def test_parent_wait_counts_from_the_arranged_time_when_staff_are_early():
    policy = preset("st_hughs")
    v = visit_in("on_site")
    evs = [*events_for(v), E("parent_not_present", v.start - 5 * MIN)]
    pw = by_kind(dl.track(v, evs, policy))[Kind.PARENT_WAIT]
    assert pw.due_at == v.start + 10 * MIN


def test_parent_wait_ends_when_parent_arrives_or_staff_leave_not_on_a_plain_check_in():
    policy = preset("harborne")
    v = visit_in("on_site")
    absent = E("parent_not_present", v.start)
    plain = E("checked_in", v.start + 5 * MIN)
    assert Kind.PARENT_WAIT in by_kind(dl.track(v, [absent, plain], policy))
    arrived = E("checked_in", v.start + 6 * MIN, {"parent_arrived": True})
    assert Kind.PARENT_WAIT not in by_kind(dl.track(v, [absent, arrived], policy))
    left = E("left_property", v.start + 7 * MIN)
    assert Kind.PARENT_WAIT not in by_kind(dl.track(v, [absent, left], policy))


def test_stored_wait_minutes_win_over_a_changed_policy():
    v = visit_in("on_site")
    evs = [E("parent_not_present", v.start, {"late_notice": False, "wait_min": 10})]
    pw = by_kind(dl.track(v, evs, preset("harborne")))[Kind.PARENT_WAIT]
    assert pw.due_at == v.start + 10 * MIN


# --- levels and grace edges -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("kind", [Kind.CHECKIN, Kind.RETURN, Kind.ARRIVAL])
def test_grace_edges(name, kind):
    policy = preset(name)
    v = visit_in("out")
    d = by_kind(dl.track(v, events_for(v), policy))[kind]
    warn = timedelta(minutes=policy.amber_warning_min)
    assert d.warn_at == d.due_at - warn
    assert d.level(d.warn_at - SEC) is Level.OK
    assert d.level(d.warn_at) is Level.AMBER
    if d.lapse_at > d.due_at:
        assert d.level(d.due_at) is Level.AMBER  # due now
        assert d.level(d.lapse_at - timedelta(microseconds=1)) is Level.AMBER
        assert not d.lapsed(d.lapse_at - timedelta(microseconds=1))
    else:  # no grace (Thomas More and Harborne returns): red at the due time itself
        assert d.level(d.due_at) is Level.RED
    assert d.lapsed(d.lapse_at)
    assert d.level(d.lapse_at) is Level.RED


def test_hampton_return_alarm_only_after_thirty_minutes_with_a_reminder_at_fifteen():
    policy = preset("hampton")
    v = visit_in("left_property")
    state = dl.track(v, events_for(v), policy)
    kinds = by_kind(state)
    ret, phone = kinds[Kind.RETURN], kinds[Kind.LATE_PHONE]
    assert phone.due_at == v.expected_return + 15 * MIN
    assert phone.level(phone.due_at - SEC) is Level.OK
    assert phone.level(phone.due_at) is Level.AMBER
    assert "must phone" in dl.describe(phone, phone.due_at)
    assert state.lapsed(v.expected_return + 29 * MIN) == []
    assert [d.kind for d in state.lapsed(v.expected_return + 30 * MIN)] == [Kind.RETURN]
    assert ret.level(v.expected_return + 20 * MIN) is Level.AMBER


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("phase", PHASES)
def test_levels_never_fall_as_time_passes_without_news(name, phase):
    """Sweep four hours minute by minute: the level only ever rises; lapses only accumulate."""
    policy = preset(name)
    v = visit_in(phase)
    state = dl.track(v, events_for(v), policy)
    previous, lapsed_before = Level.OK, set()
    now = T0
    while now < T0 + timedelta(hours=4):
        level = state.level(now)
        assert level >= previous
        lapsed = {d.key for d in state.lapsed(now)}
        assert lapsed >= lapsed_before
        expected = max([Level.OK, *(d.level(now) for d in state.deadlines)])
        assert level == expected
        previous, lapsed_before = level, lapsed
        now += MIN
    assert state.level(now) is Level.RED


def test_amber_then_red_for_a_check_in():
    policy = preset("harborne")  # 60 min, amber 5 before, grace 5
    v = visit_in("on_site")
    evs = [*events_for(v), E("checked_in", T0 + 30 * MIN)]
    state = dl.track(v, evs, policy)
    d = by_kind(state)[Kind.CHECKIN]
    assert d.due_at == T0 + 90 * MIN
    assert dl.describe(d, T0) == "Check-in due 10:30"
    assert dl.countdown(d, d.due_at - 9 * MIN - 40 * SEC) == "in 9:40"
    assert dl.countdown(d, d.due_at - 12 * MIN - 40 * SEC) == "in 13 min"  # no seconds yet
    assert dl.countdown(d, d.due_at - 10 * MIN) == "in 10 min"
    assert dl.countdown(d, d.due_at) == "due now"
    assert dl.countdown(d, d.due_at + 6 * MIN) == "overdue 6 min"
    assert dl.describe(d, d.lapse_at) == "Check-in overdue (due 10:30)"


# --- contacts move the check-in; office calls ------------------------------------------------


def test_every_kind_of_contact_restarts_the_check_in_interval():
    policy = preset("st_hughs")
    v = visit_in("on_site")
    for kind, data in [
        ("checked_in", {}),
        ("arrived", {}),
        ("left_property", {}),
        ("running_late", {"new_return": (T0 + 3 * timedelta(hours=1)).isoformat()}),
        ("office_call", {"answered": True}),
        ("escalation_step", {"contact": True}),
        ("alarm_resolved", {"contact": True}),
    ]:
        at = T0 + 50 * MIN
        state = dl.track(v, [*events_for(v), E(kind, at, data)], policy)
        assert by_kind(state)[Kind.CHECKIN].due_at == at + 120 * MIN, kind
        assert state.last_contact.at == at


def test_non_contacts_and_drills_do_not_restart_the_interval():
    policy = preset("st_hughs")
    v = visit_in("on_site")
    base = by_kind(dl.track(v, events_for(v), policy))[Kind.CHECKIN].due_at
    for kind, data in [
        ("office_call", {"answered": False}),
        ("escalation_step", {"contact": False}),
        ("escalation_step", {"contact": True, "drill": True}),
        ("alarm_resolved", {"contact": False}),
        ("alarm_raised", {}),
        ("duress", {}),
        ("printed", {}),
    ]:
        state = dl.track(v, [*events_for(v), E(kind, T0 + 50 * MIN, data)], policy)
        assert by_kind(state)[Kind.CHECKIN].due_at == base, (kind, data)


def test_unanswered_office_call_needs_a_call_back_within_the_grace():
    policy = preset("harborne")
    v = visit_in("on_site")
    call = E("office_call", v.start + 10 * MIN, {"answered": False})
    state = dl.track(v, [*events_for(v), call], policy)
    cb = by_kind(state)[Kind.CALL_BACK]
    assert cb.due_at == call.at and cb.lapse_at == call.at + 5 * MIN
    assert cb.level(call.at) is Level.AMBER
    assert "waiting for a call back" in dl.describe(cb, call.at)
    assert [d.kind for d in state.lapsed(call.at + 5 * MIN)] == [Kind.CALL_BACK]
    # the made call also satisfies the office-call reminder
    assert Kind.OFFICE_CALL not in by_kind(state)
    back = E("checked_in", call.at + 3 * MIN)
    assert Kind.CALL_BACK not in by_kind(dl.track(v, [*events_for(v), call, back], policy))


def test_office_call_reminder_is_satisfied_by_hearing_from_staff_around_then():
    policy = preset("harborne")
    v = visit_in("on_site")
    early = E("checked_in", v.start + 4 * MIN)  # before the amber window: still to ring
    assert Kind.OFFICE_CALL in by_kind(dl.track(v, [*events_for(v), early], policy))
    around = E("checked_in", v.start + 6 * MIN)
    assert Kind.OFFICE_CALL not in by_kind(dl.track(v, [*events_for(v), around], policy))
    office = E("office_call", v.start + 10 * MIN, {"answered": True})
    assert Kind.OFFICE_CALL not in by_kind(dl.track(v, [*events_for(v), office], policy))


def test_arrival_call_expected_after_the_journey_when_they_leave_late():
    policy = preset("harrogate")
    v = visit_in("out", departed_at=T0 + 20 * MIN)  # planned T0, travel 15 min
    arrival = by_kind(dl.track(v, events_for(v), policy))[Kind.ARRIVAL]
    assert arrival.due_at == T0 + 35 * MIN
    v2 = visit_in("out", departed_at=T0 - 5 * MIN)  # early: due after the journey, not later
    assert by_kind(dl.track(v2, events_for(v2), policy))[Kind.ARRIVAL].due_at == T0 + 10 * MIN


def test_an_early_departure_brings_the_arrival_call_forward_and_checks_in_from_it():
    """Left 4 hours before the booked time: the call at the door and the check-ins follow the real
    departure; the return stays the booked one."""
    for name in ("harborne", "harrogate", "hampton", "thomas_more"):
        policy = preset(name)
        booked = visit_in("out", departed_at=T0)
        early = visit_in("out", departed_at=T0 - 240 * MIN)
        on_time = by_kind(dl.track(booked, events_for(booked), policy))
        state = dl.track(early, events_for(early), policy)
        moved = by_kind(state)
        assert set(moved) == set(on_time)
        for kind in (Kind.CHECKIN, Kind.ARRIVAL):
            if kind in moved:
                assert moved[kind].due_at == on_time[kind].due_at - 240 * MIN, (name, kind)
        assert moved[Kind.RETURN].due_at <= on_time[Kind.RETURN].due_at
        assert state.return_due == early.expected_return
        # with no call, the visit lapses an interval after they really left
        interval = timedelta(minutes=policy.checkin_interval_min)
        assert moved[Kind.CHECKIN].due_at == early.departed_at + interval
        lapsed = state.lapsed(early.departed_at + interval + 10 * MIN)
        assert Kind.CHECKIN in {d.kind for d in lapsed}


def test_a_running_late_call_after_an_early_departure_sets_the_return_it_gives():
    policy = preset("hampton")
    v = visit_in("out", departed_at=T0 - 120 * MIN)
    new = T0 + 30 * MIN
    late = E("running_late", T0 - 60 * MIN, {"new_return": new.isoformat()})
    assert dl.track(v, [*events_for(v), late], policy).return_due == new


def test_running_late_moves_the_return_and_its_key():
    policy = preset("thomas_more")
    v = visit_in("left_property")
    first = by_kind(dl.track(v, events_for(v), policy))[Kind.RETURN]
    late = E("running_late", T0 + 70 * MIN, {"new_return": (T0 + 100 * MIN).isoformat()})
    state = dl.track(v, [*events_for(v), late], policy)
    moved = by_kind(state)[Kind.RETURN]
    assert moved.due_at == T0 + 100 * MIN and state.return_due == moved.due_at
    assert moved.key != first.key
    assert state.lapsed(T0 + 99 * MIN) == []


# --- keys, alarms, duress, drills -------------------------------------------------------------


def test_keys_are_stable_and_distinct():
    policy = preset("harborne")
    v = visit_in("out")
    one = dl.track(v, events_for(v), policy)
    two = dl.track(V(**{**v.__dict__}), list(reversed(events_for(v))), policy)
    assert [d.key for d in one.deadlines] == [d.key for d in two.deadlines]
    assert len({d.key for d in one.deadlines}) == len(one.deadlines)
    assert by_kind(one)[Kind.CHECKIN].key == "checkin@20261124T100000Z"
    assert dl.deadline_key("return", from_london(datetime(2027, 6, 1, 12, 0))) == (
        "return@20270601T110000Z"
    )


def test_open_alarm_keeps_the_visit_red_and_is_not_raised_again():
    policy = preset("harborne")
    v = visit_in("on_site")
    state = dl.track(v, events_for(v), policy)
    late = T0 + 3 * timedelta(hours=1)
    keys = [d.key for d in state.lapsed(late)]
    assert keys
    raised = dl.track(v, events_for(v), policy, [A(k) for k in keys])
    assert raised.lapsed(late) == []
    assert raised.level(late) is Level.RED
    # a check-in after the alarm moves the deadline, but the open alarm keeps it red
    checked = dl.track(v, [*events_for(v), E("checked_in", late)], policy, [A(k) for k in keys])
    assert checked.level(late) is Level.RED
    assert checked.alarm_level is Level.RED


def test_resolved_alarm_marks_its_lapse_handled():
    policy = preset("thomas_more")
    v = visit_in("left_property")
    ret = by_kind(dl.track(v, events_for(v), policy))[Kind.RETURN]
    later = ret.due_at + 10 * MIN
    done = A(ret.key, resolved_at=later, resolution="safe_delayed")
    state = dl.track(v, events_for(v), policy, [done])
    handled = by_kind(state)[Kind.RETURN]
    assert handled.handled == "safe_delayed"
    assert handled.level(later) is Level.AMBER  # needs a new time, not another alarm
    assert state.lapsed(later) == []
    assert "record a new time" in dl.describe(handled, later)


def test_duress_and_drill_alarms():
    policy = preset("harborne")
    v = visit_in("on_site")
    duress = dl.track(v, events_for(v), policy, [A("duress@20261124T091000Z", level="duress")])
    assert duress.level(T0) is Level.DURESS
    drill = dl.track(v, events_for(v), policy, [A("drill@20261124T091000Z", drill=True)])
    assert drill.drill_open
    assert drill.level(T0) is Level.OK  # a drill never makes a real visit look red


def test_is_tracked_until_back_even_when_cancelled_while_out():
    assert dl.is_tracked(visit_in("out"))
    assert dl.is_tracked(visit_in("heading_back"))
    assert not dl.is_tracked(V(status="cancelled", departed_at=None))
    assert not dl.is_tracked(V(status="cancelled", returned_at=T0))
    assert not dl.is_tracked(V(status="approved", departed_at=None))
    assert not dl.is_tracked(V(status="returned"))


def test_heading_back_keeps_check_in_and_return_only():
    v = visit_in("heading_back")
    kinds = set(by_kind(dl.track(v, events_for(v), preset("harborne"))))
    assert kinds == {Kind.CHECKIN, Kind.RETURN}


# --- urgency and scheduling -------------------------------------------------------------------


def test_urgency_sorts_duress_red_amber_ok_then_soonest():
    policy = preset("st_hughs")
    now = T0 + 50 * MIN

    def st(i: int, **kw: Any) -> dl.TrackState:
        v = visit_in("on_site", id=i, **kw)
        return dl.track(v, events_for(v), policy)

    ok = st(1, expected_return=T0 + 3 * timedelta(hours=1))
    amber = st(2, expected_return=now + 2 * MIN)
    red = st(3, expected_return=now - 10 * MIN)
    v4 = visit_in("on_site", id=4)
    duress = dl.track(v4, events_for(v4), policy, [A("duress@x", level="duress")])
    later_red = st(5, expected_return=now - 2 * MIN)
    assert [ok.level(now), amber.level(now), red.level(now)] == [Level.OK, Level.AMBER, Level.RED]
    order = sorted([ok, amber, later_red, red, duress], key=lambda s: s.urgency(now))
    assert [s.visit_id for s in order] == [4, 3, 5, 2, 1]


def test_next_change_is_the_next_level_change():
    policy = preset("harborne")
    v = visit_in("on_site")
    state = dl.track(v, events_for(v), policy)
    points = sorted(t for d in state.deadlines for t in d.changes())
    assert state.next_change(T0) == points[0]
    assert state.next_change(points[0]) == points[1]
    assert state.next_change(points[-1]) is None
    assert state.next_lapse(T0) == min(d.lapse_at for d in state.deadlines if d.lapse_at)


# --- the clocks change ------------------------------------------------------------------------


def test_check_in_across_spring_forward_2027_03_28():
    policy = preset("harborne")
    anchor = from_london(datetime(2027, 3, 28, 0, 30))  # 00:30 GMT
    v = V(
        status="on_site",
        planned_departure=anchor,
        departed_at=anchor,
        arrived_at=anchor,
        start=anchor,
        end=anchor + 45 * MIN,
        expected_return=anchor + 4 * timedelta(hours=1),
    )
    d = by_kind(dl.track(v, [E("arrived", anchor)], policy))[Kind.CHECKIN]
    assert d.due_at - anchor == timedelta(minutes=60)  # an hour of real time...
    assert fmt_time(d.due_at) == "02:30"  # ...which the office clock shows as 02:30 BST
    assert london(d.due_at).utcoffset() == timedelta(hours=1)
    assert not d.lapsed(anchor + 64 * MIN) and d.lapsed(anchor + 65 * MIN)


def test_check_in_across_fall_back_2027_10_31():
    policy = preset("st_hughs")  # two-hourly
    anchor = from_london(datetime(2027, 10, 31, 0, 45))  # 00:45 BST = 23:45 UTC the day before
    assert anchor == datetime(2027, 10, 30, 23, 45, tzinfo=UTC)
    v = V(
        status="on_site",
        planned_departure=anchor,
        departed_at=anchor,
        arrived_at=anchor,
        start=anchor,
        end=anchor + 45 * MIN,
        expected_return=anchor + 6 * timedelta(hours=1),
    )
    d = by_kind(dl.track(v, [E("arrived", anchor)], policy))[Kind.CHECKIN]
    assert d.due_at - anchor == timedelta(minutes=120)
    assert fmt_time(d.due_at) == "01:45"  # 01:45 GMT, the second 01:45 of the night
    assert london(d.due_at).utcoffset() == timedelta(0)
    assert d.key == "checkin@20271031T014500Z"


@pytest.mark.parametrize("day", [datetime(2027, 3, 28), datetime(2027, 10, 31)])
def test_a_return_typed_in_london_time_on_a_change_day(day):
    policy = preset("thomas_more")
    typed = from_london(day.replace(hour=14, minute=30))
    v = V(
        status="left_property",
        expected_return=typed,
        departed_at=typed - 2 * timedelta(hours=1),
        planned_departure=typed - 2 * timedelta(hours=1),
        start=typed - 90 * MIN,
        end=typed - 30 * MIN,
        arrived_at=typed - 90 * MIN,
        left_at=typed - 30 * MIN,
    )
    ret = by_kind(dl.track(v, [], policy))[Kind.RETURN]
    assert fmt_time(ret.due_at) == "14:30"
    assert ret.lapsed(typed) and not ret.lapsed(typed - SEC)


# --- a PC asleep for hours --------------------------------------------------------------------


def test_sleep_jump_each_lapse_once_none_missed():
    """Wake after five hours: every lapsed deadline is listed once; once raised, none again."""
    policy = preset("harborne")
    visits = [visit_in(p, id=i) for i, p in enumerate(["out", "on_site", "left_property"], 1)]
    before = T0 + 10 * MIN
    states = {v.id: dl.track(v, events_for(v), policy) for v in visits}
    assert all(s.lapsed(before) == [] for s in states.values())
    woke = before + 5 * timedelta(hours=1)
    due = {v.id: [d.key for d in states[v.id].lapsed(woke)] for v in visits}
    # every alarm deadline of every visit has lapsed, each exactly once
    for v in visits:
        expected = sorted(d.key for d in states[v.id].deadlines if d.kind in dl.ALARM_KINDS)
        assert sorted(due[v.id]) == expected
        assert len(set(due[v.id])) == len(due[v.id])
    # raised (stored as alarms): nothing is due again at the next sweep
    for v in visits:
        again = dl.track(v, events_for(v), policy, [A(k) for k in due[v.id]])
        assert again.lapsed(woke + MIN) == []


def test_text_helpers():
    assert dl.clock_text(59) == "0:59"
    assert dl.clock_text(12 * 60 + 40) == "12:40"
    assert dl.clock_text(3600 + 5 * 60) == "1 h 05 min"
    d = dl.Deadline(Kind.CHECKIN, T0, T0 - 5 * MIN, T0 + 5 * MIN)
    assert dl.countdown(d, T0 - 2 * timedelta(hours=1)) == "in 2 h 00 min"
    assert dl.countdown(d, T0 + 2 * timedelta(hours=1)) == "overdue 2 h 00 min"


def test_overdue_reads_the_same_on_the_tracker_and_the_alarm_window():
    d = dl.Deadline(Kind.CHECKIN, T0, T0 - 5 * MIN, T0 + 5 * MIN)
    assert dl.countdown(d, T0 + 26 * MIN + 28 * SEC) == "overdue 26 min"
    assert dl.overdue_text((26 * MIN + 28 * SEC).total_seconds()) == "overdue 26 min"
    assert dl.countdown(d, T0 + 76 * MIN) == dl.overdue_text(76 * 60) == "overdue 1 h 16 min"
    assert dl.overdue_text(30) == "due now"


def test_running_late_with_no_call_is_not_shown_once_staff_have_phoned():
    """Hampton: 'phone if more than 15 minutes late'. A call after the expected return, or a
    'running late' call with no new time, is that call, so the reminder must not claim no call."""
    policy = preset("hampton")
    v = visit_in("left_property")
    base = events_for(v)
    assert Kind.LATE_PHONE in by_kind(dl.track(v, base, policy))
    # rang in five minutes after the expected return
    called = [*base, E("checked_in", v.expected_return + 5 * MIN)]
    assert Kind.LATE_PHONE not in by_kind(dl.track(v, called, policy))
    # said they are running late without a new time
    late = [*base, E("running_late", v.expected_return - 10 * MIN)]
    assert Kind.LATE_PHONE not in by_kind(dl.track(v, late, policy))
    # a call before the expected return is not a call about being late
    early = [*base, E("checked_in", v.expected_return - 10 * MIN)]
    assert Kind.LATE_PHONE in by_kind(dl.track(v, early, policy))
    # a new time moves the reminder with it, which still applies if that time slips too
    moved = [
        *base,
        E(
            "running_late",
            v.expected_return - 5 * MIN,
            {"new_return": v.expected_return + 40 * MIN},
        ),
    ]
    phone = by_kind(dl.track(v, moved, policy))[Kind.LATE_PHONE]
    assert phone.due_at == v.expected_return + 55 * MIN
