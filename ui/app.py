"""Start the desktop app: open (and migrate) the database, sign in, show the main window."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from hvdesk import __version__
from hvdesk.clock import SystemClock
from hvdesk.config import resource_path
from hvdesk.services.base import Actor
from ui.features import install_all
from ui.login import FirstRunDialog, LoginDialog
from ui.main_window import MainWindow
from ui.restore_offer import open_or_offer_restore
from ui.services import AppServices
from ui.session_lock import SessionActor


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName("hvdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("hvdesk")
    icon = resource_path("icons", "hvdesk.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_window(services: AppServices, actor: Actor) -> MainWindow:
    # one shared SessionActor: switching user changes who every screen acts as, monitoring untouched
    window = MainWindow(services, SessionActor(actor))  # type: ignore[arg-type]
    install_all(window)
    return window


def run_gui(args: argparse.Namespace) -> int:
    app = create_application()
    from ui import office_start

    single = office_start.begin()  # log file, crash handler; None: another copy came forward
    if single is None:
        return 0
    clock = SystemClock()
    # every failure is one plain message; a damaged database is offered its newest good backup
    db = open_or_offer_restore(args.db, clock, single_seat=bool(getattr(args, "single_seat", False)))
    if db is None:
        single.release()
        return 2
    services = AppServices.build(db, clock)
    if services.auth.has_users():
        login = LoginDialog(services)
        if not login.exec() or login.actor is None:
            return 0
        actor = login.actor
    else:
        office_start.warn_about_data_folder(None, db)
        first = FirstRunDialog(services)
        if not first.exec() or first.actor is None:
            return 0
        actor = first.actor
    window = build_window(services, actor)
    single.activated.connect(lambda: office_start.bring_forward(window))
    window.show()
    code = app.exec()
    db.dispose()
    single.release()
    return code


def main() -> int:
    """The `hvdesk` script: commands headless, the window when no command is given."""
    from hvdesk.cli import main as cli_main

    return cli_main(open_window=run_gui)

