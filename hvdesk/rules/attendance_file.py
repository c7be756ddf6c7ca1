"""Reading the attendance CSV a school MIS exports (SIMS, Arbor, Bromcom), before anything is saved.

Columns (header names are case-insensitive, in any order; docs/attendance.md is the user's guide):

- ``UPN`` and/or ``Admission number`` (also ``Adno``): who the mark is for; at least one column;
- ``Date``: ``2026-11-24`` or ``24/11/2026``;
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


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADERS.get(name.strip().lower().lstrip("\ufeff"))
        if key is not None and key not in cols:
            cols[key] = index
    return cols


def _day(text: str) -> date | None:
    try:
        if "/" in text:
            dd, mm, yyyy = text.split("/")
            return date(int(yyyy), int(mm), int(dd))
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse(text: str) -> ParsedFile:
    """Every row, or every reason the file cannot be imported (up to MAX_ERRORS)."""
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
    rows = _Reader(cols)
    seen: dict[tuple[str, str, date, str], tuple[int, str]] = {}
    fast = rows.fast
    for line, values in enumerate(reader, start=2):
        row = fast(values, line)  # every value seen before and valid: no checks to run again
        if row is None:
            if len(out.errors) >= MAX_ERRORS:
                break
            if not values or not "".join(values).strip():
                continue
            error, row = rows.row(values, line)
        else:
            error = ""
        if error:
            out.errors.append(f"line {line}: {error}")
            continue
        if row is None:  # '-': the register was not taken for that session
            continue
        key = (row.upn, row.adno, row.day, row.session)
        before = seen.get(key)
        if before is not None:
            if before[1] != row.code:
                out.errors.append(
                    f"line {line}: {row.who} {row.day:%d/%m/%Y} {row.session} is also on line "
                    f"{before[0]} with a different mark ({before[1]!r}, here {row.code!r})"
                )
            else:
                out.duplicates += 1
            continue
        seen[key] = (line, row.code)
        out.rows.append(row)
    return out


class _Reader:
    """Checks one row at a time; each distinct identifier, date, session and mark is checked once
    and remembered (a year's file repeats a few thousand values half a million times)."""

    def __init__(self, cols: dict[str, int]) -> None:
        self.upn_col, self.adno_col = cols.get("upn"), cols.get("adno")
        self.date_col, self.session_col, self.mark_col = cols["date"], cols["session"], cols["mark"]
        self.width = max(cols.values()) + 1
        self.upns: dict[str, tuple[str, str]] = {}  # raw -> (upn, error)
        self.dates: dict[str, date | None] = {}
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
        if error or day is None or code not in CODES or session not in SESSIONS:
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
            self.dates[raw_day] = _day(raw_day.strip())
        day = self.dates[raw_day]
        if day is None:
            return f"date {raw_day.strip()!r} is not a date; use 2026-11-24 or 24/11/2026", None
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
