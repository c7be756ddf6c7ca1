"""Start the desktop app: open (and migrate) the database, sign in, show the main window."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from hvdesk import __version__
from hvdesk.clock import SystemClock
from hvdesk.commands.common import connect
from hvdesk.config import resource_path
from hvdesk.errors import HvdeskError
from hvdesk.services.base import Actor
from ui.features import install_all
from ui.login import FirstRunDialog, LoginDialog
from ui.main_window import MainWindow
from ui.services import AppServices


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
    window = MainWindow(services, actor)
    install_all(window)
    return window


def run_gui(args: argparse.Namespace) -> int:
    app = create_application()
    try:
        db = connect(args.db)  # every failure becomes one plain HvdeskError message
    except HvdeskError as err:
        QMessageBox.critical(None, "hvdesk cannot open the database", str(err))
        return 2
    services = AppServices.build(db, SystemClock())
    if services.auth.has_users():
        login = LoginDialog(services)
        if not login.exec() or login.actor is None:
            return 0
        actor = login.actor
    else:
        first = FirstRunDialog(services)
        if not first.exec() or first.actor is None:
            return 0
        actor = first.actor
    window = build_window(services, actor)
    window.show()
    code = app.exec()
    db.dispose()
    return code


def main() -> int:
    """The `hvdesk` script: commands headless, the window when no command is given."""
    from hvdesk.cli import main as cli_main

    return cli_main(open_window=run_gui)

