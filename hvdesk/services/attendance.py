"""Attendance: importing the MIS export, and the visits it suggests (Harborne, Harrogate).

An import is one transaction: a bad row anywhere means nothing of that file is saved; pupils the
file names but hvdesk does not know are listed, never invented; importing the same file again
changes nothing (marks are keyed by pupil, day and session; a corrected mark replaces the old one).

Suggestions are worked out from the marks each time they are asked for, so they are always the
marks' latest word; only what the school did about one (booked a visit, or dismissed it with a
reason) is stored, audited, and keeps it off the list.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from hvdesk.clock import london
from hvdesk.errors import Collector, HvdeskError, NotAllowed, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import (
    AttendanceDecision,
    AttendanceMark,
    Household,
    Pupil,
    Visit,
    VisitStatus,
)
from hvdesk.policy import PolicySettings
from hvdesk.rules import attendance as rules
from hvdesk.rules import validation as v
from hvdesk.rules.attendance_file import MarkRow, parse
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService

PATTERN_DAYS = 20  # school days shown in the absence pattern
# Visits that are not going ahead: they neither cover a suggestion nor keep it off the list.
_VISIT_OFF = (VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value)


class AttendanceFileError(HvdeskError):
    """The file cannot be imported; every reason found, each with its line number."""

    def __init__(self, name: str, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(f"{name}: nothing imported; " + "; ".join(self.errors))


@dataclass(frozen=True)
class ImportReport:
    file: str
    rows: int
    added: int
    changed: int
    unchanged: int
    duplicates: int
    pupils: int  # rows and pupils: those hvdesk knows (the others are listed in unknown)
    unknown: dict[str, list[int]] = field(default_factory=dict)  # 'UPN …' -> line numbers

    def lines(self) -> list[str]:
        """The report in words: counts for the pupils hvdesk knows, then those it does not."""
        out = [
            f"{self.file}: {_n(self.rows, 'mark')} for {_n(self.pupils, 'pupil')}: "
            f"{self.added} new, {self.changed} corrected, {self.unchanged} already imported"
            + (f", {_n(self.duplicates, 'duplicate row')} ignored" if self.duplicates else "")
            + "."
        ]
        if self.unknown:
            skipped = sum(len(lines) for lines in self.unknown.values())
            who = _n(len(self.unknown), "pupil")
            verb = "is" if len(self.unknown) == 1 else "are"
            out.append(
                f"{who} in the file {verb} not in hvdesk ({_n(skipped, 'mark')} not imported; add "
                "them to a household with this UPN or admission number, then import again):"
            )
            for name, lines in sorted(self.unknown.items()):
                shown = ", ".join(str(n) for n in lines[:5]) + (" …" if len(lines) > 5 else "")
                out.append(f"  {name} ({'line' if len(lines) == 1 else 'lines'} {shown})")
        return out


def _n(count: int, noun: str) -> str:
    """'1 mark', '2 marks': the report is read by people, not parsed."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Suggestion:
    pupil_id: int
    pupil_name: str
    year_group: str
    household_id: int
    household_name: str
    trigger: str  # rules.ABSENCE_RUN | rules.LOW_ATTENDANCE
    key: str
    reason: str
    safeguarding_flag: bool


# SQLite keeps a Date as its ISO text; qmark is the sqlite3 (and sqlcipher3) parameter style.
_INSERT_MARK = "INSERT INTO attendance_mark (pupil_id, day, session, code) VALUES (?, ?, ?, ?)"
_SELECT_MARKS = (
    "SELECT id, pupil_id, day, session, code FROM attendance_mark WHERE day >= ? AND day <= ?"
)
_SELECT_SINCE = "SELECT pupil_id, day, session, code FROM attendance_mark WHERE day >= ?"
MarkKey = tuple[int, str, str]  # pupil id, ISO day, session


def _mark_table() -> Table:
    # The Table itself (the mapper's __table__ is typed as any selectable it could map).
    return AttendanceMark.metadata.tables[AttendanceMark.__tablename__]


def _existing_marks(
    conn: Connection, first: date, last: date, sqlite: bool
) -> dict[MarkKey, tuple[int, str]]:
    """The marks held for first..last: (pupil, ISO day, session) -> (mark id, code)."""
    if sqlite:
        rows = conn.exec_driver_sql(_SELECT_MARKS, (first.isoformat(), last.isoformat()))
        return {(pid, day, sess): (mid, code) for mid, pid, day, sess, code in rows}
    t = _mark_table()
    rows = conn.execute(
        select(t.c.id, t.c.pupil_id, t.c.day, t.c.session, t.c.code).where(
            t.c.day >= first, t.c.day <= last
        )
    )
    return {(pid, day.isoformat(), sess): (mid, code) for mid, pid, day, sess, code in rows}


