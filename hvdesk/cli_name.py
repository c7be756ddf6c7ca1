"""The name the office types to run a command: `hvdesk` on Linux and macOS, `hvdesk-cli` on
Windows, where `hvdesk.exe` is the window (a GUI program whose output a console never shows) and
the console program is installed beside it as hvdesk-cli.exe."""

from __future__ import annotations

import sys


def cli_program(platform: str | None = None) -> str:
    """The command-line program's name on this PC (or on `platform`, a sys.platform value)."""
    return "hvdesk-cli" if (platform or sys.platform) == "win32" else "hvdesk"
