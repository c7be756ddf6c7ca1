"""`hvdesk demo --db PATH`: load the demo school headless."""

from __future__ import annotations

import argparse

from hvdesk.commands.common import LazyChoices, add_db_option, open_database, shown_url
from hvdesk.errors import HvdeskError


def _presets() -> list[str]:
    from hvdesk.policy import PRESETS

    return sorted(PRESETS)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo")
    add_db_option(p)
    p.add_argument(
        "--preset",
        default="harborne",
        metavar="PRESET",
        choices=LazyChoices(_presets),
        help="policy preset: %(choices)s (default %(default)s)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hvdesk.demo import DEMO_PASSWORD, demo_loaded, load_demo

    db, clock = open_database(args)
    try:
        if demo_loaded(db):
            raise HvdeskError(
                f"{shown_url(db.url)} already has staff; the demo loads only into an empty database. "
                "Give another --db path."
            )
        counts = load_demo(db, clock, preset_name=args.preset)
    finally:
        db.dispose()
    print(
        f"Demo school loaded into {shown_url(db.url)}: {counts['staff']} staff, "
        f"{counts['households']} households, {counts['visits']} visits."
    )
    print(f"Sign in as office, head, jpatel or admin with the password '{DEMO_PASSWORD}'.")
    return 0
