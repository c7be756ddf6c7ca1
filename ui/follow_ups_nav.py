"""Where the screens for after the visit sit in the navigation: after the day's work (Households),
before Settings and Users, as UI.md sketches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def before_settings(window: MainWindow) -> int | None:
    settings = window.panels.get("Settings")
    return window.stack.indexOf(settings) if settings is not None else None
