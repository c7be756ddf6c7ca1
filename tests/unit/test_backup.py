from __future__ import annotations

import gzip
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from hvdesk.backup import (
    BackupFailed,
    backup_dir,
    backups,
    check_integrity,
    daily_backup,
    latest_backup,
)
from hvdesk.clock import london
from hvdesk.db import Database
from hvdesk.rules.retention import Retention
from tests.conftest import open_copy


def unpacked(path, tmp_path):
    out = tmp_path / f"unpacked-{path.name}.sqlite3"
    out.write_bytes(gzip.decompress(path.read_bytes()))
    return out


def test_daily_backup_once_per_day_compressed_and_checked(demo_db, clock, tmp_path):
    first = daily_backup(demo_db, clock)
    assert first is not None and first.exists() and first.name.endswith(".sqlite3.gz")
    assert first.name == f"test-{london(clock.now()):%Y%m%d}.sqlite3.gz"  # named for its database
    assert daily_backup(demo_db, clock) is None  # today's exists
    copy = unpacked(first, tmp_path)
    check_integrity(copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("select count(*) from household").fetchone()[0] == 30
    assert first.stat().st_size < copy.stat().st_size / 2  # compressed (WAL: the live file lags)
    assert not list(first.parent.glob(".*"))  # no snapshot or partial left behind
    assert latest_backup(demo_db) is not None


def test_backups_do_not_grow_with_the_days_kept(demo_db, clock):
    """A year and more of daily backups (one real one, copied under the earlier days' names: 400
    real backups of the demo school took 40 s), then today's backup prunes them by the rule."""
    first = daily_backup(demo_db, clock)
    assert first is not None
    stem = first.name.removesuffix(f"-{london(clock.now()).date():%Y%m%d}.sqlite3.gz")
    for back in range(1, 400):
        day = london(clock.now()).date() - timedelta(days=back)
        shutil.copyfile(first, first.with_name(f"{stem}-{day:%Y%m%d}.sqlite3.gz"))
    clock.advance(timedelta(days=1))
    daily_backup(demo_db, clock)
    kept = backups(demo_db)
    assert len(kept) <= 7 + 4 + 12
    assert max(kept) - min(kept) >= timedelta(days=300)  # a year back, still


def test_the_rule_can_be_tightened(demo_db, clock):
    for _ in range(20):
        daily_backup(demo_db, clock, Retention(daily=3, weekly=0, monthly=0))
        clock.advance(timedelta(days=1))
    assert len(backups(demo_db)) == 3


def test_a_second_database_in_the_same_folder_is_backed_up_too(
    demo_db, clock, tmp_path, empty_template
):
    other = open_copy(empty_template, tmp_path / "second-school.sqlite3")
    try:
        assert daily_backup(demo_db, clock) is not None
        second = daily_backup(other, clock)
        assert second is not None and second.name.startswith("second-school-")
        assert len(backups(demo_db)) == len(backups(other)) == 1
    finally:
        other.dispose()


def test_old_uncompressed_backups_are_pruned_by_the_same_rule(demo_db, clock):
    folder = daily_backup(demo_db, clock).parent
    day = london(clock.now()).date()
    for back in range(1, 40):
        old = folder / f"test-{day - timedelta(days=back):%Y%m%d}.sqlite3"
        old.write_bytes(b"old copy")
    clock.advance(timedelta(days=1))
    daily_backup(demo_db, clock)
    assert len(backups(demo_db)) <= 7 + 4 + 12
    assert len(list(folder.glob("test-*.sqlite3"))) < 39


def test_a_damaged_snapshot_is_refused_and_nothing_kept(demo_db, clock, monkeypatch):
    def damaged(target):
        target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)

    monkeypatch.setattr(demo_db, "backup", damaged)
    with pytest.raises((BackupFailed, sqlite3.DatabaseError)):
        daily_backup(demo_db, clock)
    assert backups(demo_db) == {}
    assert list(backup_dir(demo_db).iterdir()) == []  # no snapshot or partial left behind


def test_memory_database_has_no_backup(clock):
    db = Database("sqlite://")
    assert daily_backup(db, clock) is None
    assert latest_backup(db) is None


def test_an_encrypted_database_is_backed_up_encrypted_and_restored_from_the_gz(tmp_path, clock):
    """Main encrypts by default: the snapshot is checked with the database's key, and the restore
    offer finds the compressed daily backup and puts it back."""
    from hvdesk.commands.common import connect
    from hvdesk.restore import newest_good_backup, restore
    from hvdesk.sqlcipher_files import is_plain_sqlite

    path = tmp_path / "school.sqlite3"
    db = connect(str(path))
    try:
        assert db.key is not None
        made = daily_backup(db, clock)
    finally:
        db.dispose()
    assert made is not None and made.name == f"school-{london(clock.now()):%Y%m%d}.sqlite3.gz"
    assert not is_plain_sqlite(unpacked(made, tmp_path))  # encrypted like the database
    found = newest_good_backup(path)
    assert found is not None and found.path == made
    kept = restore(made, path, clock.now())
    assert kept is not None and kept.exists()
    again = connect(str(path))
    try:
        assert again.key is not None
    finally:
        again.dispose()


