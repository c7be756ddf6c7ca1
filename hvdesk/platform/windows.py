"""Windows: SetThreadExecutionState, the per-user Run key, GetDriveTypeW, ShutdownBlockReasonCreate,
the default output's IAudioEndpointVolume and hvdesk's own Volume Mixer session (pycaw over
comtypes) and the power plan (powercfg);
DPAPI and icacls for the machine-wide database key.

ctypes and winreg are imported inside the calls, so importing this module costs nothing and the
module imports on any system (the Windows-marked test exercises the real calls on Windows).
SetThreadExecutionState is per thread: call it from the GUI thread, which lives as long as the app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from hvdesk.platform.base import KeyAccess
from hvdesk.platform.power_plan import parse_powercfg_ac_seconds, shortest
from hvdesk.platform.sound_output import OutputState, own_stream
from hvdesk.platform.windows_dpapi import dpapi

ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001
DESKTOP_SWITCHDESKTOP = 0x0100
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "hvdesk"
PROFILE_LIST = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
ONEDRIVE_ACCOUNTS = r"Software\Microsoft\OneDrive\Accounts"
SM_REMOTESESSION = 0x1000
E_NOTFOUND = 0x80070490  # "Element not found": no output device (unplugged, RDP without audio)
POWERCFG_TIMEOUT_S = 2.0
CREATE_NO_WINDOW = 0x08000000  # a console would flash up every 30 s in the windowed app
KEY_GROUP = "hvdesk users"  # the local group the installer makes (installer/hvdesk.iss)
SYSTEM_SID = "*S-1-5-18"
ADMINISTRATORS_SID = "*S-1-5-32-544"


def _winreg() -> Any:
    """winreg, typed loosely: it exists only on Windows (mypy checks this file everywhere)."""
    return importlib.import_module("winreg")


def _kernel32() -> Any:
    import ctypes

    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]


def _user32() -> Any:
    import ctypes

    return ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]


def key_folder_acl(folder: Path, reader: str) -> list[str]:
    """icacls: inheritance off (ProgramData lets every user read), then SYSTEM, the
    Administrators and `reader` ("hvdesk users:(OI)(CI)M" or this account) alone."""
    return [
        "icacls",
        str(folder),
        "/inheritance:r",
        "/grant:r",
        f"{SYSTEM_SID}:(OI)(CI)F",
        "/grant:r",
        f"{ADMINISTRATORS_SID}:(OI)(CI)F",
        "/grant:r",
        reader,
    ]


def key_group_note(group: str, folder: Path) -> str:
    """How IT lets the other Windows users of this PC read a key folder that is owner-only now."""
    commands = [
        f'net localgroup "{group}" /add',
        f'net localgroup "{group}" USER /add',
        subprocess.list2cmdline(key_folder_acl(folder, f"{group}:(OI)(CI)M")),
    ]
    return (
        f"Only your account (and the PC's administrators) can read the database key in {folder}, "
        "so other Windows users of this PC cannot open this school. To let them in, install "
        "hvdesk again as an administrator, or run in an administrator's command prompt (the "
        "second line for each hvdesk user, who then signs out and in):\n  "
        + "\n  ".join(commands)
        + "\n(README: Shared office PC: who may read the key)"
    )


def _quiet(command: list[str]) -> bool:
    """Run a console tool without a console window flashing up; True when it succeeded."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        done = subprocess.run(command, capture_output=True, timeout=30, creationflags=flags)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _this_account() -> str:
    user = os.environ.get("USERNAME", "")
    domain = os.environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}" if domain else user


