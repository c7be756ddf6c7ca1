"""Cancelling a visit, from any state before it has returned, always with a reason.

Used by booking (the office cancels) and the tracker (parents not present after the wait).
A safety reason is flagged for the written note to the approver (printed form 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import CancelReason, Event, Visit, VisitStatus
from hvdesk.rules import validation as v
from hvdesk.services.base import Actor, Service

CANCEL_LABELS = {
    CancelReason.FAMILY_CANCELLED: "Family cancelled",
    CancelReason.PARENT_NOT_PRESENT: "Parent not present",
    CancelReason.SAFETY_CONCERN: "Safety concern",
    CancelReason.STAFF_UNAVAILABLE: "Staff unavailable",
    CancelReason.OTHER: "Other",
}
CANCELLABLE = {
    VisitStatus.DRAFT,
    VisitStatus.AWAITING_APPROVAL,
    VisitStatus.APPROVED,
    VisitStatus.OUT,
    VisitStatus.ON_SITE,
    VisitStatus.LEFT_PROPERTY,
}


FAMILY_TOLD_HOW = {"call": "Phoned the family", "letter": "Letter to the family"}
LETTER_FORM = "cancellation-letter"  # its print (audited) tells the family too
TELL_FAMILY_FOR = timedelta(days=7)  # after the visit would have been: no longer worth a follow-up


@dataclass(frozen=True)
class FamilyToTell:
    visit_id: int
    household: str
    phone: str  # E.164, or '' when none is on file
    start: datetime  # when the visit would have been


class CancellationService(Service):
    def cancel(
        self, actor: Actor, visit_id: int, reason: str, note: str = "", *, family_told: str = ""
    ) -> Visit:
        """Cancel with a reason; `family_told` ('call' or 'letter') records in the same step how
        the family is told (Hampton: families informed at the earliest possible opportunity)."""
        errors = Collector()
        if family_told and family_told not in FAMILY_TOLD_HOW:
            errors.add("Family told", "choose 'call' (you phoned them) or 'letter'")
        try:
            reason_value = CancelReason(reason)
        except ValueError:
            errors.add("Reason", f"choose one of: {', '.join(CANCEL_LABELS.values())}")
            reason_value = CancelReason.OTHER
        text = errors.check("Note", v.optional_text, note) or ""
        if reason_value in (CancelReason.OTHER, CancelReason.SAFETY_CONCERN) and not text:
            errors.add(
                "Note", "say what happened; a safety cancellation is put in writing to the approver"
            )
        errors.raise_if_any()
        with self.db.transaction() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            if VisitStatus(visit.status) not in CANCELLABLE:
                raise StateError(
                    f"Visit {visit_id} is {visit.status.replace('_', ' ')}; only visits that have "
                    "not yet returned can be cancelled"
                )
            now = self.clock.now()
            visit.status = VisitStatus.CANCELLED.value
            visit.cancel_reason = reason_value.value
            visit.cancel_note = text
            visit.cancelled_at = now
            visit.updated_at = now
            self.audit(
                session,
                actor,
                EventKind.CANCELLED,
                f"{CANCEL_LABELS[reason_value]}: {text}".rstrip(": "),
                visit_id=visit.id,
                data={
                    "reason": reason_value.value,
                    "safety_note_due": reason_value is CancelReason.SAFETY_CONCERN,
                },
            )
            if family_told:
                self._family_told(session, actor, visit, family_told, "")
        return visit

    def tell_family(self, actor: Actor, visit_id: int, how: str, note: str = "") -> None:
        """Record that the family of a cancelled visit has been told (a phone call or a letter)."""
        errors = Collector()
        if how not in FAMILY_TOLD_HOW:
            errors.add("Family told", "choose 'call' (you phoned them) or 'letter'")
        text = errors.check("Note", v.optional_text, note) or ""
        errors.raise_if_any()
        with self.db.transaction() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            if visit.status != VisitStatus.CANCELLED.value:
                raise StateError(f"Visit {visit_id} is not cancelled; nothing to tell the family")
            self._family_told(session, actor, visit, how, text)

    def _family_told(
        self, session: Session, actor: Actor, visit: Visit, how: str, note: str
    ) -> None:
        self.audit(
            session,
            actor,
            EventKind.FAMILY_TOLD,
            f"{FAMILY_TOLD_HOW[how]}{': ' + note if note else ''}",
            visit_id=visit.id,
            household_id=visit.household_id,
            data={"how": how},
        )

    def families_to_tell(self) -> list[FamilyToTell]:
        """Hampton: cancelled visits whose family has not been told (no call logged, no letter
        printed), on Today until they are, up to a week after the visit would have been. A
        visit the family cancelled themselves needs no telling."""
        from hvdesk.services.settings import SettingsService

        if not SettingsService(self.db, self.clock).policy().tell_family_on_cancel:
            return []
        with self.db.read() as session:
            visits = list(
                session.scalars(
                    select(Visit)
                    .where(
                        Visit.status == VisitStatus.CANCELLED.value,
                        Visit.cancel_reason != CancelReason.FAMILY_CANCELLED.value,
                        Visit.start >= self.clock.now() - TELL_FAMILY_FOR,
                    )
                    .options(joinedload(Visit.household))
                    .order_by(Visit.start)
                )
            )
            told = {
                visit_id
                for visit_id, kind, data in session.execute(
                    select(Event.visit_id, Event.kind, Event.data).where(
                        Event.visit_id.in_([v.id for v in visits]),
                        Event.kind.in_([EventKind.FAMILY_TOLD.value, EventKind.PRINTED.value]),
                    )
                )
                if kind == EventKind.FAMILY_TOLD or (data or {}).get("form") == LETTER_FORM
            }
            return [
                FamilyToTell(v.id, v.household.name, v.household.phone or "", v.start)
                for v in visits
                if v.id not in told
            ]
