"""Running one test again in a fresh pytest process, for what a process fixes at its start (Qt's
scale factor, the PulseAudio server a QSoundEffect connects to)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def passes_in_fresh_process(test_id: str, env: dict[str, str]) -> None:
    """Run `test_id` (file::name) alone with `env` added to ours; fail with its output if it does
    not pass."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            test_id,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-4000:]
