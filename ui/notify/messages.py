"""Every message hvdesk sent or is sending: to whom, channel, queued, sent, delivered or failed,
retries and the alarm it belongs to. Read on the worker thread; refreshed while shown."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.models import OutboxMessage, OutboxStatus
from hvdesk.services.notifications import NotificationService
from ui.a11y import field_label
from ui.list_view import filter_box, filtered_table
from ui.models.table import Column, RowTableModel
from ui.worker import Worker

STATUS_WORDS = {
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "FAILED",
}
KIND_WORDS = {
    "alarm": "Alarm",
    "handled": "Handled",
    "departed": "Left (out of hours)",
    "test": "Test",
    "text_reply": "Reply to a text",
    "safety_check": "Check-in due (to staff)",
    "responsible_ask": "Responsible contact asked",
}


def _status(m: OutboxMessage) -> str:
    word = STATUS_WORDS.get(m.status, m.status)
    if m.status == OutboxStatus.QUEUED and m.attempts:
        return f"Retrying (next {fmt_time(m.next_attempt_at)})"
    return word


def _colour(m: OutboxMessage) -> QColor | None:
    if m.status == OutboxStatus.FAILED or (m.status == OutboxStatus.QUEUED and m.attempts):
        return QColor("#b00020")
    return None


def _to(m: OutboxMessage) -> str:
    if m.recipient_name and m.recipient_name != m.recipient:
        return f"{m.recipient_name} <{m.recipient}>"
    return m.recipient


COLUMNS: list[Column[OutboxMessage]] = [
    Column("Queued", lambda m: fmt_datetime(m.queued_at), lambda m: m.queued_at),
    Column(
        "To", lambda m: f"{m.recipient_name} <{m.recipient}>" if m.recipient_name else m.recipient
    ),
    Column("Channel", lambda m: "Text" if m.channel == "sms" else "Email"),
    Column("What", lambda m: KIND_WORDS.get(m.kind, m.kind)),
    Column("Status", _status, tooltip=lambda m: m.last_error, foreground=_colour),
    Column("Tries", lambda m: str(m.attempts), lambda m: m.attempts),
    Column("Sent", lambda m: fmt_time(m.sent_at), lambda m: m.sent_at or m.queued_at),
    Column(
        "Delivered / failed",
        lambda m: fmt_time(m.delivered_at or m.failed_at),
        tooltip=lambda m: m.last_error,
    ),
    Column("Alarm", lambda m: str(m.alarm_id or ""), lambda m: m.alarm_id or 0),
    Column("Problem", lambda m: m.last_error, foreground=_colour),
]


class MessagesTab(QWidget):
    def __init__(self, service: NotificationService, worker: Worker) -> None:
        super().__init__()
        self.service, self.worker = service, worker
        self.model: RowTableModel[OutboxMessage] = RowTableModel(COLUMNS, self)
        self.table, self.proxy = filtered_table(
            self.model, "Messages sent by hvdesk", self, QHeaderView.ResizeMode.ResizeToContents
        )
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Show messages")
        self.status_filter.addItem("All messages", None)
        for value, word in STATUS_WORDS.items():
            self.status_filter.addItem(word.capitalize(), value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.summary = QLabel()
        self.summary.setAccessibleName("Messages summary")
        row = QHBoxLayout()
        row.addWidget(field_label("Show:", self.status_filter))
        row.addWidget(self.status_filter)
        row.addWidget(filter_box(self.proxy, "filter: name, number, alarm…", "Filter messages"), 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._busy = False

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        status = self.status_filter.currentData()
        self.worker.submit(lambda: self.service.outbox(status=status), self._loaded, self._failed)

    def _loaded(self, rows: list[OutboxMessage]) -> None:
        self._busy = False
        self.model.set_rows(rows)
        counts: dict[str, int] = {}
        for m in rows:
            counts[m.status] = counts.get(m.status, 0) + 1
        parts = [f"{n} {STATUS_WORDS.get(s, s).lower()}" for s, n in sorted(counts.items())]
        self.summary.setText(", ".join(parts) if parts else "No messages yet.")

    def _failed(self, message: str) -> None:
        self._busy = False
        self.summary.setText(f"Could not read the messages: {message.splitlines()[0]}")
