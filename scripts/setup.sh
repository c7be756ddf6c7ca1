#!/usr/bin/env bash
# Set up hvdesk from nothing on Debian/Ubuntu: the system libraries Qt needs (only those missing),
# a virtual environment in .venv, and hvdesk with its dependencies from pyproject.toml.
# Usage: bash scripts/setup.sh [--dev]    (--dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

# Qt offscreen + a real window (xcb), fonts, audio for the alarm sound; pdftoppm/Xvfb for tests.
APT_PACKAGES=(libglib2.0-0 libgl1 libxkbcommon0 libegl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0 libpulse0)
if [[ $DEV == 1 ]]; then
  # postgresql: multi-seat; at-spi, orca: what Orca reads and says; pulseaudio: a real mixer
  APT_PACKAGES+=(poppler-utils xvfb xauth postgresql at-spi2-core dbus orca speech-dispatcher
    pulseaudio pulseaudio-utils)
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null; then
  APT_PACKAGES+=(python3)
fi
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
  APT_PACKAGES+=(python3-venv)
fi

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if (( ${#missing[@]} )); then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"hvdesk needs Python 3.11 or newer; this is {sys.version.split()[0]}. "
             "Set PYTHON=/path/to/python3.11 and run again.")
PY

if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -qq --upgrade pip
if [[ $DEV == 1 ]]; then
  .venv/bin/python -m pip install -qq -e '.[dev]'
else
  .venv/bin/python -m pip install -qq -e .
fi
