"""Accounts that resist guessing: when a run of wrong passwords locks an account, and for how long.

Pure functions over the account's counters and the time, so the policy can be tested on a fake clock.
A school's data protection officer expects a guessing attack to be slowed to a crawl: each repeated
lock-out lasts twice as long as the one before (capped at a day), until a correct sign-in or an admin
unlocks the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_LOCK = timedelta(hours=24)


@dataclass(frozen=True)
class AfterFailure:
    failed: int  # wrong passwords in a row, after this one
    lockouts: int
    locked_until: datetime | None  # set when this failure locks the account


def lock_length(base_min: int, lockouts_before: int) -> timedelta:
    """15 min, then 30, 60, ... (base doubled for each earlier lock-out), never over a day."""
    doubling: int = 2 ** min(lockouts_before, 16)  # a count of lock-outs: never negative
    return min(timedelta(minutes=base_min) * doubling, MAX_LOCK)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(
    failed: int, lockouts: int, now: datetime, *, limit: int, base_min: int
) -> AfterFailure:
    """Count a wrong password; the `limit`-th in a row locks the account."""
    failed += 1
    if failed < limit:
        return AfterFailure(failed, lockouts, None)
    return AfterFailure(0, lockouts + 1, now + lock_length(base_min, lockouts))
