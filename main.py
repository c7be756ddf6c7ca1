"""hvdesk entry point: `python main.py --help`. No command opens the window; commands run headless."""

import argparse
import sys

from hvdesk.cli import main


def open_window(args: argparse.Namespace) -> int:
    from ui.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main(open_window=open_window))
