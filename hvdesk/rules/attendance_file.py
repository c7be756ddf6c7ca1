"""Reading the attendance CSV a school MIS exports (SIMS, Arbor, Bromcom), before anything is saved.

Columns (header names are case-insensitive, in any order; docs/attendance.md is the user's guide):

- ``UPN`` and/or ``Admission number`` (also ``Adno``): who the mark is for; at least one column;
- ``Date``: ``2026-11-24`` or ``24/11/2026``, with the year in full; not after today (a future
  date would become the "latest school day" and hide every suggestion) and not more than
  OLDEST_YEARS years ago (a year typed as 0026 or 1926 is a mistake, not a pupil's record);
- ``Session``: ``AM`` or ``PM``;
- ``Mark`` (also ``Code``): a DfE attendance code (hvdesk.rules.attendance lists them).

Other columns (a name, a year group) are ignored. A row that is wrong in any way makes the whole
file fail with its line number and the reason: an attendance record half-imported would suggest
visits from half the facts. The same pupil, day and session twice with the same mark is a harmless
duplicate; with two different marks it is an error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from hvdesk.rules.attendance import CODES, SESSIONS, normalise_code

HEADERS = {
    "upn": "upn",
    "admission number": "adno",
    "admission_number": "adno",
    "adno": "adno",
    "date": "date",
    "session": "session",
    "mark": "mark",
    "code": "mark",
}
MAX_ERRORS = 20
OLDEST_YEARS = 15  # no pupil on roll today has marks older than this


class MarkRow(NamedTuple):
    """One mark as read (a NamedTuple: a year of a large school is half a million of them)."""

    line: int
    upn: str
    adno: str
    day: date
    session: str
    code: str

    @property
    def who(self) -> str:
        return f"UPN {self.upn}" if self.upn else f"admission number {self.adno}"


@dataclass
class ParsedFile:
    rows: list[MarkRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # 'line 7: ...'
    duplicates: int = 0
    more: int = 0  # errors past MAX_ERRORS, counted but not listed

    def error(self, line: int, text: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"line {line}: {text}")
        else:
            self.more += 1


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADERS.get(name.strip().lower().lstrip("\ufeff"))
        if key is not None and key not in cols:
            cols[key] = index
    return cols


def _day(text: str, today: date) -> date | str:
    """The date, or why it cannot be a day's attendance mark (named for the person fixing it)."""
    shown = f"date {text!r}"
    try:
        if "/" in text:
            dd, mm, yyyy = text.split("/")
            if len(yyyy.strip()) != 4:
                return f"{shown} has a two-digit year; write the year in full, e.g. 24/11/2026"
            day = date(int(yyyy), int(mm), int(dd))
        else:
            day = date.fromisoformat(text)
    except ValueError:
        return f"{shown} is not a date; use 2026-11-24 or 24/11/2026"
    if day > today:
        return (
            f"{shown} is in the future (today is {today:%d/%m/%Y}); check the date, or export "
            "the marks again once that day has happened"
        )
    if day.year < today.year - OLDEST_YEARS:
        return f"{shown} is more than {OLDEST_YEARS} years ago; check the year"
    return day


def parse(text: str, today: date) -> ParsedFile:
    """Every row, or every reason the file cannot be imported (the first MAX_ERRORS listed and
    the rest counted). Line numbers are the file's own, also where a quoted field spans lines."""
    out = ParsedFile()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        out.errors.append("line 1: the file is empty; export attendance marks as CSV with a header")
        return out
    cols = _columns(header)
    missing = [n.capitalize() for n in ("date", "session", "mark") if n not in cols]
    if "upn" not in cols and "adno" not in cols:
        missing.insert(0, "UPN or Admission number")
    if missing:
        out.errors.append(
            f"line 1: the header has no {', '.join(missing)} column; see docs/attendance.md"
        )
        return out
    rows = _Reader(cols, today)
    seen: dict[tuple[str, str, date, str], tuple[int, str]] = {}
    fast = rows.fast
    end = reader.line_num
    for values in reader:
        line, end = end + 1, reader.line_num  # where the row starts in the file
        row = fast(values, line)  # every value seen before and valid: no checks to run again
        if row is None:
            if not values or not "".join(values).strip():
                continue
            error, row = rows.row(values, line)
        else:
            error = ""
        if error:
            out.error(line, error)
            continue
        if row is None:  # '-': the register was not taken for that session
            continue
        key = (row.upn, row.adno, row.day, row.session)
        before = seen.get(key)
        if before is not None:
            if before[1] != row.code:
                out.error(
                    line,
                    f"{row.who} {row.day:%d/%m/%Y} {row.session} is also on line "
                    f"{before[0]} with a different mark ({before[1]!r}, here {row.code!r})",
                )
            else:
                out.duplicates += 1
            continue
        seen[key] = (line, row.code)
        out.rows.append(row)
    if out.more:
        out.errors.append(
            f"…and {out.more} more {'line' if out.more == 1 else 'lines'} with errors "
            "(fix the ones above, then import again to see them)"
        )
    return out


