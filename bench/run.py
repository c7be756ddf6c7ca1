"""Every benchmark, one table: `python bench/run.py [--quick]`.

Builds its own databases (the demo school, and the demo school plus a decade of visits at each
size), then measures:
- start-up, as a ratio to a yardstick started the same way in the same run, in alternating pairs
  (A B A B ...) so that a machine slowing down moves both: `--version` and `--help` against
  `python -c "import argparse"`, the sign-in dialog against a bare PySide6 window (bytecode
  compiled once and kept, as installed, whatever PYTHONDONTWRITEBYTECODE says);
- the signed-in main window, from pressing Enter to it being painted, at every size, and the
  longest a key of the password waits while that window is built (typed a key at a time);
- every bench/bench_*.py (tracker with 200 out and its idle CPU, calendar, printing, Visits screen,
  memory, and any added later), each reporting its own figures (bench/figures.py);
- growth: the sizes are 1k/10k/50k/200k visits (full); --quick uses the demo school and the
  benchmarks' own small schools.

--quick is the smoke test the test script runs: small sizes, few runs, a few seconds of each
real-clock wait; every benchmark still runs its real code path and prints its figures (not ones to
quote). It fails (exit 1) only when a benchmark crashes, never because a busy machine was slow:
verdicts are shown, not enforced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import parse, spread, verdict  # noqa: E402

PY = sys.executable
# the benches' databases are throwaway: one key for all, here and in every benchmark process (a
# shared database needs one, as at school; safe words written here must read there)
os.environ.setdefault("HVDESK_DB_KEY", "be" * 32)
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HVDESK_NO_SOUND": "1"}
PROBE = str(ROOT / "bench" / "startup_probe.py")
# Benchmarks this script runs with its own databases in full mode (they build their own in --quick).
SIZED = {"bench_visits.py", "bench_memory.py"}


class BenchmarkCrashed(RuntimeError):
    pass


def _run(cmd: Sequence[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(cmd), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BenchmarkCrashed(f"{' '.join(cmd)} exited {done.returncode}:\n{tail}")
    return done


def _timed(cmd: Sequence[str]) -> float:
    started = time.perf_counter()
    _run(cmd, timeout=120)
    return time.perf_counter() - started


def paired(
    a: Sequence[str], b: Sequence[str], pairs: int, warm_up: bool = True
) -> tuple[list[float], list[float]]:
    """A and B in turn after one warm-up each (none in the smoke test: it proves both start);
    returns A's seconds and the A/B ratio per pair."""
    if warm_up:
        _timed(a), _timed(b)
    seconds, ratios = [], []
    for _ in range(pairs):
        ta, tb = _timed(a), _timed(b)
        seconds.append(ta)
        ratios.append(ta / tb)
    return seconds, ratios


def row(name: str, samples: list[float], unit: str, target: float | None, **kw: object) -> dict:
    median = statistics.median(samples)
    text = kw.get("target_text") or ("-" if target is None else f"< {target:g} {unit}")
    return {
        "name": name,
        "median": median,
        "spread": spread(samples),
        "unit": unit,
        "target": text,
        "verdict": verdict(median, target),
        "n": len(samples),
    }


def build_databases(folder: Path, sizes: Sequence[int]) -> dict[int, Path]:
    """The demo school (size 0) and the demo school plus `size` visits over ten years."""
    from bench.school import build_history
    from hvdesk.clock import SystemClock
    from hvdesk.db import Database
    from hvdesk.demo import load_demo

    paths: dict[int, Path] = {}
    for size in (0, *sizes):
        path = folder / f"school-{size}.sqlite3"
        db = Database(f"sqlite:///{path}")
        load_demo(db, SystemClock())
        if size:
            build_history(db, size)
        db.dispose()
        paths[size] = path
    return paths


def startup(dbs: dict[int, Path], pairs: int, enters: int, warm_up: bool = True) -> list[dict]:
    rows = []
    yard = [PY, "-c", "import argparse"]
    for args in (["--version"], ["--help"], ["print", "--help"]):
        secs, ratios = paired([PY, "main.py", *args], yard, pairs, warm_up)
        flag = " ".join(args)
        rows.append(row(f"start: main.py {flag} / import argparse", ratios, "x", 2))
        rows.append(row(f"start: main.py {flag}", secs, "s", None))
    bare = [PY, PROBE, "bare"]
    secs, ratios = paired([PY, PROBE, "app", "--db", str(dbs[0])], bare, pairs, warm_up)
    rows.append(row("start: sign-in dialog painted / bare window", ratios, "x", 1.5))
    rows.append(row("start: sign-in dialog painted (demo school)", secs, "s", None))
    for size, path in dbs.items():
        walls, cpus, keys = _signed_in_window(path, enters)
        what = f"{size:,} visits" if size else "demo school"
        rows.append(row(f"start: Enter -> main window painted ({what})", walls, "s", 0.4))
        if cpus:
            rows.append(row(f"start: Enter -> main window painted, CPU ({what})", cpus, "s", None))
        if keys:  # the slowest key of each run's password, typed while the window is built
            rows.append(row(f"start: longest wait of a password key ({what})", keys, "s", 0.05))
        # (Enter pressed 2 s after the dialog, as a person typing; see startup_probe.py)
    return rows


