"""Where a SQLite file sits, and what opening it there does (shared drives refused, single-seat)."""

from __future__ import annotations

import pytest

from hvdesk.commands.common import connect
from hvdesk.errors import HvdeskError
from hvdesk.platform import FakePlatformScope, classify
from hvdesk.platform.fake import FakePlatform
from hvdesk.storage_location import Where, classify_posix, classify_windows

ONEDRIVE_ENV = {
    "OneDrive": r"C:\Users\jpatel\OneDrive - Harborne Academy",
    "OneDriveConsumer": r"C:\Users\jpatel\OneDrive",
}

# What OneDrive's registry keys name: a SharePoint library synced without "OneDrive" in its path.
SYNC_ROOTS = [r"C:\Users\office\St Marys CE Primary\Office - Documents"]


def _remote(*drives: str):
    return lambda root: 4 if root in drives else 3


@pytest.mark.parametrize(
    ("path", "where", "detail"),
    [
        (r"C:\ProgramData\hvdesk\hvdesk.sqlite3", Where.LOCAL, ""),
        (r"D:\hvdesk\school.sqlite3", Where.LOCAL, ""),
        (r"\\office-server\hvdesk\hvdesk.sqlite3", Where.NETWORK_SHARE, r"\\office-server\hvdesk"),
        ("//office-server/hvdesk/hvdesk.sqlite3", Where.NETWORK_SHARE, r"\\office-server\hvdesk"),
        (r"\\?\UNC\nas\share\hvdesk.sqlite3", Where.NETWORK_SHARE, r"\\nas\share"),
        (r"\\.\UNC\srv\share\hv.sqlite3", Where.NETWORK_SHARE, r"\\srv\share"),
        (r"\\.\unc\srv\share\hv.sqlite3", Where.NETWORK_SHARE, r"\\srv\share"),
        (
            r"C:\Users\office\St Marys CE Primary\Office - Documents\hv.sqlite3",
            Where.CLOUD_SYNCED,
            "OneDrive: Office - Documents",
        ),
        (r"C:\Users\office\St Marys CE Primary\hv.sqlite3", Where.LOCAL, ""),
        (r"\\?\C:\hvdesk\hvdesk.sqlite3", Where.LOCAL, ""),
        (r"H:\hvdesk.sqlite3", Where.MAPPED_DRIVE, "H:"),
        (r"h:\school\hvdesk.sqlite3", Where.MAPPED_DRIVE, "H:"),
        (
            r"C:\Users\jpatel\OneDrive - Harborne Academy\hvdesk.sqlite3",
            Where.CLOUD_SYNCED,
            "OneDrive - Harborne Academy",
        ),
        (r"c:\users\JPATEL\onedrive\Documents\x.sqlite3", Where.CLOUD_SYNCED, "OneDrive"),
        (r"E:\Dropbox\school\hvdesk.sqlite3", Where.CLOUD_SYNCED, "Dropbox"),
        (r"G:\My Drive\hvdesk.sqlite3", Where.CLOUD_SYNCED, "Google Drive"),
        (r"C:\Users\jpatel\Google Drive\hvdesk.sqlite3", Where.CLOUD_SYNCED, "Google Drive"),
        (r"C:\Users\jpatel\Documents\hvdesk.sqlite3", Where.LOCAL, ""),
    ],
)
def test_windows_paths(path, where, detail):
    location = classify_windows(path, _remote("H:\\"), ONEDRIVE_ENV, SYNC_ROOTS)
    assert location.where is where
    assert location.detail == detail
    assert location.is_local == (where is Where.LOCAL)


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
//nas/office /mnt/office cifs rw,vers=3.0 0 0
nas:/export/hvdesk /srv/hvdesk nfs4 rw 0 0
/dev/sdb1 /srv/hvdesk/local ext4 rw 0 0
me@host:/data /home/sam/remote fuse.sshfs rw 0 0
/dev/sdc1 /media/sam/USB\\040STICK vfat rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/home/sam/.local/share/hvdesk/hvdesk.sqlite3", Where.LOCAL),
        ("/mnt/office/hvdesk.sqlite3", Where.NETWORK_MOUNT),
        ("/mnt/officex/hvdesk.sqlite3", Where.LOCAL),  # a prefix of a name is not the mount
        ("/srv/hvdesk/hvdesk.sqlite3", Where.NETWORK_MOUNT),
        ("/srv/hvdesk/local/hvdesk.sqlite3", Where.LOCAL),  # longest mount point wins
        ("/home/sam/remote/x.sqlite3", Where.NETWORK_MOUNT),
        ("/media/sam/USB STICK/x.sqlite3", Where.LOCAL),
        ("/home/sam/Dropbox/hvdesk.sqlite3", Where.CLOUD_SYNCED),
        ("/home/sam/OneDrive/hvdesk.sqlite3", Where.CLOUD_SYNCED),
    ],
)
def test_posix_paths(path, where):
    assert classify_posix(path, MOUNTS, "/home/sam").where is where


