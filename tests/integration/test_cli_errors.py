"""A bad --db is one clear 'hvdesk: ...' line and exit code 2: no traceback, no new files or folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hvdesk.cli import main
from hvdesk.config import database_url
from hvdesk.errors import HvdeskError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HVDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HVDESK_DATABASE_URL", raising=False)


def migrate(capsys, *db: str) -> tuple[int, str]:
    code = main(["migrate", *(["--db", *db] if db else [])])
    err = capsys.readouterr().err
    return code, err


def assert_one_line(err: str, *words: str) -> None:
    assert err.startswith("hvdesk: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_not_a_database_file(tmp_path, capsys):
    junk = tmp_path / "passwd"
    junk.write_text("root:x:0:0:root:/root:/bin/bash\n" * 50)
    code, err = migrate(capsys, str(junk))
    assert code == 2
    assert_one_line(err, f"--db {junk}", "not an hvdesk database", "file is not a database")
    assert junk.read_text().startswith("root:x")  # untouched


def test_a_folder(tmp_path, capsys):
    code, err = migrate(capsys, str(tmp_path))
    assert code == 2
    assert_one_line(err, "is a folder", "give a database file name")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs a folder no one can write to")
def test_unopenable_file(capsys):
    code, err = migrate(capsys, "/proc/x.sqlite3")
    assert code == 2
    assert_one_line(err, "/proc/x.sqlite3", "cannot open the database file")


def test_unreachable_server_hides_the_password(capsys):
    pytest.importorskip("psycopg")
    code, err = migrate(capsys, "postgresql+psycopg://hv:s3cret@127.0.0.1:1/hvdesk")
    assert code == 2
    assert_one_line(err, "cannot connect to the database server", "127.0.0.1")
    assert "s3cret" not in err


@pytest.mark.parametrize("url", ["foo://bar", "not a url://x"])
def test_unknown_url(capsys, url):
    code, err = migrate(capsys, url)
    assert code == 2
    assert_one_line(err, f"--db {url}", "not a database URL", "postgresql+psycopg://")


def test_missing_folder_is_not_created(tmp_path, capsys):
    target = tmp_path / "nosuchdir" / "deeper" / "hv.sqlite3"
    code, err = migrate(capsys, str(target))
    assert code == 2
    assert_one_line(
        err, f"folder {target.parent} does not exist", "create it first or check the path"
    )
    assert not (tmp_path / "nosuchdir").exists()


def test_new_file_in_an_existing_folder_is_still_made(tmp_path, capsys):
    target = tmp_path / "new.sqlite3"
    assert main(["migrate", "--db", str(target)]) == 0
    assert target.is_file()


@pytest.mark.parametrize("where", ["after", "before"])
def test_empty_db_option_does_not_fall_back_to_the_default(tmp_path, capsys, where):
    argv = ["migrate", "--db", ""] if where == "after" else ["--db", "", "migrate"]
    assert main(argv) == 2
    assert_one_line(capsys.readouterr().err, "--db is empty")
    assert not (tmp_path / "data" / "hvdesk.sqlite3").exists()


def test_database_url_refuses_but_default_folder_is_made(tmp_path):
    with pytest.raises(HvdeskError, match="--db is empty"):
        database_url("")
    with pytest.raises(HvdeskError, match="does not exist"):
        database_url(str(tmp_path / "missing" / "x.db"))
    assert not (tmp_path / "missing").exists()
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'hvdesk.sqlite3'}"
    assert (tmp_path / "data").is_dir()


@pytest.mark.slow
def test_real_process_prints_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HVDESK_DATABASE_URL"}
    env["HVDESK_DATA_DIR"] = str(tmp_path / "data")
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "migrate", "--db", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("hvdesk: --db") and "Traceback" not in out.stderr


def test_database_failing_part_way_is_one_line(tmp_path, capsys, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from hvdesk.commands import admin

    def locked(args):
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(admin, "run_migrate", locked)
    assert main(["migrate", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert_one_line(capsys.readouterr().err, "the database failed (database is locked)")


def test_a_message_of_hvdesk_raised_inside_a_statement_is_one_line(tmp_path, capsys, monkeypatch):
    """A shared database with no safe-word key: the column's type raises hvdesk's message inside
    SQLAlchemy, which wraps it; the user still gets the message, not a traceback."""
    from sqlalchemy.exc import StatementError

    import hvdesk.demo

    def no_key(*args, **kwargs):
        raise StatementError(
            "(hvdesk.errors.HvdeskError) Safe words on a shared database need the same key",
            "INSERT INTO lone_working_assessment ...",
            {},
            HvdeskError("Safe words on a shared database need the same key on every office PC"),
        )

    monkeypatch.setattr(hvdesk.demo, "load_demo", no_key)
    assert main(["demo", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert_one_line(capsys.readouterr().err, "hvdesk: Safe words on a shared database need")