def _marks_since(conn: Connection, since: date) -> Iterator[tuple[int, date, str, str]]:
    """(pupil, day, session, code) for every mark from `since`: on SQLite the driver's rows, each
    distinct day parsed once (a term of marks repeats a hundred days for every pupil)."""
    if conn.dialect.name != "sqlite":
        t = _mark_table()
        query = select(t.c.pupil_id, t.c.day, t.c.session, t.c.code).where(t.c.day >= since)
        for pid, day, sess, code in conn.execute(query):
            yield pid, day, sess, code
        return
    days: dict[str, date] = {}
    rows = conn.exec_driver_sql(_SELECT_SINCE, (since.isoformat(),))
    for pid, day, sess, code in rows:
        parsed = days.get(day)
        if parsed is None:
            parsed = days[day] = date.fromisoformat(day)
        yield pid, parsed, sess, code


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while a file's rows are read and stored: every object made is
    acyclic, and each collection walks all half a million of them again (it doubled the time)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _require_office(actor: Actor, action: str) -> None:
    """Attendance records are the office's: visiting staff see suggestions but do not change
    what the school holds or decide that a suggested visit is not needed."""
    if not actor.can_manage:
        raise NotAllowed(
            f"Only office staff, an approver or an admin can {action}; you are signed in as "
            f"{actor.name} ({actor.role}). Ask the office."
        )