def test_a_broken_compressed_backup_is_never_offered(tmp_path, clock):
    from hvdesk.restore import check_backup

    bad = tmp_path / "school-20261124.sqlite3.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    result, _key = check_backup(bad, None)
    assert not result.ok and "compressed backup" in result.problem


def test_databases_named_alike_up_to_a_dot_keep_separate_backups(clock, tmp_path, empty_template):
    """school.sqlite3 and school.2025.sqlite3 were both backed up as school-<day>: the second
    one's backup was silently never made (today's 'existed')."""
    made = {}
    for name in ("school.sqlite3", "school.2025.sqlite3"):
        db = open_copy(empty_template, tmp_path / name)
        try:
            made[name] = daily_backup(db, clock)
            assert len(backups(db)) == 1
        finally:
            db.dispose()
    day = f"{london(clock.now()):%Y%m%d}"
    assert made["school.sqlite3"].name == f"school-{day}.sqlite3.gz"
    assert made["school.2025.sqlite3"].name == f"school.2025-{day}.sqlite3.gz"


def test_backups_under_the_earlier_name_still_count_for_retention(clock, tmp_path, empty_template):
    db = open_copy(empty_template, tmp_path / "school.2025.sqlite3")
    try:
        first = daily_backup(db, clock)
        day = london(clock.now()).date()
        for back in range(1, 60):  # made by earlier versions, named before the first dot
            shutil.copyfile(
                first, first.with_name(f"school-{day - timedelta(days=back):%Y%m%d}.sqlite3.gz")
            )
        assert len(backups(db)) == 60
        clock.advance(timedelta(days=1))
        daily_backup(db, clock)
        assert len(list(first.parent.glob("school*.gz"))) <= 7 + 4 + 12
    finally:
        db.dispose()


def test_the_second_backup_folder_is_pruned_by_the_same_rule(demo_db, clock, tmp_path):
    from hvdesk.backup_places import set_second_folder

    share = tmp_path / "share"
    share.mkdir()
    set_second_folder(Path(demo_db.engine.url.database), str(share))
    first = daily_backup(demo_db, clock)
    day = london(clock.now()).date()
    for back in range(1, 400):
        shutil.copyfile(first, share / f"test-{day - timedelta(days=back):%Y%m%d}.sqlite3.gz")
    clock.advance(timedelta(days=1))
    daily_backup(demo_db, clock)
    assert 7 <= len(list(share.iterdir())) <= 7 + 4 + 12


