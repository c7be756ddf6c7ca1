"""What grows in the soaked window: the soak's opt-in `--trace` diagnosis.

Resident memory says only *that* the window grows. To tell a leak (a cache without a bound, a
signal connected on every refresh, a QObject never deleted, a list keeping every event) from the
workload (the rows of the day the bench books), the trace compares the window process at the end
of warm-up with later moments, three ways:

- Python allocations by file:line (tracemalloc), the top lines that grew;
- live Python objects by type (gc), the types whose count grew; dead weak references by their
  callback, bound methods, functions and closure cells by what they belong to or hold;
- Qt objects: every widget of the application and every QObject under the main window, and the
  entries in SQLAlchemy's compiled-statement cache.

The Python heap traced beside resident memory says whether growth is Python's at all or lies
below it (Qt, SQLite's page cache, the C allocator's fragmentation).
"""

from __future__ import annotations

import gc
import tracemalloc
import types
import weakref
from collections import Counter
from typing import Any

TOP = 30
FRAMES = 12  # deep enough to reach hvdesk's caller from inside SQLAlchemy


def _name(o: object) -> str:
    return f"{type(o).__module__}.{type(o).__qualname__}"


def _types() -> Counter[str]:
    """Live objects by type, and weak references by what they point at (a weak reference
    per connection or per refresh is how a signal or a cache leaks quietly)."""
    gc.collect()
    found: Counter[str] = Counter()
    for o in gc.get_objects():
        found[_name(o)] += 1
        if isinstance(o, weakref.ref):
            found[f"weakref to {_name(o())}"] += 1
            if o() is None:
                found[f"dead weakref, callback {_qualname(o.__callback__)}"] += 1
        elif isinstance(o, types.MethodType):
            found[f"method {o.__func__.__module__}.{o.__func__.__qualname__}"] += 1
        elif isinstance(o, types.FunctionType):
            found[f"function {o.__module__}.{o.__qualname__}"] += 1
        elif isinstance(o, types.CellType):
            try:
                found[f"cell holding {_name(o.cell_contents)}"] += 1
            except ValueError:
                found["cell, empty"] += 1
    return found


def _qualname(f: object) -> str:
    """What a weak reference calls when its object dies (where a list of dead ones is kept)."""
    return str(getattr(f, "__qualname__", None) or type(f).__qualname__)


def _qt_counts(window: Any) -> dict[str, int]:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    return {
        "widgets": len(QApplication.allWidgets()),
        "qobjects under window": len(window.findChildren(QObject)),
        "top-level widgets": len(QApplication.topLevelWidgets()),
        # SQLAlchemy's compiled statements (an LRU of 500 by default): fills with every new shape
        "compiled cache": len(window.services.db.engine._compiled_cache or ()),
    }


def mallinfo() -> dict[str, float] | None:
    """glibc's heap over all arenas, in MB (None off glibc): `in_use` growing is a leak below
    Python, `free` growing while `in_use` stays flat is the allocator holding freed memory."""
    import ctypes

    class _Mallinfo2(ctypes.Structure):
        _fields_ = [
            (n, ctypes.c_size_t)
            for n in (
                "arena",
                "ordblks",
                "smblks",
                "hblks",
                "hblkhd",
                "usmblks",
                "fsmblks",
                "uordblks",
                "fordblks",
                "keepcost",
            )
        ]

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return None
    return {
        "in_use": info.uordblks / 2**20,
        "free": info.fordblks / 2**20,
        "mmapped": info.hblkhd / 2**20,
    }


def pymalloc() -> dict[str, float] | None:
    """Python's small-object allocator, in MB (None when it is not in use): the 1 MiB arenas it
    holds, and the bytes in allocated and in available blocks inside them (sys._debugmallocstats,
    which writes only to the C stderr, read back through a temporary file)."""
    import os
    import sys
    import tempfile

    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        stats = out.read()
    found = {}
    for line in stats.splitlines():
        if "arenas * " in line:
            found["arenas"] = int(line.split("=")[1].replace(",", "")) / 2**20
        elif line.startswith("# bytes in allocated blocks"):
            found["allocated"] = int(line.split("=")[1].replace(",", "")) / 2**20
        elif line.startswith("# bytes in available blocks"):
            found["available"] = int(line.split("=")[1].replace(",", "")) / 2**20
    return found if len(found) == 3 else None


