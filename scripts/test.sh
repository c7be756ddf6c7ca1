#!/usr/bin/env bash
# Set up (if needed) and run every check: lint, then the whole test suite, headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export QT_QPA_PLATFORM=offscreen HVDESK_NO_SOUND=1
.venv/bin/ruff check .
.venv/bin/mypy --strict hvdesk/
.venv/bin/mypy ui/
.venv/bin/python -m pytest -q "$@"
