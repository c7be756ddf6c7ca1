"""Data protection end to end: encrypted files, the audit chain, encrypt in place, backup and restore."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hvdesk import keystore
from hvdesk.audit import verify
from hvdesk.cli import main
from hvdesk.db import Database
from hvdesk.models import Household, LoneWorkingAssessment, Staff
from hvdesk.sqlcipher_files import check_file, is_plain_sqlite


def _strings(path: Path) -> str:
    """What `strings` shows: runs of 4+ printable bytes."""
    return "\n".join(m.decode() for m in re.findall(rb"[\x20-\x7e]{4,}", path.read_bytes()))


def _secrets(db_url: str) -> list[str]:
    """Household names, addresses, mobiles and safe words as the demo wrote them."""
    db = Database(db_url, key=keystore.locate(db_url.split(":///", 1)[1]))
    with db.read() as s:
        found = [h.name for h in s.scalars(select(Household))][:5]
        found += [h.address.splitlines()[0] for h in s.scalars(select(Household))][:5]
        found += [st.mobile for st in s.scalars(select(Staff))][:5]
        found += [lw.safe_word for lw in s.scalars(select(LoneWorkingAssessment))]
    db.dispose()
    return found


def test_demo_database_and_its_backup_show_no_personal_data(demo_file, tmp_path, capsys):
    secrets = _secrets(f"sqlite:///{demo_file}")
    assert len(secrets) >= 15  # names, addresses, mobiles and every safe word
    backup = tmp_path / "backup.sqlite3"
    assert main(["backup", "--db", str(demo_file), "--out", str(backup)]) == 0
    assert "encrypted with the database key" in capsys.readouterr().out
    for path in (demo_file, backup):
        assert not is_plain_sqlite(path)
        shown = _strings(path)
        leaked = [s for s in secrets if s in shown]
        assert leaked == [], f"{path.name} shows {leaked}"


def test_encrypted_file_opens_with_its_key_and_is_refused_without(demo_file, monkeypatch, capsys):
    key = keystore.locate(str(demo_file))
    assert check_file(demo_file, key).ok
    assert not check_file(demo_file, None).ok
    monkeypatch.setenv(keystore.ENV_KEY, "ab" * 32)  # the wrong key
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "does not open this encrypted database" in err and "Traceback" not in err
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(demo_file.parent / "no-keys-here"))
    size = demo_file.stat().st_size
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "encrypted and hvdesk has no key" in err and "recovery sheet" in err
    assert demo_file.stat().st_size == size  # never replaced by a new, empty database


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX file modes (0o077): Windows guards the key file by its ACL"
)
def test_a_new_database_gets_a_key_file_when_there_is_no_keyring(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    path = tmp_path / "new.sqlite3"
    assert main(["migrate", "--db", str(path)]) == 0
    found = keystore.locate(str(path))
    assert found is not None and found.store == "file"
    key_file = keystore.key_file(str(path))
    assert key_file.stat().st_mode & 0o077 == 0  # owner only
    assert not is_plain_sqlite(path)


def test_encrypt_in_place_keeps_every_row(tmp_path, monkeypatch, capsys):
    plain = tmp_path / "plain.sqlite3"
    monkeypatch.setenv("HVDESK_PLAIN_DB", "1")
    assert main(["demo", "--db", str(plain)]) == 0
    assert is_plain_sqlite(plain)
    before = check_file(plain, None)
    monkeypatch.delenv("HVDESK_PLAIN_DB")
    assert main(["encrypt", "--db", str(plain)]) == 0
    assert "integrity ok" in capsys.readouterr().out
    after = check_file(plain, keystore.locate(str(plain)))
    assert not is_plain_sqlite(plain)
    assert after.counts == before.counts and after.checksum == before.checksum
    assert not plain.with_name("plain.sqlite3.plain").exists()
    assert main(["audit", "verify", "--db", str(plain)]) == 0


def test_events_refuse_update_and_delete(db, office, clock):
    from hvdesk.services.base import Service

    with db.transaction() as session:
        Service(db, clock).audit(session, office, "note", "first")
    for statement in ("UPDATE event SET note = 'rewritten'", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def _tamper(db: Database, sql: str) -> None:
    """What someone with the file and a SQLite shell could do: drop the triggers, then edit."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER event_no_update"))
        conn.execute(text("DROP TRIGGER event_no_delete"))
        conn.execute(text(sql))


