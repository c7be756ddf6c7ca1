"""What a feature may use of the main window: typed hooks, and nothing else.

A feature (calendar, approvals, tracker, printing, outcomes) is `install(shell)`: it adds its
panel, toolbar and menu actions, visit actions and staff buttons through these hooks, listens to
the live feed, reads the selection, and registers the object it wants others (and tests) to reach,
found again by its type with `shell.feature(Kind)`. No feature sets attributes on the window or
probes it with getattr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu, QPushButton, QStatusBar, QToolBar, QWidget

    from hvdesk.models import Staff, Visit
    from hvdesk.services.base import Actor
    from ui.a11y import ElidedLabel, ValueLabel
    from ui.live import LiveFeed
    from ui.panels.households import HouseholdsPanel
    from ui.panels.settings import SettingsPanel
    from ui.panels.staff import StaffPanel
    from ui.panels.today import TodayPanel
    from ui.services import AppServices
    from ui.visit_actions import VisitActions
    from ui.worker import Worker

T = TypeVar("T")
MenuName = Literal["file", "visit", "view", "tools", "help"]


class FeatureMissing(LookupError):
    """A feature asked for another that is not installed (an ordering mistake in ui/features.py)."""


class Shell(Protocol):
    services: AppServices
    actor: Actor
    live: LiveFeed
    worker: Worker  # database reads (and the screens' small writes), one at a time
    file_worker: Worker  # whole-file work (backups and their checks), never behind a read
    writer: Worker  # this seat's writes, in the order pressed (ui/dialog_save.py)
    visit_actions: VisitActions
    # The built-in screens a feature adds to (a section, a button, a banner) and every panel.
    today: TodayPanel
    staff: StaffPanel
    households: HouseholdsPanel
    settings: SettingsPanel
    panels: dict[str, QWidget]
    # The status bar's monitoring and counts labels, kept by the live tracker once installed
    # (live_counts: it shows who is out, every second; the window's own read stops doing so).
    monitoring_label: ValueLabel
    counts_label: ElidedLabel
    live_counts: bool
    toolbar: QToolBar

    @property
    def data_changed(self) -> SignalInstance:
        """Emit after recording something: the live feed announces it to every screen."""
        ...

    @property
    def closed(self) -> SignalInstance:
        """Emitted once the window has closed for good: stop timers and threads here."""
        ...

    def dialog_parent(self) -> QWidget:
        """The window, as the parent of a feature's dialogs and actions."""
        ...

    def add_panel(self, name: str, panel: QWidget, position: int | None = None) -> None: ...

    def panel_position(self, name: str) -> int | None:
        """Where the screen `name` sits in the navigation (None: not installed)."""
        ...

    def panel_position_after(self, name: str) -> int | None: ...

    def show_panel(self, name: str) -> None: ...

    def current_panel(self) -> QWidget | None:
        """The screen on show (a hidden screen refreshes when it is shown)."""
        ...

    def add_toolbar_action(self, action: QAction) -> None: ...

    def menu(self, name: MenuName) -> QMenu: ...

    def statusBar(self) -> QStatusBar:
        """For a feature's own label or a passing message."""
        ...

    def selected_visit(self) -> Visit | None: ...

    def add_staff_button(
        self, label: str, run: Callable[[Staff, QWidget], object]
    ) -> QPushButton: ...

    def on_start(self, hook: Callable[[bool], None]) -> None:
        """What the feature reads once someone is signed in: hook(on_worker) at the window's start
        (build widgets in install, read in the hook; on_worker: read on the worker)."""
        ...

    def register(self, feature: object) -> None: ...

    def feature(self, kind: type[T]) -> T: ...
