"""The main window: menus, toolbar, left navigation, one panel per screen, an honest status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from hvdesk import __version__
from hvdesk.backup import daily_backup, latest_backup
from hvdesk.clock import fmt_time
from hvdesk.models import Staff, Visit
from hvdesk.policy import PRESET_LABELS
from hvdesk.services.base import Actor
from hvdesk.services.changes import Change
from ui import dialogs
from ui.a11y import ElidedLabel, ValueLabel, in_reading_order, ink
from ui.closing import UnsavedOnClose
from ui.live import LiveFeed
from ui.panels.households import HouseholdsPanel
from ui.panels.settings import SettingsPanel
from ui.panels.staff import StaffPanel
from ui.panels.today import TodayPanel
from ui.panels.visits import VisitsPanel
from ui.services import AppServices
from ui.shell import FeatureMissing, MenuName
from ui.status_bar import WrappingStatusBar
from ui.visit_actions import VisitActions
from ui.worker import FILE_EXIT_WAIT_MS, Worker

T = TypeVar("T")
log = logging.getLogger(__name__)


@runtime_checkable
class Refreshes(Protocol):
    """A screen that re-reads what it shows (when shown, and after a change it shows)."""

    def refresh(self) -> None: ...


if TYPE_CHECKING:
    from ui.tracker.controller import TrackerController

# What a feature reads from the database once someone is signed in: given True, it reads on the
# worker (the window is on screen meanwhile); given False, at once (a window built whole, tests).
StartHook = Callable[[bool], None]
BACKUP_AFTER_MS = 3_000  # the day's backup starts once the window has been up a moment
PAINT_WAIT_MS = 1_000  # work kept for after the first paint runs by then even if never painted


class MainWindow(QMainWindow):
    # Any feature that recorded something emits this; the change feed then announces it once
    # (`live.changed`), and every screen refreshes what it touched.
    data_changed = Signal()
    # The window closed for good (not kept in the tray): features stop their timers and threads.
    closed = Signal()

    def __init__(
        self, services: AppServices, actor: Actor, *, started: bool = True, build: bool = True
    ) -> None:
        """started=False: built while the password is checked; start() once it is right.
        build=False: only the frame; build_step() builds the rest a slice at a time."""
        super().__init__()
        self.services, self.actor = services, actor
        self.visit_actions = VisitActions()
        self._features: dict[type, object] = {}
        self._menus_built = False
        self._after_paint: list[Callable[[], None]] = []
        self._on_start: list[StartHook] = []
        self.started: bool | None = None  # None: not yet; then whether it read on the worker
        self.live_counts = False  # set by the tracker feature: it shows who is out, every second
        self.setWindowTitle(f"hvdesk — {services.policy_at_start().school_name}")
        self.resize(1280, 760)
        self.setMinimumSize(1024, 640)

        # parented from the start: a window thrown away half-built leaves no top-level widget
        self.nav = QListWidget(self)
        self.nav.setAccessibleName("Navigation")
        self.nav.setMaximumWidth(170)
        self.nav.setStyleSheet(
            "QListWidget { font-size: 12pt; } QListWidget::item { padding: 6px; }"
        )
        self.stack = QStackedWidget(self)
        self.panels: dict[str, QWidget] = {}
        self.worker = Worker(self)  # database reads: the live feed and the screens
        # backups and backup checks copy or open whole files (15 s and more at ten years of data):
        # on their own thread, so they never hold up another seat's duress on its way to the board
        self.file_worker = Worker(self, exit_wait_ms=FILE_EXIT_WAIT_MS)
        # this seat's own writes (tracker presses, every form's save), in the order pressed:
        # never behind a slow read (ui/tracker/saving.py says why), finished even as it closes
        self.writer = Worker(self, finish_queued=True)
        self.closing_guard: UnsavedOnClose | None = None  # installed by start()

        self._steps = self._build_steps(services, actor)
        if build:
            self.finish_building()
        if started:
            self.start()

    def build_step(self) -> bool:
        """Build one slice of the window (a screen, or the frame around them): built while the
        password is typed, a slice an event-loop turn, so no key waits long. False once built."""
        return next(self._steps, False)

    def finish_building(self) -> None:
        """Build whatever slices are left, now."""
        while self.build_step():
            pass

    def abandon_building(self) -> None:
        """Thrown away half-built: the slices left are never built."""
        self._steps.close()

    def _build_steps(self, services: AppServices, actor: Actor) -> Generator[bool, None, None]:
        yield from self._build_panels(services, actor)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        # read as shown: menus, toolbar, the screen, the status bar (not in order of building)
        in_reading_order(self.menuBar(), self.toolbar, central, self.statusBar())
        self.nav.blockSignals(True)  # Today is on show first, read by its own constructor: once
        self.stack.setAccessibleName("Today")
        self.nav.setCurrentRow(0)
        self.nav.blockSignals(False)

        self._build_live(services)  # the status bar's first read is start()'s: no worker
        yield True  # job runs beside the slices after this one

    def _build_panels(self, services: AppServices, actor: Actor) -> Iterator[bool]:
        """The screens built at start-up (features add theirs), each in the navigation list;
        one slice each."""
        # each in the window as it is built: one thrown away half-built leaves no orphan
        self.today = TodayPanel(services.visits, worker=self.worker)  # reads at start()
        self.add_panel("Today", self.today)
        yield True
        self.visits = VisitsPanel(services.visits, worker=self.worker)
        self.add_panel("Visits", self.visits)
        yield True
        self.staff = StaffPanel(services.staff, actor, writer=self.writer, worker=self.worker)
        self.add_panel("Staff", self.staff)
        yield True
        self.households = HouseholdsPanel(
            services.households, actor, worker=self.worker, writer=self.writer
        )
        self.add_panel("Households", self.households)
        yield True
        self.settings = SettingsPanel(
            services.settings, actor, writer=self.writer, worker=self.worker
        )
        self.add_panel("Settings", self.settings)
        self.nav.currentRowChanged.connect(self._show_panel)
        self.staff.changed.connect(self.data_changed)
        self.on_start(lambda _later: self.settings.load())
        for screen in (self.staff, self.settings):
            screen.reads.failed.connect(lambda message: self.live.read_failed(message))
        self.households.changed.connect(self.data_changed)
        self.visits.context_menu_for = lambda v: self.visit_actions.menu(v, self)
        self.visits.actions_for = self._visit_buttons
        yield True

    def _build_live(self, services: AppServices) -> None:
        """The change feed (every seat's changes, read on the worker) and the daily backup's
        timer (it waits until the window is up and idle)."""
        self._backed_up_at = latest_backup(services.db)
        # the daily backup waits until the window is up and idle: it is not needed to start
        self._backup_timer = QTimer(self)
        self._backup_timer.setSingleShot(True)
        self._backup_timer.setInterval(BACKUP_AFTER_MS)
        self._backup_timer.timeout.connect(self._start_backup)
        self.live = LiveFeed(services, self.worker, self)
        self.data_changed.connect(self.live.recorded)
        self.settings.policy_changed.connect(self.live.recorded)
        self.live.changed.connect(self._on_change)
        self.live.health_changed.connect(self._on_health)

    def start(self, *, reads_later: bool = False) -> None:
        """The change feed and the day's backup begin, and the features read what they show: only
        once someone is signed in (a window built while a wrong password was checked is thrown
        away never having started). reads_later (the app's start): those reads go on the worker
        and the window shows at once, 'Loading…' where they will land."""
        if self.started is not None:
            return
        self.finish_building()
        self.started = reads_later
        # after the features' own close filters: asked first (ui/closing.py)
        self.closing_guard = UnsavedOnClose(self, self.writer)
        hooks, self._on_start = self._on_start, []
        for hook in hooks:
            hook(reads_later)
        self.today.first_load(reads_later)
        self.refresh_status()
        self._backup_timer.start()
        self.live.start()

    def on_start(self, hook: StartHook) -> None:
        """A feature's reads, run by start() (at once when the window has started already): a
        feature is built while the password is checked, and reads only once it proved right."""
        if self.started is None:
            self._on_start.append(hook)
        else:
            hook(self.started)

    def after_first_paint(self, work: Callable[[], None]) -> None:
        """Run `work` once the window is on screen (the turn after its first paint), or after
        PAINT_WAIT_MS if it is never painted (started minimised): what can wait for the eye."""
        self._after_paint.append(work)
        QTimer.singleShot(PAINT_WAIT_MS, self._run_after_paint)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._after_paint:
            QTimer.singleShot(0, self._run_after_paint)

    def _run_after_paint(self) -> None:
        work, self._after_paint = self._after_paint, []
        for run in work:
            run()

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
        if self._menus_built:  # keep View > Alt+n in step with the navigation
            self._rebuild_view_menu()

    def panel_position(self, name: str) -> int | None:
        """Where the screen `name` sits in the navigation (None: not installed)."""
        panel = self.panels.get(name)
        return self.stack.indexOf(panel) if panel is not None else None

    def panel_position_after(self, name: str) -> int | None:
        """Where a screen goes to sit right after `name` in the navigation (None: at the end)."""
        for row in range(self.nav.count()):
            if self.nav.item(row).text() == name:
                return row + 1
        return None

    def show_panel(self, name: str) -> None:
        panel = self.panels[name]
        self.nav.setCurrentRow(self.stack.indexOf(panel))

    def current_panel(self) -> QWidget | None:
        """The screen on show (a hidden screen refreshes when it is shown)."""
        return self.stack.currentWidget()

    def _show_panel(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        item = self.nav.item(row)
        # Orca says the screen's name as focus enters it ('Today'), not a bare 'layered pane'
        self.stack.setAccessibleName(item.text() if item is not None else "")
        panel = self.stack.currentWidget()
        if isinstance(panel, Refreshes):
            panel.refresh()

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
        self._menus_built = True

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

    def _visit_buttons(self, visit: Visit) -> list[tuple[str, Callable[[], object]]]:
        """The visit's actions as (label, run) for the buttons on the Visits page: the same
        actions as its pop-up menu, visible so a first-time user finds them."""
        actions = self.visit_actions.for_visit(visit)
        return [(a.label, partial(a.run, visit, self)) for a in actions]

    # --- the typed shell features install into (ui/shell.py) ------------------------------
    def dialog_parent(self) -> QWidget:
        return self

    def menu(self, name: MenuName) -> QMenu:
        menus = {
            "file": self.file_menu,
            "visit": self.visit_menu,
            "view": self.view_menu,
            "tools": self.tools_menu,
            "help": self.help_menu,
        }
        return menus[name]

    def selected_visit(self) -> Visit | None:
        """The visit the person has selected on the screen in front of them, if any."""
        panel = self.stack.currentWidget()
        if panel is self.today:
            row = self.today.selected_row()
            return row.visit if row is not None else self.today.selected_later()
        if panel is self.visits:
            return self.visits.selected()
        return None

    def add_staff_button(self, label: str, run: Callable[[Staff, QWidget], object]) -> QPushButton:
        return self.staff.add_staff_button(label, run)

    def register(self, feature: object) -> None:
        self._features[type(feature)] = feature

    def feature(self, kind: type[T]) -> T:
        found = self._features.get(kind)
        if not isinstance(found, kind):
            raise FeatureMissing(f"{kind.__name__} is not installed in this window")
        return found

    @property
    def tracker_controller(self) -> TrackerController | None:
        """The live tracker's controller, or None before (or without) the tracker feature: for
        features that act on who is out (keep-awake, session lock) and for tests."""
        from ui.tracker.feature import TrackerFeature

        found = self._features.get(TrackerFeature)
        return found.controller if isinstance(found, TrackerFeature) else None

    def _build_status_bar(self) -> None:
        bar = WrappingStatusBar(self)  # wraps to a second line rather than cut a text short
        self.setStatusBar(bar)
        self.monitoring_label = ValueLabel("Monitoring", "Monitoring: OFF")
        # the counts give way after the texts below, and never '5 out now, 2 overdue' itself
        self.counts_label = ElidedLabel("Out now", keep_parts=2, text_tooltip=False)
        # cut short first on a narrow or scaled screen, so the counts and the badges stay whole
        self.db_label = ElidedLabel("Database")
        self.policy_label = ElidedLabel("Policy")
        self.user_label = ElidedLabel("Signed in")  # read as "Signed in: Sam Office (office)"
        self.user_label.setText(f"{self.actor.name} ({self.actor.role})")
        for label in (self.monitoring_label, self.counts_label, self.db_label, self.policy_label):
            bar.addWidget(label, 1 if label in (self.db_label, self.policy_label) else 0)
            label.setContentsMargins(6, 0, 12, 0)
        self.user_label.setContentsMargins(6, 0, 12, 0)
        bar.addPermanentWidget(self.user_label)
        bar.give_way_to_messages(self.db_label, self.policy_label)  # a message never adds a line

    # --- behaviour -------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Who is out and the database line, read on the worker: the window never waits."""
        self.worker.submit(self.services.visits.out_now, self._show_status, self._status_failed)

    def _status_failed(self, message: str) -> None:
        """The status bar never lies, and never shows an exception's name: the database is not
        answering (since when, once the live feed has noticed)."""
        if not self.live_counts:
            self.counts_label.setText("database not answering")
        if self.live.down_since is None:
            self.db_label.setText("database not answering")
            self.db_label.setToolTip(message.splitlines()[0])

    def _show_status(self, out: list[Visit]) -> None:
        who = "\n".join(f"{v.staff_names}: {v.household.name}" for v in out)
        self.counts_label.setToolTip(who or "Nobody is out")
        if not self.live_counts:  # a live tracker, once installed, keeps the counts itself
            self.counts_label.setText(f"{len(out)} out now")
        if self.live.down_since is not None:  # the live feed's "not answering since" stays
            return
        backed = fmt_time(self._backed_up_at) if self._backed_up_at else ""
        # few words on the bar (it wraps at 1280 px with every warning); the sentence in the
        # tooltip and the screen reader's description
        self.db_label.setText(
            self.services.db.brief() + (f" · backed up {backed}" if backed else "")
        )
        whole = f"Database: {self.services.db.describe()}" + (
            f", backed up {backed}" if backed else ""
        )
        self.db_label.setToolTip(whole)
        self.db_label.setAccessibleDescription(whole)
        policy = self.live.policy()
        self.policy_label.setText(f"policy: {PRESET_LABELS.get(policy.preset, policy.preset)}")
        # cut short on a narrow or scaled screen: the whole text stays in the tooltip
        self.policy_label.setToolTip(self.policy_label.text())

    def _on_change(self, change: Change) -> None:
        """One change, one refresh of what it touched: the screen on show (Today not at all when
        only the live tracker moved: its board keeps itself current) and the status bar when its
        facts moved. Hidden screens refresh when they are shown."""
        panel = self.stack.currentWidget()
        tracker_only = change.tracker_only
        if tracker_only and panel is self.today:
            return  # Today's board is the tracker's, already repainted
        if panel is self.visits:
            self.visits.changed(tracker_only)  # in place: rows scrolled through and selection stay
        elif isinstance(panel, Refreshes):
            panel.refresh()
        if not tracker_only:
            self.refresh_status()

    def _on_health(self, down_since: object) -> None:
        if not isinstance(down_since, datetime):  # None: answering again
            self.db_label.setStyleSheet("")
            self.refresh_status()
            self.today.read_lists_again()  # if the last read of its lists failed
            panel = self.stack.currentWidget()
            if panel is not self.today and isinstance(panel, Refreshes):
                panel.refresh()  # a screen whose read was not answered reads again
        else:
            self.db_label.setText(f"database not answering since {fmt_time(down_since)}")
            self.db_label.setToolTip(self.live.error)
            self.db_label.setStyleSheet(f"color: {ink('#b00020')}; font-weight: bold;")

    def _start_backup(self) -> None:
        services = self.services
        self.file_worker.submit(
            lambda: daily_backup(services.db, services.clock),
            self._backup_done,
            self._backup_failed,
            what="today's backup",
        )

    def _backup_done(self, path) -> None:
        if path is not None:
            self._backed_up_at = self.services.clock.now()
        self.refresh_status()

    def _backup_failed(self, message: str) -> None:
        self.db_label.setText("database: BACKUP FAILED")
        self.db_label.setToolTip(message)

    def refresh_all(self) -> None:
        panel = self.stack.currentWidget()
        if isinstance(panel, Refreshes):
            panel.refresh()
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

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            if self.closing_guard is not None:  # closed anyway stays so: ui/closing.py
                self.closing_guard.closed = True
            self.live.stop()
            self._backup_timer.stop()
            self.stop_workers()
            self.closed.emit()

    def stop_workers(self) -> None:
        """The window goes: reads still running are left to finish on their own and their
        results dropped (closing never waits for the database); writes pressed and a backup
        under way are finished while the window keeps painting and says so, never by blocking
        the GUI thread; writes the database did not take meanwhile are still tried in the
        background until hvdesk exits, then lost and logged (the person was asked first:
        ui/closing.py; ui/worker.finish_abandoned)."""
        self.worker.abandon()
        others = [w for w in self.findChildren(Worker) if w is not self.worker]
        for worker in others:
            if not worker.finish_queued and worker is not self.file_worker:
                worker.abandon()  # a feature's own reads
        finishing = [w for w in others if not w.abandoned and w.outstanding]
        if finishing:
            self.statusBar().showMessage(
                "Finishing the backup before closing…"
                if self.file_worker in finishing
                else "Saving before closing…"
            )
        for worker in finishing:
            if not worker.drain():  # an event loop: the window paints meanwhile
                left = worker.not_done()
                log.warning(
                    "The window closes with %d jobs not done, %s: %s",
                    len(left),
                    "tried until hvdesk exits, then lost" if worker.finish_queued else "dropped",
                    "; ".join(left) or "(only their answers)",
                )
        for worker in others:
            worker.abandon()  # closed; what is still running reports nowhere
