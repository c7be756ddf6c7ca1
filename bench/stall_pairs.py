"""Before/after pairs of the GUI thread's longest stall, wall and CPU, 200 ms per statement.

    .venv/bin/python bench/stall_pairs.py --vs /tmp/base_checkout [--pairs 4]

Three cases, each in a fresh process of each side in turn (before, after, before, after…):
a booking saved from the booking form and a deadline wake until its alarm window shows
(bench_live.py: PostgreSQL when installed), and the calendar's next week (bench_screens.py,
SQLite). Each figure is the longest gap between the GUI thread's 5 ms heartbeats (wall) and its
own CPU time in its longest stretch (bench_live.Stalls). DIR is a checkout of the code before,
with this file copied into its bench/. Prints medians per side, the number of samples and the
load average at the start and end; nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")
os.environ.setdefault("HVDESK_DB_KEY", "be" * 32)

CASES = ("booking", "deadline", "week")


def _live(case: str) -> dict[str, list[float]]:
    """bench_live's booking saves or deadline wakes, their figures kept rather than printed."""
    import bench_live
    import live_forms

    got: dict[str, list[float]] = {}
    if case == "booking":

        def booking(window: Any, db: Any, stalls: Any, *rest: Any) -> list[float]:
            got["wall"] = live_forms.booking_stalls(window, db, stalls, *rest)
            got["cpu"] = list(stalls.cpu)
            return []

        bench_live.booking_stalls = booking
        bench_live.approval_stalls = lambda *a: []
        flag = "--forms"
    else:
        wakes = bench_live.deadline_wake_stalls

        def deadline(*a: Any) -> Any:
            found = wakes(*a)
            got["wall"], got["cpu"] = found.stalls, found.cpu
            return found

        bench_live.deadline_wake_stalls = deadline
        flag = "--deadline-only"
    sys.argv = [sys.argv[0], "--rounds", "9", "--out", "30", flag]
    bench_live.main()
    return got


def _week() -> dict[str, list[float]]:
    import bench_live
    import bench_screens

    made: list[Any] = []
    stalls = bench_live.Stalls

    def kept() -> Any:
        made.append(stalls())
        return made[-1]

    actions = bench_screens._actions
    bench_live.Stalls = kept  # type: ignore[assignment,misc]
    bench_screens._actions = lambda w: [a for a in actions(w) if a[0] == "calendar: next week"]
    wall = bench_screens.run(3)["calendar: next week"]
    return {"wall": wall, "cpu": made[0].cpu}


def side(case: str) -> None:
    got = _week() if case == "week" else _live(case)
    print("STALLS " + json.dumps(got))


def versus(base: Path, pairs: int) -> None:
    here = Path(__file__).resolve()
    sides = {"before": base / "bench" / here.name, "after": here}
    got: dict[tuple[str, str], dict[str, list[float]]] = {}
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    for _ in range(pairs):
        for case in CASES:
            for name, script in sides.items():
                out = subprocess.run(
                    [str(script.parent.parent / ".venv/bin/python"), str(script), "--side", case],
                    cwd=script.parent.parent,
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
                line = [x for x in out.splitlines() if x.startswith("STALLS ")]
                if not line:
                    print(f"  {case} {name}: no figures")
                    continue
                print(f"  {case} {name}: {line[-1][7:]}", flush=True)  # kept if cut short
                for key, values in json.loads(line[-1][7:]).items():
                    got.setdefault((case, name), {}).setdefault(key, []).extend(values)
    print(f"load average at the end: {os.getloadavg()}")
    print(f"longest GUI stall, 200 ms per statement, {pairs} alternating pairs of processes:")
    for case in CASES:
        for key in ("wall", "cpu"):
            cells = []
            for name in sides:
                xs = got.get((case, name), {}).get(key, [])
                cells.append(
                    f"{name} median {statistics.median(xs):4.0f} ms (max {max(xs):4.0f}, n={len(xs)})"
                    if xs
                    else f"{name} -"
                )
            print(f"  {case:<9}{key:<5}" + "   ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vs", type=Path, help="a checkout of the code before")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--side", choices=CASES, help="(internal) one case in this process")
    args = parser.parse_args()
    if args.side:
        side(args.side)
    elif args.vs:
        versus(args.vs, args.pairs)
    else:
        parser.error("--vs DIR (or --side CASE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
