"""A platform for tests: records what was requested, when, and what was released.

The sound output and power plan it reports are fields a test sets; each read records the thread
that made it, so a test can show those reads never run on the GUI thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hvdesk.platform.base import KeyAccess
from hvdesk.platform.sound_output import OutputState

FAKE_SEAL = b"fake-dpapi-machine:"  # what the fake's "DPAPI" puts in front (reversed bytes follow)


@dataclass
class FakePlatform:
    name: str = "fake"
    can_keep_awake: bool = True
    locked: bool | None = False
    roams: bool = False
    remote_drives: set[str] = field(default_factory=set)  # e.g. {"H:\\"}
    mount_text: str = ""
    onedrive_roots: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    awake: bool = False
    autostart: list[str] | None = None
    shutdown_reason: str | None = None
    output: OutputState = field(default_factory=OutputState)
    plan_sleeps_after: timedelta | None = None
    read_threads: list[tuple[str, int]] = field(default_factory=list)  # (read, thread id)
    key_protection: str = "none"  # "dpapi-machine" stands in for Windows
    key_group: str = "hvdesk users"
    group_exists: bool = True
    other_pc: bool = False  # unprotect fails, as DPAPI does for a blob from another PC

    def keep_awake(self, reason: str) -> bool:
        self.calls.append(("keep_awake", reason))
        self.awake = self.can_keep_awake
        return self.awake

    def allow_sleep(self) -> None:
        self.calls.append(("allow_sleep", ""))
        self.awake = False

    def awake_held(self) -> bool:
        return self.awake and self.can_keep_awake

    def screen_locked(self) -> bool | None:
        return self.locked

    def profile_roams(self) -> bool:
        return self.roams

    def drive_type(self, root: str) -> int:
        return 4 if root.upper() in self.remote_drives else 3

    def mounts(self) -> str:
        return self.mount_text

    def sync_roots(self) -> list[str]:
        return list(self.onedrive_roots)

    def autostart_command(self) -> list[str] | None:
        return self.autostart

    def set_autostart(self, command: list[str] | None) -> None:
        self.calls.append(("set_autostart", " ".join(command or [])))
        self.autostart = command

    def block_shutdown(self, window_id: int, reason: str) -> bool:
        self.calls.append(("block_shutdown", reason))
        self.shutdown_reason = reason
        return True

    def unblock_shutdown(self, window_id: int) -> None:
        self.calls.append(("unblock_shutdown", ""))
        self.shutdown_reason = None

    def output_state(self) -> OutputState:
        self.read_threads.append(("output_state", threading.get_ident()))
        return self.output

    def sleep_after(self) -> timedelta | None:
        self.read_threads.append(("sleep_after", threading.get_ident()))
        return self.plan_sleeps_after
    def protect(self, data: bytes) -> bytes:
        if self.key_protection == "none":
            return data
        return FAKE_SEAL + data[::-1]

    def unprotect(self, blob: bytes) -> bytes:
        if self.key_protection == "none":
            return blob
        if self.other_pc or not blob.startswith(FAKE_SEAL):
            raise OSError(13, "CryptUnprotectData refused the key (fake)")
        return blob[len(FAKE_SEAL) :][::-1]

    def share_key_folder(self, folder: Path) -> KeyAccess:
        """Owner-only on disk whatever it reports (a test never widens real permissions)."""
        self.calls.append(("share_key_folder", str(folder)))
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
        if self.group_exists:
            return KeyAccess(self.key_group)
        return KeyAccess(None, f"Only your account can read {folder}: add the {self.key_group}")

    def share_key_file(self, path: Path, access: KeyAccess) -> None:
        self.calls.append(("share_key_file", access.group or ""))
