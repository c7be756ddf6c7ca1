"""What the GUI thread does in its long stalls, and how much of a stall is waiting for the GIL.

    .venv/bin/python bench/stall_probe.py booking|deadline|week [--rounds 4] [--gap 25]

Runs one of the three cases with 200 ms added to every statement (bench_live's booking save and
deadline wake on SQLite, bench_screens' calendar next week) while a helper thread samples every
thread's stack every ~3 ms (sys._current_frames). For each heartbeat gap longer than `--gap` ms
it prints the GUI thread's own CPU time, its time runnable but waiting for a core (the kernel's
/proc/.../schedstat) and the rest, which is time blocked: with no database call on the GUI
thread, that is the wait for the GIL. Then the functions most often on the GUI thread's stack in
those gaps, and what the other threads were running meanwhile. A diagnosis tool: nothing asserted.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")
os.environ.setdefault("HVDESK_DB_KEY", "be" * 32)

import bench_live

ROOT = str(Path(__file__).resolve().parent.parent)


def _schedstat(tid: int) -> tuple[float, float]:
    """(on a core, runnable but waiting for one) in ms, for thread `tid` of this process."""
    with open(f"/proc/self/task/{tid}/schedstat") as f:
        on_cpu, waiting, _slices = f.read().split()
    return int(on_cpu) / 1e6, int(waiting) / 1e6


def _where(frame: Any, depth: int = 40) -> list[str]:
    out = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        name = code.co_filename.replace(ROOT + "/", "")
        out.append(f"{name}:{code.co_name}")
        frame = frame.f_back
    return out


class Sampler(threading.Thread):
    """Every ~3 ms: each thread's stack, stamped with perf_counter (GIL permitting)."""

    def __init__(self, gui_ident: int) -> None:
        super().__init__(daemon=True)
        self.gui = gui_ident
        self.samples: list[tuple[float, dict[int, list[str]]]] = []
        self.running = True

    def run(self) -> None:
        me = threading.get_ident()
        while self.running:
            frames = sys._current_frames()
            now = time.perf_counter()
            # the GUI thread's whole stack, the others' innermost frame only: walking f_back
            # of a worker's frame mid-call crashes CPython 3.11 now and then
            stacks = {
                i: _where(f) if i == self.gui else _where(f, 1)
                for i, f in frames.items()
                if i != me
            }
            del frames
            self.samples.append((now, stacks))
            time.sleep(0.003)


class Gaps:
    """Heartbeat gaps longer than `least` ms: (start, end, cpu ms, core-wait ms)."""

    def __init__(self, least: float) -> None:
        self.least = least
        self.tid = threading.get_native_id()
        self.found: list[tuple[float, float, float, float]] = []
        self._at = time.perf_counter()
        self._stat = _schedstat(self.tid)

    def beat(self) -> None:
        now, stat = time.perf_counter(), _schedstat(self.tid)
        if (now - self._at) * 1000 > self.least:
            self.found.append((self._at, now, stat[0] - self._stat[0], stat[1] - self._stat[1]))
        self._at, self._stat = now, stat


def install(gaps: Gaps) -> None:
    """bench_live.Stalls' heartbeat also reports to `gaps`."""
    beat, start = bench_live.Stalls._beat, bench_live.Stalls.start

    def _beat(self: Any) -> None:
        gaps.beat()
        beat(self)

    def _start(self: Any) -> None:
        gaps._at, gaps._stat = time.perf_counter(), _schedstat(gaps.tid)
        start(self)

    bench_live.Stalls._beat = _beat  # type: ignore[method-assign]
    bench_live.Stalls.start = _start  # type: ignore[method-assign]


def summarise(gaps: Gaps, sampler: Sampler, names: dict[int, str]) -> None:
    gui = sampler.gui
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    others: collections.Counter[str] = collections.Counter()
    total = 0
    print(f"{len(gaps.found)} gaps > {gaps.least:.0f} ms (wall / GUI cpu / core wait / rest):")
    for start, end, cpu, core in gaps.found:
        wall = (end - start) * 1000
        print(f"  {wall:6.0f} {cpu:6.0f} {core:6.0f} {wall - cpu - core:6.0f}")
        for at, stacks in sampler.samples:
            if not start <= at <= end:
                continue
            total += 1
            ours = [f for f in stacks.get(gui, []) if not f.startswith("/")]
            for f in dict.fromkeys(ours):
                inclusive[f] += 1
            if stacks.get(gui):
                leaf[stacks[gui][0]] += 1
            for ident, stack in stacks.items():
                if ident != gui and stack:
                    top = stack[0]
                    others[f"{names.get(ident, ident)}: {top}"] += 1
    print(f"samples in the gaps: {total}")
    print("GUI thread, project frames on the stack (inclusive):")
    for name, n in inclusive.most_common(30):
        print(f"  {n:5d} {name}")
    print("GUI thread, innermost frame:")
    for name, n in leaf.most_common(15):
        print(f"  {n:5d} {name}")
    print("other threads meanwhile (innermost frame):")
    for name, n in others.most_common(20):
        print(f"  {n:5d} {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=["booking", "deadline", "week"])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--gap", type=float, default=25.0)
    parser.add_argument("--cprofile", type=Path, help="also cProfile the GUI thread into this file")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.cprofile else None
    if profile is not None:
        profile.enable()
    gaps = Gaps(args.gap)
    install(gaps)
    sampler = Sampler(threading.get_ident())
    sampler.start()
    if args.case == "week":
        import bench_screens

        actions = bench_screens._actions

        def only_week(window: Any) -> list[Any]:
            return [a for a in actions(window) if a[0] == "calendar: next week"]

        bench_screens._actions = only_week  # type: ignore[assignment]
        print(bench_screens.run(args.rounds))
    else:
        sys.argv = [sys.argv[0], "--rounds", str(args.rounds * 3), "--out", "30"]
        sys.argv.append("--deadline-only" if args.case == "deadline" else "--forms")
        if args.case == "booking":
            import live_forms

            live_forms.approval_stalls = lambda *a: []
            bench_live.approval_stalls = live_forms.approval_stalls
        bench_live.main()
    sampler.running = False
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.cprofile)
    names = {t.ident or 0: t.name for t in threading.enumerate()}
    summarise(gaps, sampler, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