def _five_events(db: Database, office, clock) -> list[int]:
    from hvdesk.services.base import Service

    ids = []
    for n in range(5):
        with db.transaction() as session:
            ev = Service(db, clock).audit(session, office, "note", f"event {n}")
            session.flush()
            ids.append(ev.id)
    return ids


@pytest.mark.parametrize(
    ("sql", "where", "why"),
    [
        ("UPDATE event SET note = 'nothing happened' WHERE id = {2}", 2, "content was changed"),
        ("DELETE FROM event WHERE id = {2}", 3, "before it is missing"),
        ("DELETE FROM event WHERE id = {4}", None, "newest events are missing"),
    ],
)
def test_a_chain_broken_by_hand_is_found_at_the_right_event(db, office, clock, sql, where, why):
    ids = _five_events(db, office, clock)
    with db.engine.connect() as conn:
        assert verify(conn).intact
    _tamper(db, sql.format(*ids))
    with db.engine.connect() as conn:
        report = verify(conn)
    assert not report.intact and why in str(report)
    assert report.broken_at == (ids[where] if where is not None else None)


def test_audit_verify_command(demo_file, capsys):
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0
    assert re.fullmatch(r"\d+ events, chain intact\n", capsys.readouterr().out)


def test_restore_after_the_database_is_truncated(demo_file, tmp_path, capsys):
    backup = tmp_path / "backups" / "school-20261130.sqlite3"
    backup.parent.mkdir()
    assert main(["backup", "--db", str(demo_file), "--out", str(backup)]) == 0
    before = check_file(demo_file, keystore.locate(str(demo_file)))
    with demo_file.open("r+b") as handle:
        handle.truncate(8192)
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    out = capsys.readouterr().out
    assert "kept as" in out
    kept = Path(out.split("kept as ")[1].strip().rstrip("."))
    assert kept.stat().st_size == 8192  # the replaced database is kept, never deleted
    after = check_file(demo_file, keystore.locate(str(demo_file)))
    assert after.counts == before.counts and after.checksum == before.checksum
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0


def test_restore_refuses_a_file_that_is_not_an_hvdesk_backup(demo_file, tmp_path, capsys):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("hello")
    size = demo_file.stat().st_size
    for bad in (other, text_file):
        assert main(["restore", str(bad), "--db", str(demo_file)]) == 2
        err = capsys.readouterr().err
        assert "was not changed" in err and "Traceback" not in err
    assert demo_file.stat().st_size == size


def test_safe_words_are_ciphertext_in_the_column(db, clock):
    from datetime import date

    with db.transaction() as s:
        staff = Staff(name="A B", mobile="+447700900123", created_at=clock.now())
        s.add(staff)
        s.flush()
        s.add(
            LoneWorkingAssessment(
                staff_id=staff.id,
                mobile="+447700900123",
                safe_word="marmalade",
                signed_on=date(2026, 11, 1),
                created_at=clock.now(),
            )
        )
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT safe_word FROM lone_working_assessment")).scalar()
    assert stored.startswith("gcm1:") and "marmalade" not in stored
    with db.read() as s:
        assert s.scalars(select(LoneWorkingAssessment)).one().safe_word == "marmalade"