class WindowsPlatform:
    name = "windows"
    key_protection = "dpapi-machine"
    key_group = KEY_GROUP

    def __init__(self) -> None:
        self._held = False

    def keep_awake(self, reason: str) -> bool:
        import ctypes

        kernel32 = _kernel32()
        kernel32.SetThreadExecutionState.restype = ctypes.c_uint32
        kernel32.SetThreadExecutionState.argtypes = [ctypes.c_uint32]
        previous = kernel32.SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED)
        self._held = previous != 0
        return self._held

    def allow_sleep(self) -> None:
        import ctypes

        kernel32 = _kernel32()
        kernel32.SetThreadExecutionState.restype = ctypes.c_uint32
        kernel32.SetThreadExecutionState.argtypes = [ctypes.c_uint32]
        kernel32.SetThreadExecutionState(ES_CONTINUOUS)
        self._held = False

    def awake_held(self) -> bool:
        return self._held

    def screen_locked(self) -> bool | None:
        """The input desktop cannot be switched to while the workstation is locked."""
        import ctypes

        user32 = _user32()
        user32.OpenInputDesktop.restype = ctypes.c_void_p
        user32.OpenInputDesktop.argtypes = [ctypes.c_uint32, ctypes.c_bool, ctypes.c_uint32]
        user32.SwitchDesktop.argtypes = [ctypes.c_void_p]
        user32.CloseDesktop.argtypes = [ctypes.c_void_p]
        desktop = user32.OpenInputDesktop(0, False, DESKTOP_SWITCHDESKTOP)
        if not desktop:
            return True
        try:
            return not user32.SwitchDesktop(desktop)
        finally:
            user32.CloseDesktop(desktop)

    def profile_roams(self) -> bool:
        """ProfileList names a CentralProfile (the server copy) for a roaming profile."""
        import os
        winreg = _winreg()
        mine = os.environ.get("USERPROFILE", "").lower()
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, PROFILE_LIST) as profiles:
                for i in range(winreg.QueryInfoKey(profiles)[0]):
                    with winreg.OpenKey(profiles, winreg.EnumKey(profiles, i)) as sid:
                        try:
                            image = str(winreg.QueryValueEx(sid, "ProfileImagePath")[0])
                            if os.path.expandvars(image).lower() != mine:
                                continue
                            return bool(winreg.QueryValueEx(sid, "CentralProfile")[0])
                        except OSError:
                            continue
        except OSError:
            return False
        return False

    def output_state(self) -> OutputState:
        """GetSystemMetrics(SM_REMOTESESSION), then the default render endpoint's mute and
        master volume (the speaker icon by the clock) and hvdesk's own session's (the Volume
        Mixer). Run off the GUI thread: COM is set up for
        the calling thread and released again."""
        remote = bool(_user32().GetSystemMetrics(SM_REMOTESESSION))
        return dataclasses.replace(endpoint_volume(), remote_session=remote)

    def sleep_after(self) -> timedelta | None:
        """Sleep after (STANDBYIDLE) or hibernate after (HIBERNATEIDLE) on mains, the sooner."""
        standby, hibernate = _powercfg_ac("STANDBYIDLE"), _powercfg_ac("HIBERNATEIDLE")
        if standby is None and hibernate is None:  # unknown is not "never sleeps"
            raise OSError("powercfg did not answer (missing, refused or too slow)")
        return shortest(standby, hibernate)

    def drive_type(self, root: str) -> int:
        import ctypes

        kernel32 = _kernel32()
        kernel32.GetDriveTypeW.argtypes = [ctypes.c_wchar_p]
        kernel32.GetDriveTypeW.restype = ctypes.c_uint32
        return int(kernel32.GetDriveTypeW(root))

    def mounts(self) -> str:
        return ""

    def sync_roots(self) -> list[str]:
        """Every OneDrive account's UserFolder, and each synced SharePoint library (the value names
        under Accounts\\*\\Tenants\\*, e.g. C:\\Users\\office\\St Marys CE Primary\\Office - Documents)."""
        return onedrive_roots(_winreg())

    def autostart_command(self) -> list[str] | None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, RUN_VALUE)
        except OSError:
            return None
        return _split_windows(str(value))

    def set_autostart(self, command: list[str] | None) -> None:
        winreg = _winreg()
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if command is None:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)
            else:
                winreg.SetValueEx(
                    key, RUN_VALUE, 0, winreg.REG_SZ, subprocess.list2cmdline(command)
                )

    def block_shutdown(self, window_id: int, reason: str) -> bool:
        import ctypes

        user32 = _user32()
        user32.ShutdownBlockReasonCreate.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
        return bool(user32.ShutdownBlockReasonCreate(window_id, reason))

    def unblock_shutdown(self, window_id: int) -> None:
        import ctypes

        user32 = _user32()
        user32.ShutdownBlockReasonDestroy.argtypes = [ctypes.c_void_p]
        user32.ShutdownBlockReasonDestroy(window_id)

    def protect(self, data: bytes) -> bytes:
        return dpapi(data, protect=True)

    def unprotect(self, blob: bytes) -> bytes:
        return dpapi(blob, protect=False)

    def share_key_folder(self, folder: Path) -> KeyAccess:
        """The installer makes the folder for "hvdesk users" as an administrator; hvdesk limits
        a folder it makes itself (its maker may change its ACL). A folder icacls may not change
        is the installer's, which set this same ACL."""
        folder.mkdir(parents=True, exist_ok=True)
        if _quiet(["net", "localgroup", self.key_group]):
            _quiet(key_folder_acl(folder, f"{self.key_group}:(OI)(CI)M"))
            return KeyAccess(self.key_group)
        _quiet(key_folder_acl(folder, f"{_this_account()}:(OI)(CI)F"))
        return KeyAccess(None, key_group_note(self.key_group, folder))

    def share_key_file(self, path: Path, access: KeyAccess) -> None:
        return None  # a new file takes its folder's ACL (inherited)


def endpoint_volume() -> OutputState:
    """The mute and master volume (0.0-1.0) of the default render endpoint for multimedia, which
    Qt's default output plays to, and this process's session there (the Volume Mixer's slider for
    hvdesk). `no_endpoint` only when Windows answers E_NOTFOUND (unplugged, Remote Desktop without
    audio); any other failure (pycaw missing, a stopped audio service) is unknown with its
    `failure`, not silent."""
    try:
        comtypes = importlib.import_module("comtypes")
        pycaw = importlib.import_module("pycaw.pycaw")
        constants = importlib.import_module("pycaw.constants")
    except ImportError as err:
        return OutputState(failure=f"{err.name or err} is not installed")
    try:
        comtypes.CoInitialize()
    except OSError:  # COM already set up differently on this thread: use it as it is
        initialised = False
    else:
        initialised = True
    try:
        return _read_output(comtypes, pycaw, constants)
    finally:
        if initialised:  # every COM pointer was released when _read_output returned
            comtypes.CoUninitialize()