def _native() -> str:
    """Resident memory by kind (anonymous heap, mapped files, shared memory such as SQLite's WAL
    index) and the C allocator's heap in use against held free: growth below Python."""
    parts = []
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("RssAnon", "RssFile", "RssShmem")):
                    name, value = line.split(":")
                    parts.append(f"{name} {int(value.split()[0]) / 1024:.1f} MB")
    except OSError:
        return "(no /proc)"
    info = mallinfo()
    if info is not None:
        parts.append(
            f"malloc: in use {info['in_use']:.1f} MB, free held {info['free']:.1f} MB, "
            f"mmapped {info['mmapped']:.1f} MB"
        )
    py = pymalloc()
    if py is not None:
        parts.append(
            f"Python arenas {py['arenas']:.1f} MB (blocks in use {py['allocated']:.1f} MB, "
            f"free in them {py['available']:.1f} MB)"
        )
    from bench.bench_soak import _sqlite_mb

    parts.append(f"SQLite heap {_sqlite_mb()} MB")
    return ", ".join(parts)


class SoakTrace:
    """Baseline at warm-up, then `report()` prints what grew since, whenever asked."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.base_snapshot: tracemalloc.Snapshot | None = None
        self.base_types: Counter[str] = Counter()
        self.base_qt: dict[str, int] = {}
        self.last_snapshot: tracemalloc.Snapshot | None = None  # the previous report's
        self.last_types: Counter[str] = Counter()
        tracemalloc.start(FRAMES)

    def baseline(self) -> None:
        self.base_qt = _qt_counts(self.window)  # first: it makes Python wrappers of every widget
        self.base_types = _types()
        self.base_snapshot = self.last_snapshot = tracemalloc.take_snapshot()
        self.last_types = self.base_types
        print(f"trace: baseline taken, {sum(self.base_types.values())} objects", flush=True)
        print("native: " + _native(), flush=True)

    def report(self, label: str, rss_mb: float) -> None:
        if self.base_snapshot is None:
            return
        qt = _qt_counts(self.window)
        types = _types()
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        traced, _peak = tracemalloc.get_traced_memory()
        print(
            f"\n=== trace {label}: RSS {rss_mb:.1f} MB, Python heap traced {traced / 2**20:.1f} MB"
        )
        print("native: " + _native())
        print(f"objects: {sum(self.base_types.values())} -> {sum(types.values())}")
        grown = (types - self.base_types).most_common(TOP)
        print("types grown: " + ", ".join(f"{name} +{n}" for name, n in grown))
        print("qt: " + ", ".join(f"{k} {self.base_qt[k]} -> {v}" for k, v in qt.items()))
        _print_lines(snap, self.base_snapshot)
        # what grew since the previous report: a cache that filled by then drops out of this list,
        # growth that goes on stays in it
        since = (types - self.last_types).most_common(TOP)
        print("types grown since the last report: " + ", ".join(f"{n} +{c}" for n, c in since))
        assert self.last_snapshot is not None
        print("lines grown since the last report:")
        _print_lines(snap, self.last_snapshot)
        self.last_snapshot, self.last_types = snap, types
        print(flush=True)


def _print_lines(snap: tracemalloc.Snapshot, before: tracemalloc.Snapshot) -> None:
    for stat in snap.compare_to(before, "traceback")[:TOP]:
        if stat.size_diff <= 0:
            continue
        frames = " <- ".join(
            f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}"
            for f in reversed(stat.traceback)  # the allocating line first
        )
        print(f"  {stat.size_diff / 1024:+8.1f} KiB {stat.count_diff:+6d} blocks  {frames}")
