"""An alarm owed to a person that no channel can carry is a fault, never a silence.

The outbox queues a message per channel that is set up and the person has an address for; when that
is none (no channel set up, SMS only and no mobile on file) or there is nobody to tell (no
escalation contacts), the alarm would leave the building to no one and nothing would say so. This
records it as a health fault every seat shows, next to the channels' own faults ('Alarm 3 due to
Linda Francis at 10:02, nobody told: no channel set up ...'), and logs it once per change.

It is one `channel_health` row (REACH) written in the alarm's own transaction, inside a savepoint so
two seats writing it at once never roll back the alarm. It clears when that alarm is handled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hvdesk.clock import fmt_time
from hvdesk.models import Channel, ChannelHealth
from hvdesk.notify.config import NotifyConfig
from hvdesk.rules import escalation_messages as em

log = logging.getLogger(__name__)

REACH = "reach"  # the channel_health row for 'nobody told'
NO_CHANNEL = (
    "no channel set up; set up SMS or email in Settings > Channels "
    "(or `hvdesk settings set sms.provider twilio`)"
)
NO_CONTACTS = (
    "no escalation contacts; add one in Settings > Contacts (or `hvdesk notify add-contact`)"
)


def why_unreachable(config: NotifyConfig, person: em.Person) -> str | None:
    """Why no channel can carry a message to this person, or None when one can."""
    ready = config.channels_ready()
    if not ready:
        return NO_CHANNEL
    addresses = {Channel.SMS.value: person.mobile, Channel.EMAIL.value: person.email}
    if any(addresses[channel] for channel in ready):
        return None
    if ready == [Channel.SMS.value]:
        return "no mobile on file and SMS is the only channel set up; add their mobile"
    if ready == [Channel.EMAIL.value]:
        return "no email on file and email is the only channel set up; add their email"
    return "no mobile or email on file; add one to the contact"


def check(
    session: Session,
    config: NotifyConfig,
    facts: em.AlarmFacts,
    notices: list[em.Notice],
    anyone: bool,
    now: datetime,
    every: timedelta,
) -> None:
    """After the ladder decided who is due (`notices`): record whoever no channel can reach, or
    that there is nobody to tell at all (`anyone` False) once the ladder should have started."""
    if facts.handled_at is not None:
        alarm_handled(session, facts.alarm_id, now)
        return
    if not anyone:
        start = em.ladder_starts(facts, every)
        if start <= now:
            nobody_told(session, facts.alarm_id, "the escalation contacts", start, NO_CONTACTS, now)
        return
    for notice in notices:
        why = why_unreachable(config, notice.person) if notice.kind == em.ALARM else None
        if why is not None:
            nobody_told(session, facts.alarm_id, notice.person.name, notice.due_at, why, now)


def nobody_told(
    session: Session, alarm_id: int, who: str, due_at: datetime, why: str, now: datetime
) -> None:
    """Record (in the caller's transaction) that alarm `alarm_id` was due to `who` and reached no
    one; logged as a warning when the fault is new or changed."""
    text = f"Alarm {alarm_id} due to {who} at {fmt_time(due_at)}, nobody told: {why}"
    try:
        with session.begin_nested():
            row = session.get(ChannelHealth, REACH)
            if row is None:
                row = ChannelHealth(channel=REACH, last_error="", updated_at=now)
                session.add(row)
            if row.failing_since is not None and row.last_error == text:
                return
            row.failing_since = row.failing_since or now
            row.last_error = text
            row.updated_at = now
    except IntegrityError:
        return  # another seat recorded it a moment ago
    log.warning("%s", text)


def alarm_handled(session: Session, alarm_id: int, now: datetime) -> None:
    """The office has the alarm: a 'nobody told' fault about it no longer needs anyone."""
    row = session.get(ChannelHealth, REACH)
    if row is None or row.failing_since is None:
        return
    if not row.last_error.startswith(f"Alarm {alarm_id} "):
        return
    row.failing_since, row.last_error, row.last_ok_at, row.updated_at = None, "", now, now
    log.warning("alarm %s handled; the 'nobody told' fault is cleared", alarm_id)
