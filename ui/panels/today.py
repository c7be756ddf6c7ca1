"""Today: who is out now, what is later today, what awaits approval or a write-up.

The live tracker (issue 6) replaces the 'Out now' list with countdowns and alarm levels.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from hvdesk.clock import london
from hvdesk.models import ACTIVE_STATUSES, Visit, VisitStatus
from hvdesk.services.visits import VisitQueries
from ui.models.table import RowTableModel
from ui.visit_columns import visit_columns


def _table(model: RowTableModel[Visit], name: str) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    return table


class TodayPanel(QWidget):
    def __init__(self, queries: VisitQueries, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.queries = queries
        self.out_model: RowTableModel[Visit] = RowTableModel(visit_columns(with_date=False), self)
        self.later_model: RowTableModel[Visit] = RowTableModel(visit_columns(with_date=False), self)
        self.pending_model: RowTableModel[Visit] = RowTableModel(visit_columns(), self)
        self.out_title = QLabel()
        self.later_title = QLabel()
        self.pending_title = QLabel()
        layout = QVBoxLayout(self)
        for title, model, name in (
            (self.out_title, self.out_model, "Out now"),
            (self.later_title, self.later_model, "Later today"),
            (self.pending_title, self.pending_model, "Awaiting approval and outcomes to write up"),
        ):
            title.setStyleSheet("font-weight: bold; font-size: 13pt;")
            layout.addWidget(title)
            layout.addWidget(_table(model, name))
        self.refresh()

    def refresh(self) -> None:
        now = self.queries.clock.now()
        out = self.queries.out_now()
        today = [
            v
            for v in self.queries.on_day(london(now).date())
            if v.start >= now
            and v.status not in {s.value for s in ACTIVE_STATUSES}
            and v.status not in (VisitStatus.CANCELLED, VisitStatus.REJECTED)
        ]
        pending = self.queries.with_status(VisitStatus.AWAITING_APPROVAL, VisitStatus.RETURNED)
        self.out_model.set_rows(out)
        self.later_model.set_rows(today)
        self.pending_model.set_rows(pending)
        self.out_title.setText(f"OUT NOW ({len(out)})")
        self.later_title.setText(f"LATER TODAY ({len(today)})")
        waiting = sum(v.status == VisitStatus.AWAITING_APPROVAL for v in pending)
        self.pending_title.setText(
            f"AWAITING APPROVAL ({waiting})   OUTCOMES TO WRITE UP ({len(pending) - waiting})"
        )
