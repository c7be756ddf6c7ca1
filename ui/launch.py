"""Entry point of main.py and the `hvdesk` / `hvdesk-gui` scripts.

Headless commands, `--version` and `--help` answer without loading Qt: the window's modules (and
PySide6) are imported only when no command is given.
"""

from __future__ import annotations

import argparse


def open_window(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return run_gui(args)


def main() -> int:
    """Commands headless, the window when no command is given."""
    from hvdesk.cli import main as cli_main

    return cli_main(open_window=open_window)
