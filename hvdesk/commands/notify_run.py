"""`monitor`, `settings` and `notify`: run the headless monitor and configure it by script.

IT configures a PC or the server without the app: `settings list|get|set` covers every policy value
and every channel setting; secrets (the SMTP password, the SMS token) go to the keyring or an
owner-only file and are never printed. `notify test` proves a channel works end to end.

The parser is in notify.py (cheap to build); this module runs the commands.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import socket
import sys
import time
from dataclasses import fields, replace
from datetime import datetime
from datetime import time as dtime
from typing import Any

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.commands.common import open_database, shown_url
from hvdesk.errors import HvdeskError, ValidationError
from hvdesk.models import OutboxMessage, OutboxStatus, Role
from hvdesk.notify import config as notify_config
from hvdesk.notify import lease as leases
from hvdesk.notify import secrets
from hvdesk.notify.monitor import POLL_S, Monitor, default_channels
from hvdesk.notify.sender import OutboxSender
from hvdesk.platform.heap import settle_allocator
from hvdesk.policy import (
    BOOL_FIELDS,
    NUMBER_FIELDS,
    OPTIONAL_NUMBER_FIELDS,
    PRESETS,
    TIME_FIELDS,
    PolicySettings,
)
from hvdesk.services.base import Actor
from hvdesk.services.notifications import ContactInput, NotificationService
from hvdesk.services.settings import SettingsService

POLICY_KEYS = [f.name for f in fields(PolicySettings) if f.name != "extra"]


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(None, f"command line ({who}@{socket.gethostname()})", Role.ADMIN.value)


# --- monitor ------------------------------------------------------------------------------------


def run_monitor(args: argparse.Namespace) -> int:
    settle_allocator()  # before any thread: runs for weeks (hvdesk.platform.heap)
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    db, clock = open_database(args)
    lease = leases.Lease(db, clock, kind=leases.MONITOR, lease_s=args.lease or leases.LEASE_S)
    monitor = Monitor(
        db, clock, poll_s=args.poll or POLL_S, lease=lease, beat_s=args.beat or leases.BEAT_S
    )

    def stop(signum: int, _frame: object) -> None:
        logging.getLogger("hvdesk.monitor").info("stopping (%s)", signal.Signals(signum).name)
        monitor.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("hvdesk.monitor").info(
        "hvdesk monitor on %s (pid %s), database %s; Ctrl+C or SIGTERM stops it",
        monitor.lease.host,
        monitor.lease.pid,
        shown_url(db.url),
    )
    try:
        monitor.run()
    finally:
        db.dispose()
    return 0


# --- settings -----------------------------------------------------------------------------------


def _policy_text(policy: PolicySettings, key: str) -> str:
    value = getattr(policy, key)
    if isinstance(value, dtime):
        return value.strftime("%H:%M")
    if value is None:
        return "off"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(key: str) -> str:
    for table in (NUMBER_FIELDS, OPTIONAL_NUMBER_FIELDS):
        if key in table:
            return table[key][0]
    if key in BOOL_FIELDS:
        return BOOL_FIELDS[key]
    if key in TIME_FIELDS:
        return TIME_FIELDS[key]
    if key in notify_config.KEYS:
        return notify_config.KEYS[key][1]
    return key.replace("_", " ")


def _secret_text(name: str) -> str:
    try:
        found = secrets.get_secret(name)
    except HvdeskError as err:
        return f"(unusable: {err})"
    if found.value:
        return f"(set; from {found.source})"
    env = secrets.SECRETS[name]
    return f"(not set; store it with `hvdesk settings set {name} -`, or set {env})"


def run_settings_list(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        policy = SettingsService(db, clock).policy()
        config = NotificationService(db, clock).config()
    finally:
        db.dispose()
    for key in POLICY_KEYS:
        print(f"{key} = {_policy_text(policy, key)}    # {_label(key)}")
    for key, (attr, help_) in notify_config.KEYS.items():
        print(f"{key} = {getattr(config, attr)}    # {help_}")
    for name in secrets.SECRETS:
        print(f"{name} = {_secret_text(name)}")
    return 0


def _unknown(key: str) -> HvdeskError:
    return HvdeskError(
        f"no setting called {key!r}; `hvdesk settings list` shows them all "
        "(e.g. escalate_after_min, smtp.host, sms.provider)"
    )


def run_settings_get(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        if args.key in POLICY_KEYS:
            print(_policy_text(SettingsService(db, clock).policy(), args.key))
        elif args.key in notify_config.KEYS:
            attr = notify_config.KEYS[args.key][0]
            print(getattr(NotificationService(db, clock).config(), attr))
        elif args.key in secrets.SECRETS:
            print(_secret_text(args.key))
        else:
            raise _unknown(args.key)
    finally:
        db.dispose()
    return 0


def _parse_policy(key: str, text: str) -> Any:
    label = _label(key)
    word = text.strip().lower()
    if key in NUMBER_FIELDS or key in OPTIONAL_NUMBER_FIELDS:
        if key in OPTIONAL_NUMBER_FIELDS and word in ("off", "none", ""):
            return None
        try:
            return int(word)
        except ValueError:
            raise HvdeskError(f"{key} ({label}): {text!r} is not a whole number") from None
    if key in BOOL_FIELDS:
        if word in ("yes", "true", "on", "1"):
            return True
        if word in ("no", "false", "off", "0"):
            return False
        raise HvdeskError(f"{key} ({label}): use yes or no")
    if key in TIME_FIELDS:
        try:
            hh, mm = word.split(":")
            return dtime(int(hh), int(mm))
        except ValueError:
            raise HvdeskError(f"{key} ({label}): use a 24-hour time like 08:30") from None
    return text


def _set_secret(key: str, value: str) -> str:
    if value == "-":
        value = getpass.getpass(f"{key}: ") if sys.stdin.isatty() else sys.stdin.readline()
    value = value.strip()
    if not value:
        raise HvdeskError(f"{key}: empty; type the secret, or pipe it in with `- < file`")
    return f"{key} stored ({secrets.set_secret(key, value)})"


def run_settings_set(args: argparse.Namespace) -> int:
    key, value = args.key, args.value
    if key in secrets.SECRETS:
        if value != "-":  # stored all the same: the warning is about where else it now is
            print(
                f"warning: a {key} typed on the command line stays in your shell history; "
                f"next time type `hvdesk settings set {key} -` and enter it when asked",
                file=sys.stderr,
            )
        print(_set_secret(key, value))
        return 0
    db, clock = open_database(args)
    try:
        actor = _actor()
        if key == "preset":
            if value not in PRESETS:
                raise HvdeskError(f"preset: {value!r} unknown; use one of {', '.join(PRESETS)}")
            SettingsService(db, clock).apply_preset(actor, value)
        elif key in POLICY_KEYS:
            service = SettingsService(db, clock)
            policy = service.policy().with_changes(**{key: _parse_policy(key, value)})
            try:
                service.save_policy(actor, policy)
            except ValidationError as err:
                raise HvdeskError(f"{key}: {err}") from None
        elif key in notify_config.KEYS:
            attr = notify_config.KEYS[key][0]
            service_n = NotificationService(db, clock)
            if attr == "smtp_port":
                try:
                    parsed: Any = int(value)
                except ValueError:
                    raise HvdeskError(f"{key}: {value!r} is not a port number (e.g. 587)") from None
            else:
                parsed = value
            service_n.save_config(actor, replace(service_n.config(), **{attr: parsed}))
        else:
            raise _unknown(key)
    finally:
        db.dispose()
    print(f"{key} = {value if key not in secrets.SECRETS else '(hidden)'}")
    return 0


# --- notify -------------------------------------------------------------------------------------


def run_notify_test(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        service = NotificationService(db, clock)
        (row,) = service.send_test(_actor(), args.to)
        holder = leases.status(db)
        if holder.alive(clock.now()) and holder.kind == leases.MONITOR:
            print(f"Queued (message {row.id}); the monitor on {holder.host} sends it.")
            row = _wait_for(service, row.id)
        else:
            lease = leases.Lease(db, clock, kind=leases.COMMAND)
            if not lease.beat():
                print(f"Queued (message {row.id}); an office PC monitoring now sends it.")
                row = _wait_for(service, row.id)
            else:
                try:
                    OutboxSender(db, clock, default_channels(db), holder=lease.holder).run_once()
                finally:
                    lease.release()
                row = service.message(row.id)
    finally:
        db.dispose()
    if row.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED):
        print(f"Sent to {row.recipient} by {row.channel} (gateway reference {row.provider_ref}).")
        return 0
    raise HvdeskError(
        f"the test {row.channel} to {row.recipient} was not sent: {row.last_error or row.status}"
    )


def _wait_for(
    service: NotificationService, message_id: int, timeout_s: float = 30.0
) -> OutboxMessage:
    deadline = time.monotonic() + timeout_s
    row = service.message(message_id)
    while row.status == OutboxStatus.QUEUED and row.attempts == 0:
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
        row = service.message(message_id)
    return row


def run_notify_outbox(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        service = NotificationService(db, clock)
        rows = service.outbox(status=args.status, limit=args.limit)
        health = service.health()
    finally:
        db.dispose()
    print(_monitor_line(health.lease, clock.now()))
    for fault in health.faults:
        print(f"FAULT: {fault}")
    if not rows:
        print("No messages.")
        return 0
    print(f"{'id':>5}  {'queued':<22} {'channel':<6} {'kind':<8} {'status':<9} {'tries':>5}  to")
    for r in rows:
        alarm = f" alarm {r.alarm_id}" if r.alarm_id else ""
        print(
            f"{r.id:>5}  {fmt_datetime(r.queued_at):<22} {r.channel:<6} {r.kind:<8} "
            f"{r.status:<9} {r.attempts:>5}  {r.recipient_name or r.recipient} "
            f"<{r.recipient}>{alarm}" + (f"  [{r.last_error}]" if r.last_error else "")
        )
    return 0


def _monitor_line(status: leases.LeaseStatus, now: datetime) -> str:
    if status.beat_at is None:
        return "Monitor: none has ever run on this database"
    age = status.age_s(now) or 0
    live = "" if status.alive(now) else " (lease expired)"
    return (
        f"Monitor: {status.host} ({status.kind}), last beat {fmt_time(status.beat_at)}, "
        f"{age:.0f} s ago{live}"
    )


def run_notify_contacts(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        contacts = NotificationService(db, clock).contacts()
    finally:
        db.dispose()
    if not contacts:
        print(
            "No escalation contacts yet: add one with `hvdesk notify add-contact NAME --mobile ...`"
        )
    for c in contacts:
        order = str(c.position) if c.active and c.on_ladder else "-"
        state = "" if c.active else " (inactive)"
        ladder = "" if c.on_ladder else " (responsible contact only)"
        stop = f" ({c.mobile_note})" if c.mobile_note else ""
        print(f"{order:>3}  {c.name} {c.role_label}  {c.mobile}{stop}  {c.email}{ladder}{state}")
    return 0


def run_notify_add_contact(args: argparse.Namespace) -> int:
    db, clock = open_database(args)
    try:
        contact = NotificationService(db, clock).save_contact(
            _actor(),
            ContactInput(
                args.name, args.role, args.mobile, args.email, on_ladder=not args.not_on_ladder
            ),
        )
    finally:
        db.dispose()
    print(f"Escalation contact {contact.name} added (number {contact.position} in the order).")
    return 0
