"""The platform seam: real Linux calls where they can run here, the Windows calls on Windows."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time

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


@posix_only
def test_linux_keep_awake_is_released_and_ends_with_hvdesk():
    linux = LinuxPlatform()
    asked = linux.keep_awake("test")
    proc = linux._inhibitor
    if not asked:
        pytest.skip("no systemd-inhibit on this machine")
    time.sleep(0.3)  # logind answers (or the inhibitor exits when there is no logind)
    held = linux.awake_held()
    linux.allow_sleep()
    assert not linux.awake_held()
    assert proc is not None and proc.poll() is not None  # nothing left behind
    assert isinstance(held, bool)
    assert "--pid=" in " ".join(proc.args)  # ends with hvdesk even after a crash


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
    from hvdesk.platform.windows import WindowsPlatform

    win = WindowsPlatform()
    assert win.keep_awake("hvdesk test") is True
    assert win.awake_held()
    win.allow_sleep()
    assert not win.awake_held()
    assert win.drive_type("C:\\") == 3
    assert win.screen_locked() in (True, False)
    assert isinstance(win.profile_roams(), bool)
    before = win.autostart_command()
    try:
        win.set_autostart([sys.executable, "main.py"])
        assert win.autostart_command() == [sys.executable, "main.py"]
    finally:
        win.set_autostart(before)
    assert shlex.split("x") == ["x"]


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
