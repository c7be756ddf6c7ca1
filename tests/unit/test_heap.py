"""Memory freed inside glibc's heap goes back to the system only when asked (hvdesk.platform.heap):
the soak's growth was this free memory held, not objects kept."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

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


# A fresh interpreter for each check: arenas and the mmap threshold, once set, stay for the process.
_THREADS_ALLOCATING = """
import ctypes, sys, threading
from hvdesk.platform import heap
if sys.argv[1] == "settled":
    assert heap.settle_allocator()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
barrier = threading.Barrier(8)
def work():
    libc.malloc(64)  # a thread's first block: glibc gives it an arena of its own, up to the limit
    barrier.wait()  # all alive at once, so none inherits a finished thread's arena
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc.malloc_stats()  # one "Arena N:" block per arena, on stderr
"""

_LARGE_BLOCK_AFTER_A_LARGER_ONE = """
import ctypes, sys
from hvdesk.platform import heap
from bench.soak_trace import mallinfo
if sys.argv[1] == "settled":
    assert heap.settle_allocator()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(4 * 2**20))  # unmapped when freed: glibc would raise its threshold to 4 MB
before = mallinfo()["mmapped"]
block = libc.malloc(2**20)  # a reload's rows, say: mapped (given back whole when freed) or heap?
print(mallinfo()["mmapped"] - before)
"""


# The caller's malloc settings would decide what the children compare: they start without them.
MALLOC_ENV = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")


def _child(code: str, mode: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    return subprocess.run(
        [sys.executable, "-c", code, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],  # bench/ is imported from the repository
        env=env,
    )


@glibc_only
def test_threads_share_two_arenas_once_settled():
    """Each thread's own arena fragments apart and holds its peak: the window has at most two."""
    free = _child(_THREADS_ALLOCATING, "default").stderr.count("Arena ")
    settled = _child(_THREADS_ALLOCATING, "settled").stderr.count("Arena ")
    assert free > heap.ARENAS  # what glibc does unasked (the test shows the difference)
    assert settled <= heap.ARENAS


@glibc_only
def test_a_large_block_is_mapped_even_after_a_larger_one_was_freed():
    """glibc's threshold rises with every large block freed, so later ones split the heap; fixed,
    a reload's large buffer is mapped and given back whole."""
    from bench.soak_trace import mallinfo

    if mallinfo() is None:  # glibc before 2.33: the child cannot measure what is mapped
        pytest.skip("glibc before 2.33 has no mallinfo2 to read the mapped bytes from")
    assert float(_child(_LARGE_BLOCK_AFTER_A_LARGER_ONE, "default").stdout) < 0.5
    assert float(_child(_LARGE_BLOCK_AFTER_A_LARGER_ONE, "settled").stdout) >= 1.0


def test_settling_elsewhere_does_nothing(monkeypatch):
    monkeypatch.setattr(heap.sys, "platform", "win32")
    heap._glibc.cache_clear()
    try:
        assert heap.settle_allocator() is False
    finally:
        heap._glibc.cache_clear()


@glibc_only
def test_the_mapping_check_skips_without_mallinfo2(monkeypatch):
    """glibc before 2.33 has no mallinfo2 (mallinfo() is None): the check says so and skips
    instead of failing in its child process."""
    from bench import soak_trace

    monkeypatch.setattr(soak_trace, "mallinfo", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="mallinfo2"):
        test_a_large_block_is_mapped_even_after_a_larger_one_was_freed()


@pytest.mark.parametrize(
    "name, value",
    [
        ("MALLOC_ARENA_MAX", "1"),
        ("MALLOC_MMAP_THRESHOLD_", "65536"),
        ("GLIBC_TUNABLES", "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536"),
    ],
)
@glibc_only
def test_the_child_checks_ignore_the_callers_malloc_settings(monkeypatch, name, value):
    """A developer's or CI's malloc environment would set in the 'default' child what the test
    compares against: the children start without it."""
    monkeypatch.setenv(name, value)
    test_threads_share_two_arenas_once_settled()
    test_a_large_block_is_mapped_even_after_a_larger_one_was_freed()
