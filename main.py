"""hvdesk entry point: `python main.py --help`. No command opens the window; commands run headless."""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
