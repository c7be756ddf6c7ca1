"""How a visit reads in lists: status words with a symbol, so colour is never the only signal."""

from __future__ import annotations

from PySide6.QtGui import QColor

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.models import STATUS_LABELS, Visit, VisitStatus
from hvdesk.services.visit_list import VisitListRow
from ui.models.table import Column

STATUS_BADGES: dict[str, str] = {
    VisitStatus.DRAFT: "✎ Draft",
    VisitStatus.AWAITING_APPROVAL: "? Awaiting approval",
    VisitStatus.APPROVED: "✓ Approved",
    VisitStatus.OUT: "→ Out",
    VisitStatus.ON_SITE: "⌂ On site",
    VisitStatus.LEFT_PROPERTY: "← Left property",
    VisitStatus.RETURNED: "↩ Returned",
    VisitStatus.COMPLETED: "✔ Completed",
    VisitStatus.REJECTED: "✗ Rejected",
    VisitStatus.CANCELLED: "⊘ Cancelled",
}
STATUS_COLOURS: dict[str, str] = {
    VisitStatus.DRAFT: "#5f6368",
    VisitStatus.AWAITING_APPROVAL: "#8a5a00",
    VisitStatus.APPROVED: "#1b5e20",
    VisitStatus.OUT: "#0d47a1",
    VisitStatus.ON_SITE: "#0d47a1",
    VisitStatus.LEFT_PROPERTY: "#0d47a1",
    VisitStatus.RETURNED: "#1b5e20",
    VisitStatus.COMPLETED: "#5f6368",
    VisitStatus.REJECTED: "#b00020",
    VisitStatus.CANCELLED: "#b00020",
}


def badge(status: str) -> str:
    return STATUS_BADGES.get(status, STATUS_LABELS.get(VisitStatus(status), status))


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#000000"))


def visit_columns(*, with_date: bool = True) -> list[Column[Visit]]:
    when = (
        Column[Visit]("When", lambda v: fmt_datetime(v.start), sort=lambda v: v.start)
        if with_date
        else Column[Visit](
            "Time", lambda v: f"{fmt_time(v.start)}–{fmt_time(v.end)}", sort=lambda v: v.start
        )
    )
    return [
        when,
        Column("Household", lambda v: v.household.name),
        Column(
            "Address",
            lambda v: v.household.one_line_address,
            tooltip=lambda v: v.household.one_line_address,
        ),
        Column("Purpose", lambda v: v.purpose_label, tooltip=lambda v: v.purpose_label),
        Column("Staff", lambda v: v.staff_names, tooltip=lambda v: v.staff_names),
        Column(
            "Status",
            lambda v: badge(v.status),
            foreground=lambda v: status_colour(v.status),
        ),
    ]


def visit_list_columns() -> list[Column[VisitListRow]]:
    """The Visits screen's columns over flat rows (one page of the database's list)."""
    return [
        Column[VisitListRow]("When", lambda v: fmt_datetime(v.start)),
        Column[VisitListRow]("Household", lambda v: v.household_name),
        # the columns that give way on a narrow screen: eliding, their whole text in the tooltip
        Column[VisitListRow](
            "Address", lambda v: v.one_line_address, tooltip=lambda v: v.one_line_address
        ),
        Column[VisitListRow](
            "Purpose", lambda v: v.purpose_label, tooltip=lambda v: v.purpose_label
        ),
        Column[VisitListRow]("Staff", lambda v: v.staff_names, tooltip=lambda v: v.staff_names),
        Column[VisitListRow](
            "Status", lambda v: badge(v.status), foreground=lambda v: status_colour(v.status)
        ),
    ]
