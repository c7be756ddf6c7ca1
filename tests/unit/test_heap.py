"""Memory freed inside glibc's heap goes back to the system only when asked (hvdesk.platform.heap):
the soak's growth was this free memory held, not objects kept."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from hvdesk.platform import heap

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or heap._glibc() is None,
    reason="malloc_trim is glibc's (elsewhere the allocator returns free pages itself)",
)
BLOCK = 1000  # small blocks, as Python's larger objects and SQLite's pages are: never mmapped
BLOCKS = 40_000  # ~40 MB


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@glibc_only
def test_free_memory_held_by_glibc_is_given_back():
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(BLOCK) for _ in range(BLOCKS)]
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)  # touched: resident
    pinned = libc.malloc(BLOCK)  # above them all, as a live object is: the heap cannot shrink
    for block in blocks:
        libc.free(block)
    held = _resident_mb()
    try:
        assert heap.release_free_memory() is True
        released = held - _resident_mb()
    finally:
        libc.free(pinned)
    assert released > 25, f"only {released:.1f} MB of ~40 MB freed went back"


def test_without_glibc_there_is_nothing_to_do(monkeypatch):
    monkeypatch.setattr(heap.sys, "platform", "win32")
    heap._glibc.cache_clear()
    try:
        assert heap.release_free_memory() is False
    finally:
        heap._glibc.cache_clear()


def test_finding_malloc_trim_spawns_no_process(monkeypatch):
    """ctypes.util.find_library runs `/sbin/ldconfig -p` (27–47 ms): the first trim of a minute
    comes from the GUI thread, so glibc is opened by its soname, with no child process."""
    spawned: list[object] = []
    real_popen = subprocess.Popen

    def spy(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        spawned.append(args[0] if args else kwargs.get("args"))
        return real_popen(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "Popen", spy)
    heap._glibc.cache_clear()
    try:
        heap.release_free_memory()
    finally:
        heap._glibc.cache_clear()
    assert spawned == []
