"""Give the C heap's freed memory back to the system after a one-off job (the daily backup).

glibc keeps what a worker thread freed in that thread's arena, so a job that briefly needed some
megabytes (SQLite's page caches, zlib's buffers) would leave the app that much bigger for the rest
of the day, and add it to every later peak. malloc_trim returns it. Elsewhere (Windows, macOS,
musl) there is no such call and nothing to do.
"""

from __future__ import annotations

import ctypes
import sys


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc); a no-op where that is not needed."""
    if not sys.platform.startswith("linux"):
        return
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
