"""`audit verify`, `key show|rotate`, `encrypt`, `backup`, `restore`: the data protection commands."""

from __future__ import annotations

import argparse

from hvdesk.commands.common import add_db_option, lazy_run


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser("audit")
    a.add_argument("action", choices=["verify"])
    add_db_option(a)
    a.set_defaults(run=lazy_run("hvdesk.commands.trust_run", "run_audit"))
    k = sub.add_parser("key")
    k.add_argument("action", choices=["show", "rotate", "sheet", "import"])
    k.add_argument("--user", required=True, help="an admin's username (password asked for)")
    k.add_argument("--out", help="sheet: the recovery sheet PDF to write")
    add_db_option(k)
    k.set_defaults(run=lazy_run("hvdesk.commands.trust_run", "run_key"))
    e = sub.add_parser("encrypt")
    add_db_option(e)
    e.set_defaults(run=lazy_run("hvdesk.commands.trust_run", "run_encrypt"))
    b = sub.add_parser("backup")
    b.add_argument("--out", required=True, help="backup file to write")
    add_db_option(b)
    b.set_defaults(run=lazy_run("hvdesk.commands.trust_run", "run_backup"))
    r = sub.add_parser("restore")
    r.add_argument("file", help="an hvdesk backup file")
    add_db_option(r)
    r.set_defaults(run=lazy_run("hvdesk.commands.trust_run", "run_restore"))
