"""The Reports screen: a chart of visits per month by purpose (QtCharts), every table of the report
(outcomes, cancellations, write-ups, attendance suggestions, alarm statistics in the BS 8484 style),
and CSV and PDF export. Figures are worked out on the window's worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_date
from hvdesk.services.base import Actor
from hvdesk.services.reports import Report, ReportService
from ui import dialogs
from ui.dialog_save import write_file_then_show
from ui.follow_ups_nav import before_settings
from ui.panels.today import TITLE_STYLE
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.shell import Shell


def _save_path(parent: QWidget | None, title: str, suggested: str, pattern: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, pattern)
    return path or None


# Seam: tests give a path instead of a file dialog.
save_path: Callable[[QWidget | None, str, str, str], str | None] = _save_path


def purpose_chart(report: Report) -> QChart:
    """Stacked bars: one per month, one colour per purpose (named in the legend, never colour
    alone: the table beside it carries every number)."""
    months = list(report.by_purpose)
    purposes = sorted({p for counts in report.by_purpose.values() for p in counts})
    series = QStackedBarSeries()
    for purpose in purposes:
        bar = QBarSet(purpose)
        for month in months:
            bar.append(report.by_purpose[month].get(purpose, 0))
        series.append(bar)
    chart = QChart()
    chart.addSeries(series)
    chart.setTitle("Visits per month by purpose")
    axis_x = QBarCategoryAxis()
    axis_x.append(months)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = QValueAxis()
    top = max((sum(c.values()) for c in report.by_purpose.values()), default=1)
    axis_y.setRange(0, max(top, 1))
    axis_y.setLabelFormat("%d")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


class ReportsPanel(QWidget):
    def __init__(
        self,
        service: ReportService,
        actor: Actor,
        worker: Worker,
        parent=None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.worker = service, actor, worker
        # the PDF's printing is audited (a write): on the window's write worker
        self.writer = writer if writer is not None else Worker(self, finish_queued=True)
        self.report: Report | None = None
        self.title = QLabel("REPORTS")
        self.title.setStyleSheet(TITLE_STYLE)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setAccessibleName("Chart: visits per month by purpose")
        self.chart_view.setMinimumHeight(240)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Report tables")
        # until the report is worked out the bar has no tabs: no Tab stop that says nothing
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.clicked.connect(self.export_csv)
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.clicked.connect(self.export_pdf)
        buttons = QHBoxLayout()
        buttons.addWidget(self.title)
        buttons.addStretch(1)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart_view)
        split.addWidget(self.tabs)
        split.setSizes([280, 320])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        self.worker.submit(self.service.build, self.show_report, self._failed)

    def _failed(self, message: str) -> None:
        self.title.setText("REPORTS: could not be worked out (" + message.splitlines()[0] + ")")

    def show_report(self, report: Report) -> None:
        self.report = report
        self.title.setText(
            f"REPORTS: {fmt_date(report.start)} to {fmt_date(report.end)}, {report.visits} visits"
        )
        self.chart_view.setChart(purpose_chart(report))
        current = self.tabs.currentIndex()
        self.tabs.clear()
        for name, header, rows in report.tables():
            table = QTableWidget(len(rows), len(header))
            table.setAccessibleName(name)
            table.setHorizontalHeaderLabels(header)
            table.verticalHeader().hide()
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    table.setItem(i, j, QTableWidgetItem(value))
            table.resizeColumnsToContents()
            self.tabs.addTab(table, name)
        self.tabs.setCurrentIndex(max(current, 0))
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus)  # read as its current tab

    def export_csv(self) -> Path | None:
        if self.report is None:
            return None
        path = save_path(self, "Export report as CSV", "hvdesk-report.csv", "CSV (*.csv)")
        if not path:
            return None
        target = Path(path)
        try:
            target.write_text(self.service.to_csv(self.report), encoding="utf-8")
        except OSError as err:
            dialogs.inform(self, "Not exported", f"{target}: {err.strerror or err}", "warning")
            return None
        return target

    def export_pdf(self) -> Path | None:
        """The PDF is made, audited and written on the write worker; said when it is there.
        Returns where it goes (None: nothing asked)."""
        if self.report is None:
            return None
        path = save_path(self, "Export report as PDF", "hvdesk-report.pdf", "PDF (*.pdf)")
        if not path:
            return None
        target, actor, report = Path(path), self.actor, self.report

        write_file_then_show(  # on the write worker: a folder that refuses is said, not raised
            self,
            self.writer,
            target,
            lambda: self.service.to_pdf(actor, report),
            lambda _made: None,
            title="Not exported",
            what="export",
            undone="Not exported",
        )
        return target


@dataclass(frozen=True)
class ReportsFeature:
    """The Reports screen, for the rest of the window (found by shell.feature)."""

    panel: ReportsPanel


def install(window: Shell) -> None:
    panel = ReportsPanel(
        ReportService(window.services.db, window.services.clock),
        window.actor,
        window.worker,
        writer=window.writer,
    )
    window.register(ReportsFeature(panel))
    window.add_panel("Reports", panel, before_settings(window))
