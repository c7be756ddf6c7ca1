"""Where a SQLite file sits: on this PC's own disk, or somewhere other machines also write.

SQLite's write-ahead log keeps its shared memory per host: two office PCs opening one file on a
network share, a mapped drive or a cloud-synced folder can each think they hold the lock, so an
alarm can be raised twice (or never) and the file can be corrupted. Sync clients (OneDrive, Dropbox,
Google Drive) also copy a half-written file and its -wal apart. So the database refuses such a place
unless explicitly opened single-seat (one PC only, rollback journal, exclusive lock); several PCs
need the PostgreSQL server.

The classifier is pure: the platform's answers (drive types, mounted file systems, environment)
come in as arguments, so every case is tested on any machine.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath


class Where(enum.StrEnum):
    LOCAL = "local"
    NETWORK_SHARE = "network share"
    MAPPED_DRIVE = "mapped network drive"
    NETWORK_MOUNT = "network file system"
    CLOUD_SYNCED = "cloud-synced folder"


@dataclass(frozen=True)
class Location:
    where: Where
    detail: str = ""  # e.g. the share, the drive letter, "OneDrive"

    @property
    def is_local(self) -> bool:
        return self.where is Where.LOCAL

    def describe(self) -> str:
        return f"a {self.where.value} ({self.detail})" if self.detail else f"a {self.where.value}"


# Folder names the sync clients create (OneDrive for Business adds " - Organisation").
CLOUD_FOLDERS = {
    "onedrive": "OneDrive",
    "dropbox": "Dropbox",
    "google drive": "Google Drive",
    "my drive": "Google Drive",
    "googledrive": "Google Drive",
    "icloud drive": "iCloud Drive",
    "iclouddrive": "iCloud Drive",
    "nextcloud": "Nextcloud",
}
# Environment variables Windows sync clients set to their root folder.
CLOUD_ENV = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "afs",
    "ceph",
    "glusterfs",
    "9p",
    "davfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.glusterfs",
    "fuse.davfs2",
}
DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive


def _cloud_folder(parts: tuple[str, ...]) -> str | None:
    for part in parts:
        name = part.lower()
        if name in CLOUD_FOLDERS:
            return CLOUD_FOLDERS[name]
        if name.startswith("onedrive - "):
            return part
    return None


def _under(path: str, root: str, windows: bool) -> bool:
    if not root:
        return False
    if windows:
        p, r = PureWindowsPath(path), PureWindowsPath(root)
        return [x.lower() for x in p.parts[: len(r.parts)]] == [x.lower() for x in r.parts]
    p2, r2 = PurePosixPath(path), PurePosixPath(root)
    return p2.parts[: len(r2.parts)] == r2.parts


def _device_unc_share(path: str) -> str | None:
    """\\\\?\\UNC\\server\\share\\... and \\\\.\\UNC\\server\\share\\... name the share \\\\server\\share."""
    text = path.replace("/", "\\")
    for prefix in ("\\\\?\\unc\\", "\\\\.\\unc\\"):
        if text.lower().startswith(prefix):
            server_share = text[len(prefix) :].split("\\")[:2]
            return "\\\\" + "\\".join(server_share)
    return None


def classify_windows(
    path: str,
    drive_type: Callable[[str], int] = lambda _root: 3,
    env: Mapping[str, str] | None = None,
    sync_roots: Sequence[str] = (),
) -> Location:
    """A Windows path: UNC share, mapped drive (GetDriveTypeW), cloud-synced folder, or local.
    `sync_roots` are the folders OneDrive syncs (from the registry): a SharePoint library synced
    to C:\\Users\\office\\St Marys CE Primary\\Office - Documents has no "OneDrive" in its path."""
    p = PureWindowsPath(path)
    env = env or {}
    share = _device_unc_share(path)
    if share:
        return Location(Where.NETWORK_SHARE, share)
    drive = p.drive.replace("/", "\\")
    if drive.startswith(("\\\\?\\", "\\\\.\\")):  # a device path: \\?\C:\...
        drive = drive[4:]
    elif drive.startswith("\\\\"):
        return Location(Where.NETWORK_SHARE, drive)
    for name in CLOUD_ENV:
        root = env.get(name, "")
        if root and _under(path, root, windows=True):
            return Location(Where.CLOUD_SYNCED, PureWindowsPath(root).name or name)
    for root in sync_roots:
        if _under(path, root, windows=True):
            return Location(Where.CLOUD_SYNCED, f"OneDrive: {PureWindowsPath(root).name}")
    cloud = _cloud_folder(p.parts)
    if cloud:
        return Location(Where.CLOUD_SYNCED, cloud)
    if len(drive) == 2 and drive[1] == ":" and drive_type(drive.upper() + "\\") == DRIVE_REMOTE:
        return Location(Where.MAPPED_DRIVE, drive.upper())
    return Location(Where.LOCAL)


def mount_table(text: str) -> list[tuple[str, str, str]]:
    """(mount point, file system type, source) from /proc/mounts text (octal escapes decoded)."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].encode().decode("unicode_escape")
            rows.append((point, fields[2], fields[0]))
    return rows


def classify_posix(path: str, mounts: str = "", home: str = "") -> Location:
    """A Linux/macOS path: on a network file system (longest mount point wins), cloud-synced, or local."""
    best: tuple[str, str, str] | None = None
    for point, fstype, source in mount_table(mounts):
        if _under(path, point, windows=False) and (best is None or len(point) > len(best[0])):
            best = (point, fstype, source)
    if best is not None and best[1] in NETWORK_FILESYSTEMS:
        return Location(Where.NETWORK_MOUNT, f"{best[1]} {best[2]}")
    parts = PurePosixPath(path).parts
    if home and _under(path, home, windows=False):
        parts = parts[len(PurePosixPath(home).parts) :]
    cloud = _cloud_folder(parts)
    if cloud:
        return Location(Where.CLOUD_SYNCED, cloud)
    return Location(Where.LOCAL)
