"""A log file in the data folder, so what went wrong on the office PC can be read afterwards.

The windowed app has no console: without a file, a failed backup, a Qt warning or a crash leaves
no trace. The file rotates (1 MB, five old ones kept), so a PC left running for weeks never fills
its disk. Set up once, by the entry point that wants it.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from hvdesk.config import data_dir

LOG_NAME = "hvdesk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


def log_dir() -> Path:
    return data_dir() / "logs"


def setup_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Attach the rotating file to the root logger (once); returns the file's path."""
    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "hvdesk_log", None) == path:
            return path
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.hvdesk_log = path  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path
