"""Writing up a visit after it has returned: what happened, agreements, safeguarding, follow-up.

Recording the outcome completes the visit (DESIGN.md section 4: returned -> completed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hvdesk.clock import london
from hvdesk.errors import Collector, FieldError, NotFound, StateError, ValidationError
from hvdesk.events import EventKind
from hvdesk.models import Household, Outcome, Visit, VisitStatus
from hvdesk.rules import validation as v
from hvdesk.rules.agreements import AgreementItem, parse_agreements
from hvdesk.services.agreements import track_agreements, tracked_items
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
    social_worker_not_yet_reason: str = ""  # 'not yet, because …' (audited, on Today until done)


def outcome_warnings(data: OutcomeInput, household: Household) -> list[str]:
    """Things the policies ask for that the write-up does not yet show (shown, not blocking)."""
    warnings = []
    if data.safeguarding_concern and not data.dsl_informed:
        warnings.append(
            "A safeguarding concern must be reported to the DSL (or a deputy) as soon as possible, "
            "and logged on CPOMS."
        )
    if data.nobody_home and not data.slip_left:
        warnings.append("Nobody was home: leave a 'sorry you weren't in' slip or post a letter.")
    return warnings


def told_before_visit(visit: Visit) -> bool:
    """The social worker was contacted before the visit (recorded on the risk assessment)."""
    ra = visit.risk_assessment
    return bool(ra is not None and (ra.information or {}).get("social_worker_contacted"))


def social_worker_problem(data: OutcomeInput, social_worker: str, told_before: bool) -> str | None:
    """Thomas More: 'the social worker must be informed either before the home visit or
    immediately after'. Saving needs 'informed', told before, or an explicit 'not yet, because'."""
    if not social_worker or data.social_worker_informed or told_before:
        return None
    if data.social_worker_not_yet_reason.strip():
        return None
    return (
        f"this family has a social worker ({social_worker}); tick 'Social worker informed', or "
        "say why not yet (it stays on Today until they are told)"
    )


