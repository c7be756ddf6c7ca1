"""What headless commands share: opening the database named on the command line."""

from __future__ import annotations

import argparse

from hvdesk.clock import SystemClock
from hvdesk.config import database_url
from hvdesk.db import Database


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="sub_db", metavar="URL", help="database file path or URL")


def open_database(args: argparse.Namespace) -> tuple[Database, SystemClock]:
    url = database_url(getattr(args, "sub_db", None) or getattr(args, "db", None))
    return Database(url), SystemClock()
