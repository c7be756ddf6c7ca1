"""What the status bar says about monitoring outside this window: who holds the lease and how long
since it beat, a loud warning when nobody has for 2 minutes while staff are out, channel faults.

`monitor_text` is pure (tested without a display); the labels are filled from the worker thread's
answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hvdesk.notify import lease as leases
from ui.a11y import ink

LOUD_STYLE = "QLabel { background: #b00020; color: white; font-weight: bold; padding: 2px 6px; }"


def fault_style() -> str:
    """Red and bold, read at the time of use (the theme may be high contrast)."""
    return f"QLabel {{ color: {ink('#b00020')}; font-weight: bold; }}"


@dataclass(frozen=True)
class MonitorText:
    text: str
    loud: bool
    tooltip: str = ""


def monitor_text(
    status: leases.LeaseStatus, now: datetime, *, mine: str = "", out_count: int = 0
) -> MonitorText:
    age = status.age_s(now)
    if status.alive(now) and status.holder == mine:
        return MonitorText(
            "Monitor: this PC",
            False,
            "No headless monitor is running: this PC raises escalation texts and emails while "
            "it is on. Run `hvdesk monitor` on an always-on server so they go out when it is off.",
        )
    if status.beat_at is not None and not status.silent(now):
        where = status.host if status.kind == leases.MONITOR else f"office PC {status.host}"
        return MonitorText(
            f"Monitor: {where}, {age:.0f} s ago",
            False,
            "Escalation texts and emails are sent by this monitor.",
        )
    since = "has ever run" if age is None else f"has beaten for {age / 60:.0f} min"
    if out_count:
        return MonitorText(
            "NO MONITOR: alarms not texted",
            True,
            f"No monitor {since} while staff are out. Alarms still show on "
            "screen here, but nobody outside the office will be texted or emailed. Start "
            "`hvdesk monitor` on the server, or keep an office PC with hvdesk open.",
        )
    return MonitorText(f"Monitor: none {since}", False, "Nobody is out now.")
