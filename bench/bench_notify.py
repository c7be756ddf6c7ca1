"""Alarms that leave the building, measured: lapse -> message accepted, and an idle monitor's cost.

    .venv/bin/python bench/bench_notify.py [--quick] [--out 200] [--lapses 9] [--idle 60]

With `--out` visits out at once (each lapsing visit has an out-of-hours responsible contact, who is
told at the lapse), the headless monitor's loop runs on the real clock and the real scheduler
against a local SMS gateway stand-in and a local SMTP server (aiosmtpd), both on 127.0.0.1:
- lapse -> text accepted by the gateway, and -> email accepted by the SMTP server (target median
  < 5 s);
- idle monitor: CPU of this process over wall time with everyone out and nothing due (target < 1%
  of a core), and database queries per minute (counted on the engine).
`--quick` (used by bench/run.py) does 5 visits, 1 lapse and 1 s of idle. Figures are printed,
not asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from aiosmtpd.controller import Controller  # noqa: E402
from bench_tracker import add_visits_out  # noqa: E402
from sms_gateway_standin import serve  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.figures import report  # noqa: E402
from hvdesk.clock import SystemClock  # noqa: E402
from hvdesk.db import Database  # noqa: E402
from hvdesk.demo import load_demo  # noqa: E402
from hvdesk.models import EscalationContact, Setting, Visit  # noqa: E402
from hvdesk.notify.config import NOTIFY_KEY, NotifyConfig  # noqa: E402
from hvdesk.notify.monitor import Monitor  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        for rcpt in envelope.rcpt_tos:
            self.seen.setdefault(rcpt, datetime.now(UTC))
        return "250 OK"


def setup(db: Database, smtp_port: int, sms_port: int, visit_ids: list[int]) -> dict[int, str]:
    """Channels pointed at the local stand-ins; each lapsing visit gets its own responsible
    contact (a distinct mobile and email), so whoever receives a message names the visit."""
    config = NotifyConfig(
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_from="alarms@bench.example.org",
        sms_provider="twilio",
        sms_base_url=f"http://127.0.0.1:{sms_port}",
        sms_account="AC-BENCH",
        sms_from="+447700900000",
    )
    now = datetime.now(UTC)
    key_of: dict[int, str] = {}
    with db.transaction() as s:
        s.add(Setting(key=NOTIFY_KEY, value=config.to_dict(), updated_at=now))
        for i, visit_id in enumerate(visit_ids):
            contact = EscalationContact(
                name=f"Responsible {i}",
                mobile=f"+4477009001{i:02d}",
                email=f"r{i}@example.org",
                on_ladder=False,
                created_at=now,
                updated_at=now,
            )
            s.add(contact)
            s.flush()
            s.get(Visit, visit_id).responsible_contact_id = contact.id  # type: ignore[union-attr]
            key_of[visit_id] = f"r{i}"
    return key_of


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 out, 1 lapse, 1 s idle")
    parser.add_argument("--out", type=int, default=200)
    parser.add_argument("--lapses", type=int, default=9)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    if args.quick:
        args.out, args.lapses, args.idle = 5, 1, 1.0
    os.environ.setdefault("HVDESK_SMS_TOKEN", "bench")
    os.environ["HVDESK_SECRETS_FILE"] = str(Path(tempfile.mkdtemp()) / "secrets.json")

    texts: dict[str, datetime] = {}
    server, _store = serve(free_port(), lambda row: texts.setdefault(row["to"], datetime.now(UTC)))
    sms_port = server.server_address[1]
    box = Mailbox()
    smtp_port = free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    folder = tempfile.mkdtemp(prefix="hvdesk-bench-notify-")
    db = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    clock = SystemClock()
    load_demo(db, clock)
    first = datetime.now(UTC) + timedelta(seconds=3 if args.quick else 10)
    lapses = [first + timedelta(seconds=2 * i) for i in range(args.lapses)]
    visit_ids = add_visits_out(db, args.out, lapses)
    key_of = setup(db, smtp_port, sms_port, visit_ids[: args.lapses])

    queries = [0]
    event.listen(
        db.engine, "before_cursor_execute", lambda *a, **k: queries.__setitem__(0, queries[0] + 1)
    )
    monitor = Monitor(db, clock)
    thread = threading.Thread(target=monitor.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + (lapses[-1] - datetime.now(UTC)).total_seconds() + 30
    lapse_of = {key_of[v]: lapses[i] for i, v in enumerate(visit_ids[: args.lapses])}
    while time.monotonic() < deadline:
        got_sms = sum(f"+4477009001{k[1:].zfill(2)}" in texts for k in lapse_of)
        got_mail = sum(f"{k}@example.org" in box.seen for k in lapse_of)
        if got_sms == got_mail == args.lapses:
            break
        time.sleep(0.1)
    sms_delays = [
        (texts[f"+4477009001{k[1:].zfill(2)}"] - at).total_seconds()
        for k, at in lapse_of.items()
        if f"+4477009001{k[1:].zfill(2)}" in texts
    ]
    mail_delays = [
        (box.seen[f"{k}@example.org"] - at).total_seconds()
        for k, at in lapse_of.items()
        if f"{k}@example.org" in box.seen
    ]

    # idle: take every alarm so the ladder has nothing more to send, then watch
    from hvdesk.models import Alarm, Role, UserAccount
    from hvdesk.services.alarms import AlarmService
    from hvdesk.services.base import Actor

    with db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    actor = Actor(user.id, user.display_name, Role.OFFICE.value)
    service = AlarmService(db, clock)
    with db.read() as s:
        open_ids = list(s.scalars(select(Alarm.id).where(Alarm.resolved_at.is_(None))))
    for alarm_id in open_ids:
        service.acknowledge(actor, alarm_id)
        service.resolve(actor, alarm_id, "false_alarm", "bench")
    time.sleep(1 if args.quick else 5)  # what the ladder still had to send leaves
    queries[0] = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    time.sleep(args.idle)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    per_min = queries[0] * 60 / wall

    monitor.stop()
    thread.join(15)
    smtp.stop()
    server.shutdown()
    db.dispose()

    print(f"visits out at once: {args.out}; lapses timed: {args.lapses}")
    for name, delays in (
        ("text accepted by the gateway", sms_delays),
        ("email accepted by SMTP", mail_delays),
    ):
        if delays:
            print(
                f"lapse -> {name}: median {statistics.median(delays):.2f} s, max "
                f"{max(delays):.2f} s over {len(delays)} (target median < 5 s)"
            )
        else:
            print(f"lapse -> {name}: none arrived")
    who = f"{args.out} out"
    for kind, delays in (("text", sms_delays), ("email", mail_delays)):
        if delays:
            report(f"notify: lapse -> {kind} accepted ({who})", delays, "s", 5)
        report(
            f"notify: lapses with no {kind} accepted ({who})", [args.lapses - len(delays)], "lapses"
        )
    print(
        f"idle monitor: CPU {100 * cpu / wall:.2f}% of one core over {wall:.0f} s (target < 1%), "
        f"{per_min:.0f} database queries per minute"
    )
    report(f"notify: idle monitor CPU ({who}, {wall:.0f} s)", [100 * cpu / wall], "% core", 1)
    report(f"notify: idle monitor queries/min ({who})", [per_min], "/min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
