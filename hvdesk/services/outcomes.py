"""Writing up a visit after it has returned: what happened, agreements, safeguarding, follow-up.

Recording the outcome completes the visit (DESIGN.md section 4: returned -> completed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from hvdesk.clock import london
from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import Household, Outcome, Visit, VisitStatus
from hvdesk.rules import validation as v
from hvdesk.services.base import Actor, Service


@dataclass
class OutcomeInput:
    summary: str = ""
    agreements: str = ""
    follow_up_date: date | None = None
    safeguarding_concern: bool = False
    dsl_informed: bool = False
    referrals: str = ""
    social_worker_informed: bool = False
    letters_sent: str = ""
    nobody_home: bool = False
    slip_left: bool = False


def outcome_warnings(data: OutcomeInput, household: Household) -> list[str]:
    """Things the policies ask for that the write-up does not yet show (shown, not blocking)."""
    warnings = []
    if data.safeguarding_concern and not data.dsl_informed:
        warnings.append(
            "A safeguarding concern must be reported to the DSL (or a deputy) as soon as possible, "
            "and logged on CPOMS."
        )
    if household.social_worker_name and not data.social_worker_informed:
        warnings.append(
            f"This family has a social worker ({household.social_worker_name}): inform them "
            "immediately after the visit (Thomas More policy)."
        )
    if data.nobody_home and not data.slip_left:
        warnings.append("Nobody was home: leave a 'sorry you weren't in' slip or post a letter.")
    return warnings


def _clean(data: OutcomeInput, today: date) -> OutcomeInput:
    errors = Collector()
    summary = errors.check("Summary", lambda x, f: v.required(x, f, 4000), data.summary)
    for name, label in (
        ("agreements", "Agreements"),
        ("referrals", "Referrals"),
        ("letters_sent", "Letters sent"),
    ):
        errors.check(label, v.optional_text, getattr(data, name))
    if data.follow_up_date is not None and data.follow_up_date < today:
        errors.add(
            "Follow-up date", "is in the past; choose today or a later date, or leave it empty"
        )
    errors.raise_if_any()
    data.summary = summary or ""
    return data


class OutcomeService(Service):
    def get(self, visit_id: int) -> Outcome | None:
        with self.db.read() as session:
            return session.scalar(select(Outcome).where(Outcome.visit_id == visit_id))

    def record(self, actor: Actor, visit_id: int, data: OutcomeInput) -> Outcome:
        data = _clean(data, london(self.clock.now()).date())
        with self.db.transaction() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            if visit.status not in (VisitStatus.RETURNED, VisitStatus.COMPLETED):
                raise StateError(
                    f"Visit {visit_id} is {visit.status.replace('_', ' ')}: write up the outcome "
                    "once staff have returned to school"
                )
            outcome = session.scalar(select(Outcome).where(Outcome.visit_id == visit_id))
            now = self.clock.now()
            if outcome is None:
                outcome = Outcome(visit_id=visit_id, recorded_at=now)
                session.add(outcome)
            for field in OutcomeInput.__dataclass_fields__:
                setattr(outcome, field, getattr(data, field))
            outcome.recorded_by = actor.name
            outcome.recorded_at = now
            note = "Nobody home" if data.nobody_home else data.summary[:120]
            self.audit(
                session,
                actor,
                EventKind.OUTCOME_RECORDED,
                note,
                visit_id=visit_id,
                data={"safeguarding_concern": data.safeguarding_concern},
            )
            if visit.status == VisitStatus.RETURNED:
                visit.status = VisitStatus.COMPLETED.value
                visit.updated_at = now
                self.audit(session, actor, EventKind.COMPLETED, visit_id=visit_id)
        return outcome
