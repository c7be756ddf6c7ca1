"""Benchmark: what encryption at rest costs, plain SQLite vs SQLCipher, as ratios in one run.

    .venv/bin/python bench/bench_crypto.py [--quick] [--runs 15]

Two copies of the same school are built side by side, one plain and one encrypted (raw 256-bit key,
so no passphrase derivation per connection). Each measure alternates plain and encrypted run by run,
so load on the machine hits both alike:

- start: open the database (engine, schema check), read the policy and who is out now;
- a 60-visit day sheet (PrintService, the demo school plus a busy day);
- calendar month switch at 50,000 visits over 10 years (query + view model), as bench_calendar.py.

Prints medians in ms and the encrypted/plain ratio per measure. Target: every ratio < 1.15.
`--quick` uses 300 visits over 1 year and 1 run (a smoke test, not the figure to quote).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_calendar import NOW, build_school  # noqa: E402
from bench_printing import BUSY_DAY, add_busy_day  # noqa: E402

from bench.figures import report as figure  # noqa: E402
from hvdesk.clock import FakeClock, london  # noqa: E402
from hvdesk.db import Database  # noqa: E402
from hvdesk.demo import load_demo  # noqa: E402
from hvdesk.keystore import DbKey, new_key  # noqa: E402
from hvdesk.models import Role  # noqa: E402
from hvdesk.policy import PolicySettings  # noqa: E402
from hvdesk.services.base import Actor  # noqa: E402
from hvdesk.services.printing import PrintService  # noqa: E402
from hvdesk.services.settings import SettingsService  # noqa: E402
from hvdesk.services.visits import VisitQueries  # noqa: E402
from ui.calendar.model import Mode, build_view, visible_range  # noqa: E402

KEY = DbKey(new_key(), "benchmark", "env")
TARGET = 1.15


def ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def alternate(runs: int, plain: Callable[[], object], encrypted: Callable[[], object]):
    """Run both `runs` times, interleaved; the first (cold) run of each is not counted."""
    plain(), encrypted()
    a, b = [], []
    for _ in range(runs):
        a.append(ms(plain))
        b.append(ms(encrypted))
    return a, b


def start_measure(url: str, key: DbKey | None, clock: FakeClock) -> Callable[[], object]:
    def start() -> None:
        db = Database(url, key=key)
        SettingsService(db, clock).policy()
        VisitQueries(db, clock).out_now()
        db.dispose()

    return start


def month_measure(db: Database, clock: FakeClock, years: int) -> Callable[[], object]:
    queries, policy = VisitQueries(db, clock), PolicySettings()
    rng = random.Random(11)
    today = london(NOW).date()

    def switch() -> None:
        anchor = today - timedelta(days=rng.randint(0, 365 * years - 1))
        start, end = visible_range(Mode.MONTH, anchor)
        build_view(
            Mode.MONTH,
            anchor,
            queries.calendar_items(start, end),
            now=NOW,
            policy=policy,
            staff=[],
            today=today,
        )

    return switch


def report(label: str, plain: list[float], enc: list[float]) -> float:
    p, e = statistics.median(plain), statistics.median(enc)
    ratio = e / p
    print(
        f"{label:<40} plain {p:7.1f} ms   encrypted {e:7.1f} ms   ratio {ratio:4.2f}x"
        f"   {'OK' if ratio < TARGET else 'OVER'}"
    )
    figure(f"crypto: {label}, plain", plain, "ms")
    figure(f"crypto: {label}, encrypted", enc, "ms")
    figure(f"crypto: {label}, encrypted / plain (medians)", [ratio], "x", TARGET)
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 visits, 1 run")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    visits, years = (300, 1) if args.quick else (50_000, 10)
    runs = args.runs or (1 if args.quick else 21)
    clock = FakeClock(NOW)
    folder = Path(tempfile.mkdtemp(prefix="hvdesk-bench-crypto-"))
    urls = {name: f"sqlite:///{folder / f'{name}.sqlite3'}" for name in ("plain", "enc")}
    keys = {"plain": None, "enc": KEY}
    sheets = {}
    for name in urls:
        db = Database(urls[name], key=keys[name])
        load_demo(db, clock)
        add_busy_day(db, clock)
        sheets[name] = db
    cal_urls = {name: f"sqlite:///{folder / f'cal-{name}.sqlite3'}" for name in urls}
    cals = {}
    for name in urls:
        t = time.perf_counter()
        cals[name] = Database(cal_urls[name], key=keys[name])
        build_school(cals[name], visits, years)
        print(f"{name}: {visits} visits inserted in {time.perf_counter() - t:.1f} s")
    actor = Actor(None, "Benchmark", Role.OFFICE.value)

    def sheet(name: str) -> Callable[[], object]:
        service = PrintService(sheets[name], clock)
        return lambda: service.make(actor, "day-sheet", day=BUSY_DAY)

    print(f"\n{runs} runs each, plain and encrypted alternated; medians:")
    ratios = [
        report(
            "start (open, policy, out now)",
            *alternate(
                runs,
                start_measure(urls["plain"], None, clock),
                start_measure(urls["enc"], KEY, clock),
            ),
        ),
        report("60-visit day sheet", *alternate(runs, sheet("plain"), sheet("enc"))),
        report(
            f"calendar month switch, {visits} visits",
            *alternate(
                runs * 3,
                month_measure(cals["plain"], clock, years),
                month_measure(cals["enc"], clock, years),
            ),
        ),
    ]
    for db in (*sheets.values(), *cals.values()):
        db.dispose()
    worst = max(ratios)
    print(f"\nTarget < {TARGET}x: {'MET' if worst < TARGET else 'NOT MET'} (worst {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
