"""Give the C allocator's free memory back to the system, now and then (glibc only).

A window left running for days (bench/bench_soak.py) grew ~5 MB an hour while Python objects,
Qt objects and the bytes malloc had handed out all stayed flat: the growth was memory already
freed that glibc keeps. Each passing peak (a reload building its rows, SQLite reading pages)
raises the heap, and free pages inside it go back to the system only through malloc_trim. Its
cost grows with the memory freed since the last call (median ~24 ms, ~150 ms right after ~40 MB
was freed), so callers run it off the GUI thread (ctypes releases the GIL while it runs).
Windows' and macOS's allocators give free pages back on their own, so there it does nothing.

`settle_allocator()`, called once at the window's start before any thread, is for what the trim
cannot reach: glibc gives each new thread an arena of its own (up to 8 per core; the reader,
writer, file worker, change watcher, Qt's pool and APScheduler's each get one), every arena holds
its own peak and fragments apart, and glibc raises its mmap threshold each time a large block is
freed, so later large blocks (a reload's rows, SQLite's buffers) are carved from a heap instead
of being mapped and given back whole. Two arenas and a fixed threshold bound both.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
# At most two arenas in all, shared by every thread: once the limit is reached glibc hands a thread
# any arena not locked at that moment (the main one included), so no thread owns one.
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, now fixed: freed large blocks unmap


def _libc() -> Any:
    """The C library (glibc on Linux), or None on other systems."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # by its soname: ctypes.util.find_library would run `ldconfig -p` (~30 ms)
        return ctypes.CDLL("libc.so.6")
    except OSError:  # no glibc by that name: the C library this process already has
        return ctypes.CDLL(None)


def settle_allocator() -> bool:
    """At most ARENAS malloc arenas and a fixed mmap threshold (glibc only; False elsewhere).
    Call before threads start: a thread that already has its own arena keeps it."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is None or _glibc() is None:  # musl has mallopt but neither setting
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


@functools.cache
def _glibc() -> Any:
    """glibc's malloc_trim, or None (another C library, or another system)."""
    libc = _libc()
    if libc is None:
        return None
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
