"""The live tracker: one-click actions on a visit that is out, the board of who is out, and alarms.

Each action is one transaction that changes the visit and writes its Event with the user and time.
The board and the alarms are always derived from the database (visits, their events, their alarms)
by the pure rules in hvdesk.rules.deadlines, so they can be rebuilt at any moment: at start-up,
after a sleep, on another seat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from hvdesk.clock import fmt_time
from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import Alarm, CancelReason, Event, Purpose, Visit, VisitStatus
from hvdesk.notify import outbox
from hvdesk.policy import PolicySettings
from hvdesk.rules import actions as ra
from hvdesk.rules import deadlines as dl
from hvdesk.rules.actions import Action
from hvdesk.rules.validation import optional_text
from hvdesk.services.alarms import AlarmDetail, AlarmService, Raised
from hvdesk.services.base import Actor, Service
from hvdesk.services.cancellation import CancellationService
from hvdesk.services.changes import latest_event_id
from hvdesk.services.settings import SettingsService
from hvdesk.services.whereabouts import tracked_clause

# Events the deadlines are derived from.
TRACKED_KINDS = (
    EventKind.DEPARTED,
    EventKind.ARRIVED,
    EventKind.CHECKED_IN,
    EventKind.OFFICE_CALL,
    EventKind.LEFT_PROPERTY,
    EventKind.RETURNED,
    EventKind.RUNNING_LATE,
    EventKind.PARENT_NOT_PRESENT,
    EventKind.ESCALATION_STEP,
    EventKind.ALARM_RESOLVED,
    EventKind.DURESS,
)
MAX_LATE = timedelta(hours=12)


def needs_parent(policy: PolicySettings, purpose: str) -> bool:
    """Whether a parent or carer must be present for the visit to go ahead (Thomas More)."""
    return policy.parent_present_unless_attendance and purpose != Purpose.ATTENDANCE.value


def _options() -> tuple[Any, ...]:
    """What the board shows (risks and vehicles are loaded for alarm windows only)."""
    return (
        joinedload(Visit.household),
        joinedload(Visit.lead_staff),
        joinedload(Visit.companion_staff),
    )


def visit_label(visit: Visit) -> str:
    return f"{visit.household.name}, {visit.household.one_line_address} ({visit.staff_names})"


@dataclass
class BoardRow:
    visit: Visit
    state: dl.TrackState
    events: list[Event] = field(default_factory=list)
    open_alarm_ids: list[int] = field(default_factory=list)
    drill_alarm_ids: list[int] = field(default_factory=list)
    open_alarms: list[Alarm] = field(default_factory=list)  # real ones, oldest first


@dataclass
class Board:
    """Every visit out now with its deadlines, most urgent first (as of `now`)."""

    now: datetime
    policy: PolicySettings
    rows: list[BoardRow]
    # The visits the last change re-derived (None: all of them), so a screen repaints just those.
    touched: frozenset[int] | None = None
    # Open alarms about a person with no one visit (their safe word between visits), as the seat
    # last read them: a seat that cannot handle alarms still lists them (who, and who has it).
    person_alarms: list[AlarmDetail] = field(default_factory=list)

    def sort(self, now: datetime) -> None:
        self.rows.sort(key=lambda r: r.state.urgency(now))

    def counts(self, now: datetime) -> dict[dl.Level, int]:
        counts = dict.fromkeys(dl.Level, 0)
        for row in self.rows:
            counts[row.state.level(now)] += 1
        return counts

    def next_alarm_at(self, now: datetime) -> datetime | None:
        return min(
            (t for r in self.rows if (t := r.state.next_lapse(now)) is not None), default=None
        )

    def wakeups(self, now: datetime) -> dict[str, datetime]:
        """When each visit next changes level or lapses: one scheduler job per visit."""
        return {
            f"visit:{r.visit.id}": t
            for r in self.rows
            if (t := r.state.next_change(now)) is not None
        }

    def row(self, visit_id: int) -> BoardRow | None:
        return next((r for r in self.rows if r.visit.id == visit_id), None)

    def replace(self, visit_ids: Iterable[int], rows: list[BoardRow], now: datetime) -> None:
        """Swap in freshly loaded rows for these visits (a visit no longer out drops off)."""
        touched = frozenset(visit_ids)
        self.rows = [r for r in self.rows if r.visit.id not in touched] + rows
        self.now = now
        self.touched = touched


@dataclass
class StartupReport:
    """What the tracker found when it started: lapses raised now, alarms still open."""

    now: datetime
    raised: list[Raised]
    open_alarms: list[Alarm]
    out_count: int

    def lines(self) -> list[str]:
        lines = [
            f"{r.visit_label}: {r.reason}, lapsed at {fmt_time(r.lapse_at)}" for r in self.raised
        ]
        earlier = {r.primary_id for r in self.raised}
        lines += [
            f"Still open from before: alarm {a.id} ({a.reason}), raised {fmt_time(a.raised_at)}"
            for a in self.open_alarms
            if a.id not in earlier
        ]
        return lines


def _row(
    visit: Visit, events: list[Event], alarms: list[Alarm], policy: PolicySettings
) -> BoardRow:
    open_real = sorted(
        (a for a in alarms if a.resolved_at is None and not a.drill), key=lambda a: a.id
    )
    return BoardRow(
        visit=visit,
        state=dl.track(visit, events, policy, alarms),
        events=events,
        open_alarm_ids=[a.id for a in open_real],
        drill_alarm_ids=[a.id for a in alarms if a.resolved_at is None and a.drill],
        open_alarms=open_real,
    )


def _add_person_alarms(
    session: Session, visits: list[Visit], alarms: dict[int, list[Alarm]]
) -> None:
    """An open alarm about a person (their safe word with two visits out) shows on the row of
    every visit they are on, so the board says DURESS where they are, whichever seat it is."""
    staff = {s for v in visits for s in (v.lead_staff_id, v.companion_staff_id) if s is not None}
    if not staff:
        return
    for alarm in session.scalars(
        select(Alarm).where(
            Alarm.visit_id.is_(None),
            Alarm.staff_id.in_(staff),
            Alarm.resolved_at.is_(None),
            Alarm.drill.is_(False),
        )
    ):
        for visit in visits:
            if alarm.staff_id in (visit.lead_staff_id, visit.companion_staff_id):
                alarms[visit.id].append(alarm)


class TrackerService(Service):
    # A window's change feed hands in its cached policy (re-read only when the policy changes);
    # without one (CLI, monitor, tests) every call reads it from the database.
    policy_source: Callable[[], PolicySettings] | None = None

    def policy(self) -> PolicySettings:
        if self.policy_source is not None:
            return self.policy_source()
        return SettingsService(self.db, self.clock).policy()

    @property
    def alarms(self) -> AlarmService:
        service = AlarmService(self.db, self.clock)
        service.policy_source = self.policy_source
        return service

    # --- the board -----------------------------------------------------------------------
    def board(self, now: datetime | None = None, policy: PolicySettings | None = None) -> Board:
        now = now or self.clock.now()
        policy = policy or self.policy()
        board = Board(now=now, policy=policy, rows=self._rows(tracked_clause(), policy))
        board.sort(now)
        return board

    def rows_for(self, visit_ids: Iterable[int], policy: PolicySettings) -> list[BoardRow]:
        """The board rows of just these visits (those of them out now): what one change touched."""
        ids = sorted(set(visit_ids))
        if not ids:
            return []
        return self._rows(and_(Visit.id.in_(ids), tracked_clause()), policy)

    def _rows(self, where: Any, policy: PolicySettings) -> list[BoardRow]:
        with self.db.read() as session:
            visits = list(session.scalars(select(Visit).where(where).options(*_options())).unique())
            ids = [v.id for v in visits]
            events: dict[int, list[Event]] = {i: [] for i in ids}
            alarms: dict[int, list[Alarm]] = {i: [] for i in ids}
            if ids:
                for event in session.scalars(
                    select(Event)
                    .where(
                        Event.visit_id.in_(ids), Event.kind.in_([k.value for k in TRACKED_KINDS])
                    )
                    .order_by(Event.at, Event.id)
                ):
                    events[event.visit_id].append(event)  # type: ignore[index]
                for alarm in session.scalars(select(Alarm).where(Alarm.visit_id.in_(ids))):
                    alarms[alarm.visit_id or 0].append(alarm)  # of these visits: never None
                _add_person_alarms(session, visits, alarms)
        return [_row(v, events[v.id], alarms[v.id], policy) for v in visits]

    def check_visits(self, board: Board, visit_ids: Iterable[int], now: datetime) -> list[Raised]:
        """Re-derive only these visits (what one change touched): reload their rows, raise what
        lapsed on them, and swap them into `board`. The other visits' deadlines are not touched."""
        ids = set(visit_ids)
        raised, rows = self.check_rows(ids, board.policy, now)
        board.replace(ids, rows, now)
        return raised

    def check_rows(
        self, visit_ids: Iterable[int], policy: PolicySettings, now: datetime
    ) -> tuple[list[Raised], list[BoardRow]]:
        """Raise what lapsed on these visits and return their rows as they now stand, touching
        no board (so it can run on a worker thread while the window shows the board)."""
        ids = set(visit_ids)
        rows = self.rows_for(ids, policy)
        raised = self._raise(Board(now=now, policy=policy, rows=rows), now, at_startup=False)
        if raised:
            rows = self.rows_for(ids, policy)
        return raised, rows

    def raise_due_alarms(
        self, now: datetime | None = None, *, at_startup: bool = False
    ) -> list[Raised]:
        """Raise an alarm for every lapsed deadline not raised before. Safe to call any time.

        Idempotent: each lapse is one Alarm row (unique visit + deadline key), so calling this
        twice, after a restart, or on two seats at once raises it exactly once.
        """
        now = now or self.clock.now()
        return self._raise(self.board(now), now, at_startup=at_startup)

    def check(self, now: datetime | None = None) -> tuple[list[Raised], Board]:
        """Raise what lapsed and return the board as it now stands (one load when all is well)."""
        now = now or self.clock.now()
        board = self.board(now)
        raised = self._raise(board, now, at_startup=False)
        if raised:
            board = self.board(now, board.policy)
        return raised, board

    def _raise(self, board: Board, now: datetime, *, at_startup: bool) -> list[Raised]:
        service = self.alarms
        raised: list[Raised] = []
        for row in board.rows:
            for deadline in row.state.lapsed(now):
                result = service.raise_lapse(
                    row.visit.id,
                    deadline,
                    at_startup=at_startup,
                    now=now,
                    visit_label=visit_label(row.visit),
                )
                if result is not None:
                    raised.append(result)
        return raised

    def startup(self, now: datetime | None = None) -> StartupReport:
        """Rebuild from the database: raise at once whatever lapsed while hvdesk was not running."""
        return self.start_check(now)[0]

    def start_check(self, now: datetime | None = None) -> tuple[StartupReport, Board]:
        """startup() and the board as it then stands, read once (twice when something lapsed):
        the window's first check, on its worker."""
        now = now or self.clock.now()
        board = self.board(now)
        raised = self._raise(board, now, at_startup=True)
        if raised:
            board = self.board(now, board.policy)
        report = StartupReport(
            now=now,
            raised=raised,
            open_alarms=self.alarms.open_alarms(),
            out_count=len(board.rows),
        )
        return report, board

    def change_token(self) -> int:
        """Grows whenever anything is recorded on any seat (every change writes an Event)."""
        return latest_event_id(self.db)

    # --- one-click actions ---------------------------------------------------------------
    def _act(
        self,
        actor: Actor,
        visit_id: int,
        kind: EventKind,
        check: Callable[[Visit, Session], None],
        change: Callable[[Visit, datetime], None] | None = None,
        note: str = "",
        data: dict[str, object] | None = None,
        after: Callable[[Session, Visit, datetime], object] | None = None,
    ) -> Visit:
        try:
            with self.db.transaction() as session:
                visit = session.get(Visit, visit_id)
                if visit is None:
                    raise NotFound(f"No visit with id {visit_id}")
                check(visit, session)
                now = self.clock.now()
                if change is not None:
                    change(visit, now)
                    visit.updated_at = now
                self.audit(session, actor, kind, note, visit_id=visit.id, at=now, data=data or {})
                if after is not None:  # e.g. the outbox row this action causes, same transaction
                    after(session, visit, now)
        except StaleDataError:
            raise StateError(
                f"Someone else changed visit {visit_id} at the same moment; the screen has been "
                "refreshed. Check it and try again."
            ) from None
        return visit

    @staticmethod
    def _note(note: str) -> str:
        errors = Collector()
        text = errors.check("Note", optional_text, note) or ""
        errors.raise_if_any()
        return text

    def _allows(
        self, action: Action, wait_until: datetime | None = None
    ) -> Callable[[Visit, Session], None]:
        """The service's own check is the same rule the screens offer their buttons by."""

        def check(visit: Visit, _s: Session) -> None:
            facts = ra.Facts(self.clock.now(), parent_wait_until=wait_until)
            found = ra.verdict(action, visit, facts)
            if not found and action is Action.DEPART:  # the refusal names who approves
                title = self.policy().approver_title
                found = ra.verdict(action, visit, replace(facts, approver_title=title))
            if not found:
                raise StateError(found.reason)

        return check

    def depart(self, actor: Actor, visit_id: int, note: str = "") -> Visit:
        """They have left school. Only an approved visit can depart, and only on its day."""
        text = self._note(note)
        check = self._allows(Action.DEPART)

        def change(visit: Visit, now: datetime) -> None:
            visit.status = VisitStatus.OUT.value
            visit.departed_at = now

        return self._act(
            actor, visit_id, EventKind.DEPARTED, check, change, text, after=outbox.departed
        )

    def needs_parent_present(self, visit_id: int) -> bool:
        """Whether staff must confirm a parent or carer is there before this visit goes ahead."""
        with self.db.read() as session:
            purpose = session.scalar(select(Visit.purpose).where(Visit.id == visit_id)) or ""
        return needs_parent(self.policy(), purpose)

    def arrive(
        self, actor: Actor, visit_id: int, note: str = "", *, parent_present: bool | None = None
    ) -> Visit:
        """The call on arrival, before going in (counts as a check-in).

        Thomas More: 'the home visit should only go ahead if the parent/carer is present unless it
        is for attendance issues'; where that applies and staff say no parent is there, the
        arrival is not recorded as going in: they record 'parent not present' and wait instead.
        """
        text = self._note(note)
        policy = self.policy()
        allowed = self._allows(Action.ARRIVE)

        def check(visit: Visit, s: Session) -> None:
            allowed(visit, s)
            if parent_present is False and needs_parent(policy, visit.purpose):
                raise StateError(
                    f"Visit {visit.id} goes ahead only with a parent or carer present (it is not "
                    "an attendance visit). Record 'Parent not present' and wait, or cancel it."
                )

        def change(visit: Visit, now: datetime) -> None:
            visit.status = VisitStatus.ON_SITE.value
            visit.arrived_at = now

        return self._act(actor, visit_id, EventKind.ARRIVED, check, change, text or "Arrived")

    def check_in(
        self, actor: Actor, visit_id: int, note: str = "", *, parent_arrived: bool = False
    ) -> Visit:
        """They phoned: all is well. Restarts the check-in interval."""
        text = self._note(note) or ("Parent arrived" if parent_arrived else "Checked in: all fine")
        return self._act(
            actor,
            visit_id,
            EventKind.CHECKED_IN,
            self._allows(Action.CHECK_IN),
            note=text,
            data={"parent_arrived": parent_arrived} if parent_arrived else {},
        )

    def office_call(self, actor: Actor, visit_id: int, answered: bool, note: str = "") -> Visit:
        """The office rang the worker (Harborne: 10 minutes into the visit)."""
        text = self._note(note) or ("Answered: all fine" if answered else "No answer")
        return self._act(
            actor,
            visit_id,
            EventKind.OFFICE_CALL,
            self._allows(Action.OFFICE_CALL),
            note=text,
            data={"answered": bool(answered)},
        )

    def left_property(self, actor: Actor, visit_id: int, note: str = "") -> Visit:
        """The call after leaving the property (counts as a check-in)."""
        text = self._note(note)
        check = self._allows(Action.LEFT_PROPERTY)

        def change(visit: Visit, now: datetime) -> None:
            visit.status = VisitStatus.LEFT_PROPERTY.value
            visit.left_at = now

        return self._act(
            actor, visit_id, EventKind.LEFT_PROPERTY, check, change, text or "Left the property"
        )

    def returned(self, actor: Actor, visit_id: int, note: str = "") -> Visit:
        """Back at school: confirmation of return (Hampton). Ends the tracking of the visit."""
        text = self._note(note)
        check = self._allows(Action.RETURNED)

        def change(visit: Visit, now: datetime) -> None:
            if visit.status != VisitStatus.CANCELLED:
                visit.status = VisitStatus.RETURNED.value
            visit.returned_at = now

        return self._act(
            actor, visit_id, EventKind.RETURNED, check, change, text or "Back at school"
        )

    def running_late(
        self, actor: Actor, visit_id: int, new_return: datetime | None, note: str = ""
    ) -> Visit:
        """Staff phoned to say they will be late: the new expected return moves the deadline."""
        errors = Collector()
        text = errors.check("Note", optional_text, note) or ""
        now = self.clock.now()
        if new_return is None:
            errors.add("New expected return", "is required; enter when they expect to be back")
        elif new_return.tzinfo is None:
            raise ValueError("new_return must be an aware datetime")
        elif new_return <= now:
            errors.add(
                "New expected return",
                f"must be later than now ({fmt_time(now)}); enter when they expect to be back",
            )
        elif new_return - now > MAX_LATE:
            errors.add(
                "New expected return",
                f"is more than {int(MAX_LATE.total_seconds() // 3600)} hours away; check the time "
                "and the date",
            )
        errors.raise_if_any()
        assert new_return is not None
        data: dict[str, object] = {"new_return": new_return.isoformat()}

        def change(visit: Visit, _now: datetime) -> None:
            data["previous"] = visit.expected_return.isoformat()
            visit.expected_return = new_return

        return self._act(
            actor,
            visit_id,
            EventKind.RUNNING_LATE,
            self._allows(Action.RUNNING_LATE),
            change,
            f"New expected return {fmt_time(new_return)}" + (f": {text}" if text else ""),
            data=data,
        )

    def parent_not_present(
        self, actor: Actor, visit_id: int, late_notice: bool = False, note: str = ""
    ) -> Visit:
        """Parents not there at the arranged time: the wait starts (10/20/30 min by policy)."""
        text = self._note(note)
        policy = self.policy()
        minutes = dl.parent_wait_minutes(late_notice, policy)

        def check(visit: Visit, session: Session) -> None:
            self._allows(Action.PARENT_NOT_PRESENT)(visit, session)  # at the address at all?
            events = list(
                session.scalars(
                    select(Event).where(
                        Event.visit_id == visit.id, Event.kind.in_([k.value for k in TRACKED_KINDS])
                    )
                )
            )
            state = dl.track(visit, events, policy)
            self._allows(Action.PARENT_NOT_PRESENT, state.parent_wait_until)(visit, session)

        def change(visit: Visit, now: datetime) -> None:
            if visit.status == VisitStatus.OUT:
                visit.status = VisitStatus.ON_SITE.value  # they are at the door
                visit.arrived_at = now

        return self._act(
            actor,
            visit_id,
            EventKind.PARENT_NOT_PRESENT,
            check,
            change,
            (
                f"Parents said they are running late; wait {minutes} min"
                if late_notice
                else f"Parents not present; wait {minutes} min"
            )
            + (f": {text}" if text else ""),
            data={"late_notice": bool(late_notice), "wait_min": minutes},
        )

    def cancel_parent_not_present(self, actor: Actor, visit_id: int, note: str = "") -> Visit:
        """After the wait: cancel as 'parent not present'. They stay tracked until back at school."""
        text = self._note(note)
        board = self.board()
        row = board.row(visit_id)
        if not text and row is not None and row.state.parent_wait_until is not None:
            absent = next(
                (e for e in reversed(row.events) if e.kind == EventKind.PARENT_NOT_PRESENT), None
            )
            minutes = (absent.data or {}).get("wait_min") if absent else None
            text = f"Waited {minutes} min; parents not present" if minutes else ""
        return CancellationService(self.db, self.clock).cancel(
            actor, visit_id, CancelReason.PARENT_NOT_PRESENT.value, text or "Parents not present"
        )

    def duress(self, actor: Actor, visit_id: int, note: str = "") -> Alarm:
        return self.alarms.duress(actor, visit_id, note)


def _status(visit: Visit) -> str:
    return visit.status.replace("_", " ")
