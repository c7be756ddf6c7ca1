"""Which backups to keep: the newest of each of the last days, weeks and months (grandfather-father-son).

Keeping every daily copy grows with the days kept (a copy of the whole database each); this keeps a
fixed number whatever the history: by default 7 daily + 4 weekly + 12 monthly, at most 23 files,
reaching a year back. A backup kept by one rule counts for it alone; the others pick on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def _newest_per_period(
    days: list[date], period: Callable[[date], Hashable], count: int
) -> set[date]:
    """Walking newest first: the first backup of each new period, for `count` periods."""
    kept: set[date] = set()
    seen: set[Hashable] = set()
    for day in days:
        if len(seen) >= count:
            break
        key = period(day)
        if key not in seen:
            seen.add(key)
            kept.add(day)
    return kept


DEFAULT_RULE = Retention()


def backups_to_keep(days: Iterable[date], rule: Retention = DEFAULT_RULE) -> set[date]:
    """The backup days to keep out of `days` (one backup a day at most); the rest may go."""
    newest_first = sorted(set(days), reverse=True)
    return (
        _newest_per_period(newest_first, lambda d: d, rule.daily)
        | _newest_per_period(newest_first, lambda d: d.isocalendar()[:2], rule.weekly)
        | _newest_per_period(newest_first, lambda d: (d.year, d.month), rule.monthly)
    )
