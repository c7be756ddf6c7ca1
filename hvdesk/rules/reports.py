"""Report figures as pure functions over plain rows: visits, cancellations, write-ups, attendance
suggestions acted on, and alarm statistics in the style of BS 8484 (lone worker alarm services).

BS 8484 asks an alarm receiving centre to answer alarms quickly and to show it: so for each month
and kind of alarm we give the time from the lapse (when the alarm was raised) to someone taking it,
and to it being resolved, as the median and the 90th percentile, the share taken within 10 s and
within 40 s, and the false alarms. Drills are counted apart and never in those figures; lapses
folded into another open alarm are not separate alarms.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from hvdesk.clock import london

MERGED = "merged"
KIND_WORDS = {
    "checkin": "Check-in overdue",
    "arrival": "No arrival call",
    "return": "Return overdue",
    "call_back": "No answer to the office call",
    "duress": "Duress",
}


def month_of(at: datetime) -> str:
    """'2026-11', by the London calendar."""
    return f"{london(at):%Y-%m}"


def p90(values: Sequence[float]) -> float | None:
    """90th percentile by the nearest-rank method (an observed value; defined for one value)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class VisitRow:
    start: datetime
    purpose: str  # label
    status: str
    cancel_reason: str = ""
    nobody_home: bool = False


def outcome_word(v: VisitRow) -> str:
    if v.status == "cancelled":
        return "Cancelled"
    if v.status == "rejected":
        return "Rejected"
    if v.status == "completed":
        return "Nobody home" if v.nobody_home else "Completed"
    if v.status == "returned":
        return "Not written up"
    return "Booked or under way"


def visits_by_month(rows: Iterable[VisitRow], key: str) -> dict[str, Counter[str]]:
    """{month: Counter(purpose or outcome)}; key is 'purpose' or 'outcome'."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for v in rows:
        out[month_of(v.start)][v.purpose if key == "purpose" else outcome_word(v)] += 1
    return dict(sorted(out.items()))


def cancellations_by_reason(rows: Iterable[VisitRow]) -> Counter[str]:
    return Counter(v.cancel_reason or "not given" for v in rows if v.status == "cancelled")


def not_written_up(rows: Iterable[VisitRow]) -> int:
    return sum(1 for v in rows if v.status == "returned")


@dataclass(frozen=True)
class AlarmRow:
    deadline_key: str
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolution: str
    drill: bool

    @property
    def kind(self) -> str:
        return self.deadline_key.split("@", 1)[0]


@dataclass(frozen=True)
class AlarmFigures:
    month: str
    kind: str  # KIND_WORDS key, or 'all'
    alarms: int
    taken_median_s: float | None
    taken_p90_s: float | None
    resolved_median_s: float | None
    resolved_p90_s: float | None
    within_10s: float | None  # share of alarms taken, 0..1
    within_40s: float | None
    false_alarms: int
    drills: int


def _figures(month: str, kind: str, alarms: Sequence[AlarmRow], drills: int) -> AlarmFigures:
    taken = [(a.acknowledged_at - a.raised_at).total_seconds() for a in alarms if a.acknowledged_at]
    done = [(a.resolved_at - a.raised_at).total_seconds() for a in alarms if a.resolved_at]
    n = len(alarms)
    return AlarmFigures(
        month,
        kind,
        n,
        median(taken),
        p90(taken),
        median(done),
        p90(done),
        sum(t <= 10 for t in taken) / n if n else None,
        sum(t <= 40 for t in taken) / n if n else None,
        sum(a.resolution == "false_alarm" for a in alarms),
        drills,
    )


def alarm_figures(rows: Iterable[AlarmRow]) -> list[AlarmFigures]:
    """Per month and kind, then per month for all kinds ('all'). An alarm never taken counts in
    'alarms' and against the shares, never in the times."""
    real: dict[tuple[str, str], list[AlarmRow]] = defaultdict(list)
    drills: Counter[tuple[str, str]] = Counter()
    for a in rows:
        if a.resolution == MERGED:
            continue
        month = month_of(a.raised_at)
        if a.drill or a.resolution == "drill":
            drills[(month, a.kind)] += 1
            drills[(month, "all")] += 1
            continue
        real[(month, a.kind)].append(a)
        real[(month, "all")].append(a)
    keys = sorted(set(real) | set(drills), key=lambda k: (k[0], k[1] == "all", k[1]))
    return [_figures(m, k, real.get((m, k), []), drills[(m, k)]) for m, k in keys]


def suggestions_acted_on(decisions: Iterable[tuple[datetime, str]]) -> dict[str, Counter[str]]:
    """{month: Counter(booked / dismissed)} from (decided_at, action)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for at, action in decisions:
        out[month_of(at)][action] += 1
    return dict(sorted(out.items()))