def _signed_in_window(path: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds and CPU seconds from Enter to the main window painted, and the longest wait of a
    key of the password (typed while the window is built), one sample of each a run."""
    walls: list[float] = []
    cpus: list[float] = []
    keys: list[float] = []
    for _ in range(runs):
        done = subprocess.run(
            [PY, PROBE, "enter", "--db", str(path)],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 3:  # the probe's own 60 s bound: a figure, not a crash
            walls.append(60.0)
            continue
        if done.returncode != 0:
            raise BenchmarkCrashed(f"startup_probe enter exited {done.returncode}")
        for line in done.stdout.splitlines():
            if line.startswith("SIGNED_IN_WINDOW"):  # SIGNED_IN_WINDOW <s> cpu <s>
                words = line.split()
                walls.append(float(words[1]))
                cpus.append(float(words[3]))
            elif line.startswith("KEY_STALL"):  # KEY_STALL <max s> median <s>
                keys.append(float(line.split()[1]))
    return walls, cpus, keys


def benchmarks(quick: bool, dbs: dict[int, Path]) -> list[dict]:
    rows: list[dict] = []
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        if quick:
            runs = [[PY, str(script), "--quick"]]
        elif script.name in SIZED:
            runs = [[PY, str(script), "--db", str(p)] for s, p in dbs.items() if s]
        else:
            runs = [[PY, str(script)]]
        for cmd in runs:
            started = time.perf_counter()
            found = parse(_run(cmd).stdout)
            took = time.perf_counter() - started
            print(f"  {script.name}: {len(found)} figures in {took:.0f} s", file=sys.stderr)
            rows += found or [row(f"{script.stem}: ran (no figures)", [took], "s", None)]
    return rows


def table(rows: list[dict]) -> str:
    head = ("figure", "median", "spread", "target", "verdict")
    lines = [
        (
            r["name"],
            f"{float(r['median']):.3g} {r['unit']}",
            str(r["spread"]),
            str(r["target"]),
            str(r["verdict"]),
        )
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    fmt = "| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |"
    out = [fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [fmt.format(*x) for x in lines])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: small, short, few runs")
    args = parser.parse_args()
    # quick: the demo school only (each benchmark builds its own small school)
    sizes = () if args.quick else (1_000, 10_000, 50_000, 200_000)
    pairs, enters = (1, 1) if args.quick else (7, 5)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hvdesk-bench-") as tmp:
        # the single-copy lock (Qt's temp folder) of its own: an hvdesk already running on this
        # machine must not turn the start-up probes into a refused second copy
        ENV["TMPDIR"] = tmp
        # bytecode compiled once and kept (in the temp folder, not the tree), as an installed
        # hvdesk has it (the installer ships it, pip writes it): with PYTHONDONTWRITEBYTECODE set,
        # as on a build farm, every start would compile each of the app's modules again, a cost
        # no user pays and the bare yardstick (one small script) hardly shares
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "bytecode")
        try:
            print(
                f"building databases (demo; {', '.join(map(str, sizes))} visits)", file=sys.stderr
            )
            dbs = build_databases(Path(tmp), sizes)
            print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            print("start-up (paired runs)", file=sys.stderr)
            phase = time.perf_counter()
            rows = startup(dbs, pairs, enters, warm_up=not args.quick)
            print(f"  start-up: {time.perf_counter() - phase:.0f} s", file=sys.stderr)
            print("benchmarks", file=sys.stderr)
            rows += benchmarks(args.quick, dbs)
        except (BenchmarkCrashed, subprocess.TimeoutExpired) as err:
            print(f"bench/run.py: a benchmark crashed: {err}", file=sys.stderr)
            return 1
    mode = "quick smoke test" if args.quick else "full"
    print(f"\nhvdesk benchmarks ({mode}, {os.cpu_count()} cores, medians)\n")
    print(table(rows))
    print(f"\n{time.perf_counter() - started:.0f} s in all", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
