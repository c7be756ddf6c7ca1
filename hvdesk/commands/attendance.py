"""`hvdesk attendance import FILE`: read the MIS attendance export; `attendance suggestions`."""

from __future__ import annotations

import argparse

from hvdesk.commands.common import add_db_option, open_database
from hvdesk.commands.notify import _actor
from hvdesk.services.attendance import AttendanceService


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("attendance", help="import attendance marks; list suggested visits")
    inner = p.add_subparsers(dest="attendance_command", metavar="ACTION", required=True)
    imp = inner.add_parser(
        "import",
        help="import a CSV of attendance marks (see docs/attendance.md); all or nothing",
    )
    imp.add_argument("file", metavar="FILE", help="the CSV exported from the school MIS")
    add_db_option(imp)
    imp.set_defaults(run=run_import)
    sug = inner.add_parser("suggestions", help="visits the attendance marks suggest today")
    add_db_option(sug)
    sug.set_defaults(run=run_suggestions)


def run_import(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        report = AttendanceService(db, clock).import_file(_actor(), args.file)
    finally:
        db.dispose()
    print("\n".join(report.lines()))
    return 0


def run_suggestions(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        found = AttendanceService(db, clock).suggestions()
    finally:
        db.dispose()
    print(f"Attendance: {len(found)} visit{'s' if len(found) != 1 else ''} suggested")
    for s in found:
        print(f"  {s.pupil_name} ({s.household_name}): {s.reason}")
    return 0
