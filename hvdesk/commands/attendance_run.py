"""`hvdesk attendance import FILE`: read the MIS attendance export; `attendance suggestions`.

The parser is in attendance.py (cheap to build); this module runs the commands.
"""

from __future__ import annotations

import argparse

from hvdesk.commands.common import open_database
from hvdesk.commands.notify_run import _actor
from hvdesk.services.attendance import AttendanceService


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
