"""Linux (and other POSIX desktops): a logind inhibitor, XDG autostart, /proc/mounts.

Keeping awake holds `systemd-inhibit --what=sleep:idle ... tail --pid=<hvdesk>` for as long as
anyone is out (it ends with hvdesk, even after a crash); where there is no systemd-inhibit or no
logind (containers, minimal desktops) the request is not held and the status bar says alarms may
be late. A locked screen is not detectable here without a desktop-specific D-Bus call, so it is
reported as unknown.

The sound output is read with `pactl` (PulseAudio, or PipeWire's pulse server) and the idle sleep
with `loginctl` and GNOME's `gsettings`, each with a 2-second limit and LC_ALL=C (pactl translates
its words); a tool that is missing, fails or times out gives None, never a false alarm.
The machine-wide database key is kept readable by the `hvdesk` group (folder 2770, file 0640) when
that group exists, else by its owner alone; file permissions are its only protection here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

from hvdesk.platform import power_plan
from hvdesk.platform.base import KeyAccess
from hvdesk.platform.sound_output import (
    OutputState,
    parse_pactl_mute,
    parse_pactl_sink_inputs,
    parse_pactl_volume,
)

KEY_GROUP = "hvdesk"
KEY_FOLDER_MODE = 0o2770  # group members replace the key file; new files take the group
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=hvdesk
Comment=Keeps school staff safe on home visits (started at sign-in)
Exec={exec}
Terminal=false
X-GNOME-Autostart-enabled=true
"""


def autostart_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart" / "hvdesk.desktop"


def _exec_line(command: list[str]) -> str:
    """Quote per the Desktop Entry spec: double quotes with \\ " ` $ escaped inside them, then the
    string-level escaping of every backslash; a literal % is written %%."""

    def quote(arg: str) -> str:
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            return arg
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return f'"{escaped}"'

    return " ".join(quote(a).replace("\\", "\\\\").replace("%", "%%") for a in command)


TOOL_TIMEOUT_S = 2.0
GNOME_POWER = "org.gnome.settings-daemon.plugins.power"
GNOME_IDLE_ENDS = {"suspend", "hibernate", "shutdown", "logout"}  # not 'blank' or 'nothing'


