"""Time sources. Everything in the core asks a Clock, never datetime.now(), so tests can move time."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


@cache
def london_zone() -> ZoneInfo:
    """Europe/London, loaded on first use: importing zoneinfo reads Python's build configuration
    (sysconfig, ~10 ms), which the sign-in dialog's start (it imports this module) need not wait
    for. A missing zone raises ZoneInfoNotFoundError here, at the first London time."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


ZONE_MISSING = (
    "cannot find the Europe/London time-zone data (tzdata): reinstall hvdesk (your data is not "
    "affected; `hvdesk backup --out FILE` still works)"
)


def require_london_zone() -> None:
    """Raise one plain HvdeskError when Europe/London cannot load (tzdata missing): called where
    London times are shown or computed (the window's start, the commands that show them) before
    a password is asked for or the command runs, rather than at the first time shown. The repair
    commands (backup, audit verify, key show/sheet, restore, migrate) do not call it: they are
    what a technician told to reinstall hvdesk runs first."""
    from zoneinfo import ZoneInfoNotFoundError

    from hvdesk.errors import HvdeskError

    try:
        london_zone()
    except ZoneInfoNotFoundError:
        raise HvdeskError(ZONE_MISSING) from None


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall-clock time."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never jumps (for sleep / clock-change detection)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock tests set and advance by hand. `jump` moves wall time only, like a PC waking up."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta | float) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        new = utc(when)
        self._mono += (new - self._now).total_seconds()
        self._now = new

    def jump(self, delta: timedelta) -> None:
        """Wall clock moves but monotonic does not: what a sleeping PC or a clock change looks like."""
        self._now += delta


def utc(value: datetime) -> datetime:
    """Return `value` as aware UTC; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def london(value: datetime) -> datetime:
    return utc(value).astimezone(london_zone())


def from_london(local: datetime) -> datetime:
    """A wall-clock time typed in the office (Europe/London) as aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=london_zone())
    return local.astimezone(UTC)


def london_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start and end of a London calendar day (23 or 25 hours long when the clocks change)."""
    zone = london_zone()
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def fmt_time(value: datetime | None) -> str:
    return london(value).strftime("%H:%M") if value else ""


def fmt_datetime(value: datetime | None) -> str:
    return london(value).strftime("%a %d %b %Y %H:%M") if value else ""


def fmt_datetime_any_zone(value: datetime) -> str:
    """`fmt_datetime`, or the time in UTC (said so) without the zone data: for what prints
    before the zone is checked (the key's recovery sheet, printed to repair an install)."""
    return _any_zone(value, "%a %d %b %Y %H:%M")


def fmt_time_any_zone(value: datetime) -> str:
    """`fmt_time`, or HH:MM UTC without the zone data: for what the repair commands say (a
    locked account's message and audit text when `key show` is refused)."""
    return _any_zone(value, "%H:%M")


def _any_zone(value: datetime, pattern: str) -> str:
    from zoneinfo import ZoneInfoNotFoundError

    try:
        return london(value).strftime(pattern)
    except ZoneInfoNotFoundError:
        return f"{utc(value).strftime(pattern)} UTC"


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london(value).date()
    return value.strftime("%d %b %Y")
