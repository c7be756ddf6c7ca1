"""How each visit state looks on the calendar: a word and symbol first, then line, fill and colour.

Colour is never the only signal (UI.md): every state has its badge text, and the states people must
tell apart at a glance also differ in outline (dashed awaiting approval, dotted draft, heavy overdue)
and fill (hatched cancelled or rejected).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from hvdesk.models import VisitStatus
from ui.calendar.model import OVERDUE
from ui.visit_columns import STATUS_BADGES, STATUS_COLOURS

OVERDUE_BADGE = "⚠ OVERDUE"


@dataclass(frozen=True)
class StateStyle:
    badge: str
    short: str  # symbol only, for the month grid's counts
    ink: QColor  # text and outline
    fill: QColor
    outline: Qt.PenStyle
    outline_width: float
    hatched: bool = False
    struck: bool = False

    @property
    def travel(self) -> QColor:
        """The fill, paler: the travel either side of the visit (opaque, so painting is cheap)."""
        c = self.fill
        return QColor(
            (c.red() + 2 * 255) // 3, (c.green() + 2 * 255) // 3, (c.blue() + 2 * 255) // 3
        )


def _style(status: str, fill: str, outline: Qt.PenStyle, width: float = 1.5, **kw) -> StateStyle:
    badge = STATUS_BADGES.get(status, status)
    return StateStyle(
        badge=badge,
        short=badge.split(" ", 1)[0],
        ink=QColor(STATUS_COLOURS.get(status, "#000000")),
        fill=QColor(fill),
        outline=outline,
        outline_width=width,
        **kw,
    )


SOLID, DASH, DOT = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine
STYLES: dict[str, StateStyle] = {
    VisitStatus.DRAFT: _style(VisitStatus.DRAFT, "#f1f3f4", DOT),
    VisitStatus.AWAITING_APPROVAL: _style(VisitStatus.AWAITING_APPROVAL, "#fff4d6", DASH, 2),
    VisitStatus.APPROVED: _style(VisitStatus.APPROVED, "#e3f1e4", SOLID),
    VisitStatus.OUT: _style(VisitStatus.OUT, "#dde8f8", SOLID, 2),
    VisitStatus.ON_SITE: _style(VisitStatus.ON_SITE, "#dde8f8", SOLID, 2),
    VisitStatus.LEFT_PROPERTY: _style(VisitStatus.LEFT_PROPERTY, "#dde8f8", SOLID, 2),
    VisitStatus.RETURNED: _style(VisitStatus.RETURNED, "#eef3ee", SOLID, 1),
    VisitStatus.COMPLETED: _style(VisitStatus.COMPLETED, "#f3f3f3", SOLID, 1),
    VisitStatus.REJECTED: _style(
        VisitStatus.REJECTED, "#f7eded", SOLID, 1, hatched=True, struck=True
    ),
    VisitStatus.CANCELLED: _style(
        VisitStatus.CANCELLED, "#f7eded", SOLID, 1, hatched=True, struck=True
    ),
    OVERDUE: StateStyle(
        badge=OVERDUE_BADGE,
        short="⚠",
        ink=QColor("#b00020"),
        fill=QColor("#fde3e3"),
        outline=SOLID,
        outline_width=3.5,
    ),
}
LEGEND_ORDER = (
    VisitStatus.APPROVED,
    VisitStatus.AWAITING_APPROVAL,
    VisitStatus.DRAFT,
    VisitStatus.OUT,
    OVERDUE,
    VisitStatus.COMPLETED,
    VisitStatus.CANCELLED,
)

# The month grid's per-day tally reads in lifecycle order.
TALLY_ORDER = (
    OVERDUE,
    VisitStatus.OUT,
    VisitStatus.ON_SITE,
    VisitStatus.LEFT_PROPERTY,
    VisitStatus.DRAFT,
    VisitStatus.AWAITING_APPROVAL,
    VisitStatus.APPROVED,
    VisitStatus.RETURNED,
    VisitStatus.COMPLETED,
    VisitStatus.REJECTED,
    VisitStatus.CANCELLED,
)


def style_for(state: str) -> StateStyle:
    return STYLES.get(state, STYLES[VisitStatus.DRAFT])


def badge_for(state: str) -> str:
    return style_for(state).badge
