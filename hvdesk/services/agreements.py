"""Agreements with parents as tracked items: due, kept or broken (Harrogate, St Hugh's).

A broken agreement is noted on the pupil's attendance record (in the same transaction as the
decision) and offers the reminder letter and a follow-up visit.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hvdesk.clock import london
from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import Agreement, AttendanceNote, Household, Pupil, Visit
from hvdesk.rules import validation as v
from hvdesk.rules.agreements import (
    AgreementItem,
    Reconciled,
    TrackedItem,
    is_overdue,
    parse_agreements,
    reconcile,
)
from hvdesk.services.base import Actor, Service

WITHDRAWN = "withdrawn"  # the line was removed from the outcome: no longer followed up


def tracked_items(session: Session, visit_id: int) -> list[TrackedItem]:
    """The agreements tracked for a visit's outcome, whatever their state (not the withdrawn)."""
    return [
        TrackedItem(a.id, a.what, a.due)
        for a in session.scalars(
            select(Agreement)
            .where(Agreement.visit_id == visit_id, Agreement.status != WITHDRAWN)
            .order_by(Agreement.id)
        )
    ]


def track_agreements(
    session: Session, visit: Visit, text: str, now: datetime, by: str
) -> tuple[Reconciled, list[Agreement]]:
    """Bring the tracked items in line with the outcome's agreements as now written: new lines
    tracked, edited lines updated, removed lines withdrawn (returned, for the audit). Items already
    recorded as kept or broken are history and stay as they were."""
    tracked = tracked_items(session, visit.id)
    items, _errors = parse_agreements(
        text, london(now).date(), [AgreementItem(t.what, t.due) for t in tracked]
    )
    changes = reconcile(items, tracked)
    for item in changes.added:
        session.add(
            Agreement(
                visit_id=visit.id,
                household_id=visit.household_id,
                pupil_id=visit.pupil_id,
                what=item.what,
                due=item.due,
                created_at=now,
            )
        )
    for agreement_id, item in changes.updated:
        agreement = session.get(Agreement, agreement_id)
        if agreement is not None and agreement.status == "open":
            agreement.what, agreement.due = item.what, item.due
    withdrawn: list[Agreement] = []
    for agreement_id in changes.withdrawn:
        agreement = session.get(Agreement, agreement_id)
        if agreement is not None and agreement.status == "open":
            agreement.status, agreement.closed_at, agreement.closed_by = WITHDRAWN, now, by
            agreement.note = "Removed from the outcome's agreements"
            withdrawn.append(agreement)
    return changes, withdrawn


@dataclass(frozen=True)
class AgreementRow:
    id: int
    visit_id: int
    household_id: int
    household: str
    pupil_id: int | None
    pupil: str
    what: str
    due: date
    status: str
    agreed_on: date
    note: str
    overdue: bool