def test_key_rotation_keeps_rows_and_safe_words(demo_file, monkeypatch, capsys):
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(demo_file.parent / "config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    keystore.store(str(demo_file), bytes.fromhex("5e" * 32))  # the suite's key, now in a file
    words = _secrets(f"sqlite:///{demo_file}")[-3:]
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    assert main(["key", "rotate", "--user", "admin", "--db", str(demo_file)]) == 0
    new = keystore.locate(str(demo_file))
    assert new is not None and new.hex != "5e" * 32 and new.hex in capsys.readouterr().out
    assert _secrets(f"sqlite:///{demo_file}")[-3:] == words
    assert main(["key", "show", "--user", "office", "--db", str(demo_file)]) == 2
    assert "only an admin" in capsys.readouterr().err


def test_recovery_sheet_has_the_key_as_text_and_is_audited_first(demo_file, tmp_path, capsys):
    from pypdf import PdfReader

    from hvdesk.models import Event
    from hvdesk.printing.recovery_sheet import key_groups

    out = tmp_path / "sheet.pdf"
    env = {"HVDESK_PASSWORD": "hvdesk-demo"}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        assert (
            main(["key", "sheet", "--user", "admin", "--out", str(out), "--db", str(demo_file)])
            == 0
        )
    key = keystore.locate(str(demo_file))
    page = PdfReader(out).pages[0].extract_text()
    assert key_groups(key) in page and "school safe" in page
    db = Database(f"sqlite:///{demo_file}", key=key)
    with db.read() as s:
        assert s.scalar(select(Event.user_name).where(Event.kind == "recovery_sheet_printed"))
    db.dispose()


def test_first_run_set_up_offers_the_recovery_sheet(qtbot, tmp_path, clock, monkeypatch):
    from hvdesk.commands.common import connect
    from ui import dialogs, login
    from ui.services import AppServices

    asked, opened = [], []
    monkeypatch.setattr(dialogs, "ask", lambda p, t, x: asked.append(x) or True)
    monkeypatch.setattr(dialogs, "tell", lambda *a: None)
    monkeypatch.setattr(login, "open_pdf", lambda path: opened.append(path) or True)
    db = connect(str(tmp_path / "new.sqlite3"))
    services = AppServices.build(db, clock)
    dialog = login.FirstRunDialog(services)
    qtbot.addWidget(dialog)
    dialog.display_name.setText("Ian Admin")
    dialog.password.setText("a-long-password-1")
    dialog._create()
    assert dialog.actor is not None and "recovery sheet" in asked[0]
    assert opened and opened[0].stat().st_size > 1000
    opened[0].unlink()
    db.dispose()


def test_the_status_says_whether_the_database_is_encrypted(demo_file, tmp_path):
    from hvdesk.commands.common import connect

    db = connect(str(demo_file))
    assert db.describe() == "local (school.sqlite3, encrypted)"
    db.dispose()
    plain = Database(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    assert plain.describe() == "local (plain.sqlite3, NOT encrypted)"
    plain.dispose()


def test_a_shared_server_database_never_makes_up_its_own_safe_word_key(monkeypatch):
    """Two office PCs must share one key for safe words: without HVDESK_DB_KEY, a clear refusal."""
    from hvdesk.db import make_engine
    from hvdesk.errors import HvdeskError
    from hvdesk.safe_word_cipher import cipher_of

    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    engine = make_engine("postgresql+psycopg://hvdesk@server.invalid/hvdesk")
    with pytest.raises(HvdeskError, match="same key on every office PC"):
        cipher_of(engine.dialect).encrypt("marmalade")
    engine.dispose()


def test_backup_out_gz_is_compressed_and_restores(demo_file, tmp_path, capsys):
    """`--out X.sqlite3.gz` wrote a plain file that restore then refused as a bad gzip."""
    backup = tmp_path / "copy.sqlite3.gz"
    assert main(["backup", "--db", str(demo_file), "--out", str(backup)]) == 0
    assert backup.read_bytes()[:2] == b"\x1f\x8b"
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0


def test_a_plain_copy_named_gz_is_restored_for_what_it_is(demo_file, tmp_path, capsys):
    """Restore goes by the file's first bytes, not its name."""
    plain = tmp_path / "copy.sqlite3"
    assert main(["backup", "--db", str(demo_file), "--out", str(plain)]) == 0
    misnamed = plain.rename(tmp_path / "misnamed.sqlite3.gz")
    assert main(["restore", str(misnamed), "--db", str(demo_file)]) == 0
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0


def test_the_restore_offer_never_offers_another_databases_backup(demo_file, tmp_path, capsys):
    from hvdesk.restore import last_good_backups, newest_good_backup

    folder = tmp_path / "backups"
    folder.mkdir()
    own = folder / "school-20261124.sqlite3"
    assert main(["backup", "--db", str(demo_file), "--out", str(own)]) == 0
    other = folder / "other-school-20261125.sqlite3"  # newer: another database's daily backup
    assert main(["backup", "--db", str(demo_file), "--out", str(other)]) == 0
    import os

    os.utime(own, (1_700_000_000, 1_700_000_000))
    found = newest_good_backup(demo_file)
    assert found is not None and found.path == own
    assert last_good_backups(demo_file)[0][1].path == own
