"""What hvdesk asks of the operating system, as one small interface with a real and a fake side.

Each call says honestly whether it worked: a keep-awake that cannot be held, a lock state that
cannot be read (None) or an autostart that cannot be written are shown to the office, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from hvdesk.platform.sound_output import OutputState


@dataclass(frozen=True)
class KeyAccess:
    """Who besides this account (and the PC's administrators) may read the machine-wide key.

    `group` is the group of hvdesk users that was given read access, or None when the key folder
    is owner-only; `note` then tells IT, in commands, how to let the other hvdesk users in.
    """

    group: str | None
    note: str = ""


class PlatformCalls(Protocol):
    name: str

    def keep_awake(self, reason: str) -> bool:
        """Ask the OS not to sleep (the screen may still turn off). True when the request is held."""

    def allow_sleep(self) -> None:
        """Withdraw the keep-awake request (nobody is out any more)."""

    def awake_held(self) -> bool:
        """Is the keep-awake request still held (an inhibitor process can die)?"""

    def screen_locked(self) -> bool | None:
        """True when the session is locked (alarm windows cannot be seen); None when unknown."""

    def profile_roams(self) -> bool:
        """Windows: is this user's profile roaming (copied to a server at sign-out)?"""

    def drive_type(self, root: str) -> int:
        """GetDriveTypeW's answer for a drive root such as 'H:\\\\' (3 = fixed, 4 = network)."""

    def mounts(self) -> str:
        """/proc/mounts text where there is one, else ''."""

    def sync_roots(self) -> list[str]:
        """Windows: the folders OneDrive syncs (personal, business, SharePoint libraries), which
        need not be named "OneDrive"; [] where unknown."""

    def autostart_command(self) -> list[str] | None:
        """The command registered to start at sign-in, or None."""

    def set_autostart(self, command: list[str] | None) -> None:
        """Register (or with None remove) the command that starts hvdesk at sign-in."""

    def block_shutdown(self, window_id: int, reason: str) -> bool:
        """Windows: show `reason` on the shutdown screen while staff are out. True if set."""

    def unblock_shutdown(self, window_id: int) -> None:
        """Remove the shutdown reason (nobody is out)."""

    def output_state(self) -> OutputState:
        """The default output's mute and master volume and whether this is a Remote Desktop
        session; None fields when they cannot be read. Can take seconds: never on the GUI thread."""

    def sleep_after(self) -> timedelta | None:
        """How long the power plan (on mains) lets this PC sit idle before it sleeps or
        hibernates; None for never; OSError when it cannot be read. Can take seconds."""
    key_protection: str  # how a machine-wide key file is protected: "dpapi-machine" or "none"
    key_group: str  # the group of hvdesk users who may read the machine-wide key

    def protect(self, data: bytes) -> bytes:
        """Windows: DPAPI machine scope (only this PC can unprotect it); elsewhere unchanged."""

    def unprotect(self, blob: bytes) -> bytes:
        """The inverse of protect(); OSError when the blob was protected on another PC."""

    def share_key_folder(self, folder: Path) -> KeyAccess:
        """Make the machine-wide key folder and limit it to the administrators and the hvdesk
        users group, or to this account alone when there is no such group. Never world-readable."""

    def share_key_file(self, path: Path, access: KeyAccess) -> None:
        """Give a key file just written (owner-only) the readers its folder was given."""
