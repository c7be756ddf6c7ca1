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
    from PySide6.QtWidgets import QMenu, QPushButton, QWidget

    from hvdesk.models import Staff, Visit
    from hvdesk.services.base import Actor
    from ui.live import LiveFeed
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
    worker: Worker  # database reads
    writer: Worker  # this seat's writes, in the order pressed (ui/dialog_save.py)
    visit_actions: VisitActions

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

    def panel_position_after(self, name: str) -> int | None: ...

    def show_panel(self, name: str) -> None: ...

    def add_toolbar_action(self, action: QAction) -> None: ...

    def menu(self, name: MenuName) -> QMenu: ...

    def selected_visit(self) -> Visit | None: ...

    def add_staff_button(
        self, label: str, run: Callable[[Staff, QWidget], object]
    ) -> QPushButton: ...

    def register(self, feature: object) -> None: ...

    def feature(self, kind: type[T]) -> T: ...
