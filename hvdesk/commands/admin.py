"""`hvdesk migrate` and `hvdesk create-user`: set up a database without the app."""

from __future__ import annotations

import argparse
import getpass

from hvdesk.commands.common import LazyChoices, add_db_option, open_database, shown_url


def _roles() -> list[str]:
    from hvdesk.models import Role

    return [r.value for r in Role]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("migrate")
    add_db_option(p)
    p.set_defaults(run=run_migrate)
    u = sub.add_parser("create-user")
    add_db_option(u)
    u.add_argument("username")
    u.add_argument("--name", required=True, help="name shown on screen and in the audit trail")
    u.add_argument(
        "--role", required=True, metavar="ROLE", choices=LazyChoices(_roles), help="%(choices)s"
    )
    u.add_argument("--title", default="", help="approver title, e.g. Headteacher")
    u.add_argument("--password", help="password (asked for if omitted)")
    u.set_defaults(run=run_create_user)


def run_migrate(args: argparse.Namespace) -> int:
    from hvdesk.db import current_revision

    db, _ = open_database(args, london=False)
    print(f"{shown_url(db.url)}: schema {current_revision(db.engine)}")
    db.dispose()
    return 0


def run_create_user(args: argparse.Namespace) -> int:
    from hvdesk.services.auth import AuthService
    from hvdesk.services.base import SYSTEM

    db, clock = open_database(args)
    password = args.password or getpass.getpass("Password: ")
    AuthService(db, clock).create_user(
        SYSTEM, args.username, args.name, args.role, password, approver_title=args.title
    )
    print(f"User {args.username} ({args.role}) created.")
    db.dispose()
    return 0
