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
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("hvdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("hvdesk")
    icon = resource_path("icons", "hvdesk.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app  # type: ignore[return-value]


def build_window(services: AppServices, actor: Actor) -> MainWindow:
    window = MainWindow(services, actor)
    install_all(window)
    return window


def run_gui(args: argparse.Namespace) -> int:
    app = create_application()
    from ui import office_start

    single = office_start.begin()  # log file, crash handler; None: another copy came forward
    if single is None:
        return 0
    try:
        # every failure becomes one plain HvdeskError message
        db = connect(args.db, getattr(args, "single_seat", False))
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