_PEAK_OF_A_BACKUP = """
import gzip, sqlite3, sys, zlib  # (the app has them loaded: not the backup's memory)
from datetime import UTC, datetime
from sqlalchemy import text
from hvdesk.backup import daily_backup
from hvdesk.clock import FakeClock
from hvdesk.db import Database
db = Database(f"sqlite:///{sys.argv[1]}", run_migrations=False)
with db.read() as session:  # the app's connection, its page cache full as in the running app
    session.execute(text("SELECT sum(length(data)) FROM filler")).scalar()
def kib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak (VmHWM) starts again from here
before = kib("VmRSS:")
daily_backup(db, FakeClock(datetime(2026, 11, 24, 9, tzinfo=UTC)))
print((kib("VmHWM:") - before) / 1024)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the peak read from /proc")
def test_the_daily_backup_adds_little_to_the_apps_peak_memory(tmp_path):
    """The backup runs in the app's process: its copy and check read a 40 MB database through
    small page caches (not SQLCipher's 8 MB one), so the app's peak barely moves."""
    path = tmp_path / "big.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (data BLOB)")
        conn.executemany("INSERT INTO filler VALUES (randomblob(4000))", [()] * 10_000)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_OF_A_BACKUP, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(done.stdout.split()[-1]) < 4  # MB above the peak before it (was 9-10 MB)


def test_checking_a_compressed_backup_leaves_nothing_in_the_temporary_folder(
    demo_db, clock, tmp_path, monkeypatch
):
    """The check opens the unpacked copy read-only, and a WAL database opened so keeps its -wal
    and -shm files: each check of such a backup left two files in %TEMP%.

    The daily backups are not WAL (check_integrity puts them in rollback-journal mode), but
    `hvdesk backup --out FILE.sqlite3.gz` of a plain database is: Database.backup copies the live
    WAL database page by page, header included, and run_backup only checks it read-only before
    compressing it. A copy of the live file taken by IT is WAL too."""
    import tempfile

    from hvdesk.restore import check_backup

    plain = tmp_path / "out.sqlite3"
    demo_db.backup(plain)  # what `hvdesk backup --out` writes, before compressing it
    assert plain.read_bytes()[18:20] == b"\x02\x02"  # the header says WAL
    made = tmp_path / "school-20261124.sqlite3.gz"
    made.write_bytes(gzip.compress(plain.read_bytes()))
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    result, _key = check_backup(made, None)
    assert result.ok, result.problem
    assert sorted(p.name for p in temp.iterdir()) == []


def test_a_temporary_file_that_cannot_be_deleted_does_not_fail_a_good_backup(
    demo_db, clock, tmp_path, monkeypatch, caplog
):
    """On Windows Defender or the indexer may hold a temporary file a moment: the check's result
    stands, the other files are still removed, and what was left is logged."""
    import tempfile

    from hvdesk.restore import check_backup

    made = daily_backup(demo_db, clock)
    assert made is not None
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    real_unlink = Path.unlink

    def held(self, missing_ok=False):
        if self.name.startswith(".hvdesk-check-") and self.name.endswith("-shm"):
            raise PermissionError(32, "The process cannot access the file", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", held)
    real_mkstemp = tempfile.mkstemp

    def with_shm(*args, **kwargs):  # -shm and -wal there whatever the backup's journal mode
        fd, name = real_mkstemp(*args, **kwargs)
        Path(name + "-shm").touch()
        Path(name + "-wal").touch()
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", with_shm)
    with caplog.at_level("WARNING"):
        result, _key = check_backup(made, None)
    assert result.ok, result.problem
    assert [p.name[-4:] for p in temp.iterdir()] == ["-shm"]  # the rest were removed
    assert "-shm" in caplog.text


def test_a_check_sweeps_temporary_files_earlier_checks_left_a_day_ago(
    demo_db, clock, tmp_path, monkeypatch
):
    """A file held when its check ended (Windows Defender, the indexer) stays behind: the next
    check removes such files once they are a day old; younger ones may be another check's."""
    import os
    import tempfile
    import time

    from hvdesk.restore import check_backup

    made = daily_backup(demo_db, clock)
    assert made is not None
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    old = [temp / ".hvdesk-check-old.sqlite3", temp / ".hvdesk-check-old.sqlite3-shm"]
    young = temp / ".hvdesk-check-young.sqlite3"
    other = temp / "someone-elses.sqlite3"
    for path in (*old, young, other):
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (*old, other):
        os.utime(path, (two_days_ago, two_days_ago))
    result, _key = check_backup(made, None)
    assert result.ok, result.problem
    assert sorted(p.name for p in temp.iterdir()) == [".hvdesk-check-young.sqlite3", other.name]


def test_backup_out_of_a_plain_database_leaves_only_the_backup(demo_db, tmp_path, capsys):
    """`hvdesk backup --out` checks its copy read-only before compressing it, and the copy of a
    WAL database is WAL: the check left FILE.partial-wal and FILE.partial-shm beside the backup."""
    from hvdesk.cli import main

    out = tmp_path / "out"
    out.mkdir()
    source = Path(demo_db.engine.url.database or "")
    assert main(["backup", "--db", str(source), "--out", str(out / "school.sqlite3.gz")]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["school.sqlite3.gz"]


def test_a_backup_sweeps_half_made_files_a_backup_cut_off_left_a_day_ago(demo_db, clock, tmp_path):
    """Review of issue 9 #1: hvdesk closed (or the PC switched off) during a backup leaves its
    .snapshot and .partial, each a whole copy, named for a day no later backup replaces: the
    next backup removes those over a day old, in both folders; younger ones may be in use."""
    import os
    import time

    from hvdesk.backup_places import set_second_folder

    share = tmp_path / "share"
    share.mkdir()
    set_second_folder(Path(demo_db.engine.url.database), str(share))
    folder = backup_dir(demo_db)
    folder.mkdir(parents=True, exist_ok=True)
    old = [
        folder / ".test-20240101.sqlite3.gz.snapshot",
        folder / ".test-20240101.sqlite3.gz.partial",
        share / "test-20240101.sqlite3.gz.partial",
        # `hvdesk encrypt` cut off: a PLAIN working copy beside the backups (review of #9)
        folder / ".test-20240101.sqlite3.gz.encrypting.sqlite3",
    ]
    young = [
        folder / ".test-20240102.sqlite3.gz.partial",
        share / "test-20240102.sqlite3.gz.partial",
    ]
    unrelated = folder / "notes.txt"
    for path in (*old, *young, unrelated):
        path.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (*old, unrelated):
        os.utime(path, (two_days_ago, two_days_ago))
    assert daily_backup(demo_db, clock) is not None
    assert not [path for path in old if path.exists()]
    assert all(path.exists() for path in (*young, unrelated))


def test_a_check_s_temporary_copy_has_its_own_time_not_the_backup_s(demo_db, clock, tmp_path):
    """Review of #9: copying an old uncompressed backup with its times made the temporary copy
    look over a day old, so another check's sweep of the temp folder could remove it mid-check."""
    import os
    import time

    from hvdesk.restore import _unpacked

    old = tmp_path / "school-20240101.sqlite3"
    demo_db.backup(old)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    with _unpacked(old) as copy:
        assert copy.stat().st_mtime > time.time() - 3600
