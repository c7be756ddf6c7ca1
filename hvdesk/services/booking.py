"""Booking a visit, editing, moving and sending it for approval: one transaction and Event each.

The rules live in hvdesk.rules.booking; this layer loads what they need (household, staff, the other
visits those staff are on), writes the change and its audit Event together, and guards edits made
from two seats at once with the visit's row_version (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from hvdesk.clock import fmt_datetime, london
from hvdesk.errors import NotFound, StateError, ValidationError
from hvdesk.events import EventKind
from hvdesk.events import label as event_label
from hvdesk.models import EscalationContact, Event, Household, Staff, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.rules.booking import (
    EDITABLE,
    NOT_HOLDING,
    BookingCheck,
    BookingInput,
    BookingTimes,
    Notice,
    VisitSlot,
    changed_fields,
    check_booking,
    default_times,
    describe_changes,
    material_changes,
    reassign,
)
from hvdesk.rules.validation import display_phone, uk_phone
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService
from hvdesk.services.visits import VisitQueries

__all__ = [
    "BookingInput",
    "BookingResult",
    "BookingService",
    "BookingTimes",
    "MovePreview",
]


@dataclass
class BookingResult:
    """What happened, in words the office can be shown as they are."""

    visit: Visit
    message: str
    sent_back: bool = False
    changes: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


@dataclass
class MovePreview:
    """What a drag would do, for the confirmation before anything is written."""

    visit_id: int
    before: BookingTimes
    after: BookingTimes
    lead_staff_id: int
    companion_staff_id: int | None
    check: BookingCheck
    changes: list[str]
    sends_back: bool
    message: str


def _slot(row: Visit, household_name: str) -> VisitSlot:
    return VisitSlot(
        id=row.id,
        household_name=household_name,
        purpose=row.purpose,
        purpose_other=row.purpose_other,
        planned_departure=row.planned_departure,
        start=row.start,
        end=row.end,
        expected_return=row.expected_return,
        lead_staff_id=row.lead_staff_id,
        companion_staff_id=row.companion_staff_id,
        status=row.status,
    )


class BookingService(Service):
    """Use cases of the booking screen. Approval itself belongs to the approver (issue 3)."""

    # --- reading ----------------------------------------------------------------------------
    def policy(self) -> PolicySettings:
        return SettingsService(self.db, self.clock).policy()

    def defaults(self, policy: PolicySettings, start: datetime) -> BookingTimes:
        """Times for a new visit starting at `start`: the policy's length and travel each way."""
        return default_times(policy, start)

    def new_input(
        self, actor: Actor, start: datetime, policy: PolicySettings | None = None
    ) -> BookingInput:
        """A blank form: policy times around `start`, the signed-in user as office contact."""
        times = self.defaults(policy or self.policy(), start)
        return BookingInput(office_contact=actor.name).with_times(times)

    def check(self, data: BookingInput, visit_id: int | None = None) -> BookingCheck:
        """Validate without saving (the form shows errors and warnings as the user types)."""
        with self.db.read() as session:
            return self._check(session, data, visit_id, self.policy(), times_changed=True)

    def _check(
        self,
        session: Session,
        data: BookingInput,
        visit_id: int | None,
        policy: PolicySettings,
        *,
        times_changed: bool,
    ) -> BookingCheck:
        household = None
        if data.household_id is not None:
            household = session.scalars(
                select(Household)
                .where(Household.id == data.household_id)
                .options(selectinload(Household.pupils))
            ).first()
        ids = [i for i in (data.lead_staff_id, data.companion_staff_id) if i is not None]
        staff = {
            s.id: s
            for s in session.scalars(
                select(Staff).where(Staff.id.in_(ids)).options(selectinload(Staff.lone_working))
            )
        }
        others = self._holding(session, ids, data.times, visit_id)
        responsible = _responsible(session, data)
        return check_booking(
            data,
            policy=policy,
            now=self.clock.now(),
            household=household,
            staff=staff,
            others=others,
            visit_id=visit_id,
            times_changed=times_changed,
            responsible=responsible,
        )

    def _holding(
        self,
        session: Session,
        staff_ids: Iterable[int],
        times: BookingTimes | None,
        exclude: int | None,
    ) -> list[VisitSlot]:
        """Visits that hold any of these staff while this visit would have them out."""
        ids = list(staff_ids)
        if not ids or times is None:
            return []
        stmt = (
            select(Visit, Household.name)
            .join(Household, Household.id == Visit.household_id)
            .where(
                Visit.planned_departure < times.expected_return,
                Visit.expected_return > times.planned_departure,
                Visit.status.notin_(list(NOT_HOLDING)),
                or_(Visit.lead_staff_id.in_(ids), Visit.companion_staff_id.in_(ids)),
            )
        )
        if exclude is not None:
            stmt = stmt.where(Visit.id != exclude)
        return [_slot(row, name) for row, name in session.execute(stmt)]

    # --- writing ----------------------------------------------------------------------------
    def create(self, actor: Actor, data: BookingInput, submit: bool = True) -> Visit:
        """Book a visit as a draft, or straight into the approver's queue (submit=True)."""
        policy = self.policy()
        with self.db.transaction() as session:
            check = self._check(session, data, None, policy, times_changed=True)
            if check.errors:
                raise ValidationError(check.errors)
            now = self.clock.now()
            visit = Visit(
                **_clean(data),
                status=(VisitStatus.AWAITING_APPROVAL if submit else VisitStatus.DRAFT).value,
                created_at=now,
                updated_at=now,
            )
            session.add(visit)
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.BOOKED,
                _summary(visit, session),
                visit_id=visit.id,
                household_id=visit.household_id,
                data={"warnings": [str(n) for n in check.warnings]},
            )
            if submit:
                self.audit(
                    session,
                    actor,
                    EventKind.SUBMITTED,
                    f"Sent to the {policy.approver_title} for approval",
                    visit_id=visit.id,
                )
            visit_id = visit.id
        return VisitQueries(self.db, self.clock).get(visit_id)

    def update(
        self, actor: Actor, visit_id: int, data: BookingInput, *, row_version: int
    ) -> BookingResult:
        """Save an edit made on the form that loaded `row_version` of the visit."""
        return self._change(actor, visit_id, row_version, lambda _v: data, EventKind.EDITED)

    def move(
        self,
        actor: Actor,
        visit_id: int,
        new_start: datetime,
        *,
        row_version: int,
        lead_staff_id: int | None = None,
        companion_staff_id: int | None = None,
        reassign_from: int | None = None,
        reassign_to: int | None = None,
    ) -> BookingResult:
        """Move a visit to `new_start`, keeping its length and travel (a drag on the calendar).

        In the staff lane view a drag across lanes also hands the visit from one person to another
        (`reassign_from` -> `reassign_to`).
        """

        def moved(visit: Visit) -> BookingInput:
            data = BookingInput.from_visit(visit)
            data = data.with_times(_times(visit).moved_to(new_start))
            if reassign_from is not None and reassign_to is not None:
                lead, comp = reassign(
                    visit.lead_staff_id, visit.companion_staff_id, reassign_from, reassign_to
                )
                data.lead_staff_id, data.companion_staff_id = lead, comp
                if data.vehicle_staff_id not in (lead, comp):
                    data.vehicle_staff_id = None
            if lead_staff_id is not None:
                data.lead_staff_id = lead_staff_id
            if companion_staff_id is not None:
                data.companion_staff_id = companion_staff_id
            return data

        return self._change(actor, visit_id, row_version, moved, EventKind.MOVED)

    def preview_move(
        self,
        visit_id: int,
        new_start: datetime,
        *,
        reassign_from: int | None = None,
        reassign_to: int | None = None,
    ) -> MovePreview:
        """What a drop would do (times, clashes, going back for approval) before asking to confirm."""
        policy = self.policy()
        with self.db.read() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            before = _times(visit)
            after = before.moved_to(new_start)
            lead, comp = visit.lead_staff_id, visit.companion_staff_id
            if reassign_from is not None and reassign_to is not None:
                lead, comp = reassign(lead, comp, reassign_from, reassign_to)
            data = BookingInput.from_visit(visit).with_times(after)
            data.lead_staff_id, data.companion_staff_id = lead, comp
            if data.vehicle_staff_id not in (lead, comp):
                data.vehicle_staff_id = None
            check = self._check(session, data, visit_id, policy, times_changed=True)
            changes = material_changes(BookingInput.from_visit(visit).values(), data.values())
            sends_back = (
                bool(changes)
                and visit.status == VisitStatus.APPROVED.value
                and policy.approval_required
            )
            if visit.status not in EDITABLE:
                check.error(
                    "Visit",
                    f"is {visit.status.replace('_', ' ')}; only visits not yet started can be moved",
                )
            message = _sent_back_text(changes, policy) if sends_back else ""
        return MovePreview(visit_id, before, after, lead, comp, check, changes, sends_back, message)

    def submit(self, actor: Actor, visit_id: int, row_version: int | None = None) -> BookingResult:
        """Draft -> awaiting approval, after checking it is still bookable (time not passed...)."""
        policy = self.policy()
        try:
            with self.db.transaction() as session:
                visit = self._load_for_change(session, visit_id, row_version)
                if visit.status != VisitStatus.DRAFT.value:
                    raise StateError(
                        f"Visit {visit_id} is {visit.status.replace('_', ' ')}; only a draft can be "
                        "sent for approval"
                    )
                check = self._check(
                    session, BookingInput.from_visit(visit), visit_id, policy, times_changed=True
                )
                if check.errors:
                    raise ValidationError(check.errors)
                visit.status = VisitStatus.AWAITING_APPROVAL.value
                visit.updated_at = self.clock.now()
                self.audit(
                    session,
                    actor,
                    EventKind.SUBMITTED,
                    f"Sent to the {policy.approver_title} for approval",
                    visit_id=visit.id,
                )
        except StaleDataError:
            raise self._stale(visit_id) from None
        return BookingResult(
            VisitQueries(self.db, self.clock).get(visit_id),
            f"Visit {visit_id} was sent to the {policy.approver_title} for approval.",
        )

    # --- internals --------------------------------------------------------------------------
    def _load_for_change(self, session: Session, visit_id: int, row_version: int | None) -> Visit:
        visit = session.get(Visit, visit_id)
        if visit is None:
            raise NotFound(f"No visit with id {visit_id}")
        if row_version is not None and visit.row_version != row_version:
            raise self._stale(visit_id, session)
        return visit

    def _stale(self, visit_id: int, session: Session | None = None) -> StateError:
        """The clear message for an edit overtaken by another seat."""
        who = ""
        if session is not None:
            last = session.scalars(
                select(Event)
                .where(Event.visit_id == visit_id)
                .order_by(Event.at.desc(), Event.id.desc())
                .limit(1)
            ).first()
            if last is not None:
                who = (
                    f" ({event_label(last.kind).lower()} by {last.user_name or 'someone'}, "
                    f"{fmt_datetime(last.at)})"
                )
        return StateError(
            f"Visit {visit_id} was changed on another seat after you opened it{who}. Nothing was "
            "saved: reopen the visit to see the latest version, then make your change again."
        )

    def _change(
        self,
        actor: Actor,
        visit_id: int,
        row_version: int,
        build: Callable[[Visit], BookingInput],
        kind: EventKind,
    ) -> BookingResult:
        policy = self.policy()
        try:
            with self.db.transaction() as session:
                visit = self._load_for_change(session, visit_id, row_version)
                if visit.status not in EDITABLE:
                    raise StateError(
                        f"Visit {visit_id} is {visit.status.replace('_', ' ')}; only visits that "
                        "have not started can be changed here"
                        + (
                            " (use the tracker on the day, e.g. 'running late')"
                            if visit.status not in NOT_HOLDING
                            else ""
                        )
                    )
                before = BookingInput.from_visit(visit).values()
                data = build(visit)
                after = data.values()
                times_changed = any(
                    before[k] != after[k]
                    for k in ("planned_departure", "start", "end", "expected_return")
                )
                check = self._check(session, data, visit_id, policy, times_changed=times_changed)
                if check.errors:
                    raise ValidationError(check.errors)
                diff = changed_fields(before, after)
                words = material_changes(before, after)
                sent_back = False
                if not diff:
                    message = "Nothing was changed."
                    raise _NoChange
                for key, value in _clean(data).items():
                    setattr(visit, key, value)
                now = self.clock.now()
                visit.updated_at = now
                sent_back = (
                    bool(words)
                    and visit.status == VisitStatus.APPROVED.value
                    and policy.approval_required
                )
                verb = "Moved" if kind is EventKind.MOVED else "Changed"
                note = f"{verb}: {', '.join(_FIELD_WORDS.get(k, k) for k in diff)}"
                if kind is EventKind.MOVED:
                    note = f"Moved to {fmt_datetime(visit.start)}"
                self.audit(
                    session,
                    actor,
                    kind,
                    note,
                    visit_id=visit.id,
                    data={"changes": diff, "warnings": [str(n) for n in check.warnings]},
                )
                message = f"{note}."
                if sent_back:
                    visit.status = VisitStatus.AWAITING_APPROVAL.value
                    visit.approved_by_id = None
                    visit.approved_at = None
                    text = _sent_back_text(words, policy)
                    self.audit(session, actor, EventKind.SENT_BACK, text, visit_id=visit.id)
                    message = f"{message} {text}"
                session.flush()
        except _NoChange:
            pass
        except StaleDataError:
            raise self._stale(visit_id) from None
        return BookingResult(
            VisitQueries(self.db, self.clock).get(visit_id),
            message,
            sent_back=sent_back,
            changes=words,
            notices=check.notices,
        )


