"""School hours: when a visit counts as out of hours or evening (times compared in Europe/London)."""

from __future__ import annotations

from datetime import datetime

from hvdesk.clock import london
from hvdesk.policy import PolicySettings


def is_out_of_hours(start: datetime, end: datetime, policy: PolicySettings) -> bool:
    """Any part outside the school day, or at a weekend (Harborne: needs a reason and a contact)."""
    s, e = london(start), london(end)
    if s.weekday() >= 5 or e.weekday() >= 5 or s.date() != e.date():
        return True
    return s.time() < policy.school_day_start or e.time() > policy.school_day_end


def is_evening(start: datetime, end: datetime, policy: PolicySettings) -> bool:
    """Any part at or after the evening threshold (St Hugh's: strongly recommended against)."""
    s, e = london(start), london(end)
    return s.date() != e.date() or e.time() > policy.evening_from or s.time() >= policy.evening_from
