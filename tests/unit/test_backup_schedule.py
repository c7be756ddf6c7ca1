"""The daily backup while hvdesk stays open: when it is due, in London time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from hvdesk.backup_schedule import DEFAULT_DAILY_AT, backup_due, next_backup_at
from hvdesk.errors import NotAllowed
from hvdesk.services.backup_settings import BackupSettingsService

AT = time(17, 30)
WINTER = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # GMT: London = UTC
SUMMER_SLOT = datetime(2026, 6, 10, 16, 30, tzinfo=UTC)  # BST: 17:30 in London


@pytest.mark.parametrize(
    ("now", "last", "due"),
    [
        (WINTER.replace(hour=9), None, False),  # morning: not yet
        (WINTER, None, True),  # on the minute
        (WINTER.replace(hour=17, minute=29), WINTER.replace(hour=8), False),
        (WINTER.replace(hour=18), WINTER.replace(hour=8), True),  # start-up backup was earlier
        (WINTER.replace(hour=18), WINTER.replace(hour=17, minute=31), False),  # done today
        (WINTER.replace(day=25, hour=9), WINTER.replace(hour=17, minute=31), False),
        (WINTER.replace(day=27, hour=20), WINTER.replace(hour=17, minute=31), True),  # PC slept
        (SUMMER_SLOT, None, True),
        (SUMMER_SLOT.replace(minute=29), None, False),
    ],
)
def test_backup_due(now, last, due):
    assert backup_due(now, AT, last) is due


def test_next_backup_at():
    assert next_backup_at(WINTER.replace(hour=9), AT, None) == WINTER
    done = WINTER.replace(hour=17, minute=31)
    assert next_backup_at(WINTER.replace(hour=18), AT, done) == WINTER.replace(day=25)
    assert next_backup_at(WINTER.replace(hour=18), AT, None) == WINTER.replace(hour=18)
    assert next_backup_at(SUMMER_SLOT.replace(hour=9), AT, None) == SUMMER_SLOT


def test_the_backup_time_is_a_school_setting_changed_with_an_audit_event(db, clock, office, visitor):
    from sqlalchemy import select

    from hvdesk.models import Event

    service = BackupSettingsService(db, clock)
    assert service.daily_at() == DEFAULT_DAILY_AT
    service.save_daily_at(office, time(18, 5, 30))
    assert service.daily_at() == time(18, 5)
    with db.read() as s:
        event = s.scalar(select(Event).where(Event.kind == "backup_time_changed"))
    assert event is not None and event.note == "daily backup at 18:05"
    with pytest.raises(NotAllowed):
        service.save_daily_at(visitor, time(7, 0))
