"""Delivery against a local gateway stand-in and SMTP server: failures, retries, the visible fault,
recovery after an hour down, and the SMS adapter's lookups (sent messages, received texts)."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug import Response

from hvdesk.models import Event, OutboxMessage
from hvdesk.notify import outbox
from hvdesk.notify.channels import ChannelError, Outgoing
from hvdesk.notify.email import SmtpEmail
from hvdesk.notify.sender import OutboxSender, backoff, faults
from hvdesk.notify.sms import GenericSms, TwilioSms
from tests.notifykit import ACCOUNT, MESSAGES_PATH, SCHOOL_NUMBER, Gateway, SmtpServer

MIN = timedelta(minutes=1)


@pytest.fixture
def gateway(httpserver):
    gw = Gateway()
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(gw.handler)
    return gw


def sms_channel(httpserver, timeout_s: float = 5.0):
    def build():
        return {
            "sms": TwilioSms(
                httpserver.url_for("/"), ACCOUNT, "tok", SCHOOL_NUMBER, timeout_s=timeout_s
            )
        }, {}

    return build


def queue(
    db, clock, n: int = 1, channel: str = "sms", to: str = "+447700900789", kind: str = "alarm"
) -> list[int]:
    ids = []
    with db.transaction() as session:
        for i in range(n):
            row = outbox.enqueue(
                session,
                channel=channel,
                recipient=to,
                subject="s",
                body=f"message {i}",
                kind=kind,
                key=f"k{i}:{channel}",
                now=clock.now(),
            )
            session.flush()
            ids.append(row.id)
    return ids


def rows(db) -> list[OutboxMessage]:
    with db.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize(
    ("status", "words"),
    [(500, "500 from gateway"), (401, "401 from gateway"), (503, "503 from gateway")],
)
def test_gateway_errors_are_retried_with_backoff_and_shown_as_a_fault(
    db, clock, httpserver, gateway, status, words
):
    calls = {"n": 0}

    def fail(form):
        calls["n"] += 1
        if calls["n"] <= 2:
            return Response(json.dumps({"message": "Authenticate"}), status=status)
        return None

    gateway.fail = fail
    queue(db, clock)
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    report = sender.run_once()
    assert report.retrying and not report.sent
    (row,) = rows(db)
    assert row.status == "queued" and row.attempts == 1 and words in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    (fault,) = faults(db)
    assert fault.startswith("SMS failing since 09:00: ") and words in fault
    if status == 401:
        assert "check the SMS account and token" in fault
    assert sender.run_once().sent == []  # not yet due: nothing is tried
    clock.advance(timedelta(seconds=30))
    sender.run_once()
    (row,) = rows(db)
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=60)
    clock.advance(timedelta(seconds=60))
    assert sender.run_once().sent == [row.id]
    (row,) = rows(db)
    assert row.status == "sent" and row.attempts == 3 and row.provider_ref.startswith("SM")
    assert faults(db) == [] and len(gateway.sent) == 1


def test_a_gateway_that_does_not_answer_is_a_timeout_fault(db, clock, httpserver):
    release = threading.Event()

    def slow(request):
        release.wait(2)
        return Response("{}", status=201)

    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(slow)
    queue(db, clock)
    try:
        OutboxSender(db, clock, sms_channel(httpserver, timeout_s=0.3)).run_once()
    finally:
        release.set()
    (row,) = rows(db)
    assert row.status == "queued" and "no answer from gateway within" in row.last_error
    assert "no answer from gateway" in faults(db)[0]


def test_an_unreachable_gateway_is_a_fault(db, clock):
    def build():
        return {"sms": TwilioSms("http://127.0.0.1:9", ACCOUNT, "t", SCHOOL_NUMBER)}, {}

    queue(db, clock)
    OutboxSender(db, clock, build).run_once()
    assert "cannot reach gateway" in faults(db)[0]


def test_a_refused_number_fails_at_once_and_is_audited(db, clock, httpserver, gateway):
    gateway.fail = lambda form: Response(json.dumps({"message": "invalid To"}), status=400)
    queue(db, clock)
    report = OutboxSender(db, clock, sms_channel(httpserver)).run_once()
    (row,) = rows(db)
    assert report.failed == [row.id] and row.status == "failed" and row.failed_at == clock.now()
    with db.read() as s:
        (event,) = s.scalars(select(Event).where(Event.kind == "message_failed"))
    assert "invalid To" in event.note


def test_a_channel_down_for_an_hour_delivers_every_message_once_when_it_recovers(
    db, clock, httpserver, gateway
):
    back_at = clock.now() + timedelta(hours=1)
    gateway.fail = lambda form: Response("down", status=503) if clock.now() < back_at else None
    queue(db, clock, 5)
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    seen_fault = []
    for _ in range(75):
        sender.run_once()
        seen_fault += faults(db)
        clock.advance(MIN)
    assert seen_fault and seen_fault[0].startswith("SMS failing since 09:00: 503 from gateway")
    assert sorted(m["Body"] for m in gateway.sent) == [f"message {i}" for i in range(5)]
    assert len(set(gateway.keys)) == 5
    assert all(r.status == "sent" for r in rows(db))
    assert max(r.attempts for r in rows(db)) <= 16  # backoff: every 5 min at most, not every minute
    assert faults(db) == []


def test_backoff_doubles_to_five_minutes():
    assert [backoff(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_two_senders_at_once_send_each_message_once(db, clock, httpserver, gateway):
    queue(db, clock, 20)
    a = OutboxSender(db, clock, sms_channel(httpserver), holder="a")
    b = OutboxSender(db, clock, sms_channel(httpserver), holder="b")
    threads = [threading.Thread(target=s.run_once) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(gateway.sent) == 20 and len(set(gateway.keys)) == 20
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(db))


def test_a_claim_left_by_a_dead_sender_is_found_at_the_gateway_not_sent_again(
    db, clock, httpserver, gateway
):
    """The gateway took the message, then the sender died before recording it."""
    (message_id,) = queue(db, clock)
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    row = sender._claim(message_id, clock.now())
    TwilioSms(httpserver.url_for("/"), ACCOUNT, "t", SCHOOL_NUMBER).send(
        Outgoing(row.recipient, row.body, row.idempotency_key)
    )
    listing = {
        "messages": [
            {
                "sid": "SM00000000000000000000000000000001",
                "direction": "outbound-api",
                "to": row.recipient,
                "from": SCHOOL_NUMBER,
                "body": row.body,
                "status": "delivered",
                "date_created": "Tue, 24 Nov 2026 09:00:00 +0000",
            }
        ]
    }
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(listing)
    clock.advance(timedelta(minutes=3))
    report = sender.run_once()
    assert report.recovered == [message_id] and report.sent == []
    (row,) = rows(db)
    assert row.status == "sent" and row.provider_ref == "SM00000000000000000000000000000001"
    assert len(gateway.sent) == 1


def test_an_email_claim_left_by_a_dead_sender_is_sent_unconfirmed_not_twice(
    db, clock, smtp_server
):
    """The SMTP server took the email, then the sender died before recording it: an SMTP server
    cannot be asked, so the email is marked 'sent — unconfirmed', not sent a second time."""
    (message_id,) = queue(db, clock, channel="email", to="head@example.org")
    email = SmtpEmail("127.0.0.1", smtp_server.port, "a@b.org", security="none", timeout_s=10)

    def build():
        return {"email": email}, {}

    row = OutboxSender(db, clock, build, holder="dead")._claim(message_id, clock.now())
    sender = OutboxSender(db, clock, build, holder="new")
    email.send(Outgoing(row.recipient, row.body, row.idempotency_key, row.subject))
    # The new lease holder treats older claims as a dead sender's at once, but not while the
    # attempt could still be talking to the SMTP server.
    clock.advance(timedelta(seconds=5))
    sender.recover_before = clock.now()
    assert sender.run_once().recovered == []
    clock.advance(timedelta(seconds=6))
    report = sender.run_once()
    assert report.recovered == [message_id] and report.sent == []
    assert len(smtp_server.messages) == 1
    (row,) = rows(db)
    assert row.status == "sent" and row.attempts == 1
    assert row.last_error.startswith("sent \N{EM DASH} unconfirmed: ")
    clock.advance(timedelta(minutes=10))
    sender.run_once()
    assert len(smtp_server.messages) == 1
    with db.read() as s:
        (event,) = s.scalars(select(Event).where(Event.kind == "message_sent"))
    assert "unconfirmed" in event.note


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


def test_smtp_refused_sign_in_is_a_clear_fault(db, clock):
    from aiosmtpd.controller import Controller

    from tests.notifykit import free_port

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    port = free_port()

    def deny(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        return AuthResult(success=False, handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=deny,
        auth_require_tls=False,
    )
    controller.start()
    try:
        queue(db, clock, channel="email", to="head@example.org")

        def build():
            return {
                "email": SmtpEmail(
                    "127.0.0.1", port, "a@b.org", security="none", user="u", password="wrong"
                )
            }, {}

        OutboxSender(db, clock, build).run_once()
    finally:
        controller.stop()
    (fault,) = faults(db)
    assert fault.startswith("Email failing since 09:00: 535 from SMTP server: sign-in refused")
    assert "wrong" not in fault


def test_a_channel_that_is_not_set_up_is_a_fault_not_a_silence(db, clock):
    queue(db, clock)
    OutboxSender(
        db, clock, lambda: ({}, {"sms": "SMS is not set up: sms token missing"})
    ).run_once()
    assert faults(db) == ["SMS failing since 09:00: SMS is not set up: sms token missing"]


# --- the SMS adapter's lookups -------------------------------------------------------------------


def _inbound(sid, body, when, to=SCHOOL_NUMBER):
    return {
        "sid": sid,
        "direction": "inbound",
        "from": "+447700900123",
        "to": to,
        "body": body,
        "date_sent": when,
        "status": "received",
    }


def test_list_inbound_pages_and_returns_each_text_once(httpserver):
    page2 = {
        "messages": [_inbound("SM3", "LATE 20", "Tue, 24 Nov 2026 10:05:00 +0000")],
        "next_page_uri": None,
    }
    page1 = {
        "messages": [
            _inbound("SM2", "BACK", "Tue, 24 Nov 2026 10:01:00 +0000"),
            _inbound("SM1", "OK", "Tue, 24 Nov 2026 10:00:00 +0000"),
            {
                **_inbound("SM9", "outgoing", "Tue, 24 Nov 2026 10:02:00 +0000"),
                "direction": "outbound-api",
            },
            _inbound("SM8", "other number", "Tue, 24 Nov 2026 10:03:00 +0000", to="+447700900999"),
        ],
        "next_page_uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?Page=1",
    }
    httpserver.expect_request(MESSAGES_PATH, query_string={"Page": "1"}).respond_with_json(page2)
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(page1)
    sms = TwilioSms(httpserver.url_for("/"), ACCOUNT, "t", SCHOOL_NUMBER)
    first = sms.list_inbound(None)
    assert [(m.reference, m.body) for m in first.messages] == [
        ("SM1", "OK"),
        ("SM2", "BACK"),
        ("SM3", "LATE 20"),
    ]
    assert first.messages[0].received_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    again = sms.list_inbound(first.cursor)  # the last 10 minutes again, for texts listed late
    assert [m.reference for m in again.messages] == ["SM1", "SM2", "SM3"]
    assert again.cursor == first.cursor  # re-listed texts never move the cursor back
    (request, _), *_ = httpserver.log
    assert request.authorization.username == ACCOUNT and request.args["To"] == SCHOOL_NUMBER


def test_delivery_status_lookup(httpserver):
    httpserver.expect_request(
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM1.json"
    ).respond_with_json({"sid": "SM1", "status": "delivered"})
    assert (
        TwilioSms(httpserver.url_for("/"), ACCOUNT, "t", SCHOOL_NUMBER).status("SM1") == "delivered"
    )


def test_generic_gateway_posts_the_template_with_headers(httpserver):
    httpserver.expect_request(
        "/send",
        method="POST",
        headers={"Authorization": "Bearer s3cret"},
        json={"to": "+447700900789", "text": 'He said "hi"', "from": "SCHOOL"},
    ).respond_with_json({"messageId": "abc"})
    sms = GenericSms(
        httpserver.url_for("/send"),
        '{"to": $to, "text": $body, "from": $sender}',
        headers={"Authorization": "Bearer $token"},
        token="s3cret",
        sender="SCHOOL",
        id_field="messageId",
    )
    accepted = sms.send(Outgoing("+447700900789", 'He said "hi"', "key1"))
    assert accepted.reference == "abc"
    with pytest.raises(ChannelError, match="cannot list received texts"):
        sms.list_inbound(None)


def test_generic_template_with_an_unknown_placeholder_is_named():
    sms = GenericSms("http://127.0.0.1:9/x", '{"to": $phone}')
    with pytest.raises(ChannelError, match=r"unknown placeholder.*\$to, \$body"):
        sms.render(Outgoing("+447700900789", "b", "k"))


def test_delivery_reports_mark_texts_delivered_or_failed(db, clock, httpserver, gateway):
    queue(db, clock, 2)
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    sender.run_once()
    first, second = rows(db)
    base = f"/2010-04-01/Accounts/{ACCOUNT}/Messages"
    httpserver.expect_request(f"{base}/{first.provider_ref}.json").respond_with_json(
        {"sid": first.provider_ref, "status": "delivered"}
    )
    httpserver.expect_request(f"{base}/{second.provider_ref}.json").respond_with_json(
        {"sid": second.provider_ref, "status": "undelivered"}
    )
    clock.advance(MIN)
    assert sender.check_delivery() == 2
    first, second = rows(db)
    assert first.status == "delivered" and first.delivered_at == clock.now()
    assert second.status == "failed" and "could not deliver" in second.last_error
    assert sender.check_delivery() == 0  # nothing left to ask about


# --- faults that are not the gateway's ---------------------------------------------------------


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX file modes (0o644): Windows has no group/other bits to refuse"
)
def test_an_insecure_secrets_file_is_the_sms_fault_and_email_still_sends(
    db, clock, httpserver, gateway, smtp_server, tmp_path, monkeypatch
):
    """The SMS token sits in a secrets file others can read: SMS is refused (and says how to fix
    it), but the email, which needs no secret, still goes."""
    from hvdesk.notify.monitor import default_channels
    from tests.notifykit import configure

    leaked = tmp_path / "secrets.json"
    leaked.write_text(json.dumps({"sms.token": "tok"}), encoding="utf-8")
    leaked.chmod(0o644)
    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(leaked))
    monkeypatch.delenv("HVDESK_SMS_TOKEN", raising=False)
    configure(db, clock, smtp_port=smtp_server.port, gateway_url=httpserver.url_for("/"))
    (text,) = queue(db, clock)
    (mail,) = queue(db, clock, channel="email", to="head@example.org")
    report = OutboxSender(db, clock, default_channels(db)).run_once()
    assert report.sent == [mail] and report.retrying == [text]
    assert len(smtp_server.to("head@example.org")) == 1 and gateway.sent == []
    (fault,) = faults(db)
    assert fault.startswith("SMS failing since 09:00: secrets file ")
    assert f"chmod 600 {leaked}" in fault


def test_a_test_message_that_fails_is_failed_for_good_not_retried(db, clock, httpserver, gateway):
    """`notify test` has already said 'not sent': the message must not go out a minute later."""
    gateway.fail = lambda form: Response("down", status=503)
    (message_id,) = queue(db, clock, kind="test")
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    assert sender.run_once().failed == [message_id]
    (row,) = rows(db)
    assert row.status == "failed" and row.attempts == 1 and "503 from gateway" in row.last_error
    gateway.fail = lambda form: None
    clock.advance(timedelta(minutes=10))
    sender.run_once()
    assert gateway.sent == [] and rows(db)[0].status == "failed"


def test_one_unknown_delivery_report_does_not_hold_up_the_others(
    db, clock, httpserver, gateway, caplog
):
    queue(db, clock, 2)
    sender = OutboxSender(db, clock, sms_channel(httpserver))
    sender.run_once()
    first, second = rows(db)
    base = f"/2010-04-01/Accounts/{ACCOUNT}/Messages"
    httpserver.expect_request(f"{base}/{first.provider_ref}.json").respond_with_json(
        {"message": "not found"}, status=404
    )
    httpserver.expect_request(f"{base}/{second.provider_ref}.json").respond_with_json(
        {"sid": second.provider_ref, "status": "delivered"}
    )
    clock.advance(MIN)
    with caplog.at_level("INFO", logger="hvdesk.notify.sender"):
        assert sender.check_delivery() == 1
    first, second = rows(db)
    assert first.status == "sent" and second.status == "delivered"
    (said,) = [r.getMessage() for r in caplog.records if "no delivery report" in r.getMessage()]
    assert "404 from gateway" in said and "The text was sent" in said
    assert "check the SMS gateway URL" not in said  # it took the text: the URL is right


def test_the_gateway_stand_in_answers_delivery_reports():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
    try:
        from sms_gateway_standin import serve
    finally:
        sys.path.pop(0)
    from tests.notifykit import free_port

    port = free_port()
    server, _store = serve(port)
    try:
        sms = TwilioSms(f"http://127.0.0.1:{port}", "AC-LOCAL", "t", SCHOOL_NUMBER)
        accepted = sms.send(Outgoing("+447700900789", "hello", "k1"))
        assert sms.status(accepted.reference) == "delivered"
        with pytest.raises(ChannelError, match="404 from gateway"):
            sms.status("SM-unknown")
        sms.close()
    finally:
        server.shutdown()
        server.server_close()
