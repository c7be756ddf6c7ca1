"""'Timeline…' on the Households screen: the household's whole story in one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout

from hvdesk.clock import fmt_datetime
from hvdesk.services.timeline import TimelineEntry, TimelineService
from ui.models.table import Column, RowTableModel
from ui.panels.today import _table

if TYPE_CHECKING:
    from ui.main_window import MainWindow

COLUMNS: list[Column[TimelineEntry]] = [
    Column("When", lambda e: fmt_datetime(e.at), sort=lambda e: e.at),
    Column("What", lambda e: e.what),
    Column("Details", lambda e: e.text.replace("\n", " ")[:160], tooltip=lambda e: e.text),
    Column("By", lambda e: e.who),
    Column("Visit", lambda e: str(e.visit_id or "")),
]


class TimelineDialog(QDialog):
    def __init__(self, title: str, entries: list[TimelineEntry], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Timeline: {title}")
        self.setAccessibleName(self.windowTitle())
        self.resize(980, 520)
        self.model: RowTableModel[TimelineEntry] = RowTableModel(COLUMNS, self)
        self.model.set_rows(entries)
        self.view = _table(self.model, "Household timeline")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)


def install(window: MainWindow) -> None:
    service = TimelineService(window.services.db, window.services.clock)
    panel = window.households
    button = QPushButton("Timeline…")
    button.setAccessibleName("Timeline of the selected household")

    def show() -> None:
        household = panel.selected()
        if household is None:
            return
        dialog = TimelineDialog(household.name, service.household(household.id), window)
        window.timeline_dialog = dialog  # type: ignore[attr-defined]
        dialog.open()

    button.clicked.connect(show)
    layout = panel.layout()
    first = layout.itemAt(0) if layout is not None else None
    bar = first.layout() if first is not None else None  # the panel's button bar, above the list
    if bar is not None:
        bar.addWidget(button)
    window.timeline_button = button  # type: ignore[attr-defined]
    window.show_timeline = show  # type: ignore[attr-defined]