class AgreementService(Service):
    def list(
        self, *, household_id: int | None = None, open_only: bool = False
    ) -> list[AgreementRow]:
        today = london(self.clock.now()).date()
        with self.db.read() as session:
            stmt = (
                select(Agreement, Visit, Household)
                .join(Visit, Visit.id == Agreement.visit_id)
                .join(Household, Household.id == Agreement.household_id)
                .order_by(Agreement.due, Agreement.id)
            )
            if household_id is not None:
                stmt = stmt.where(Agreement.household_id == household_id)
            if open_only:
                stmt = stmt.where(Agreement.status == "open")
            rows = session.execute(stmt).all()
            pupils = {
                p.id: p.name
                for p in session.scalars(
                    select(Pupil).where(Pupil.id.in_({a.pupil_id for a, _v, _h in rows}))
                )
            }
            return [
                AgreementRow(
                    a.id,
                    a.visit_id,
                    h.id,
                    h.name,
                    a.pupil_id,
                    pupils.get(a.pupil_id or 0, ""),
                    a.what,
                    a.due,
                    a.status,
                    london(visit.start).date(),
                    a.note,
                    is_overdue(a.due, a.status, today),
                )
                for a, visit, h in rows
            ]

    def due(self) -> builtins.list[AgreementRow]:
        """Open agreements past their date: kept or broken?"""
        return [a for a in self.list(open_only=True) if a.overdue]

    def kept(self, actor: Actor, agreement_id: int, note: str = "") -> None:
        self._close(actor, agreement_id, "kept", note)

    def broken(self, actor: Actor, agreement_id: int, note: str = "") -> None:
        """Broken: noted on the pupil's attendance record, in the same step."""
        self._close(actor, agreement_id, "broken", note)

    def _close(self, actor: Actor, agreement_id: int, status: str, note: str) -> None:
        errors = Collector()
        text = errors.check("Note", v.optional_text, note) or ""
        errors.raise_if_any()
        now = self.clock.now()
        with self.db.transaction() as session:
            agreement = session.get(Agreement, agreement_id)
            if agreement is None:
                raise NotFound(f"No agreement with id {agreement_id}")
            if agreement.status != "open":
                raise StateError(
                    f"This agreement was already recorded as {agreement.status} by "
                    f"{agreement.closed_by}"
                )
            agreement.status, agreement.note = status, text
            agreement.closed_at, agreement.closed_by = now, actor.name
            words = f"'{agreement.what}' (due {agreement.due:%d/%m/%Y})"
            if status == "broken" and agreement.pupil_id is not None:
                session.add(
                    AttendanceNote(
                        pupil_id=agreement.pupil_id,
                        agreement_id=agreement.id,
                        note=f"Agreement with parents broken: {words}"
                        + (f". {text}" if text else ""),
                        created_by=actor.name,
                        created_at=now,
                    )
                )
            kind = EventKind.AGREEMENT_BROKEN if status == "broken" else EventKind.AGREEMENT_KEPT
            self.audit(
                session,
                actor,
                kind,
                words + (f": {text}" if text else ""),
                visit_id=agreement.visit_id,
                household_id=agreement.household_id,
                data={"agreement_id": agreement.id},
            )

    def attendance_notes(self, pupil_id: int) -> builtins.list[AttendanceNote]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(AttendanceNote)
                    .where(AttendanceNote.pupil_id == pupil_id)
                    .order_by(AttendanceNote.created_at)
                )
            )

    def reminder_pdf(self, actor: Actor, agreement_id: int) -> bytes:
        """The reminder letter for a broken agreement; the print is audited once it exists."""
        from hvdesk.printing import agreement_letter
        from hvdesk.printing.base import render
        from hvdesk.printing.context import address_block
        from hvdesk.services.printing import PrintService

        ctx = PrintService(self.db, self.clock).context()
        with self.db.read() as session:
            agreement = session.get(Agreement, agreement_id)
            if agreement is None:
                raise NotFound(f"No agreement with id {agreement_id}")
            if agreement.status != "broken":
                raise StateError(
                    "The reminder letter is for an agreement recorded as broken; record it as "
                    "broken first."
                )
            household = session.get(Household, agreement.household_id)
            visit = session.get(Visit, agreement.visit_id)
            pupil = session.get(Pupil, agreement.pupil_id) if agreement.pupil_id else None
            assert household is not None and visit is not None
            data = agreement_letter.AgreementLetterData(
                school_name=ctx.letterhead.school_name,
                school_phone=ctx.school_phone,
                printed_on=london(self.clock.now()).date(),
                parents=household.parents_carers.split("(")[0].strip(" ,;"),
                address=address_block(household),
                pupil_first_name=pupil.name.split()[0] if pupil else "",
                agreement=agreement.what,
                agreed_on=london(visit.start).date(),
                due=agreement.due,
                reference=f"HV{visit.id}",
            )
        pdf, pages = render(agreement_letter.build(data), ctx.letterhead, agreement_letter.TITLE)
        with self.db.transaction() as session:
            self.audit(
                session,
                actor,
                EventKind.PRINTED.value,
                agreement_letter.TITLE,
                visit_id=agreement.visit_id,
                household_id=agreement.household_id,
                data={"form": "agreement-reminder", "pages": pages, "agreement_id": agreement_id},
            )
        return pdf
