"""Approval: send a visit for approval, the approver's queue, approve or reject with a note.

Only a signed-in user whose account has the approver role (headteacher, assistant head, head of
school) can approve. That is checked against the database, not just the Actor passed in, and a
guard on every database flush (registered when this module is imported) refuses any other change
that would make a visit 'approved' without naming an active approver, so an office user cannot
approve a visit even by editing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from hvdesk.errors import Collector, NotAllowed, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import (
    Household,
    RiskAssessment,
    Role,
    Staff,
    UserAccount,
    Visit,
    VisitStatus,
)
from hvdesk.policy import PolicySettings
from hvdesk.rules import validation as v
from hvdesk.rules.approval import ApprovalCheck, VisitFacts, check_visit
from hvdesk.rules.risk import AssessmentSummary
from hvdesk.services.base import Actor, Service
from hvdesk.services.risk_assessment import assessment_facts, summary_of
from hvdesk.services.settings import SettingsService

SUBMITTERS = (Role.OFFICE, Role.APPROVER, Role.VISITOR)
SUBMITTABLE = {VisitStatus.DRAFT.value, VisitStatus.REJECTED.value}
# Statuses a visit moves into 'approved' from only by an approver's decision.
_BEFORE_APPROVAL = {
    VisitStatus.DRAFT.value,
    VisitStatus.AWAITING_APPROVAL.value,
    VisitStatus.REJECTED.value,
    VisitStatus.CANCELLED.value,
}
_APPROVING = "hvdesk_approving_visit_ids"  # Session.info key set only by this service
_NEW_VISITS = "hvdesk_new_visit_ids"


@event.listens_for(Session, "before_flush")
def _approval_guard(session: Session, _context: object, _instances: object) -> None:
    """Refuse any flush that approves an existing visit unless ApprovalService is doing it or the
    visit names an active approver as the one who approved it.

    Every approved visit therefore names an approver: an office user editing a visit (status,
    approved_by_id, through any service) gets NotAllowed and nothing is written.
    """
    allowed = session.info.get(_APPROVING, set()) | session.info.get(_NEW_VISITS, set())
    for obj in session.dirty:
        if not isinstance(obj, Visit) or obj.id in allowed:
            continue
        attrs = inspect(obj).attrs
        status = attrs.status.history
        becomes_approved = bool(
            status.added
            and status.added[0] == VisitStatus.APPROVED.value
            and (not status.deleted or status.deleted[0] in _BEFORE_APPROVAL)
        )
        by = attrs.approved_by_id.history
        approver_set = bool(by.added and by.added[0] is not None and by.added != by.deleted)
        if not (becomes_approved or approver_set):
            continue
        with session.no_autoflush:
            user = session.get(UserAccount, obj.approved_by_id) if obj.approved_by_id else None
        if (
            user is None
            or not user.active
            or user.role != Role.APPROVER.value
            or obj.approved_at is None
        ):
            raise NotAllowed(
                f"Visit {obj.id} can only be approved by an approver, from the Approval screen; "
                "editing a visit never approves it."
            )


@event.listens_for(Session, "after_flush")
def _remember_new_visits(session: Session, _context: object) -> None:
    """Visits created in this session (e.g. by the demo loader) may be written approved."""
    new = {obj.id for obj in session.new if isinstance(obj, Visit)}
    if new:
        session.info.setdefault(_NEW_VISITS, set()).update(new)


@dataclass
class ReviewItem:
    """One visit as the approver sees it: the visit, the checks and the risk summary."""

    visit: Visit
    check: ApprovalCheck
    assessment: RiskAssessment | None
    summary: AssessmentSummary | None

    @property
    def risk_text(self) -> str:
        if self.assessment is None or self.summary is None:
            return "✗ Not assessed" if self.assessment is None else "✎ Draft"
        icon = {"low": "●", "medium": "▲", "high": "✖"}[self.summary.level.value]
        blocked = " (do not visit)" if self.summary.blocked else ""
        return f"{icon} {self.summary.level.value.capitalize()}{blocked}"


def _options() -> tuple[Any, ...]:
    return (
        selectinload(Visit.household).selectinload(Household.risks),
        selectinload(Visit.household).selectinload(Household.pupils),
        selectinload(Visit.pupil),
        selectinload(Visit.lead_staff).selectinload(Staff.lone_working),
        selectinload(Visit.companion_staff).selectinload(Staff.lone_working),
        selectinload(Visit.vehicle_staff),
        selectinload(Visit.risk_assessment).selectinload(RiskAssessment.hazards),
    )


def facts_for(session: Session, visit: Visit) -> VisitFacts:
    household = visit.household
    return VisitFacts(
        start=visit.start,
        end=visit.end,
        staff=visit.staff,
        lone_visit_reason=visit.lone_visit_reason,
        out_of_hours_reason=visit.out_of_hours_reason,
        responsible_contact=visit.responsible_contact,
        on_way_to_from_work=visit.on_way_to_from_work,
        social_worker=household.social_worker_name,
        assessment=assessment_facts(session, visit),
        agency_companion=agency_companion_text(visit),
    )


def agency_companion_text(visit: Visit) -> str:
    """'Ann Lee (Family Support Service, 07700 900111)', or '' with no outside-agency companion."""
    if not visit.companion_agency_name.strip():
        return ""
    extra = ", ".join(
        p for p in (visit.companion_agency_org.strip(), visit.companion_agency_phone.strip()) if p
    )
    return f"{visit.companion_agency_name.strip()}" + (f" ({extra})" if extra else "")


class ApprovalService(Service):
    def _policy(self) -> PolicySettings:
        return SettingsService(self.db, self.clock).policy()

    def _load(self, session: Session, visit_id: int) -> Visit:
        visit = session.scalars(
            select(Visit).where(Visit.id == visit_id).options(*_options())
        ).first()
        if visit is None:
            raise NotFound(f"No visit with id {visit_id}")
        return visit

    def _item(self, session: Session, visit: Visit, policy: PolicySettings) -> ReviewItem:
        check = check_visit(facts_for(session, visit), policy, self.clock.now())
        ra = visit.risk_assessment
        if ra is None:
            draft_id = session.scalar(
                select(RiskAssessment.id).where(
                    RiskAssessment.visit_id == visit.id, RiskAssessment.status == "draft"
                )
            )
            ra = session.get(RiskAssessment, draft_id) if draft_id else None
        summary = summary_of(ra) if ra is not None and ra.status == "complete" else None
        return ReviewItem(visit, check, ra, summary)

    # --- reading ---------------------------------------------------------------------------
    def check(self, visit_id: int) -> ApprovalCheck:
        return self.review(visit_id).check

    def review(self, visit_id: int) -> ReviewItem:
        policy = self._policy()
        with self.db.read() as session:
            return self._item(session, self._load(session, visit_id), policy)

    def pending(self) -> list[ReviewItem]:
        """The approval queue: every visit awaiting approval, soonest first, with its checks."""
        policy = self._policy()
        with self.db.read() as session:
            visits = session.scalars(
                select(Visit)
                .where(Visit.status == VisitStatus.AWAITING_APPROVAL.value)
                .options(*_options())
                .order_by(Visit.start)
            ).all()
            return [self._item(session, visit, policy) for visit in visits]

    # --- changes ---------------------------------------------------------------------------
    def submit(self, actor: Actor, visit_id: int, note: str = "") -> Visit:
        """Send a draft (or a rejected visit, changed) for approval. Safe to call twice: a visit
        already awaiting approval is left as it is. Where the policy needs no approval for this
        visit and nothing blocks it, it is approved at once and the record says why."""
        actor.require(*SUBMITTERS, action="send visits for approval")
        errors = Collector()
        text = errors.check("Note", v.optional_text, note) or ""
        errors.raise_if_any()
        policy = self._policy()
        with self.db.transaction() as session:
            visit = self._load(session, visit_id)
            if visit.status == VisitStatus.AWAITING_APPROVAL.value:
                return visit
            if visit.status not in SUBMITTABLE:
                raise StateError(
                    f"Visit {visit.id} is {visit.status.replace('_', ' ')}; only a draft or a "
                    "rejected visit can be sent for approval."
                )
            now = self.clock.now()
            check = check_visit(facts_for(session, visit), policy, now)
            visit.status = VisitStatus.AWAITING_APPROVAL.value
            visit.updated_at = now
            self.audit(session, actor, EventKind.SUBMITTED, text, visit_id=visit.id)
            if not check.needs_approval and not check.findings:
                session.info.setdefault(_APPROVING, set()).add(visit.id)
                visit.status = VisitStatus.APPROVED.value
                visit.approved_at = now
                visit.approval_note = "No approval needed under the school's policy"
                self.audit(
                    session,
                    actor,
                    EventKind.APPROVED,
                    visit.approval_note,
                    visit_id=visit.id,
                    data={"automatic": True},
                )
        return visit

    def approve(
        self,
        actor: Actor,
        visit_id: int,
        note: str = "",
        *,
        lone_visit_decision: bool = False,
        seen_version: int | None = None,
    ) -> Visit:
        """The approver's decision. Refused while anything blocks the visit; a lone visit needs
        the explicit decision; anything with a warning needs a note saying why."""
        actor.require(Role.APPROVER, action="approve visits")
        errors = Collector()
        text = errors.check("Note", v.optional_text, note) or ""
        errors.raise_if_any()
        policy = self._policy()
        try:
            with self.db.transaction() as session:
                user = self._approver(session, actor)
                visit = self._load(session, visit_id)
                self._check_state(visit, seen_version, "approved")
                check = check_visit(facts_for(session, visit), policy, self.clock.now())
                if check.blocking:
                    raise StateError(
                        "This visit cannot be approved until the facts change:\n"
                        + "\n".join(f"• {f.text}" for f in check.blocking)
                    )
                if check.needs_lone_decision and not lone_visit_decision:
                    errors.add(
                        "Lone visit decision",
                        "tick 'I have decided this lone visit is safe and appropriate' to approve "
                        f"a visit with fewer than {policy.min_staff} staff",
                    )
                if check.needs_note and not text:
                    titles = ", ".join(f.title for f in check.decisions + check.warnings)
                    errors.add("Note", f"write a note for your decision: this visit has {titles}")
                errors.raise_if_any()
                now = self.clock.now()
                session.info.setdefault(_APPROVING, set()).add(visit.id)
                visit.status = VisitStatus.APPROVED.value
                visit.approved_by_id = user.id
                visit.approved_at = now
                visit.approval_note = text or "Approved"
                visit.updated_at = now
                self.audit(
                    session,
                    actor,
                    EventKind.APPROVED,
                    visit.approval_note,
                    visit_id=visit.id,
                    data={
                        "lone_visit_decision": bool(check.needs_lone_decision),
                        "warnings": [f.code for f in check.decisions + check.warnings],
                        "approver_title": user.approver_title,
                    },
                )
        except StaleDataError:
            raise StateError(
                "This visit was changed on another seat at the same moment; refresh and decide "
                "again."
            ) from None
        return visit

    def reject(
        self, actor: Actor, visit_id: int, note: str, *, seen_version: int | None = None
    ) -> Visit:
        """Refuse a visit awaiting approval (or withdraw an approval before departure), always
        saying why so the office knows what to change."""
        actor.require(Role.APPROVER, action="reject visits")
        errors = Collector()
        text = errors.check("Note", v.optional_text, note) or ""
        if not text:
            errors.add("Note", "say why the visit is rejected, so the office knows what to change")
        errors.raise_if_any()
        try:
            with self.db.transaction() as session:
                self._approver(session, actor)
                visit = self._load(session, visit_id)
                before = visit.status
                self._check_state(visit, seen_version, "rejected", also=VisitStatus.APPROVED)
                now = self.clock.now()
                visit.status = VisitStatus.REJECTED.value
                visit.approved_by_id = None
                visit.approved_at = None
                visit.approval_note = text
                visit.updated_at = now
                self.audit(
                    session,
                    actor,
                    EventKind.REJECTED,
                    text,
                    visit_id=visit.id,
                    data={"previous_status": before},
                )
        except StaleDataError:
            raise StateError(
                "This visit was changed on another seat at the same moment; refresh and decide "
                "again."
            ) from None
        return visit

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _approver(session: Session, actor: Actor) -> UserAccount:
        """The Actor says 'approver'; the database must agree (an active approver account)."""
        user = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
        if user is None or not user.active or user.role != Role.APPROVER.value:
            raise NotAllowed(
                "Only a signed-in user with the approver role (headteacher, assistant head or "
                "head of school) can approve or reject visits."
            )
        return user

    @staticmethod
    def _check_state(
        visit: Visit, seen_version: int | None, verb: str, also: VisitStatus | None = None
    ) -> None:
        if seen_version is not None and visit.row_version != seen_version:
            raise StateError(
                f"Visit {visit.id} was changed since you opened it; check the new details and "
                "decide again."
            )
        allowed = {VisitStatus.AWAITING_APPROVAL.value} | ({also.value} if also else set())
        if visit.status not in allowed:
            raise StateError(
                f"Visit {visit.id} is {visit.status.replace('_', ' ')}; only a visit awaiting "
                f"approval can be {verb}."
            )