def test_a_home_folder_named_like_a_sync_client_is_not_cloud():
    assert classify_posix("/home/dropbox/hvdesk.sqlite3", "", "/home/dropbox").is_local


def test_classify_asks_the_platform(monkeypatch):
    fake = FakePlatform(remote_drives={"S:\\"}, mount_text=MOUNTS)
    monkeypatch.delenv("OneDrive", raising=False)
    assert classify(r"S:\hvdesk.sqlite3", fake).where is Where.MAPPED_DRIVE
    assert classify(r"C:\hvdesk.sqlite3", fake).is_local
    assert classify("/mnt/office/hvdesk.sqlite3", fake).where is Where.NETWORK_MOUNT


def test_classify_asks_the_platform_for_onedrive_folders(monkeypatch):
    monkeypatch.delenv("OneDrive", raising=False)
    fake = FakePlatform(onedrive_roots=SYNC_ROOTS)
    synced = r"C:\Users\office\St Marys CE Primary\Office - Documents\hv.sqlite3"
    assert classify(synced, fake).where is Where.CLOUD_SYNCED
    assert classify(synced, FakePlatform()).is_local  # what the registry adds


class _Key(str):
    """A registry handle: usable bare or in `with`, as winreg's HKEY is."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeRegistry:
    """winreg's calls over a dict: {key path: ({value name: data}, [subkey names])}."""

    HKEY_CURRENT_USER = "HKCU"

    def __init__(self, tree):
        self.tree = tree

    def OpenKey(self, parent, name):
        path = f"{parent}\\{name}"
        if path not in self.tree:
            raise FileNotFoundError(path)
        return _Key(path)

    def QueryInfoKey(self, key):
        values, subkeys = self.tree[key]
        return len(subkeys), len(values), 0

    def EnumKey(self, key, i):
        return self.tree[key][1][i]

    def EnumValue(self, key, i):
        name = list(self.tree[key][0])[i]
        return name, self.tree[key][0][name], 1

    def QueryValueEx(self, key, name):
        try:
            return self.tree[key][0][name], 1
        except KeyError:
            raise FileNotFoundError(name) from None


def test_onedrive_roots_come_from_every_account_and_sharepoint_library():
    from hvdesk.platform.windows import onedrive_roots

    base = r"HKCU\Software\Microsoft\OneDrive\Accounts"
    library = r"C:\Users\office\St Marys CE Primary\Office - Documents"
    registry = FakeRegistry(
        {
            base: ({}, ["Business1", "Personal"]),
            base + r"\Business1": (
                {"UserFolder": r"C:\Users\office\OneDrive - St Marys CE Primary"},
                ["Tenants"],
            ),
            base + r"\Business1\Tenants": ({}, ["St Marys CE Primary"]),
            base + r"\Business1\Tenants\St Marys CE Primary": ({library: "", "": ""}, []),
            base + r"\Personal": ({}, []),  # signed out: no UserFolder, no Tenants
        }
    )
    assert onedrive_roots(registry) == [
        r"C:\Users\office\OneDrive - St Marys CE Primary",
        library,
    ]
    assert onedrive_roots(FakeRegistry({})) == []  # OneDrive never set up


