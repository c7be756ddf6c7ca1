"""`texts list|poll|set-pin`: texts in from the field, headless.

`texts poll` fetches once from the configured gateway (the monitor does this every 10 s), so IT can
prove two-way texts work; `texts list` shows what came in and what hvdesk answered, PINs and safe
words hidden; `texts set-pin` sets a staff member's texting PIN, typed twice and never echoed.

The parser is in texts.py (cheap to build); this module runs the commands.
"""

from __future__ import annotations

import argparse
import getpass

from sqlalchemy import select

from hvdesk.clock import fmt_datetime
from hvdesk.commands.common import open_database
from hvdesk.db import Database
from hvdesk.errors import HvdeskError, NotFound
from hvdesk.models import Staff
from hvdesk.notify.monitor import default_channels
from hvdesk.services.base import SYSTEM
from hvdesk.services.lone_working import LoneWorkingService
from hvdesk.services.text_polling import TextPoller
from hvdesk.services.texts_in import InboundTextService


def run_list(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        rows = InboundTextService(db, clock).recent(args.limit)
    finally:
        db.dispose()
    if not rows:
        print("No texts received yet.")
    for row in rows:
        print(
            f"{fmt_datetime(row.sent_at)}  {row.sender} ({row.who})  {row.outcome}: {row.text!r}"
            + (f" -> {row.reply!r}" if row.reply else "")
        )
    return 0


def run_poll(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        result = TextPoller(db, clock, default_channels(db), every_s=0).tick()
    finally:
        db.dispose()
    if result is None:
        raise HvdeskError(
            "texts: no gateway that can list received texts is set up; run `hvdesk settings set "
            "sms.provider twilio` with sms.base_url, sms.account, sms.from and the sms.token secret"
        )
    if result.error:
        raise HvdeskError(f"texts: polling the gateway failed: {result.error}")
    print(f"Fetched {result.fetched} text(s); recorded {len(result.handled)} new.")
    for handled in result.handled:
        print(
            f"  text {handled.text_id}: {handled.outcome}"
            + (f" -> reply queued: {handled.reply!r}" if handled.reply else "")
        )
    if any(h.reply for h in result.handled):
        print("Replies are queued: the monitor sends them (see `notify outbox`).")
    return 0


def _staff_id(db: Database, wanted: str) -> int:
    with db.read() as session:
        if wanted.isdigit() and session.get(Staff, int(wanted)) is not None:
            return int(wanted)
        found = session.scalars(select(Staff.id).where(Staff.name == wanted.strip())).all()
    if len(found) != 1:
        raise NotFound(
            f"Staff: no single staff member is called {wanted!r}; give the id or the full name "
            "as on the Staff screen"
        )
    return found[0]


def run_set_pin(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        staff_id = _staff_id(db, args.staff)
        service = LoneWorkingService(db, clock)
        current = service.status(staff_id)
        if current.assessment_id is None:  # say so before asking for a PIN
            raise NotFound(
                f"{current.staff_name} has no lone working assessment; sign one first (Staff "
                "screen, Lone working…), then set the PIN."
            )
        pin = getpass.getpass("Texting PIN (4 digits): ")
        again = getpass.getpass("Type it again: ")
        status = service.set_pin(SYSTEM, staff_id, pin, again)
    finally:
        db.dispose()
    print(f"Texting PIN set for {status.staff_name} (hidden; nobody can read it back).")
    return 0