def _pupil_maps(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    upns: dict[str, int] = {}
    adnos: dict[str, int] = {}
    for pid, upn, adno in session.execute(select(Pupil.id, Pupil.upn, Pupil.admission_number)):
        if upn:
            upns[upn.upper()] = pid
        if adno:
            adnos[adno] = pid
    return upns, adnos


class AttendanceService(Service):
    def policy(self) -> PolicySettings:
        return SettingsService(self.db, self.clock).policy()

    # --- import ---------------------------------------------------------------------------
    def import_file(self, actor: Actor, path: str | Path) -> ImportReport:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise HvdeskError(f"{file}: no such file; check the path") from None
        except UnicodeDecodeError:
            raise HvdeskError(
                f"{file}: not a text CSV file (it is not UTF-8); export it again as CSV UTF-8"
            ) from None
        except OSError as err:
            raise HvdeskError(f"{file}: cannot be read ({err.strerror or err})") from None
        return self.import_text(actor, text, file.name)

    def import_text(self, actor: Actor, text: str, name: str = "attendance.csv") -> ImportReport:
        _require_office(actor, "import attendance")
        with _bulk():
            return self._import(actor, text, name)

    def _import(self, actor: Actor, text: str, name: str) -> ImportReport:
        parsed = parse(text, london(self.clock.now()).date())
        if parsed.errors:
            raise AttendanceFileError(name, parsed.errors)
        with self.db.transaction() as session:
            upns, adnos = _pupil_maps(session)
            known: list[tuple[int, MarkRow]] = []
            unknown: dict[str, list[int]] = {}
            for row in parsed.rows:
                pid = upns.get(row.upn) if row.upn else None
                if pid is None and row.adno:
                    pid = adnos.get(row.adno)
                if pid is None:
                    unknown.setdefault(row.who, []).append(row.line)
                else:
                    known.append((pid, row))
            added, changed, unchanged = self._store(session, known)
            report = ImportReport(
                name,
                len(known),  # the unknown pupils' marks are counted on their own line
                added,
                changed,
                unchanged,
                parsed.duplicates,
                len({pid for pid, _ in known}),
                unknown,
            )
            self.audit(
                session,
                actor,
                EventKind.ATTENDANCE_IMPORTED,
                report.lines()[0],
                data={
                    "file": name,
                    "added": added,
                    "changed": changed,
                    "unchanged": unchanged,
                    "unknown": sorted(unknown),
                },
            )
        return report

    @staticmethod
    def _store(session: Session, known: list[tuple[int, MarkRow]]) -> tuple[int, int, int]:
        """Compare with the marks already held for those days (loaded once, keyed by pupil, ISO day
        and session) and insert the new ones in one executemany; a changed mark is corrected."""
        if not known:
            return 0, 0, 0
        iso = {d: d.isoformat() for d in {r.day for _, r in known}}
        conn = session.connection()
        sqlite = conn.dialect.name == "sqlite"
        existing = _existing_marks(conn, min(iso), max(iso), sqlite)
        new: list[tuple[int, str, str, str]] = []
        fixes: list[dict[str, object]] = []
        for pid, row in known:
            found = existing.get((pid, iso[row.day], row.session))
            if found is None:
                new.append((pid, iso[row.day], row.session, row.code))
            elif found[1] != row.code:
                fixes.append({"mark_id": found[0], "code": row.code})
        table = _mark_table()
        if new and sqlite:  # the driver's own executemany: SQLAlchemy's per-row work doubled it
            conn.exec_driver_sql(_INSERT_MARK, new)
        elif new:
            conn.execute(
                insert(table),
                [
                    {"pupil_id": p, "day": date.fromisoformat(d), "session": s, "code": c}
                    for p, d, s, c in new
                ],
            )
        if fixes:
            conn.execute(update(table).where(table.c.id == bindparam("mark_id")), fixes)
        return len(new), len(fixes), len(known) - len(new) - len(fixes)

    # --- suggestions ----------------------------------------------------------------------
    def suggestions(self, policy: PolicySettings | None = None) -> list[Suggestion]:
        """Visits the marks suggest today, less those already booked or dismissed."""
        with _bulk():  # a term of marks for every pupil: see _bulk
            return self._suggestions(policy or self.policy())

    def _suggestions(self, policy: PolicySettings) -> list[Suggestion]:
        if (
            policy.attendance_visit_on_day is None
            and policy.attendance_visit_on_day_flagged is None
            and policy.attendance_flag_below_percent is None
        ):
            return []
        with self.db.read() as session:
            days, marks = self._recent_marks(session, policy)
            if not days:
                return []
            pupils = {
                p.id: p
                for p in session.scalars(
                    select(Pupil).where(Pupil.id.in_(list(marks)), Pupil.active.is_(True))
                )
            }
            households = {
                h.id: h
                for h in session.scalars(
                    select(Household).where(
                        Household.id.in_({p.household_id for p in pupils.values()})
                    )
                )
            }
            decided = self._live_decisions(session)
            visited = self._visited_since(session, days[0])
            window_start = rules.add_months(days[-1], -policy.attendance_window_months)
            found: list[Suggestion] = []
            for pid, pupil in pupils.items():
                for t in rules.triggers(
                    marks[pid],
                    days,
                    safeguarding_flag=pupil.safeguarding_flag,
                    on_day=policy.attendance_visit_on_day,
                    on_day_flagged=policy.attendance_visit_on_day_flagged,
                    below_percent=policy.attendance_flag_below_percent,
                    months=policy.attendance_window_months,
                ):
                    since = visited.get(pid, date.min)
                    if t.trigger == rules.ABSENCE_RUN:
                        if t.key in decided.get((pid, t.trigger), set()):
                            continue
                        if since >= date.fromisoformat(t.key):
                            continue  # a visit is already booked or made since the absence began
                    elif since > window_start:
                        continue  # a visit booked or made within the window covers it
                    elif self._low_attendance_decided(
                        session, pid, decided.get((pid, t.trigger), set()), days[-1], policy
                    ):
                        continue
                    household = households[pupil.household_id]
                    found.append(
                        Suggestion(
                            pid,
                            pupil.name,
                            pupil.year_group,
                            household.id,
                            household.name,
                            t.trigger,
                            t.key,
                            t.reason,
                            pupil.safeguarding_flag,
                        )
                    )
        found.sort(key=lambda s: (s.trigger != rules.ABSENCE_RUN, s.household_name, s.pupil_name))
        return found

    @staticmethod
    def _recent_marks(
        session: Session, policy: PolicySettings
    ) -> tuple[list[date], dict[int, list[rules.Mark]]]:
        latest = session.scalar(select(AttendanceMark.day).order_by(AttendanceMark.day.desc()))
        if latest is None:
            return [], {}
        since = rules.add_months(latest, -policy.attendance_window_months) - timedelta(days=7)
        marks = rules.marks_by_pupil(_marks_since(session.connection(), since))
        days = rules.school_days(m for ms in marks.values() for m in ms)
        return days, dict(marks)

    @staticmethod
    def _live_decisions(session: Session) -> dict[tuple[int, str], set[str]]:
        """Keys of the decisions that still stand, by pupil and trigger: every dismissal, and
        bookings whose visit was not cancelled or rejected (that visit is not happening, so the
        suggestion comes back)."""
        out: dict[tuple[int, str], set[str]] = {}
        for pid, trigger, key, status in session.execute(
            select(
                AttendanceDecision.pupil_id,
                AttendanceDecision.trigger,
                AttendanceDecision.key,
                Visit.status,
            ).outerjoin(Visit, Visit.id == AttendanceDecision.visit_id)
        ):
            if status not in _VISIT_OFF:
                out.setdefault((pid, trigger), set()).add(key)
        return out

    @staticmethod
    def _low_attendance_decided(
        session: Session, pupil_id: int, keys: set[str], latest: date, policy: PolicySettings
    ) -> bool:
        """A low-attendance decision holds until the pupil's attendance recovers to the
        threshold; a new dip after that may be flagged again."""
        if not keys or policy.attendance_flag_below_percent is None:
            return False
        flagged_on = max(date.fromisoformat(k) for k in keys)
        if flagged_on >= latest:
            return True
        months = policy.attendance_window_months
        rows = session.execute(
            select(AttendanceMark.day, AttendanceMark.session, AttendanceMark.code).where(
                AttendanceMark.pupil_id == pupil_id,
                AttendanceMark.day >= rules.add_months(flagged_on, -months),
                AttendanceMark.day <= latest,
            )
        )
        marks = [rules.Mark(day, sess, code) for day, sess, code in rows]
        return not rules.recovered_since(
            marks, flagged_on, latest, months, policy.attendance_flag_below_percent
        )

    @staticmethod
    def _visited_since(session: Session, since: date) -> dict[int, date]:
        """Each pupil's latest visit day (booked or made, not cancelled or rejected)."""
        out: dict[int, date] = {}
        for pid, start in session.execute(
            select(Visit.pupil_id, Visit.created_at).where(
                Visit.pupil_id.is_not(None),
                Visit.status.not_in(_VISIT_OFF),
                Visit.created_at >= datetime.combine(since, time(0), tzinfo=UTC),
            )
        ):
            assert pid is not None  # the query keeps only visits with a pupil
            day = start.date()
            if day > out.get(pid, date.min):
                out[pid] = day
        return out

    def latest_day(self) -> date | None:
        """The last day with marks: suggestions are only as fresh as the last import."""
        with self.db.read() as session:
            return session.scalar(select(func.max(AttendanceMark.day)))

    def pattern(self, pupil_id: int, days: int = PATTERN_DAYS) -> list[tuple[date, str, str]]:
        """The pupil's last `days` school days: (day, AM mark, PM mark)."""
        with self.db.read() as session:
            all_days, marks = self._recent_marks(session, self.policy())
            return rules.pattern(marks.get(pupil_id, []), all_days[-days:])

    # --- decisions ------------------------------------------------------------------------
    def dismiss(self, actor: Actor, suggestion: Suggestion, reason: str) -> None:
        _require_office(actor, "dismiss a suggested visit")
        errors = Collector()
        text = errors.check("Reason", lambda x, f: v.required(x, f, 500), reason)
        errors.raise_if_any()
        with self.db.transaction() as session:
            self._decide(session, actor, suggestion, "dismissed", None, text or "")

    def booked(self, actor: Actor, suggestion: Suggestion, visit_id: int) -> None:
        with self.db.transaction() as session:
            if session.get(Visit, visit_id) is None:
                raise NotFound(f"No visit with id {visit_id}")
            self._decide(session, actor, suggestion, "booked", visit_id, "")

    @staticmethod
    def _visit_off(session: Session, visit_id: int | None) -> bool:
        visit = session.get(Visit, visit_id) if visit_id is not None else None
        return visit is not None and visit.status in _VISIT_OFF

    def _decide(
        self,
        session: Session,
        actor: Actor,
        s: Suggestion,
        action: str,
        visit_id: int | None,
        reason: str,
    ) -> None:
        taken = session.scalar(
            select(AttendanceDecision).where(
                AttendanceDecision.pupil_id == s.pupil_id,
                AttendanceDecision.trigger == s.trigger,
                AttendanceDecision.key == s.key,
            )
        )
        if taken is not None and not self._visit_off(session, taken.visit_id):
            raise StateError(
                f"This suggestion for {s.pupil_name} was already {taken.action} by "
                f"{taken.decided_by}"
            )
        if taken is None:  # else the booked visit was cancelled: the new decision replaces it
            taken = AttendanceDecision(pupil_id=s.pupil_id, trigger=s.trigger, key=s.key)
            session.add(taken)
        taken.action, taken.visit_id, taken.reason = action, visit_id, reason
        taken.decided_by, taken.decided_at = actor.name, self.clock.now()
        kind = EventKind.ATTENDANCE_BOOKED if action == "booked" else EventKind.ATTENDANCE_DISMISSED
        note = f"{s.pupil_name}: {s.reason}" + (f". Dismissed: {reason}" if reason else "")
        self.audit(
            session,
            actor,
            kind,
            note,
            visit_id=visit_id,
            household_id=s.household_id,
            data={"pupil_id": s.pupil_id, "trigger": s.trigger, "key": s.key},
        )
