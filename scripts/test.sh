#!/usr/bin/env bash
# Set up (if needed) and run every check: lint, the whole test suite, the benchmarks' smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export QT_QPA_PLATFORM=offscreen HVDESK_NO_SOUND=1
# The suite and the benchmarks start many Python processes (CLI, monitor, start-up probes): let them
# cache compiled modules (in __pycache__, ignored by git) instead of recompiling hvdesk each time.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/ruff check .
.venv/bin/mypy --strict hvdesk/
.venv/bin/mypy ui/
# Two workers (one a core on CI's 2-core machine; one process where only one CPU is allowed: nproc
# respects taskset/cgroup limits, xdist's own count does not), each taking whole test files: a
# file's module fixtures (the Orca run) and its order stay in one process.
workers=$(nproc)
if (( workers > 2 )); then workers=2; elif (( workers < 2 )); then workers=0; fi
.venv/bin/python -m pytest -q -n "$workers" --dist loadfile "$@"
# Every benchmark runs once, small, so none can rot; it fails only if one crashes, not if slow.
.venv/bin/python bench/run.py --quick
