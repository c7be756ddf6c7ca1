"""`hvdesk print FORM --visit ID|--staff ID|--date YYYY-MM-DD|--alarm ID --out FILE.pdf`: headless.

Makes the same PDFs as the app (and records the print in the audit trail), for scripts, a printer
queue, or when the office PC will not start the app. Every mistake names the option to fix.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hvdesk.commands.common import add_db_option, db_option, open_database
from hvdesk.errors import HvdeskError, NotFound
from hvdesk.form_list import FORM_LIST, LONE_WORKING

if TYPE_CHECKING:
    from hvdesk.clock import SystemClock
    from hvdesk.db import Database
    from hvdesk.services.base import Actor

OPTION = {
    "visit": "--visit ID",
    "staff": "--staff ID",
    "day": "--date YYYY-MM-DD",
    "alarm": "--alarm ID",
}
WHAT = {"visit": "visit", "staff": "staff member", "day": "day", "alarm": "alarm about a person"}
ENV_PASSWORD = "HVDESK_PASSWORD"
EXAMPLE = {
    "visit": "--visit 12",
    "staff": "--staff 3",
    "day": "--date 2026-11-24",
    "alarm": "--alarm 40",
}


def _epilog() -> str:
    forms = "\n".join(
        f"  {name:<20} {form.title} ({OPTION[form.selector]})" for name, form in FORM_LIST.items()
    )
    return (
        f"Forms:\n{forms}\n\nExample: hvdesk print visit-record --visit 12 --out visit.pdf\n"
        "With the safe word (office users and approvers only): hvdesk print lone-working "
        "--staff 3 --print-safe-word --user office --out lw.pdf"
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "print",
        description="Make a form or letter as an A4 PDF, the same as Print in the app.",
        epilog_from=_epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_option(p)
    p.add_argument("form", metavar="FORM", choices=list(FORM_LIST), help="which form (see below)")
    p.add_argument("--visit", metavar="ID", help="the visit number (forms about one visit)")
    p.add_argument("--staff", metavar="ID", help="the staff member's number (lone-working)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day (day-sheet)")
    p.add_argument(
        "--alarm", metavar="ID", help="the alarm's number (person-police-sheet: no one visit)"
    )
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.add_argument(
        "--print-safe-word",
        action="store_true",
        help="print the safe word on the lone-working form (left blank by default); needs --user",
    )
    p.add_argument(
        "--user",
        metavar="USERNAME",
        help=f"sign in as this user (password from {ENV_PASSWORD} or asked for); the print is "
        "recorded under their name",
    )
    p.set_defaults(run=run)


def _number(option: str, value: str, what: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if number <= 0:
        raise HvdeskError(
            f"{option} '{value}' is not {what} number; give the whole number shown in the app, "
            f"e.g. {option} 12."
        )
    return number


def _day(value: str) -> date:
    try:
        if len(value.strip()) != 10:
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError:
        raise HvdeskError(
            f"--date '{value}' is not a date; use YYYY-MM-DD, e.g. --date 2026-11-24."
        ) from None


def _check_out(value: str) -> Path:
    """Fail before touching the database when the PDF could not be written anyway."""
    path = Path(value).expanduser()
    if path.is_dir():
        raise HvdeskError(
            f"--out {value} is a folder; give a file name, e.g. --out {path / 'form.pdf'}."
        )
    folder = path.parent
    if not folder.is_dir():
        raise HvdeskError(
            f"--out {value}: the folder {folder} does not exist; create it or choose another path."
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise HvdeskError(
            f"--out {value}: you cannot write there; choose a folder you can write to."
        )
    return path


def _check_db(args: argparse.Namespace) -> None:
    """A database file named on the command line must exist: printing must not make an empty one."""
    value = db_option(args)
    if value and "://" not in value and not Path(value).expanduser().is_file():
        raise HvdeskError(
            f"--db {value}: no such database file; give the path of your hvdesk database."
        )


def _password(username: str) -> str:
    password = os.environ.get(ENV_PASSWORD)
    if password:
        return password
    if sys.stdin is None or not sys.stdin.isatty():
        raise HvdeskError(
            f"--user {username}: no password; set {ENV_PASSWORD} or run in a terminal to be "
            "asked for it."
        )
    try:
        return getpass.getpass(f"Password for {username}: ")
    except EOFError:
        raise HvdeskError(f"--user {username}: no password given; nothing was printed.") from None


def _signed_in(db: Database, clock: SystemClock, username: str, safe_word: bool) -> Actor:
    """Sign in; the safe word is printed only for an office user or approver (DESIGN)."""
    from hvdesk.models import Role
    from hvdesk.services.auth import AccountLocked, AuthService, SignInFailed

    try:
        actor = AuthService(db, clock).sign_in(username, _password(username))
    except AccountLocked as err:
        raise HvdeskError(f"--user {username}: {err} Nothing was printed.") from None
    except SignInFailed:
        raise HvdeskError(
            f"--user {username}: username or password not recognised; nothing was printed."
        ) from None
    if safe_word and actor.role not in (Role.OFFICE.value, Role.APPROVER.value):
        raise HvdeskError(
            f"--user {username} has the {actor.role} role; only an office user or approver can "
            "print a safe word. Sign in as one, or leave out --print-safe-word."
        )
    return actor


class _Selection(NamedTuple):
    """What the form is printed for, as checked numbers (one of them given); not a dataclass,
    so `print --help` stays light (test_cli_startup)."""

    visit_id: int | None = None
    staff_id: int | None = None
    day: date | None = None
    alarm_id: int | None = None


def _selection(args: argparse.Namespace) -> _Selection:
    """The one option the form needs, given and well formed; the others left out."""
    name, form = args.form, FORM_LIST[args.form]
    given = {"visit": args.visit, "staff": args.staff, "day": args.date, "alarm": args.alarm}
    if given[form.selector] is None:
        raise HvdeskError(
            f"{name} is printed for one {WHAT[form.selector]}: give {OPTION[form.selector]}, "
            f"e.g. hvdesk print {name} {EXAMPLE[form.selector]} --out {args.out}."
        )
    extra = [OPTION[k].split()[0] for k, v in given.items() if v is not None and k != form.selector]
    if extra:
        raise HvdeskError(
            f"{name} is printed for one {WHAT[form.selector]}, so {' and '.join(extra)} does not "
            f"apply; give only {OPTION[form.selector]}."
        )
    return _Selection(
        visit_id=_number("--visit", args.visit, "a visit") if args.visit is not None else None,
        staff_id=_number("--staff", args.staff, "a staff") if args.staff is not None else None,
        day=_day(args.date) if args.date is not None else None,
        alarm_id=_number("--alarm", args.alarm, "an alarm") if args.alarm is not None else None,
    )


def _check_sign_in(args: argparse.Namespace) -> None:
    """The safe word only on its own form, and personal data only for someone signed in."""
    name = args.form
    if args.print_safe_word and name != LONE_WORKING:
        raise HvdeskError(
            f"--print-safe-word is only for the {LONE_WORKING} form; leave it out for {name}."
        )
    if args.print_safe_word and not args.user:
        raise HvdeskError(
            "--print-safe-word needs a sign-in: add --user USERNAME (an office user or approver); "
            f"the password is read from {ENV_PASSWORD} or asked for."
        )
    if not args.user:
        raise HvdeskError(
            f"{name} holds personal data (names, addresses, phone numbers), so printing it "
            "needs a sign-in: add --user USERNAME; the password is read from "
            f"{ENV_PASSWORD} or asked for."
        )


def _not_found(chosen: _Selection, where: str) -> HvdeskError:
    """The option whose number names nothing in this database."""
    option, value, what = next(
        (o, v, w)
        for o, v, w in (
            ("--visit", chosen.visit_id, "visit"),
            ("--alarm", chosen.alarm_id, "alarm"),
            ("--staff", chosen.staff_id, "staff member"),
        )
        if v is not None
    )
    return HvdeskError(
        f"{option} {value}: there is no {what} with that number in {where}; check the "
        "number in the app, or the --db option."
    )


def run(args: argparse.Namespace) -> int:
    chosen = _selection(args)  # ReportLab loads once the options are right
    _check_sign_in(args)
    out = _check_out(args.out)
    _check_db(args)

    from hvdesk.services.printing import OutputError, PrintService

    db, clock = open_database(args)
    try:
        actor = _signed_in(db, clock, args.user, args.print_safe_word)
        result = PrintService(db, clock).make(
            actor,
            args.form,
            visit_id=chosen.visit_id,
            staff_id=chosen.staff_id,
            day=chosen.day,
            alarm_id=chosen.alarm_id,
            print_safe_word=args.print_safe_word,
            path=out,
        )
    except NotFound:
        raise _not_found(chosen, db.describe()) from None
    except OutputError as err:
        raise HvdeskError(f"--out: {err}") from None
    finally:
        db.dispose()
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    print(f"Wrote {result.path} ({result.title}, {pages}).")
    return 0
