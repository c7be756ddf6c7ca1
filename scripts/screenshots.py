"""Save the README's screenshots (docs/accessibility/) from the real window over the demo school.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py          # 100% and 150%

Each scale runs in its own process (QT_SCALE_FACTOR is read once, at start). Look at the PNGs
afterwards: a screenshot nobody opened proves nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "accessibility"
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the demo school's Tuesday morning


def _settle(app, seconds: float = 1.5) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    app.processEvents()


def _window(folder: Path, demo: bool):
    from sqlalchemy import select

    from hvdesk.clock import FakeClock
    from hvdesk.db import Database
    from hvdesk.demo import load_demo
    from hvdesk.models import Role, UserAccount
    from hvdesk.services.auth import AuthService
    from hvdesk.services.base import Actor
    from ui.app import build_window
    from ui.services import AppServices

    clock = FakeClock(MORNING)
    db = Database(f"sqlite:///{folder / 'school.sqlite3'}")
    if demo:
        load_demo(db, clock)
        with db.read() as s:
            user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
        actor = Actor(user.id, user.display_name, Role.OFFICE.value)
    else:
        from hvdesk.services.base import SYSTEM

        auth = AuthService(db, clock)
        user = auth.create_user(SYSTEM, "admin", "Ann Admin", Role.ADMIN.value, "first-day-1")
        actor = auth.actor_for(user.id)
        AppServices.build(db, clock).settings.apply_preset(actor, "harborne")
    window = build_window(AppServices.build(db, clock), actor)
    window.resize(1280, 800)
    window.show()
    return window


def shoot(scale: str) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.app import create_application
    from ui.keyboard_help import KeyboardHelpFeature
    from ui.tracker.feature import TrackerFeature

    app = QApplication.instance() or create_application([])
    suffix = "150" if scale == "1.5" else "100"
    with tempfile.TemporaryDirectory(prefix="hvdesk-shots-") as tmp:
        window = _window(Path(tmp), demo=True)
        _settle(app)
        window.grab().save(str(OUT / f"today_{suffix}.png"))
        alarms = list(window.feature(TrackerFeature).controller.windows.values())
        if suffix == "150" and alarms:
            alarms[0].grab().save(str(OUT / "alarm_150.png"))
        window.show_panel("Visits")
        _settle(app)
        window.visits.table.selectRow(0)
        _settle(app)
        window.grab().save(str(OUT / f"visits_{suffix}.png"))
        if suffix == "100":
            help_feature = window.feature(KeyboardHelpFeature)
            help_feature.action.trigger()
            _settle(app, 0.5)
            if help_feature.dialog is not None:
                help_feature.dialog.grab().save(str(OUT / "keyboard_help.png"))
                help_feature.dialog.close()
        window.close()
    if suffix == "100":
        with tempfile.TemporaryDirectory(prefix="hvdesk-shots-") as tmp:
            window = _window(Path(tmp), demo=False)
            _settle(app)
            window.grab().save(str(OUT / "first_day.png"))
            window.close()


def main() -> int:
    if len(sys.argv) > 1:
        shoot(sys.argv[1])
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for scale in ("1", "1.5"):
        env = {**os.environ, "QT_SCALE_FACTOR": scale, "HVDESK_NO_SOUND": "1"}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        subprocess.run([sys.executable, __file__, scale], env=env, check=True, cwd=ROOT)
    print(f"saved in {OUT}: open them and look")
    return 0


if __name__ == "__main__":
    sys.exit(main())
