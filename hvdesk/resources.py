"""Files shipped with hvdesk (icons, fonts, sounds): found whether running from source or from a
PyInstaller bundle. Apart from hvdesk.config so that the first window's icon needs nothing more."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """A file under resources/, whether running from source or a PyInstaller bundle."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)
