"""The platform seam: real Linux calls where they can run here, the Windows calls on Windows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hvdesk.platform import launch_command
from hvdesk.platform.linux import LinuxPlatform, autostart_file
from hvdesk.platform.windows import _split_windows

posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="XDG autostart and logind are Linux"
)


@posix_only
def test_xdg_autostart_entry_is_written_read_and_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    linux = LinuxPlatform()
    assert linux.autostart_command() is None
    command = ["/opt/hv desk/.venv/bin/python", "/opt/hv desk/main.py", "--db", "a$b%c.sqlite3"]
    linux.set_autostart(command)
    entry = autostart_file()
    assert entry == tmp_path / "config" / "autostart" / "hvdesk.desktop"
    text = entry.read_text()
    assert "[Desktop Entry]" in text and "Type=Application" in text
    assert (
        'Exec="/opt/hv desk/.venv/bin/python" "/opt/hv desk/main.py" --db "a\\\\$b%%c.sqlite3"'
        in text
    )
    assert linux.autostart_command() == command
    linux.set_autostart(None)
    assert not entry.exists()
    linux.set_autostart(None)  # removing twice is fine


@posix_only
def test_launch_command_runs_this_python_on_main_py():
    python, main = launch_command()
    assert python == sys.executable and main.endswith("main.py")


def _fake_inhibit(folder, body):
    """A systemd-inhibit on PATH that does what `body` says."""
    tool = folder / "systemd-inhibit"
    tool.write_text(f"#!/bin/sh\n{body}\n")
    tool.chmod(0o755)


@posix_only
def test_linux_keep_awake_holds_an_inhibitor_that_ends_with_hvdesk(tmp_path, monkeypatch):
    # logind accepts: systemd-inhibit runs its command (tail --pid=<hvdesk> -f /dev/null)
    _fake_inhibit(tmp_path, 'shift 4; exec "$@"')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    linux = LinuxPlatform()
    assert linux.keep_awake("3 staff on visits")
    proc = linux._inhibitor
    assert proc is not None
    assert proc.args[0] == str(tmp_path / "systemd-inhibit")
    assert proc.args[1:5] == [
        "--what=sleep:idle",
        "--who=hvdesk",
        "--why=3 staff on visits",
        "--mode=block",
    ]
    assert f"--pid={os.getpid()}" in proc.args  # ends with hvdesk even after a crash
    assert linux.keep_awake("again") and linux._inhibitor is proc  # one inhibitor, not two
    assert linux.awake_held()
    linux.allow_sleep()
    assert not linux.awake_held()
    assert proc.returncode is not None  # nothing left behind
    linux.allow_sleep()  # releasing twice is fine


@posix_only
def test_linux_keep_awake_refused_by_logind_is_not_reported_held(tmp_path, monkeypatch):
    _fake_inhibit(tmp_path, "exit 1")  # no logind (a container): systemd-inhibit fails at once
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    linux = LinuxPlatform()
    assert linux.keep_awake("staff out")  # asked; whether it holds is known only later
    assert linux._inhibitor is not None
    linux._inhibitor.wait(10)
    assert not linux.awake_held()  # so the status bar says alarms may be late


@posix_only
def test_linux_keep_awake_without_systemd_inhibit_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no systemd-inhibit anywhere
    linux = LinuxPlatform()
    assert not linux.keep_awake("staff out")
    assert not linux.awake_held()


@pytest.mark.parametrize(
    "args",
    [
        [r"C:\Program Files\hvdesk\hvdesk.exe"],
        [r"C:\Python311\pythonw.exe", r"C:\hv desk\main.py", "--db", r"D:\school.sqlite3"],
        ["a", ""],
    ],
)
def test_run_key_value_round_trips(args):
    assert _split_windows(subprocess.list2cmdline(args)) == args


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="real Windows calls need Windows")
def test_real_windows_calls():  # pragma: no cover - runs where a Windows machine runs the suite
    import ctypes
    import winreg  # type: ignore[import-not-found]

    from hvdesk.platform.windows import (
        ES_CONTINUOUS,
        ES_SYSTEM_REQUIRED,
        RUN_KEY,
        RUN_VALUE,
        WindowsPlatform,
    )

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    kernel32.SetThreadExecutionState.restype = ctypes.c_uint32
    kernel32.SetThreadExecutionState.argtypes = [ctypes.c_uint32]
    win = WindowsPlatform()
    assert win.keep_awake("hvdesk test") is True
    assert win.awake_held()
    # the thread's state really asks for the system to stay up (the call returns the previous one)
    state = kernel32.SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED)
    assert state == ES_CONTINUOUS | ES_SYSTEM_REQUIRED
    win.allow_sleep()
    assert not win.awake_held()
    assert kernel32.SetThreadExecutionState(ES_CONTINUOUS) == ES_CONTINUOUS  # released
    system_drive = os.environ.get("SYSTEMDRIVE", "C:") + "\\"
    assert win.drive_type(system_drive) == 3  # DRIVE_FIXED
    assert win.drive_type("\\\\no-such-server\\share\\") != 3
    assert win.screen_locked() is False  # the suite runs in an unlocked session
    assert all(os.path.isabs(root) for root in win.sync_roots())
    before = win.autostart_command()
    command = [sys.executable, r"C:\hv desk\main.py", "--db", r"D:\school.sqlite3"]
    try:
        win.set_autostart(command)
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            value = winreg.QueryValueEx(key, RUN_VALUE)[0]
        assert value == subprocess.list2cmdline(command)  # what Windows runs at sign-in
        assert win.autostart_command() == command
        win.set_autostart(None)
        assert win.autostart_command() is None
    finally:
        win.set_autostart(before)


def test_a_frozen_app_registers_the_windowed_exe_even_when_the_console_one_runs(
    tmp_path, monkeypatch
):
    suffix = ".exe" if sys.platform == "win32" else ""
    (tmp_path / f"hvdesk{suffix}").write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / f"hvdesk-cli{suffix}"))
    assert launch_command(r"S:\school\hv.sqlite3", single_seat=True) == [
        str(tmp_path / f"hvdesk{suffix}"),
        "--db",
        r"S:\school\hv.sqlite3",
        "--single-seat",
    ]
