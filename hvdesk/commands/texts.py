"""`texts list|poll|set-pin`: texts in from the field, headless.

`texts poll` fetches once from the configured gateway (the monitor does this every 10 s), so IT can
prove two-way texts work; `texts list` shows what came in and what hvdesk answered, PINs and safe
words hidden; `texts set-pin` sets a staff member's texting PIN, typed twice and never echoed.
"""

from __future__ import annotations

import argparse

from hvdesk.commands.common import add_db_option, lazy_run


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = sub.add_parser("texts")
    ts = t.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = ts.add_parser("list", help="the latest texts received and what hvdesk did")
    add_db_option(lst)
    lst.add_argument("--limit", type=int, default=20, help="how many (newest first)")
    lst.set_defaults(run=lazy_run("hvdesk.commands.texts_run", "run_list"))
    poll = ts.add_parser("poll", help="fetch received texts from the gateway once, now")
    add_db_option(poll)
    poll.set_defaults(run=lazy_run("hvdesk.commands.texts_run", "run_poll"))
    pin = ts.add_parser("set-pin", help="set a staff member's 4-digit texting PIN (asked twice)")
    add_db_option(pin)
    pin.add_argument("staff", help="staff id, or the full name as on the Staff screen")
    pin.set_defaults(run=lazy_run("hvdesk.commands.texts_run", "run_set_pin"))
