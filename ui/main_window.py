"""The main window: menus, toolbar, left navigation, one panel per screen, an honest status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from hvdesk import __version__
from hvdesk.backup import daily_backup, latest_backup
from hvdesk.clock import fmt_time
from hvdesk.policy import PRESET_LABELS
from hvdesk.services.base import Actor
from hvdesk.services.changes import ChangeProbe
from ui import dialogs
from ui.a11y import ValueLabel
from ui.panels.households import HouseholdsPanel
from ui.panels.settings import SettingsPanel
from ui.panels.staff import StaffPanel
from ui.panels.today import TodayPanel
from ui.panels.visits import VisitsPanel
from ui.services import AppServices
from ui.visit_actions import VisitActions
from ui.worker import Worker

STATUS_REFRESH_MS = 15_000
CHANGE_PROBE_MS = 3_000  # other seats' changes show within seconds


class MainWindow(QMainWindow):
    # Any feature that changed data emits this; screens and the status bar refresh from the database.
    data_changed = Signal()

    def __init__(self, services: AppServices, actor: Actor) -> None:
        super().__init__()
        self.services, self.actor = services, actor
        self.visit_actions = VisitActions()
        self.setWindowTitle(f"hvdesk — {services.settings.policy().school_name}")
        self.resize(1280, 760)
        self.setMinimumSize(1024, 640)

        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setMaximumWidth(170)
        self.nav.setStyleSheet(
            "QListWidget { font-size: 12pt; } QListWidget::item { padding: 6px; }"
        )
        self.stack = QStackedWidget()
        self.panels: dict[str, QWidget] = {}

        self.today = TodayPanel(services.visits)
        self.visits = VisitsPanel(services.visits)
        self.staff = StaffPanel(services.staff, actor)
        self.households = HouseholdsPanel(services.households, actor)
        self.settings = SettingsPanel(services.settings, actor)
        for name, panel in (
            ("Today", self.today),
            ("Visits", self.visits),
            ("Staff", self.staff),
            ("Households", self.households),
            ("Settings", self.settings),
        ):
            self.add_panel(name, panel)
        self.nav.currentRowChanged.connect(self._show_panel)
        self.settings.policy_changed.connect(self.refresh_status)
        self.staff.changed.connect(self.data_changed)
        self.households.changed.connect(self.data_changed)
        self.data_changed.connect(self.refresh_all)
        self.visits.context_menu_for = lambda v: self.visit_actions.menu(v, self)
        self.visits.actions_for = lambda v: [
            (a.label, lambda a=a, v=v: a.run(v, self)) for a in self.visit_actions.for_visit(v)
        ]

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.nav.setCurrentRow(0)

        self.worker = Worker(self)
        self._backed_up_at = latest_backup(services.db)
        self.worker.submit(
            lambda: daily_backup(services.db, services.clock),
            self._backup_done,
            self._backup_failed,
        )
        self._probe = ChangeProbe(services.db, services.clock)
        self._last_event_id = self._probe.latest_event_id()
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(STATUS_REFRESH_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self.status_timer.start()
        self.change_timer = QTimer(self)
        self.change_timer.setInterval(CHANGE_PROBE_MS)
        self.change_timer.timeout.connect(self.check_for_changes)
        self.change_timer.start()
        self.refresh_status()

    # --- structure -------------------------------------------------------------------------
    def add_panel(self, name: str, panel: QWidget, position: int | None = None) -> None:
        """Screens register here; later features insert theirs (e.g. Calendar after Today)."""
        panel.setObjectName(f"panel_{name.lower()}")
        self.panels[name] = panel
        if position is None:
            self.stack.addWidget(panel)
            self.nav.addItem(name)
        else:
            self.stack.insertWidget(position, panel)
            self.nav.insertItem(position, name)

    def show_panel(self, name: str) -> None:
        panel = self.panels[name]
        self.nav.setCurrentRow(self.stack.indexOf(panel))

    def _show_panel(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        panel = self.stack.currentWidget()
        refresh = getattr(panel, "refresh", None)
        if callable(refresh):
            refresh()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)
        self.visit_menu = bar.addMenu("&Visit")
        self.view_menu = bar.addMenu("V&iew")
        self.tools_menu = bar.addMenu("&Tools")
        self.help_menu = bar.addMenu("&Help")
        about = QAction("&About hvdesk", self)
        about.triggered.connect(self._about)
        self.help_menu.addAction(about)
        self._rebuild_view_menu()

    def _rebuild_view_menu(self) -> None:
        self.view_menu.clear()
        for i in range(self.nav.count()):
            name = self.nav.item(i).text()
            action = QAction(name, self)
            if i < 9:
                action.setShortcut(QKeySequence(f"Alt+{i + 1}"))
            action.triggered.connect(lambda _c=False, n=name: self.show_panel(n))
            self.view_menu.addAction(action)
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh_all)
        self.view_menu.addSeparator()
        self.view_menu.addAction(refresh)

    def _build_toolbar(self) -> None:
        self.toolbar = self.addToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding,
            spacer.sizePolicy().verticalPolicy().Preferred,
        )
        self._toolbar_spacer = self.toolbar.addWidget(spacer)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search households…")
        self.search.setAccessibleName("Search households")
        self.search.setMaximumWidth(260)
        self.search.returnPressed.connect(self._search_households)
        self.toolbar.addWidget(self.search)

    def add_toolbar_action(self, action: QAction) -> None:
        """Feature actions go left of the search box."""
        self.toolbar.insertAction(self._toolbar_spacer, action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.monitoring_label = ValueLabel("Monitoring", "Monitoring: OFF")
        self.counts_label = QLabel()
        self.db_label = QLabel()
        self.policy_label = QLabel()
        self.user_label = QLabel(f"Signed in: {self.actor.name} ({self.actor.role})")
        for label in (self.monitoring_label, self.counts_label, self.db_label, self.policy_label):
            bar.addWidget(label)
            label.setContentsMargins(6, 0, 12, 0)
        bar.addPermanentWidget(self.user_label)

    # --- behaviour -------------------------------------------------------------------------
    def refresh_status(self) -> None:
        try:
            out = self.services.visits.out_now()
        except Exception as err:  # the status bar never lies: say the database is not answering
            self.counts_label.setText("database not answering")
            self.db_label.setText(f"database: ERROR {type(err).__name__}")
            return
        who = "\n".join(f"{v.staff_names}: {v.household.name}" for v in out)
        self.counts_label.setToolTip(who or "Nobody is out")
        if getattr(self, "tracker_controller", None) is None:  # the tracker owns the live counts
            self.counts_label.setText(f"{len(out)} out now")
        backed = f", backed up {fmt_time(self._backed_up_at)}" if self._backed_up_at else ""
        self.db_label.setText(f"database: {self.services.db.describe()}{backed}")
        policy = self.services.settings.policy()
        self.policy_label.setText(f"policy: {PRESET_LABELS.get(policy.preset, policy.preset)}")

    def check_for_changes(self) -> None:
        """Another seat (or the tracker) wrote an event: refresh what is on screen."""
        try:
            latest = self._probe.latest_event_id()
        except Exception as err:
            self.db_label.setText(f"database: NOT ANSWERING ({type(err).__name__})")
            return
        if latest != self._last_event_id:
            self._last_event_id = latest
            self.data_changed.emit()

    def _backup_done(self, path) -> None:  # type: ignore[no-untyped-def]
        if path is not None:
            self._backed_up_at = self.services.clock.now()
        self.refresh_status()

    def _backup_failed(self, message: str) -> None:
        self.db_label.setText("database: BACKUP FAILED")
        self.db_label.setToolTip(message)

    def refresh_all(self) -> None:
        panel = self.stack.currentWidget()
        refresh = getattr(panel, "refresh", None)
        if callable(refresh):
            refresh()
        self.refresh_status()

    def _search_households(self) -> None:
        self.show_panel("Households")
        self.households.search.setText(self.search.text())

    def _about(self) -> None:
        dialogs.inform(
            self,
            "About hvdesk",
            f"hvdesk {__version__}\nKeeps school staff safe on home visits.\n"
            f"Database: {self.services.db.describe()}",
        )

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().closeEvent(event)
        if event.isAccepted():
            self.status_timer.stop()
            self.change_timer.stop()
            self.worker.wait()