def _read_output(comtypes: Any, pycaw: Any, constants: Any) -> OutputState:
    try:
        muted, volume = _read_endpoint(comtypes, pycaw, constants)
    except Exception as err:  # COMError: no endpoint (E_NOTFOUND), a stopped audio service
        if hresult(err) == E_NOTFOUND:
            return OutputState(no_endpoint=True)
        return OutputState(failure=f"{type(err).__name__}: {err}")
    try:
        app_muted, app_volume = own_stream(_own_sessions(pycaw, os.getpid()))
    except Exception as err:  # the endpoint's reading stands; hvdesk's own slider is unknown
        return OutputState(muted, volume, app_failure=f"{type(err).__name__}: {err}")
    return OutputState(muted, volume, app_muted=app_muted, app_volume=app_volume)


def _own_sessions(pycaw: Any, pid: int) -> list[tuple[bool, float]]:
    """(muted, volume) of process `pid`'s sessions on the default output, as pycaw documents
    them: AudioUtilities.GetAllSessions() gives AudioSession objects with ProcessId and
    SimpleAudioVolume (ISimpleAudioVolume: GetMute(), GetMasterVolume() 0.0-1.0). A session
    exists once hvdesk has opened its alarm sound's stream; none before."""
    found = []
    for session in pycaw.AudioUtilities.GetAllSessions():
        if session.ProcessId == pid:
            slider = session.SimpleAudioVolume
            found.append((bool(slider.GetMute()), float(slider.GetMasterVolume())))
    return found


def hresult(err: BaseException) -> int | None:
    """A COMError's HRESULT as an unsigned 32-bit number (comtypes keeps it signed, in `hresult`
    and as the first argument); None for an error that carries none."""
    value = getattr(err, "hresult", None)
    if value is None and err.args and isinstance(err.args[0], int):
        value = err.args[0]
    return value & 0xFFFFFFFF if isinstance(value, int) else None


def _read_endpoint(comtypes: Any, pycaw: Any, constants: Any) -> tuple[bool, float]:
    enumerator = comtypes.CoCreateInstance(
        constants.CLSID_MMDeviceEnumerator, pycaw.IMMDeviceEnumerator, comtypes.CLSCTX_INPROC_SERVER
    )
    device = enumerator.GetDefaultAudioEndpoint(
        pycaw.EDataFlow.eRender.value, pycaw.ERole.eMultimedia.value
    )
    activated = device.Activate(pycaw.IAudioEndpointVolume._iid_, comtypes.CLSCTX_ALL, None)
    volume = activated.QueryInterface(pycaw.IAudioEndpointVolume)
    return bool(volume.GetMute()), float(volume.GetMasterVolumeLevelScalar())


def _powercfg_ac(setting: str) -> int | None:
    """A SUB_SLEEP setting's AC value in seconds from powercfg (no console window, 2 s at most)."""
    try:
        done = subprocess.run(
            ["powercfg", "/query", "SCHEME_CURRENT", "SUB_SLEEP", setting],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=POWERCFG_TIMEOUT_S,
            creationflags=CREATE_NO_WINDOW,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_powercfg_ac_seconds(done.stdout) if done.returncode == 0 else None


def _subkeys(winreg: Any, key: Any) -> list[str]:
    return [winreg.EnumKey(key, i) for i in range(winreg.QueryInfoKey(key)[0])]


def onedrive_roots(winreg: Any) -> list[str]:
    """The OneDrive folders in HKCU (winreg passed in, so a fake registry tests it anywhere)."""
    roots: list[str] = []
    try:
        accounts = winreg.OpenKey(winreg.HKEY_CURRENT_USER, ONEDRIVE_ACCOUNTS)
    except OSError:
        return roots  # OneDrive never set up for this user
    with accounts:
        for name in _subkeys(winreg, accounts):
            with winreg.OpenKey(accounts, name) as account:
                with contextlib.suppress(OSError):
                    roots.append(str(winreg.QueryValueEx(account, "UserFolder")[0]))
                with contextlib.suppress(OSError), winreg.OpenKey(account, "Tenants") as tenants:
                    for tenant in _subkeys(winreg, tenants):
                        with winreg.OpenKey(tenants, tenant) as libraries:
                            count = winreg.QueryInfoKey(libraries)[1]
                            roots += [str(winreg.EnumValue(libraries, i)[0]) for i in range(count)]
    return [root for root in roots if root]


def _split_windows(command: str) -> list[str]:
    """The inverse of subprocess.list2cmdline for the simple quoting it produces."""
    out: list[str] = []
    current: list[str] = []
    quoted = had = False
    for char in command:
        if char == '"':
            quoted, had = not quoted, True
        elif char in " \t" and not quoted:
            if current or had:
                out.append("".join(current))
            current, had = [], False
        else:
            current.append(char)
    if current or had:
        out.append("".join(current))
    return out
