"""How soon the power plan puts this PC to sleep when nobody touches it, read from the OS tools.

What is read, and why: hvdesk holds a keep-awake request (SetThreadExecutionState with
ES_SYSTEM_REQUIRED on Windows, a logind sleep:idle inhibitor on Linux) while anyone is out, and
that request does stop the idle timers read here (STANDBYIDLE and HIBERNATEIDLE on Windows; logind's
IdleAction and GNOME's sleep-inactive-ac on Linux). So a plan that sleeps after 15 minutes is not by
itself a late alarm. It is the one thing standing between the office and a sleeping PC, though:
the request does not stop a closed lid, the power button, Start > Sleep, a Modern Standby PC
parking desktop apps once the screen is off, a policy that ignores system-required requests, or
the request being refused or lost. The status bar therefore names the plan's time, only while
staff are out, in a conditional sentence ("alarms may be late if hvdesk cannot keep it awake"), so
IT can set "Sleep: never" on mains power for the office PC. On battery (DC) the plan is not read:
an office PC on duty is expected on mains, and a laptop on battery has worse problems than its
timer. A value that cannot be read is None (no warning), never a guess.
"""

from __future__ import annotations

import re
from datetime import timedelta

_HEX = re.compile(r":\s*0x([0-9a-fA-F]+)\s*$")
_AC_INDEX = re.compile(r"Current AC Power Setting Index:\s*0x([0-9a-fA-F]+)", re.IGNORECASE)
_SPAN = re.compile(r"(\d+)\s*(us|ms|s|sec|min|h|d)?", re.IGNORECASE)
_SPAN_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400}
SLEEPING_IDLE_ACTIONS = {"suspend", "hibernate", "hybrid-sleep", "suspend-then-hibernate", "sleep"}


def parse_powercfg_ac_seconds(text: str) -> int | None:
    """`powercfg /query SCHEME_CURRENT SUB_SLEEP STANDBYIDLE` (or HIBERNATEIDLE) → the AC value
    in seconds (0 = never). The English label is preferred; a localised Windows prints the same
    five hex values in the same order (minimum, maximum, increment, AC, DC), so the fourth is AC."""
    labelled = _AC_INDEX.search(text)
    if labelled:
        return int(labelled.group(1), 16)
    values = [m.group(1) for line in text.splitlines() if (m := _HEX.search(line))]
    return int(values[3], 16) if len(values) >= 4 else None


def parse_gsettings_uint(text: str) -> int | None:
    """`gsettings get ... sleep-inactive-ac-timeout` prints `1200` (or `uint32 1200`)."""
    words = text.split()
    return int(words[-1]) if words and words[-1].isdigit() else None


def parse_gsettings_string(text: str) -> str | None:
    """`gsettings get ... sleep-inactive-ac-type` prints `'suspend'` (quotes included)."""
    value = text.strip().strip("'\"")
    return value or None


def parse_timespan_seconds(text: str) -> int | None:
    """A systemd time span as loginctl prints it (`30min`, `1h 30min`, `0`, or plain microseconds
    from `busctl`-style output) → seconds; None when it is not one."""
    value = text.strip()
    if not value:
        return None
    if value.isdigit():
        return int(value) // 1_000_000  # a bare number is microseconds (…USec)
    total = 0.0
    matched = "".join(m.group(0) for m in _SPAN.finditer(value)).replace(" ", "")
    if matched != value.replace(" ", ""):
        return None
    for number, unit in _SPAN.findall(value):
        total += int(number) * _SPAN_SECONDS[(unit or "s").lower()]
    return int(total)


def parse_logind_idle(text: str) -> int | None:
    """`loginctl show-session -p IdleAction -p IdleActionUSec` (the manager's own properties) →
    seconds until logind sleeps an idle session, or None when its idle action does not sleep."""
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if props.get("IdleAction", "").strip() not in SLEEPING_IDLE_ACTIONS:
        return None
    seconds = parse_timespan_seconds(props.get("IdleActionUSec", ""))
    return seconds or None


def shortest(*seconds: int | None) -> timedelta | None:
    """The soonest of several sleep timers; 0 and None mean "never" and are left out."""
    known = [s for s in seconds if s]
    return timedelta(seconds=min(known)) if known else None
