"""`settings` and `notify` on the command line: every value by script, bad values named with the
fix, secrets never printed, a test message that really leaves (to a local SMTP server/gateway)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from hvdesk.cli import main
from tests.notifykit import ACCOUNT, MESSAGES_PATH, SCHOOL_NUMBER, Gateway, SmtpServer


@pytest.fixture(scope="module")
def new_school(tmp_path_factory) -> Path:
    """A school database as the first command leaves a new file: migrated and encrypted with the
    suite's key. Made once per module (a migration from nothing costs ~1 s); each test copies it."""
    path = tmp_path_factory.mktemp("new_school") / "school.sqlite3"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["settings", "list", "--db", str(path)]) == 0
    assert not path.with_name(path.name + "-wal").exists()  # all of it is in the one file
    return path


@pytest.fixture
def dbpath(tmp_path, monkeypatch, new_school):
    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(tmp_path / "secrets.json"))
    monkeypatch.delenv("HVDESK_SMS_TOKEN", raising=False)
    monkeypatch.delenv("HVDESK_SMTP_PASSWORD", raising=False)
    path = tmp_path / "school.sqlite3"
    shutil.copyfile(new_school, path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_settings_list_get_set_and_where_secrets_come_from(dbpath, capsys, monkeypatch):
    code, out, _ = run(capsys, "settings", "list", "--db", dbpath)
    assert code == 0
    assert "escalate_after_min = 2" in out and "checkin_interval_min = 60" in out
    assert "smtp.host = " in out and "sms.provider = none" in out
    assert "sms.token = (not set; store it with `hvdesk settings set sms.token -`" in out
    assert run(capsys, "settings", "set", "escalate_after_min", "3", "--db", dbpath)[0] == 0
    assert run(capsys, "settings", "get", "escalate_after_min", "--db", dbpath)[1] == "3\n"
    assert run(capsys, "settings", "set", "smtp.port", "465", "--db", dbpath)[0] == 0
    assert run(capsys, "settings", "set", "school_day_start", "08:45", "--db", dbpath)[0] == 0
    assert run(capsys, "settings", "get", "school_day_start", "--db", dbpath)[1] == "08:45\n"
    assert (
        run(capsys, "settings", "set", "office_call_after_start_min", "off", "--db", dbpath)[0] == 0
    )
    monkeypatch.setenv("HVDESK_SMS_TOKEN", "from-env-123")
    code, out, _ = run(capsys, "settings", "list", "--db", dbpath)
    assert "sms.token = (set; from environment HVDESK_SMS_TOKEN)" in out
    assert "from-env-123" not in out


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("escalate_after_min", "99", "escalate_after_min: Minutes before an untaken alarm"),
        ("escalate_after_min", "two", "is not a whole number"),
        ("smtp.port", "abc", "smtp.port: 'abc' is not a port number"),
        ("smtp.security", "tls", "smtp.security: must be one of starttls, ssl, none"),
        ("sms.provider", "twillo", "sms.provider: must be one of none, twilio, generic"),
        ("sms.headers", "nope", "sms.headers: must be a JSON object"),
        ("smtp.from", "office", "smtp.from: must be an email address"),
        ("ics_include_address", "maybe", "use yes or no"),
        ("colour", "red", "no setting called 'colour'"),
    ],
)
def test_bad_values_are_named_with_the_fix(dbpath, capsys, key, value, message):
    code, _, err = run(capsys, "settings", "set", key, value, "--db", dbpath)
    assert code == 2 and err.startswith("hvdesk: ") and message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX file modes (0o600): Windows guards the file by its ACL"
)
def test_a_secret_goes_to_an_owner_only_file_when_there_is_no_keyring(
    dbpath, capsys, tmp_path, monkeypatch
):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("pa55word\n"))
    code, out, err = run(capsys, "settings", "set", "smtp.password", "-", "--db", dbpath)
    assert code == 0 and "pa55word" not in out and "stored (file" in out
    assert "shell history" not in err  # typed at the prompt: nothing to warn about
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    code, out, _ = run(capsys, "settings", "get", "smtp.password", "--db", dbpath)
    assert "can be read by other users; run `chmod 600" in out


