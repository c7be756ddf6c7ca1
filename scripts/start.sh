#!/usr/bin/env bash
# Set up (if needed) and start hvdesk. Extra arguments go to the app, e.g. --db PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
