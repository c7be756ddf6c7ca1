"""When the daily backup runs while hvdesk stays open for days (an office PC left in the tray).

A backup only at start-up means an app left running for weeks makes none. The school sets a time of
day (Europe/London); once that time has passed, the day's backup is due unless one was made since.
Pure functions of the time, so a timer that was asleep simply finds the backup due when it wakes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hvdesk.clock import from_london, london

DEFAULT_DAILY_AT = time(17, 30)  # after the school day, while the office PC is usually still on


def slot_on(now: datetime, daily_at: time) -> datetime:
    """Today's backup time (London) as an aware UTC datetime."""
    return from_london(datetime.combine(london(now).date(), daily_at))


def backup_due(now: datetime, daily_at: time, last_backup_at: datetime | None) -> bool:
    slot = slot_on(now, daily_at)
    return now >= slot and (last_backup_at is None or last_backup_at < slot)


def next_backup_at(now: datetime, daily_at: time, last_backup_at: datetime | None) -> datetime:
    """The next moment a backup is due: now when overdue, else today's or tomorrow's slot."""
    if backup_due(now, daily_at, last_backup_at):
        return now
    slot = slot_on(now, daily_at)
    if now < slot:
        return slot
    tomorrow = london(now).date() + timedelta(days=1)
    return from_london(datetime.combine(tomorrow, daily_at))