def _read_tool(*args: str) -> str | None:
    """A tool's standard output, or None when it is missing, fails or takes over 2 seconds."""
    tool = shutil.which(args[0])
    if tool is None:
        return None
    try:
        done = subprocess.run(
            [tool, *args[1:]],
            capture_output=True,
            text=True,
            errors="replace",  # one stray byte (a device name) must not lose the whole reading
            timeout=TOOL_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _split_exec(value: str) -> list[str]:
    """The arguments of an Exec= value written by _exec_line (the spec's rules, in reverse)."""
    text = value.replace("\\\\", "\\").replace("%%", "%")
    args: list[str] = []
    current: list[str] = []
    quoted = had = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted, had = not quoted, True
        elif char in " \t" and not quoted:
            if current or had:
                args.append("".join(current))
            current, had = [], False
        else:
            current.append(char)
    if current or had:
        args.append("".join(current))
    return args


def _group_id(name: str) -> int | None:
    import grp  # POSIX only: this module is also imported (by tests) on Windows

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def key_group_note(group: str, folder: Path, group_exists: bool = False) -> str:
    """How IT lets the other accounts of this PC read a key folder that is owner-only now.
    Every path is written out: IT's own account cannot list the folder, so a `*.key` typed at
    its shell would not be expanded and chmod would be told of a file named '*.key'."""
    commands = [] if group_exists else [f"sudo groupadd {group}"]
    commands += [
        f"sudo usermod -aG {group} USER",
        f"sudo chgrp -R {group} {folder}",
        f"sudo chmod 2770 {folder}",
        f"sudo find {folder} -name '*.key' -exec chmod 0640 {{}} +",
    ]
    return (
        f"Only your account can read the database key in {folder}, so other accounts of this PC "
        "cannot open this school. To let them in, an administrator runs (usermod for each hvdesk "
        "user, who then signs out and in):\n  "
        + "\n  ".join(commands)
        + "\n(README: Shared office PC: who may read the key)"
    )


class LinuxPlatform:
    name = "linux"
    key_protection = "none"

    def __init__(self, key_group: str = KEY_GROUP) -> None:
        self._inhibitor: subprocess.Popen[bytes] | None = None
        self.key_group = key_group

    def keep_awake(self, reason: str) -> bool:
        if self.awake_held():
            return True
        tool = shutil.which("systemd-inhibit")
        if tool is None:
            return False
        try:
            self._inhibitor = subprocess.Popen(
                [
                    tool,
                    "--what=sleep:idle",
                    "--who=hvdesk",
                    f"--why={reason}",
                    "--mode=block",
                    # held until released, or until hvdesk itself ends (even by a crash)
                    "tail",
                    f"--pid={os.getpid()}",
                    "-f",
                    "/dev/null",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._inhibitor = None
            return False
        return True  # awake_held() tells later whether logind accepted it

    def allow_sleep(self) -> None:
        proc, self._inhibitor = self._inhibitor, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()

    def awake_held(self) -> bool:
        return self._inhibitor is not None and self._inhibitor.poll() is None

    def screen_locked(self) -> bool | None:
        return None

    def profile_roams(self) -> bool:
        return False

    def output_state(self) -> OutputState:
        """The default sink's mute and volume, and this process's own stream (its sink-input).
        Remote sessions (xrdp) are not told apart here: their sound server shows up as a sink
        like any other, or as none."""
        mute = _read_tool("pactl", "get-sink-mute", "@DEFAULT_SINK@")
        volume = _read_tool("pactl", "get-sink-volume", "@DEFAULT_SINK@")
        streams = _read_tool("pactl", "list", "sink-inputs")
        app_muted, app_volume = (
            (None, None) if streams is None else parse_pactl_sink_inputs(streams, os.getpid())
        )
        return OutputState(
            muted=None if mute is None else parse_pactl_mute(mute),
            volume=None if volume is None else parse_pactl_volume(volume),
            failure="pactl did not answer" if mute is None and volume is None else "",
            app_muted=app_muted,
            app_volume=app_volume,
        )

    def sleep_after(self) -> timedelta | None:
        """The sooner of logind's IdleAction (when it sleeps) and GNOME's sleep on mains."""
        logind = _read_tool("loginctl", "show-session", "-p", "IdleAction", "-p", "IdleActionUSec")
        gnome: int | None = None
        kind = _read_tool("gsettings", "get", GNOME_POWER, "sleep-inactive-ac-type")
        if kind is not None and power_plan.parse_gsettings_string(kind) in GNOME_IDLE_ENDS:
            timeout = _read_tool("gsettings", "get", GNOME_POWER, "sleep-inactive-ac-timeout")
            gnome = None if timeout is None else power_plan.parse_gsettings_uint(timeout)
        if logind is None and kind is None:  # unknown is not "never sleeps"
            raise OSError("neither loginctl nor gsettings answered")
        return power_plan.shortest(
            None if logind is None else power_plan.parse_logind_idle(logind), gnome
        )

    def drive_type(self, root: str) -> int:
        return 3

    def mounts(self) -> str:
        try:
            return Path("/proc/mounts").read_text()
        except OSError:
            return ""

    def sync_roots(self) -> list[str]:
        return []  # Linux sync clients are found by their folder names (classify_posix)

    def autostart_command(self) -> list[str] | None:
        path = autostart_file()
        if not path.exists():
            return None
        for line in path.read_text().splitlines():
            if line.startswith("Exec="):
                return _split_exec(line[5:])
        return None

    def set_autostart(self, command: list[str] | None) -> None:
        path = autostart_file()
        if command is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(DESKTOP_ENTRY.format(exec=_exec_line(command)))
        partial.replace(path)

    def block_shutdown(self, window_id: int, reason: str) -> bool:
        return False

    def unblock_shutdown(self, window_id: int) -> None:
        return None

    def protect(self, data: bytes) -> bytes:
        return data  # the file's permissions do the work

    def unprotect(self, blob: bytes) -> bytes:
        return blob

    def share_key_folder(self, folder: Path) -> KeyAccess:
        """2770 with the hvdesk group when it exists and this account may give it (a member, or
        root): every member may then replace the key file (a rotation or an import by whoever
        is signed in), and setgid gives each new file the group; a folder IT already gave the
        group is left as it is; else 0700 and a note."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        gid = _group_id(self.key_group)
        if gid is not None:
            try:
                os.chown(folder, -1, gid)
                os.chmod(folder, KEY_FOLDER_MODE)
                return KeyAccess(self.key_group)
            except PermissionError:
                pass  # not our folder, or not a member of the group
            shown = folder.stat()
            if shown.st_gid == gid and shown.st_mode & 0o007 == 0:
                return KeyAccess(self.key_group)
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
        return KeyAccess(None, key_group_note(self.key_group, folder, gid is not None))

    def share_key_file(self, path: Path, access: KeyAccess) -> None:
        gid = _group_id(access.group) if access.group else None
        if gid is None:
            return  # stays owner-only (0600)
        os.chown(path, -1, gid)
        os.chmod(path, 0o640)
