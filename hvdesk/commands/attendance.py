"""`hvdesk attendance import FILE`: read the MIS attendance export; `attendance suggestions`."""

from __future__ import annotations

import argparse

from hvdesk.commands.common import add_db_option, lazy_run


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("attendance")
    inner = p.add_subparsers(dest="attendance_command", metavar="ACTION", required=True)
    imp = inner.add_parser(
        "import",
        help="import a CSV of attendance marks (see docs/attendance.md); all or nothing",
    )
    imp.add_argument("file", metavar="FILE", help="the CSV exported from the school MIS")
    add_db_option(imp)
    imp.set_defaults(run=lazy_run("hvdesk.commands.attendance_run", "run_import"))
    sug = inner.add_parser("suggestions", help="visits the attendance marks suggest today")
    add_db_option(sug)
    sug.set_defaults(run=lazy_run("hvdesk.commands.attendance_run", "run_suggestions"))