def test_notify_test_sends_an_email_and_a_text_and_the_outbox_lists_them(
    dbpath, capsys, httpserver, monkeypatch
):
    gateway = Gateway()
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(gateway.handler)
    monkeypatch.setenv("HVDESK_SMS_TOKEN", "tok")
    with SmtpServer() as smtp:
        for key, value in [
            ("smtp.host", "127.0.0.1"),
            ("smtp.port", str(smtp.port)),
            ("smtp.security", "none"),
            ("smtp.from", "alarms@example.org"),
            ("sms.provider", "twilio"),
            ("sms.base_url", httpserver.url_for("/")),
            ("sms.account", ACCOUNT),
            ("sms.from", SCHOOL_NUMBER),
        ]:
            assert run(capsys, "settings", "set", key, value, "--db", dbpath)[0] == 0
        code, out, err = run(capsys, "notify", "test", "--to", "head@example.org", "--db", dbpath)
        assert code == 0, err
        assert "Sent to head@example.org by email" in out
        (mail,) = smtp.messages
        assert "Test message from hvdesk" in mail.get_payload(decode=True).decode()
    code, out, _ = run(capsys, "notify", "test", "--to", "07700 900789", "--db", dbpath)
    assert code == 0 and "Sent to +447700900789 by sms (gateway reference SM" in out
    assert gateway.to("+447700900789")[0].startswith("Test message from hvdesk")
    code, out, _ = run(capsys, "notify", "outbox", "--db", dbpath)
    assert code == 0 and "Monitor: " in out
    assert out.count(" sent ") == 2 and "<head@example.org>" in out and "<+447700900789>" in out


def test_notify_test_with_a_bad_address_or_no_channel(dbpath, capsys):
    code, _, err = run(capsys, "notify", "test", "--to", "12", "--db", dbpath)
    assert code == 2 and "--to: '12' is not a" in err
    code, _, err = run(capsys, "notify", "test", "--to", "a@b.org", "--db", dbpath)
    assert code == 2 and "Email is not set up: set smtp.host and smtp.from" in err


def test_a_failing_test_message_says_why(dbpath, capsys, monkeypatch):
    monkeypatch.setenv("HVDESK_SMS_TOKEN", "tok")
    for key, value in [
        ("sms.provider", "twilio"),
        ("sms.base_url", "http://127.0.0.1:9"),
        ("sms.account", ACCOUNT),
        ("sms.from", SCHOOL_NUMBER),
    ]:
        run(capsys, "settings", "set", key, value, "--db", dbpath)
    code, _, err = run(capsys, "notify", "test", "--to", "07700900789", "--db", dbpath)
    assert code == 2 and "was not sent: cannot reach gateway" in err


def test_contacts_from_the_command_line(dbpath, capsys):
    code, out, _ = run(capsys, "notify", "contacts", "--db", dbpath)
    assert code == 0 and "No escalation contacts yet" in out
    assert (
        run(
            capsys,
            "notify",
            "add-contact",
            "Linda Francis",
            "--role",
            "Headteacher",
            "--mobile",
            "07700 900789",
            "--db",
            dbpath,
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "notify",
            "add-contact",
            "Ann Home",
            "--mobile",
            "07700900555",
            "--not-on-ladder",
            "--db",
            dbpath,
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "notify", "contacts", "--db", dbpath)
    assert "  1  Linda Francis Headteacher  +447700900789" in out
    assert "Ann Home" in out and "(responsible contact only)" in out
    code, _, err = run(capsys, "notify", "add-contact", "Nobody", "--db", dbpath)
    assert code == 2 and "enter a mobile or an email" in err


def test_output_into_a_pipe_that_closes_early_is_quiet(dbpath, capsys):
    """`hvdesk notify outbox | head`: the reader goes away; no traceback, the broken-pipe status."""
    import subprocess
    import sys
    from pathlib import Path

    assert run(capsys, "notify", "contacts", "--db", dbpath)[0] == 0  # the database exists
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, str(root / "main.py"), "notify", "outbox", "--db", dbpath],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
    )
    proc.stdout.close()  # like `head` that has read all it wanted
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_secret_given_on_the_command_line_is_stored_with_a_warning(dbpath, capsys):
    code, out, err = run(capsys, "settings", "set", "sms.token", "s3cret", "--db", dbpath)
    assert code == 0 and "sms.token stored" in out
    assert "stays in your shell history" in err
    assert "`hvdesk settings set sms.token -`" in err and "s3cret" not in err
