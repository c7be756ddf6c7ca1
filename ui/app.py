"""Start the desktop app: sign-in on screen at once, the database opened meanwhile, the main window.

What is on screen first is the sign-in dialog, started as cheaply as a bare window: SQLAlchemy,
Alembic, the services and the main window's modules load on the background worker while it is
shown and the user types (ui.login imports nothing heavy). Opening the database (and migrating
it) runs there too; a failure is still one plain message.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from hvdesk import __version__
from hvdesk.config import resource_path
from hvdesk.errors import HvdeskError
from ui.login import LoginDialog
from ui.worker import Worker

if TYPE_CHECKING:
    from hvdesk.services.base import Actor
    from ui.main_window import MainWindow
    from ui.services import AppServices

FIRST_RUN = 2  # the sign-in dialog's result when the database has no users yet
FAILED = 3  # ... when the database could not be opened


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("hvdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("hvdesk")
    icon = resource_path("icons", "hvdesk.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app  # type: ignore[return-value]


def build_window(services: AppServices, actor: Actor) -> MainWindow:
    from ui.features import install_all
    from ui.main_window import MainWindow

    window = MainWindow(services, actor)
    install_all(window)
    return window


def open_services(db_arg: str | None) -> tuple[AppServices | None, bool, str]:
    """On the worker: open (and migrate) the database. (services, has users, error message)."""
    from hvdesk.clock import SystemClock
    from hvdesk.commands.common import connect
    from ui.services import AppServices

    try:
        db = connect(db_arg)  # every failure becomes one plain HvdeskError message
    except HvdeskError as err:
        return None, False, str(err)
    services = AppServices.build(db, SystemClock())
    services.settings.policy()  # read once here, not on the GUI thread
    return services, services.auth.has_users(), ""


def preload_main_window(services: AppServices) -> None:
    """On the worker, while the user types: import what the main window and its features use,
    and run once the reads it starts with (SQLAlchemy compiles each statement on first use)."""
    import ui.main_window
    import ui.tracker.feature  # noqa: F401
    from hvdesk.clock import london
    from hvdesk.services.tracker import TrackerService
    from ui.features import _installers

    _installers()
    now = services.clock.now()
    TrackerService(services.db, services.clock).board(now)
    services.visits.on_day(london(now).date())
    services.visits.out_now()


def _sign_in(args: argparse.Namespace) -> tuple[AppServices | None, Actor | None, int]:
    worker = Worker()
    login = LoginDialog(None)
    opened: dict[str, Any] = {}

    def ready(result: tuple[AppServices | None, bool, str]) -> None:
        services, has_users, error = result
        opened.update(services=services, error=error)
        if services is None:
            login.done(FAILED)
        elif not has_users:
            login.done(FIRST_RUN)
        else:
            login.set_services(services)
            worker.submit(lambda: preload_main_window(services))

    def crashed(message: str) -> None:
        opened["error"] = message.splitlines()[0]
        login.done(FAILED)

    worker.submit(lambda: open_services(args.db), ready, crashed)
    result = login.exec()
    worker.wait(60_000)
    services = opened.get("services")
    if result == FAILED or services is None:
        if result != 0 or opened.get("error"):
            QMessageBox.critical(None, "hvdesk cannot open the database", opened.get("error", ""))
            return None, None, 2
        return None, None, 0
    if result == FIRST_RUN:
        from ui.login import FirstRunDialog

        first = FirstRunDialog(services)
        if not first.exec() or first.actor is None:
            return services, None, 0
        return services, first.actor, 0
    return services, login.actor if result else None, 0


def run_gui(args: argparse.Namespace) -> int:
    app = create_application()
    services, actor, code = _sign_in(args)
    if actor is None or services is None:
        if services is not None:
            services.db.dispose()
        return code
    window = build_window(services, actor)
    window.show()
    code = app.exec()
    services.db.dispose()
    return code
