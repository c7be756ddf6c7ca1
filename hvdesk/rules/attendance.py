"""Attendance triggers as pure functions over register marks (Harborne, Harrogate).

Harborne: 'a home visit on the third day of unexplained absence' where nobody has been in touch
(the first day when there is a safeguarding concern). Harrogate: attendance below 90% over three
months is flagged.

Marks are the DfE attendance codes a school MIS exports, one per pupil, day and session (AM/PM):

- present: ``/`` (AM), ``\\`` (PM), ``L`` (late, before the register closed);
- attending an approved educational activity (counts as present): ``B K P V W J``;
- authorised absence (the school knows why): ``C C1 C2 E H I M R S T J1``;
- unauthorised absence: ``G`` (holiday not agreed), ``U`` (late after the register closed),
  ``O`` (other or unknown reasons), ``N`` (no reason yet);
- not counted (not a possible session): ``# X Y Z D Q`` and ``Y1``-``Y7``.

An **unexplained** absence is ``N`` or ``O``: nobody has told the school why. A **school day** is a
weekday on which someone has a counted mark: weekends, and days with no marks at all (holidays,
training days, ``#`` for the whole school), are not school days and never break or extend a run.
A day counts towards a run of unexplained absence only when the pupil has an unexplained session
that day and no session where they were present or explained: a pupil in for the morning was seen.
A school day on which the pupil has no mark (not yet on roll) breaks their run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

PRESENT = frozenset({"/", "\\", "L"})
EDUCATIONAL = frozenset({"B", "K", "P", "V", "W", "J"})
AUTHORISED = frozenset({"C", "C1", "C2", "E", "H", "I", "M", "R", "S", "T", "J1"})
UNAUTHORISED = frozenset({"G", "U", "O", "N"})
NOT_COUNTED = frozenset({"#", "X", "Y", "Z", "D", "Q", *(f"Y{n}" for n in range(1, 8))})
UNEXPLAINED = frozenset({"N", "O"})
CODES = PRESENT | EDUCATIONAL | AUTHORISED | UNAUTHORISED | NOT_COUNTED
SESSIONS = ("AM", "PM")

# Triggers, as stored on a decision.
ABSENCE_RUN = "absence_run"
LOW_ATTENDANCE = "low_attendance"


class Mark(NamedTuple):
    """One register mark (a NamedTuple: the suggestions read a term's marks for every pupil)."""

    day: date
    session: str  # AM | PM
    code: str


def normalise_code(code: str) -> str:
    """Codes as the MIS writes them, case-insensitive for letters; '/' and '\\' as they are."""
    return code.strip().upper()


def counted(code: str) -> bool:
    return code in CODES and code not in NOT_COUNTED


def attended(code: str) -> bool:
    return code in PRESENT or code in EDUCATIONAL


def school_days(marks: Iterable[Mark]) -> list[date]:
    """Weekdays on which anyone has a counted mark, in order."""
    return sorted({m.day for m in marks if m.day.weekday() < 5 and counted(m.code)})


def _by_day(marks: Iterable[Mark]) -> dict[date, list[str]]:
    days: dict[date, list[str]] = {}
    for m in marks:
        days.setdefault(m.day, []).append(m.code)
    return days


def unexplained_day(codes: Sequence[str]) -> bool:
    """An unexplained session and nothing present or explained that day (half days break runs)."""
    live = [c for c in codes if counted(c)]
    return any(c in UNEXPLAINED for c in live) and all(c in UNEXPLAINED for c in live)


@dataclass(frozen=True)
class AbsenceRun:
    first_day: date
    days: int  # consecutive school days of unexplained absence, up to the latest school day

    @property
    def key(self) -> str:
        return self.first_day.isoformat()


def current_absence_run(marks: Sequence[Mark], days: Sequence[date]) -> AbsenceRun | None:
    """The run of unexplained absence still going on the latest school day, or None.

    `days` are the school's school days (from everyone's marks), oldest first.
    """
    by_day = _by_day(marks)
    count, first = 0, None
    for day in reversed(days):
        codes = by_day.get(day)
        if not codes or not unexplained_day(codes):
            break
        count, first = count + 1, day
    return AbsenceRun(first, count) if first is not None else None


def run_threshold(
    on_day: int | None, on_day_flagged: int | None, safeguarding_flag: bool
) -> int | None:
    """Which day of unexplained absence suggests a visit for this pupil (None: no trigger)."""
    if safeguarding_flag and on_day_flagged is not None:
        return on_day_flagged
    return on_day


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
            30, 31, 31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return date(year, month, min(day.day, last))


@dataclass(frozen=True)
class AttendanceRate:
    attended: int  # sessions
    possible: int  # sessions
    since: date

    @property
    def percent(self) -> float:
        return 100.0 * self.attended / self.possible if self.possible else 100.0


def attendance_rate(marks: Iterable[Mark], until: date, months: int) -> AttendanceRate:
    """Sessions attended out of possible sessions over the last `months` up to `until`.

    A pupil who joined within the window is measured from their first mark: only their own
    sessions are possible sessions, so joining late is not counted as absence.
    """
    since = add_months(until, -months) + timedelta(days=1)
    live = [m for m in marks if since <= m.day <= until and counted(m.code)]
    return AttendanceRate(sum(1 for m in live if attended(m.code)), len(live), since)


def recovered_since(
    marks: Sequence[Mark], flagged_on: date, until: date, months: int, below_percent: int
) -> bool:
    """Whether the pupil's attendance got back to the threshold on some day after `flagged_on`.

    A low-attendance flag the school dismissed (or booked a visit for) holds while the pupil
    stays below the threshold; once they recover, a new dip is a new concern and may flag again.
    `marks` must reach back `months` before `flagged_on` for the rates to be whole.
    """
    days = sorted({m.day for m in marks if flagged_on < m.day <= until and counted(m.code)})
    for day in days:
        rate = attendance_rate(marks, day, months)
        if rate.possible and rate.percent >= below_percent:
            return True
    return False


def pattern(marks: Iterable[Mark], days: Sequence[date]) -> list[tuple[date, str, str]]:
    """(day, AM code, PM code) for each school day given; '' where no mark was made."""
    by_key = {(m.day, m.session): m.code for m in marks}
    return [(d, by_key.get((d, "AM"), ""), by_key.get((d, "PM"), "")) for d in days]


@dataclass(frozen=True)
class Trigger:
    trigger: str  # ABSENCE_RUN | LOW_ATTENDANCE
    key: str  # first day of the run; for low attendance, the school day it was flagged on
    reason: str


def triggers(
    marks: Sequence[Mark],
    days: Sequence[date],
    *,
    safeguarding_flag: bool,
    on_day: int | None,
    on_day_flagged: int | None,
    below_percent: int | None,
    months: int,
) -> list[Trigger]:
    """Every trigger one pupil meets on the latest school day (suggestions, never bookings)."""
    found: list[Trigger] = []
    threshold = run_threshold(on_day, on_day_flagged, safeguarding_flag)
    run = current_absence_run(marks, days)
    if threshold is not None and run is not None and run.days >= threshold:
        flag = " (safeguarding flag)" if safeguarding_flag and on_day_flagged is not None else ""
        found.append(
            Trigger(
                ABSENCE_RUN,
                run.key,
                f"Day {run.days} of unexplained absence since {run.first_day:%a %d %b}{flag}: "
                f"a visit is due on day {threshold}",
            )
        )
    if below_percent is not None and days:
        rate = attendance_rate(marks, days[-1], months)
        if rate.possible and rate.percent < below_percent:
            found.append(
                Trigger(
                    LOW_ATTENDANCE,
                    days[-1].isoformat(),
                    f"Attendance {rate.percent:.1f}% over the last {months} months "
                    f"({rate.attended} of {rate.possible} sessions), below {below_percent}%",
                )
            )
    return found


def marks_by_pupil(rows: Iterable[tuple[int, date, str, str]]) -> Mapping[int, list[Mark]]:
    out: dict[int, list[Mark]] = {}
    for pupil_id, day, session, code in rows:
        out.setdefault(pupil_id, []).append(Mark(day, session, code))
    return out
