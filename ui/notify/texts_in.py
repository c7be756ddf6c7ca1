"""Texts received from staff and contacts: when, from whom, what hvdesk did and what it answered.

PINs and safe words are hidden before a text is stored, so nothing here can reveal them. Read on the
worker thread; refreshed while shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.services.texts_in import InboundTextService, TextRow
from ui.list_view import filter_box, filtered_table
from ui.models.table import Column, RowTableModel
from ui.worker import Worker

ALERT = QColor("#b00020")


def _colour(row: TextRow) -> QColor | None:
    return ALERT if row.outcome.startswith(("DURESS", "Wrong PIN")) else None


def _received(row: TextRow) -> str:
    late = (row.received_at - row.sent_at).total_seconds() >= 120
    return fmt_time(row.received_at) + (" (late)" if late else "")


COLUMNS: list[Column[TextRow]] = [
    Column("Sent", lambda r: fmt_datetime(r.sent_at), lambda r: r.sent_at),
    Column("Received", _received, lambda r: r.received_at),
    Column("From", lambda r: f"{r.who} ({r.sender})"),
    Column("What hvdesk did", lambda r: r.outcome, foreground=_colour),
    Column("Text (PIN and safe words hidden)", lambda r: r.text, tooltip=lambda r: r.text),
    Column("Reply", lambda r: r.reply, tooltip=lambda r: r.reply),
    Column("Visit", lambda r: str(r.visit_id or ""), lambda r: r.visit_id or 0),
]


class TextsInTab(QWidget):
    def __init__(self, service: InboundTextService, worker: Worker) -> None:
        super().__init__()
        self.service, self.worker = service, worker
        self.model: RowTableModel[TextRow] = RowTableModel(COLUMNS, self)
        self.table, self.proxy = filtered_table(
            self.model, "Texts received", self, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.summary = QLabel()
        self.summary.setAccessibleName("Texts received summary")
        layout = QVBoxLayout(self)
        layout.addWidget(filter_box(self.proxy, "filter: name, number, what…", "Filter texts"))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._busy = False

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.worker.submit(self.service.recent, self._loaded, self._failed)

    def _loaded(self, rows: list[TextRow]) -> None:
        self._busy = False
        self.model.set_rows(rows)
        self.summary.setText(
            f"{len(rows)} most recent texts received" if rows else "No texts received yet."
        )

    def _failed(self, message: str) -> None:
        self._busy = False
        self.summary.setText(f"Could not read the texts: {message.splitlines()[0]}")
