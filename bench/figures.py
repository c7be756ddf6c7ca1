"""How every benchmark reports a figure, so that bench/run.py can gather them into one table.

A benchmark prints its own human line and, beside it, one machine line starting with `FIGURE `
(JSON: name, median, spread, unit, target, verdict). bench/run.py reads those lines; a benchmark
that prints none still runs (its exit code is what counts), it just adds no row to the table.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence

PREFIX = "FIGURE "


def verdict(median: float, target: float | None, higher_is_better: bool = False) -> str:
    if target is None:
        return "-"
    ok = median >= target if higher_is_better else median < target
    return "MET" if ok else "NOT MET"


def spread(samples: Sequence[float]) -> str:
    """min-max, the way a reader judges how noisy the machine was."""
    return f"{min(samples):.3g}-{max(samples):.3g}" if len(samples) > 1 else "-"


def report(
    name: str,
    samples: Sequence[float],
    unit: str,
    target: float | None = None,
    *,
    target_text: str | None = None,
    higher_is_better: bool = False,
) -> dict[str, object]:
    """Print one figure (human line + FIGURE line) and return it."""
    median = statistics.median(samples)
    row: dict[str, object] = {
        "name": name,
        "median": round(median, 4),
        "spread": spread(samples),
        "unit": unit,
        "target": target_text or ("-" if target is None else f"< {target:g} {unit}"),
        "verdict": verdict(median, target, higher_is_better),
        "n": len(samples),
    }
    print(
        f"{name}: median {median:.4g} {unit} (spread {row['spread']}, n={len(samples)}) "
        f"target {row['target']} {row['verdict']}"
    )
    print(PREFIX + json.dumps(row), flush=True)
    return row


def parse(output: str) -> list[dict[str, object]]:
    return [
        json.loads(line[len(PREFIX) :]) for line in output.splitlines() if line.startswith(PREFIX)
    ]
