"""Where the screens for after the visit sit in the navigation: after the day's work (Households),
before Settings and Users, as UI.md sketches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.shell import Shell


def before_settings(shell: Shell) -> int | None:
    return shell.panel_position("Settings")
