"""What a text may do in each visit state, the wrong-PIN streak, two visits out, late texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hvdesk.rules import text_actions as ta
from hvdesk.rules.text_actions import Action, Outcome, VisitChoice
from hvdesk.rules.texts import Command

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
C, A = Command, Action


@dataclass
class V:
    status: str
    departed_at: datetime | None = T0
    returned_at: datetime | None = None
    id: int = 1
    planned_departure: datetime = T0
    start: datetime = T0
    end: datetime = T0
    expected_return: datetime = T0
    arrived_at: datetime | None = None
    left_at: datetime | None = None


TABLE = {
    "out": {
        C.OK: A.CHECK_IN,
        C.ARRIVED: A.ARRIVE,
        C.LEFT: A.LEAVE,
        C.BACK: A.RETURN,
        C.LATE: A.LATE,
    },
    "on_site": {
        C.OK: A.CHECK_IN,
        C.ARRIVED: A.CHECK_IN,
        C.LEFT: A.LEAVE,
        C.BACK: A.RETURN,
        C.LATE: A.LATE,
    },
    "left_property": {
        C.OK: A.CHECK_IN,
        C.ARRIVED: A.CHECK_IN,
        C.LEFT: A.CHECK_IN,
        C.BACK: A.RETURN,
        C.LATE: A.LATE,
    },
}


@pytest.mark.parametrize("status", list(TABLE))
@pytest.mark.parametrize("command", sorted(ta._BY_PHASE["out"]))
def test_each_command_in_each_state_out(status: str, command: Command) -> None:
    assert ta.visit_action(command, V(status)) is TABLE[status][command]


@pytest.mark.parametrize(
    "status", ["draft", "awaiting_approval", "approved", "returned", "completed", "rejected"]
)
@pytest.mark.parametrize("command", sorted(ta._BY_PHASE["out"]))
def test_nothing_happens_to_a_visit_that_is_not_out(status: str, command: Command) -> None:
    assert ta.visit_action(command, V(status, departed_at=None)) is None


def test_cancelled_while_out_is_tracked_until_back() -> None:
    heading_back = V("cancelled")
    assert ta.visit_action(C.OK, heading_back) is A.CHECK_IN
    assert ta.visit_action(C.BACK, heading_back) is A.RETURN
    assert ta.visit_action(C.LEFT, heading_back) is A.CHECK_IN
    assert ta.visit_action(C.OK, V("cancelled", departed_at=None)) is None
    assert ta.visit_action(C.OK, V("cancelled", returned_at=T0)) is None


def test_take_and_keywords_never_act_on_a_visit() -> None:
    for command in (C.TAKE, C.STOP, C.START, C.HELP):
        assert ta.visit_action(command, V("out")) is None


W, R = Outcome.WRONG_PIN.value, Outcome.RECORDED.value


def _earlier(*outcomes: str, minutes_apart: int = 1) -> list[ta.EarlierText]:
    """Earlier texts, newest first, one every `minutes_apart` minutes before T0."""
    return [
        ta.EarlierText(o, T0 - timedelta(minutes=minutes_apart * (i + 1)))
        for i, o in enumerate(outcomes)
    ]


@pytest.mark.parametrize(
    ("earlier", "streak"),
    [
        ([], 1),
        ([W], 2),
        ([W, W], 3),
        ([W, R, W], 2),  # a right PIN ends the run
        ([Outcome.HELP.value, W, W], 3),  # a text without a PIN neither counts nor resets
        ([Outcome.NO_PIN.value, W, R, W, W], 2),
        ([R, W, W, W], 1),
        ([Outcome.NOT_OUT.value, W, W], 1),  # right PIN, no visit out: still the right PIN
    ],
)
def test_wrong_pin_streak(earlier: list[str], streak: int) -> None:
    assert ta.wrong_pin_streak(_earlier(*earlier), T0) == streak


def test_wrong_pins_further_apart_than_the_window_are_slips() -> None:
    assert ta.wrong_pin_streak(_earlier(W, W, minutes_apart=20), T0) == 2
    assert ta.wrong_pin_streak(_earlier(W, W, minutes_apart=60 * 24 * 7), T0) == 1


def test_the_run_starts_again_after_the_wrong_pin_that_raised_the_alarm() -> None:
    raised = ta.EarlierText(W, T0 - timedelta(minutes=3), raised_alarm=True)
    assert ta.wrong_pin_streak([*_earlier(W, W), raised], T0) == 3
    assert ta.wrong_pin_streak([*_earlier(W), raised], T0) == 2


def test_possible_duress_from_the_third_wrong_pin() -> None:
    assert [ta.raises_possible_duress(n) for n in range(1, 5)] == [False, False, True, True]


CLARKE = VisitChoice(1, "Clarke family")
AHMED = VisitChoice(2, "Ahmed family")


def test_one_visit_out_is_the_one() -> None:
    assert ta.choose_visit([CLARKE], []) == CLARKE
    assert ta.choose_visit([CLARKE], ["anything"]) == CLARKE


def test_two_visits_out_need_the_family_name() -> None:
    assert ta.choose_visit([CLARKE, AHMED], []) is None
    assert ta.choose_visit([CLARKE, AHMED], ["ahmed"]) == AHMED
    assert ta.choose_visit([CLARKE, AHMED], ["Clarke"]) == CLARKE
    assert ta.choose_visit([CLARKE, AHMED], ["family"]) is None  # names both
    assert ta.choose_visit([], []) is None
    reply = ta.ask_which_reply([CLARKE, AHMED], "ok")
    assert "2 visits out (Clarke, Ahmed)" in reply and "CLARKE" in reply


def test_a_late_text_counts_from_when_it_was_sent() -> None:
    sent, got = T0, T0 + timedelta(minutes=7)
    assert ta.recorded_at(sent, got) == sent
    assert ta.recorded_at(None, got) == got
    assert ta.recorded_at(got + timedelta(minutes=1), got) == got  # a clock ahead: never later
    assert ta.delay_note(sent, got) == "sent 10:00, reached hvdesk 10:07"
    assert ta.delay_note(sent, sent + timedelta(seconds=30)) == ""
    assert ta.delay_note(None, got) == ""


def test_confirmations() -> None:
    nxt = T0 + timedelta(hours=1)
    assert ta.confirmation(A.CHECK_IN, T0 + timedelta(minutes=15), nxt + timedelta(minutes=15)) == (
        "Checked in 10:15. Next due 11:15."
    )
    assert ta.confirmation(A.RETURN, T0, nxt) == "Back at school 10:00. Thank you."
    late = ta.confirmation(A.LATE, T0, nxt, new_return=T0 + timedelta(minutes=20))
    assert late.startswith("Running late: now expected back 10:20.")
    assert ta.confirmation(A.CHECK_IN, T0, None, alarm_open=True) == (
        "Checked in 10:00. The office will ring you about the alarm."
    )


def test_safety_checks_are_due_between_the_due_time_and_the_alarm() -> None:
    from hvdesk.rules.deadlines import Deadline, Kind, TrackState

    due = T0 + timedelta(hours=1)
    checkin = Deadline(
        Kind.CHECKIN, due, due - 5 * timedelta(minutes=1), due + timedelta(minutes=5)
    )
    back = Deadline(Kind.RETURN, due, due, due)
    state = TrackState(1, "on_site", (checkin, back), None)
    assert ta.safety_checks_due(state, due - timedelta(seconds=1)) == []
    assert ta.safety_checks_due(state, due) == [checkin]
    assert ta.safety_checks_due(state, due + timedelta(minutes=5)) == []  # an alarm now
    assert ta.safety_check_text("Clarke family", checkin) == (
        "hvdesk: your check-in for the Clarke family is due; reply OK and your PIN."
    )


def test_parent_present_answer_reads_parent_no_parent_or_nothing_said():
    from hvdesk.rules.text_actions import parent_present_answer

    assert parent_present_answer(("parent",)) is True
    assert parent_present_answer(("mum", "present")) is True
    assert parent_present_answer(("no", "parent")) is False
    assert parent_present_answer(("nobody",)) is False
    assert parent_present_answer(()) is None
    assert parent_present_answer(("clarke",)) is None


def test_a_text_from_before_the_visit_left_is_too_old_but_not_one_from_the_same_minute():
    left = datetime(2026, 12, 1, 9, 45, 30, 500_000, tzinfo=UTC)
    assert ta.sent_before_departure(left - timedelta(hours=14), left)  # last night's BACK
    assert ta.sent_before_departure(left - timedelta(minutes=3), left)
    # whole seconds from the gateway, a phone clock a little behind: the same trip
    assert not ta.sent_before_departure(left.replace(microsecond=0), left)
    assert not ta.sent_before_departure(left - timedelta(seconds=90), left)
    assert not ta.sent_before_departure(left, None)  # not departed: nothing to compare
