"""`monitor`, `settings` and `notify`: run the headless monitor and configure it by script.

IT configures a PC or the server without the app: `settings list|get|set` covers every policy value
and every channel setting; secrets (the SMTP password, the SMS token) go to the keyring or an
owner-only file and are never printed. `notify test` proves a channel works end to end.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hvdesk.commands.common import LazyChoices, add_db_option, lazy_run


def _outbox_statuses() -> Sequence[str]:
    from hvdesk.models import OutboxStatus

    return [s.value for s in OutboxStatus]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    m = sub.add_parser("monitor")
    add_db_option(m)
    m.add_argument("--poll", type=float, metavar="S", help=argparse.SUPPRESS)
    m.add_argument("--lease", type=float, help=argparse.SUPPRESS)
    m.add_argument("--beat", type=float, help=argparse.SUPPRESS)
    m.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_monitor"))

    s = sub.add_parser("settings")
    ss = s.add_subparsers(dest="action", metavar="ACTION", required=True)
    ss.add_parser("list", help="every setting, and where each secret comes from").set_defaults(
        run=lazy_run("hvdesk.commands.notify_run", "run_settings_list")
    )
    g = ss.add_parser("get", help="one setting's value")
    g.add_argument("key")
    g.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_settings_get"))
    t = ss.add_parser("set", help="change one setting (a secret: give - to type it in)")
    t.add_argument("key")
    t.add_argument("value")
    t.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_settings_set"))
    for p in ss.choices.values():
        add_db_option(p)

    n = sub.add_parser("notify")
    ns = n.add_subparsers(dest="action", metavar="ACTION", required=True)
    nt = ns.add_parser("test", help="send a test text or email now")
    nt.add_argument("--to", required=True, metavar="NUMBER_OR_EMAIL")
    nt.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_notify_test"))
    no = ns.add_parser("outbox", help="messages queued, sent and failed, newest first")
    no.add_argument("--status", choices=LazyChoices(_outbox_statuses), metavar="STATUS")
    no.add_argument("--limit", type=int, default=50)
    no.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_notify_outbox"))
    nc = ns.add_parser("contacts", help="the escalation contacts, in the order they are told")
    nc.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_notify_contacts"))
    na = ns.add_parser("add-contact", help="add an escalation contact (last in the order)")
    na.add_argument("name")
    na.add_argument("--role", default="", help="e.g. Headteacher, DSL")
    na.add_argument("--mobile", default="", help="UK mobile, e.g. 07700 900123")
    na.add_argument("--email", default="")
    na.add_argument(
        "--not-on-ladder",
        action="store_true",
        help="only an out-of-hours responsible contact, not told of every alarm",
    )
    na.set_defaults(run=lazy_run("hvdesk.commands.notify_run", "run_notify_add_contact"))
    for p in ns.choices.values():
        add_db_option(p)
