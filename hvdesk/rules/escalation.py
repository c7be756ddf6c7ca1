"""The escalation ladder an alarm walks its owner through (DESIGN 5; Hampton, Thomas More, Harborne).

1 call the worker's mobile; 2 call the visit address; 3 tell the headteacher; 4 call the police
(999, or 101 when it is not urgent). Each step is timed by the policy's `escalation_step_min`: when a
step has no result by then, the next step is prompted and the sound comes back. A result either
moves the alarm on (no answer), settles it (staff reached and safe: resolve it), or jumps straight
to the police (needs help / code word).

Pure: the state of an alarm and its recorded steps in, what to show and when to look again out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from hvdesk.policy import PolicySettings

POLICE_STEP = 4


@dataclass(frozen=True)
class StepResult:
    key: str
    label: str
    advance_to: int | None  # the next step; None settles this step (no further timer)
    contact: bool = False  # the staff were reached and are safe
    escalate: bool = False  # staff need help: the alarm becomes duress, straight to the police
    reference: bool = False  # the police gave a reference to note down


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    instruction: str
    results: tuple[StepResult, ...]

    def result(self, key: str) -> StepResult | None:
        return next((r for r in self.results if r.key == key), None)


def _moved_on(to: int) -> StepResult:
    return StepResult("moved_on", f"Moved on to step {to} without an answer", to)


LADDER: tuple[Step, ...] = (
    Step(
        1,
        "Call the worker",
        "Ring the staff on this visit on their mobiles. Listen for the code word.",
        (
            StepResult("answered_safe", "Answered: safe and well", None, contact=True),
            StepResult(
                "answered_help", "Answered: needs help / said the code word", 4, escalate=True
            ),
            StepResult("no_answer", "No answer", 2),
            _moved_on(2),
        ),
    ),
    Step(
        2,
        "Call the visit address",
        "Ring the household: are the staff there, and when did they leave?",
        (
            StepResult("answered_safe", "Answered: staff are there and safe", None, contact=True),
            StepResult("answered_left", "Answered: staff have left", 3),
            StepResult("answered_concern", "Answered: cause for concern", 4, escalate=True),
            StepResult("no_answer", "No answer / no number", 3),
            _moved_on(3),
        ),
    ),
    Step(
        3,
        "Tell the headteacher",
        "Tell the headteacher (or who deputises) what has happened; they decide what happens next.",
        (
            StepResult("police", "Told: call the police", 4),
            StepResult("keep_trying", "Told: keep trying the worker", 1),
            StepResult("not_reached", "Could not reach them: call the police", 4),
            _moved_on(4),
        ),
    ),
    Step(
        4,
        "Call the police",
        "Ring 999 when anyone may be in danger (101 when not urgent). Read out the police "
        "information sheet. If you cannot speak on a 999 call, press 55.",
        (
            StepResult("called_999", "Called 999 (emergency)", None, reference=True),
            StepResult("called_101", "Called 101 (non-emergency)", None, reference=True),
        ),
    ),
)


def step(number: int) -> Step:
    if not 1 <= number <= len(LADDER):
        raise ValueError(f"the ladder has steps 1 to {len(LADDER)}, not {number}")
    return LADDER[number - 1]


def step_title(number: int, policy: PolicySettings) -> str:
    """Step 3 uses the school's own title for the approver (Headteacher, Head of School...)."""
    if number == 3:
        return f"Tell the {policy.approver_title.lower()}"
    if number == POLICE_STEP:
        return f"Call the police ({policy.police_emergency} / {policy.police_non_emergency})"
    return step(number).title


class AlarmStateLike(Protocol):
    step: int
    step_started_at: datetime | None
    acknowledged_at: datetime | None
    raised_at: datetime
    resolved_at: datetime | None


class StepEventLike(Protocol):
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class LadderState:
    step: Step
    acknowledged: bool
    started_at: datetime  # when the current step began
    settled: bool  # the current step has a result that needs no further step
    timer_due: datetime | None  # when the next step is prompted
    resolved: bool

    def overdue(self, now: datetime) -> bool:
        return self.timer_due is not None and now >= self.timer_due

    def needs_attention(self, now: datetime) -> bool:
        """Sound and flash: nobody has taken it yet, or the current step ran out of time."""
        if self.resolved:
            return False
        return not self.acknowledged or self.overdue(now)

    @property
    def next_step(self) -> Step | None:
        return step(self.step.number + 1) if self.step.number < len(LADDER) else None

    def prompt(self, now: datetime, policy: PolicySettings) -> str:
        title = step_title(self.step.number, policy)
        if self.resolved:
            return "Resolved"
        if not self.acknowledged:
            return "Nobody is handling this yet: press “I'm handling this”"
        if self.settled:
            if self.step.number == POLICE_STEP:
                return "Police called: stay with it, and resolve the alarm when it is over"
            return "Staff reached: resolve the alarm below"
        if self.overdue(now):
            nxt = self.next_step
            if nxt is None:
                return f"Time is up: {title} now"
            return (
                f"Time is up for step {self.step.number}: go on to step {nxt.number}, "
                f"{step_title(nxt.number, policy).lower()}"
            )
        left = (self.timer_due - now).total_seconds() if self.timer_due else 0
        mins, secs = divmod(int(max(left, 0)), 60)
        return f"Step {self.step.number} of {len(LADDER)}: {title} — next step in {mins}:{secs:02d}"


def ladder_state(
    alarm: AlarmStateLike, steps: Sequence[StepEventLike], policy: PolicySettings
) -> LadderState:
    """Where the alarm stands on the ladder. `steps` are its ESCALATION_STEP events."""
    current = step(alarm.step or 1)
    started = alarm.step_started_at or alarm.acknowledged_at or alarm.raised_at
    recorded = [
        e for e in steps if (e.data or {}).get("step") == current.number and e.at >= started
    ]
    settled = False
    if recorded:
        last = max(recorded, key=lambda e: e.at)
        result = current.result(str((last.data or {}).get("result", "")))
        settled = result is not None and result.advance_to is None
    acknowledged = alarm.acknowledged_at is not None
    timer = None
    if acknowledged and not settled and alarm.resolved_at is None:
        timer = started + timedelta(minutes=policy.escalation_step_min)
    return LadderState(
        step=current,
        acknowledged=acknowledged,
        started_at=started,
        settled=settled,
        timer_due=timer,
        resolved=alarm.resolved_at is not None,
    )
