"""Reading visits: ranges for the calendar, today's lists, one visit with its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from hvdesk.clock import london_day_bounds
from hvdesk.errors import NotFound
from hvdesk.models import ACTIVE_STATUSES, Event, Household, Staff, Visit, VisitStatus
from hvdesk.services.base import Service


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One visit as the calendar draws it: a flat row, no ORM objects (fast over wide ranges)."""

    id: int
    status: str
    purpose: str
    purpose_other: str
    announced: bool
    planned_departure: datetime
    start: datetime
    end: datetime
    expected_return: datetime
    household_id: int
    household_name: str
    postcode: str
    lead_staff_id: int
    lead_name: str
    companion_staff_id: int | None
    companion_name: str
    row_version: int

    @property
    def staff_ids(self) -> tuple[int, ...]:
        return tuple(i for i in (self.lead_staff_id, self.companion_staff_id) if i is not None)


def _visit_options() -> tuple[Any, ...]:
    return (
        joinedload(Visit.household).selectinload(Household.risks),
        joinedload(Visit.pupil),
        joinedload(Visit.lead_staff),
        joinedload(Visit.companion_staff),
        joinedload(Visit.vehicle_staff),
    )


class VisitQueries(Service):
    def get(self, visit_id: int) -> Visit:
        with self.db.read() as session:
            visit = session.scalars(
                select(Visit).where(Visit.id == visit_id).options(*_visit_options())
            ).first()
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            return visit

    def in_range(
        self,
        start: datetime,
        end: datetime,
        *,
        staff_id: int | None = None,
        purposes: Sequence[str] | None = None,
        include_cancelled: bool = True,
    ) -> list[Visit]:
        """Visits that start in [start, end): only the visible range is loaded."""
        with self.db.read() as session:
            stmt = (
                select(Visit)
                .where(Visit.start >= start, Visit.start < end)
                .options(*_visit_options())
                .order_by(Visit.start)
            )
            if staff_id is not None:
                stmt = stmt.where(
                    (Visit.lead_staff_id == staff_id) | (Visit.companion_staff_id == staff_id)
                )
            if purposes:
                stmt = stmt.where(Visit.purpose.in_(list(purposes)))
            if not include_cancelled:
                stmt = stmt.where(
                    Visit.status.notin_([VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value])
                )
            return list(session.scalars(stmt).unique())

    def on_day(self, day: date) -> list[Visit]:
        start, end = london_day_bounds(day)
        return self.in_range(start, end)

    def out_now(self) -> list[Visit]:
        with self.db.read() as session:
            stmt = (
                select(Visit)
                .where(Visit.status.in_([s.value for s in ACTIVE_STATUSES]))
                .options(*_visit_options())
                .order_by(Visit.expected_return)
            )
            return list(session.scalars(stmt).unique())

    def count_out_now(self) -> int:
        """How many visits are out: one COUNT, nothing loaded (a status bar asks every few s)."""
        with self.db.read() as session:
            stmt = select(func.count(Visit.id)).where(
                Visit.status.in_([s.value for s in ACTIVE_STATUSES])
            )
            return int(session.scalar(stmt) or 0)

    def with_status(self, *statuses: VisitStatus) -> list[Visit]:
        with self.db.read() as session:
            stmt = (
                select(Visit)
                .where(Visit.status.in_([s.value for s in statuses]))
                .options(*_visit_options())
                .order_by(Visit.start)
            )
            return list(session.scalars(stmt).unique())

    def recent(self, limit: int = 500) -> list[Visit]:
        with self.db.read() as session:
            stmt = (
                select(Visit).options(*_visit_options()).order_by(Visit.start.desc()).limit(limit)
            )
            return list(session.scalars(stmt).unique())

    def timeline(self, visit_id: int) -> list[Event]:
        with self.db.read() as session:
            stmt = select(Event).where(Event.visit_id == visit_id).order_by(Event.at, Event.id)
            return list(session.scalars(stmt))

    def timeline_breaks(self, visit_id: int) -> dict[int, str]:
        """Events of this visit where the audit chain does not hold (edited or a link missing)."""
        from hvdesk.audit import broken_events

        with self.db.read() as session:
            ids = session.scalars(select(Event.id).where(Event.visit_id == visit_id)).all()
            return broken_events(session.connection(), ids)

    def calendar_items(
        self,
        start: datetime,
        end: datetime,
        *,
        staff_id: int | None = None,
        purposes: Sequence[str] | None = None,
    ) -> list[CalendarItem]:
        """Visits starting in [start, end) as flat rows: one indexed query, only the visible range."""
        lead, companion = aliased(Staff), aliased(Staff)
        stmt = (
            select(
                Visit.id,
                Visit.status,
                Visit.purpose,
                Visit.purpose_other,
                Visit.announced,
                Visit.planned_departure,
                Visit.start,
                Visit.end,
                Visit.expected_return,
                Visit.household_id,
                Household.name,
                Household.postcode,
                Visit.lead_staff_id,
                lead.name,
                Visit.companion_staff_id,
                companion.name,
                Visit.row_version,
            )
            .join(Household, Household.id == Visit.household_id)
            .join(lead, lead.id == Visit.lead_staff_id)
            .outerjoin(companion, companion.id == Visit.companion_staff_id)
            .where(Visit.start >= start, Visit.start < end)
            .order_by(Visit.start, Visit.id)
        )
        if staff_id is not None:
            stmt = stmt.where(
                (Visit.lead_staff_id == staff_id) | (Visit.companion_staff_id == staff_id)
            )
        if purposes:
            stmt = stmt.where(Visit.purpose.in_(list(purposes)))
        with self.db.read() as session:
            return [
                CalendarItem(*row[:15], row[15] or "", row[16])  # type: ignore[arg-type, call-arg]
                for row in session.execute(stmt)
            ]