class _NoChange(Exception):
    """Leaves the transaction untouched (rolled back) when an edit changed nothing."""


_FIELD_WORDS = {
    "household_id": "household",
    "pupil_id": "pupil",
    "purpose": "purpose",
    "purpose_other": "purpose",
    "announced": "announced/unannounced",
    "planned_departure": "departure",
    "start": "start",
    "end": "end",
    "expected_return": "return",
    "lead_staff_id": "lead staff",
    "companion_staff_id": "companion",
    "vehicle_staff_id": "vehicle",
    "office_contact": "office contact",
    "out_of_hours_reason": "out-of-hours reason",
    "responsible_contact": "responsible contact",
    "lone_visit_reason": "lone visit reason",
    "on_way_to_from_work": "on the way to/from work",
    "pre_visit_notes": "notes",
}


def _sent_back_text(words: list[str], policy: PolicySettings) -> str:
    return (
        f"It was approved, but {describe_changes(words)} changed, so it has gone back to the "
        f"{policy.approver_title} for approval."
    )


def _times(visit: Visit) -> BookingTimes:
    return BookingTimes(visit.planned_departure, visit.start, visit.end, visit.expected_return)


def _responsible(session: Session, data: BookingInput) -> EscalationContact | None:
    """The chosen responsible contact; its name and mobile also fill the readable text column
    (approval, the printed visit record and older screens read that)."""
    if data.responsible_contact_id is None:
        return None
    contact = session.get(EscalationContact, data.responsible_contact_id)
    if contact is not None and contact.mobile:
        data.responsible_contact = f"{contact.name} {display_phone(contact.mobile)}"
    return contact


def _clean(data: BookingInput) -> dict[str, object]:
    """Trimmed text; 'other' text only kept for the Other purpose."""
    values = data.values()
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip()
    if values["purpose"] != "other":
        values["purpose_other"] = ""
    if values.get("companion_agency_phone"):
        values["companion_agency_phone"] = uk_phone(str(values["companion_agency_phone"]))
    return values


def _summary(visit: Visit, session: Session) -> str:
    household = session.get(Household, visit.household_id)
    when = london(visit.start).strftime("%a %d %b %Y %H:%M")
    return f"{household.name if household else 'Household'}, {when}"
