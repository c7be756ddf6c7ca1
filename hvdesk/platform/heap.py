"""Give the C allocator's free memory back to the system, now and then (glibc only).

A window left running for days (bench/bench_soak.py) grew ~5 MB an hour while Python objects,
Qt objects and the bytes malloc had handed out all stayed flat: the growth was memory already
freed that glibc keeps. Each passing peak (a reload building its rows, SQLite reading pages)
raises the heap, and free pages inside it go back to the system only through malloc_trim. Its
cost grows with the memory freed since the last call (median ~24 ms, ~150 ms right after ~40 MB
was freed), so callers run it off the GUI thread (ctypes releases the GIL while it runs).
Windows' and macOS's allocators give free pages back on their own, so there it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any


@functools.cache
def _glibc() -> Any:
    """glibc's malloc_trim, or None (another C library, or another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # by its soname: ctypes.util.find_library would run `ldconfig -p` (~30 ms)
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # no glibc by that name: the C library this process already has
        libc = ctypes.CDLL(None)
    try:
        trim = libc.malloc_trim
    except AttributeError:  # musl and others have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the free pages of every malloc arena to the system; False where there is no
    such call (nothing to do there)."""
    trim = _glibc()
    if trim is None:
        return False
    trim(0)
    return True
