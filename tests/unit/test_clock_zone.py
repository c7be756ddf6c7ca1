"""Europe/London is loaded on first use, not when hvdesk.clock is imported (the sign-in dialog's
start imports the clock; zoneinfo's import reads Python's build configuration)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from hvdesk.clock import london, london_day_bounds

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_importing_the_clock_loads_no_time_zone():
    out = _run(
        "import json, sys\n"
        "import hvdesk.clock, hvdesk.platform.heap\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    assert out.returncode == 0, out.stderr
    modules = set(json.loads(out.stdout))
    # nor the platform's calls and storage classes that hvdesk.platform once imported with heap
    assert modules.isdisjoint(
        {"zoneinfo", "sysconfig", "hvdesk.platform.base", "hvdesk.storage_location"}
    ), modules


def test_a_missing_london_zone_fails_at_the_first_london_time_not_at_import(tmp_path):
    """No tzdata and no system zones: the import still works (the sign-in dialog can show, the
    crash handler is in place), and the first London time raises zoneinfo's own error."""
    out = _run(
        "import sys\n"
        "sys.modules['tzdata'] = None\n"  # the tzdata package absent
        "from datetime import UTC, datetime\n"
        "import hvdesk.clock\n"
        "print('imported', flush=True)\n"
        "from zoneinfo import ZoneInfoNotFoundError\n"
        "try:\n"
        "    hvdesk.clock.london(datetime(2026, 7, 1, tzinfo=UTC))\n"
        "except ZoneInfoNotFoundError:\n"
        "    print('ZoneInfoNotFoundError')\n",
        PYTHONTZPATH=str(tmp_path),  # an empty folder: no system zones either
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["imported", "ZoneInfoNotFoundError"]


def test_london_times_and_days_are_unchanged():
    summer = london(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert (summer.hour, summer.utcoffset().total_seconds()) == (13, 3600)
    start, end = london_day_bounds(date(2026, 10, 25))  # the clocks go back: 25 hours
    assert (end - start).total_seconds() == 25 * 3600
    assert start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


def test_repair_commands_say_times_in_utc_without_the_zone(monkeypatch):
    """Review of #14: `key show` signs in without checking the zone; a locked account's message
    then raised ZoneInfoNotFoundError (a traceback, every retry): it says the time in UTC."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfoNotFoundError

    from hvdesk import clock
    from hvdesk.services import auth

    def no_zone(_value: datetime) -> datetime:
        raise ZoneInfoNotFoundError("No time zone found with key Europe/London")

    monkeypatch.setattr(clock, "london", no_zone)
    when = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert clock.fmt_time_any_zone(when) == "09:30 UTC"
    assert clock.fmt_datetime_any_zone(when) == "Wed 01 Jul 2026 09:30 UTC"
    assert "until 09:30 UTC" in auth._locked_text(when)
    monkeypatch.undo()
    assert clock.fmt_time_any_zone(when) == "10:30"  # British Summer Time, as before