def test_sqlite_on_a_share_is_refused_with_the_way_out(tmp_path):
    fake = FakePlatform(mount_text=f"nas:/x {tmp_path} nfs4 rw 0 0\n")
    with FakePlatformScope(fake), pytest.raises(HvdeskError) as err:
        connect(str(tmp_path / "school.sqlite3"))
    text = str(err.value)
    assert "network file system" in text
    assert "several PCs need the PostgreSQL server" in text
    assert "--single-seat" in text
    assert not (tmp_path / "school.sqlite3").exists()  # nothing created


def test_single_seat_opens_it_with_a_rollback_journal_and_an_exclusive_lock(tmp_path):
    fake = FakePlatform(mount_text=f"nas:/x {tmp_path} nfs4 rw 0 0\n")
    path = tmp_path / "school.sqlite3"
    with FakePlatformScope(fake):
        db = connect(str(path), single_seat=True)
    try:
        with db.read() as s:
            assert s.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            assert s.connection().exec_driver_sql("PRAGMA locking_mode").scalar() == "exclusive"
        assert not path.with_name("school.sqlite3-wal").exists()
        # a second PC, with the key (the file is encrypted at rest)
        import sqlcipher3

        other = sqlcipher3.connect(str(path), timeout=0.2)
        if db.key is not None:
            other.execute(f'PRAGMA key = "{db.key.sqlcipher_pragma}"')
        with pytest.raises(sqlcipher3.OperationalError, match="locked"):
            other.execute("select count(*) from visit").fetchall()
        other.close()
    finally:
        db.dispose()


def test_local_files_still_get_wal(tmp_path):
    with FakePlatformScope(FakePlatform()):
        db = connect(str(tmp_path / "school.sqlite3"))
    try:
        with db.read() as s:
            assert s.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.dispose()


def test_cli_single_seat_option(tmp_path, capsys):
    from hvdesk.cli import main

    fake = FakePlatform(mount_text=f"nas:/x {tmp_path} cifs rw 0 0\n")
    target = str(tmp_path / "s.sqlite3")
    with FakePlatformScope(fake):
        assert main(["migrate", "--db", target]) == 2
        assert "PostgreSQL server" in capsys.readouterr().err
        assert main(["--single-seat", "migrate", "--db", target]) == 0


def test_encrypted_single_seat_shares_one_connection_between_worker_and_gui(tmp_path):
    """The exclusive lock belongs to one connection: a second pooled connection (the background
    worker's, while the GUI holds one) would be 'database is locked' for ever."""
    import threading

    from sqlalchemy import text

    fake = FakePlatform(mount_text=f"nas:/x {tmp_path} nfs4 rw 0 0\n")
    with FakePlatformScope(fake):
        db = connect(str(tmp_path / "school.sqlite3"), single_seat=True)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                with db.transaction() as s:
                    s.execute(text("update setting set updated_at=updated_at"))
                with db.read() as s:
                    s.execute(text("select count(*) from visit")).scalar()
        except BaseException as err:  # pragma: no cover - the failure being tested
            errors.append(err)

    try:
        assert db.key is not None  # encrypted: the default
        thread = threading.Thread(target=worker)
        thread.start()
        for _ in range(5):  # the GUI thread at the same time
            with db.read() as s:
                s.execute(text("select count(*) from visit")).scalar()
            with db.transaction() as s:
                s.execute(text("update setting set updated_at=updated_at"))
        thread.join()
        assert errors == []
        assert db.engine.pool.size() == 1  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_single_seat_may_follow_the_command_like_db(tmp_path, capsys):
    from hvdesk.cli import main

    fake = FakePlatform(mount_text=f"nas:/x {tmp_path} cifs rw 0 0\n")
    target = str(tmp_path / "s.sqlite3")
    with FakePlatformScope(fake):
        assert main(["migrate", "--db", target, "--single-seat"]) == 0
        assert main(["--single-seat", "migrate", "--db", target]) == 0  # before it still counts
        assert main(["migrate", "--db", target]) == 2  # and without it, still refused
    assert "PostgreSQL server" in capsys.readouterr().err