def _clean(
    data: OutcomeInput, today: date, tracked: Sequence[AgreementItem] = ()
) -> OutcomeInput:
    errors = Collector()
    _items, problems = parse_agreements(data.agreements, today, tracked)
    for problem in problems:
        errors.add("Agreements", problem)
    summary = errors.check("Summary", lambda x, f: v.required(x, f, 4000), data.summary)
    for name, label in (
        ("agreements", "Agreements"),
        ("referrals", "Referrals"),
        ("letters_sent", "Letters sent"),
        ("social_worker_not_yet_reason", "Social worker not yet"),
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
        with self.db.read() as session:  # dates already agreed may have passed since
            tracked = [AgreementItem(t.what, t.due) for t in tracked_items(session, visit_id)]
        data = _clean(data, london(self.clock.now()).date(), tracked)
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
            self._check_social_worker(visit, data)
            if outcome is None:
                outcome = Outcome(visit_id=visit_id, recorded_at=now)
                session.add(outcome)
            was_informed = outcome.social_worker_informed
            for field in OutcomeInput.__dataclass_fields__:
                setattr(outcome, field, getattr(data, field))
            changes, withdrawn = track_agreements(session, visit, data.agreements, now, actor.name)
            outcome.recorded_by = actor.name
            outcome.recorded_at = now
            self._audit_social_worker(session, actor, visit, outcome, was_informed, now)
            note = "Nobody home" if data.nobody_home else data.summary[:120]
            self.audit(
                session,
                actor,
                EventKind.OUTCOME_RECORDED,
                note,
                visit_id=visit_id,
                data={
                    "safeguarding_concern": data.safeguarding_concern,
                    "agreements_added": len(changes.added),
                    "agreements_updated": [agreement_id for agreement_id, _ in changes.updated],
                },
            )
            for agreement in withdrawn:
                self.audit(
                    session,
                    actor,
                    EventKind.AGREEMENT_WITHDRAWN,
                    f"'{agreement.what}' (due {agreement.due:%d/%m/%Y}): removed from the outcome",
                    visit_id=visit_id,
                    household_id=visit.household_id,
                    data={"agreement_id": agreement.id},
                )
            if visit.status == VisitStatus.RETURNED:
                visit.status = VisitStatus.COMPLETED.value
                visit.updated_at = now
                self.audit(session, actor, EventKind.COMPLETED, visit_id=visit_id)
        return outcome

    @staticmethod
    def _check_social_worker(visit: Visit, data: OutcomeInput) -> None:
        problem = social_worker_problem(
            data, visit.household.social_worker_name, told_before_visit(visit)
        )
        if problem:
            raise ValidationError([FieldError("Social worker", problem)])
        if data.social_worker_informed:
            data.social_worker_not_yet_reason = ""
        elif told_before_visit(visit) and not data.social_worker_not_yet_reason.strip():
            data.social_worker_informed = True  # told before the visit counts

    def _audit_social_worker(
        self,
        session: Session,
        actor: Actor,
        visit: Visit,
        outcome: Outcome,
        was_informed: bool,
        now: datetime,
    ) -> None:
        if not visit.household.social_worker_name:
            return
        if outcome.social_worker_informed and not was_informed:
            outcome.social_worker_informed_at = now
            how = "before the visit" if told_before_visit(visit) else "after the visit"
            self.audit(
                session,
                actor,
                EventKind.SOCIAL_WORKER_INFORMED,
                f"{visit.household.social_worker_name} informed {how}",
                visit_id=visit.id,
                household_id=visit.household_id,
            )
        elif not outcome.social_worker_informed:
            self.audit(
                session,
                actor,
                EventKind.SOCIAL_WORKER_NOT_YET,
                f"Not yet, because: {outcome.social_worker_not_yet_reason}",
                visit_id=visit.id,
                household_id=visit.household_id,
            )

    def social_worker_informed(self, actor: Actor, visit_id: int, note: str = "") -> Outcome:
        """The 'not yet' is done: the social worker has now been told."""
        errors = Collector()
        text = errors.check("Note", v.optional_text, note) or ""
        errors.raise_if_any()
        with self.db.transaction() as session:
            outcome = session.scalar(select(Outcome).where(Outcome.visit_id == visit_id))
            if outcome is None:
                raise NotFound(f"No outcome written up for visit {visit_id}")
            if outcome.social_worker_informed:
                raise StateError(
                    f"The social worker for visit {visit_id} is already recorded as informed"
                )
            visit = session.get(Visit, visit_id)
            assert visit is not None
            now = self.clock.now()
            outcome.social_worker_informed = True
            outcome.social_worker_informed_at = now
            self.audit(
                session,
                actor,
                EventKind.SOCIAL_WORKER_INFORMED,
                f"{visit.household.social_worker_name} informed" + (f": {text}" if text else ""),
                visit_id=visit_id,
                household_id=visit.household_id,
            )
            return outcome

    def social_worker_pending(self) -> list[SocialWorkerToTell]:
        """Outcomes saved with 'not yet, because …': on Today until the social worker is told."""
        with self.db.read() as session:
            rows = session.execute(
                select(Outcome, Visit, Household)
                .join(Visit, Visit.id == Outcome.visit_id)
                .join(Household, Household.id == Visit.household_id)
                .where(
                    Outcome.social_worker_informed.is_(False),
                    Outcome.social_worker_not_yet_reason != "",
                    Household.social_worker_name != "",
                )
                .order_by(Outcome.recorded_at)
            ).all()
            return [
                SocialWorkerToTell(
                    visit_id=visit.id,
                    household=household.name,
                    social_worker=household.social_worker_name,
                    phone=household.social_worker_phone,
                    reason=outcome.social_worker_not_yet_reason,
                    since=outcome.recorded_at,
                )
                for outcome, visit, household in rows
            ]


@dataclass(frozen=True)
class SocialWorkerToTell:
    visit_id: int
    household: str
    social_worker: str
    phone: str
    reason: str
    since: datetime
