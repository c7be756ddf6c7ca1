"""The operating system behind one small seam: the real Windows or Linux calls, or a fake in tests.

`current()` is the platform hvdesk talks to; tests install a FakePlatform with `use()`. Nothing here
imports ctypes or winreg at import time (start-up stays fast and the module imports everywhere), nor
the platform's calls and the storage classes: the window's start imports hvdesk.platform.heap (so
this package) before the sign-in dialog, which needs neither.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hvdesk.platform.base import PlatformCalls
    from hvdesk.storage_location import Location

_current: PlatformCalls | None = None


def current() -> PlatformCalls:
    global _current
    if _current is None:
        if sys.platform == "win32":
            from hvdesk.platform.windows import WindowsPlatform

            _current = WindowsPlatform()
        else:
            from hvdesk.platform.linux import LinuxPlatform

            _current = LinuxPlatform()
    return _current


def use(platform: PlatformCalls | None) -> None:
    """Install a platform (a FakePlatform in tests); None goes back to the real one."""
    global _current
    _current = platform


def classify(path: Path | str, platform: PlatformCalls | None = None) -> Location:
    """Where this file lives, asking the platform (drive types, mounts) and the environment."""
    from hvdesk.storage_location import classify_posix, classify_windows

    calls = platform or current()
    text = str(path)
    if calls.name == "windows" or (calls.name == "fake" and _looks_windows(text)):
        return classify_windows(text, calls.drive_type, dict(os.environ), calls.sync_roots())
    return classify_posix(text, calls.mounts(), str(Path.home()))


def _looks_windows(text: str) -> bool:
    return text.startswith("\\\\") or (len(text) > 1 and text[1] == ":")


def launch_command(database: str | None = None, single_seat: bool = False) -> list[str]:
    """How to start this hvdesk at sign-in, on the database it has open now: the windowed program
    (a console window closed by mistake would stop monitoring), then --db/--single-seat when the
    office chose them, since a start on the default database would open another school."""
    command = _windowed_program()
    if database:
        command += ["--db", database]
    if single_seat:
        command.append("--single-seat")
    return command


def _windowed_program() -> list[str]:
    """The frozen hvdesk.exe (also when hvdesk-cli.exe opened the window), or pythonw on main.py."""
    program = Path(sys.executable)
    if getattr(sys, "frozen", False):
        windowed = program.with_name(f"hvdesk{program.suffix}")
        return [str(windowed if windowed.exists() else program)]
    if sys.platform == "win32" and program.name.lower() == "python.exe":
        windowed = program.with_name("pythonw.exe")  # no console window to close by mistake
        if windowed.exists():
            program = windowed
    main = Path(__file__).resolve().parent.parent.parent / "main.py"
    return [str(program), str(main)]


class FakePlatformScope:
    """`with FakePlatformScope(fake):` the fake answers for the block, then the real one again."""

    def __init__(self, platform: PlatformCalls) -> None:
        self.platform = platform
        self._before: PlatformCalls | None = None

    def __enter__(self) -> PlatformCalls:
        self._before = _current
        use(self.platform)
        return self.platform

    def __exit__(self, *exc: object) -> None:
        use(self._before)