class _Reader:
    """Checks one row at a time; each distinct identifier, date, session and mark is checked once
    and remembered (a year's file repeats a few thousand values half a million times)."""

    def __init__(self, cols: dict[str, int], today: date) -> None:
        self.today = today
        self.upn_col, self.adno_col = cols.get("upn"), cols.get("adno")
        self.date_col, self.session_col, self.mark_col = cols["date"], cols["session"], cols["mark"]
        self.width = max(cols.values()) + 1
        self.upns: dict[str, tuple[str, str]] = {}  # raw -> (upn, error)
        self.dates: dict[str, date | str] = {}  # raw -> the date, or why it is wrong
        self.sessions: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def fast(self, values: list[str], line: int) -> MarkRow | None:
        """The row when each of its values has already been checked and found good."""
        try:
            upn, error = self.upns[values[self.upn_col]] if self.upn_col is not None else ("", "")
            day = self.dates[values[self.date_col]]
            session = self.sessions[values[self.session_col]]
            code = self.codes[values[self.mark_col]]
        except (KeyError, IndexError):
            return None
        adno = values[self.adno_col].strip() if self.adno_col is not None else ""
        if error or isinstance(day, str) or code not in CODES or session not in SESSIONS:
            return None
        if not upn and not adno:
            return None
        return MarkRow(line, upn, adno, day, session, code)

    def row(self, values: list[str], line: int) -> tuple[str, MarkRow | None]:
        """The row, or why it is wrong ('-', no register taken, gives neither)."""
        if len(values) < self.width:
            values = values + [""] * (self.width - len(values))
        upn, error = self._upn(values[self.upn_col] if self.upn_col is not None else "")
        if error:
            return error, None
        adno = values[self.adno_col].strip() if self.adno_col is not None else ""
        if not upn and not adno:
            return "no UPN or admission number; every mark must say which pupil it is for", None
        raw_day = values[self.date_col]
        if raw_day not in self.dates:
            self.dates[raw_day] = _day(raw_day.strip(), self.today)
        day = self.dates[raw_day]
        if isinstance(day, str):
            return day, None
        raw_session = values[self.session_col]
        session = self.sessions.get(raw_session)
        if session is None:
            session = self.sessions[raw_session] = raw_session.strip().upper()
        if session not in SESSIONS:
            return f"session {session!r} must be AM or PM", None
        raw_code = values[self.mark_col]
        code = self.codes.get(raw_code)
        if code is None:
            code = self.codes[raw_code] = normalise_code(raw_code)
        if code == "-":
            return "", None
        if code not in CODES:
            return (
                f"mark {code!r} is not a DfE attendance code hvdesk accepts; see "
                "docs/attendance.md",
                None,
            )
        return "", MarkRow(line, upn, adno, day, session, code)

    def _upn(self, raw: str) -> tuple[str, str]:
        found = self.upns.get(raw)
        if found is None:
            upn = raw.strip().upper()
            error = ""
            if upn and (len(upn) != 13 or not upn[1:12].isdigit()):
                error = f"UPN {upn!r} is not 13 characters (a letter, 11 digits, a check character)"
            found = self.upns[raw] = (upn, error)
        return found
