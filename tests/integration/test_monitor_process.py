"""The headless monitor as a real process: killed mid-send it sends once at the next start; it
stops cleanly on SIGTERM; and its lease passes to another monitor when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.models import MonitorLease, OutboxMessage
from hvdesk.notify import outbox
from tests.notifykit import MESSAGES_PATH, configure

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


class BlockingGateway:
    """Takes the first text and then never answers (the monitor is killed waiting), or refuses
    to take it; lists what it took, like the real API, so a restarted sender can look."""

    def __init__(self, take_first: bool) -> None:
        self.take_first = take_first
        self.taken: list[dict[str, str]] = []
        self.posts = 0
        self.first_arrived = threading.Event()
        self.release = threading.Event()

    def post(self, request: Request) -> Response:
        self.posts += 1
        first = self.posts == 1
        if first and not self.take_first:
            self.first_arrived.set()
            self.release.wait(20)
            return Response("gone", status=500)
        self.taken.append(
            {
                "sid": f"SM{len(self.taken) + 1:032d}",
                "to": request.form["To"],
                "body": request.form["Body"],
                "from": request.form["From"],
                "direction": "outbound-api",
                "status": "queued",
                "date_created": format_datetime(SystemClock().now()),
            }
        )
        if first:
            self.first_arrived.set()
            self.release.wait(20)
        return Response(
            f'{{"sid": "{self.taken[-1]["sid"]}", "status": "queued"}}',
            status=201,
            content_type="application/json",
        )

    def listing(self, request: Request) -> Response:
        import json

        return Response(
            json.dumps({"messages": self.taken, "next_page_uri": None}),
            content_type="application/json",
        )


def start_monitor(url: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "monitor",
            "--db",
            url,
            "--poll",
            "0.2",
            "--lease",
            "2",
            "--beat",
            "0.5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def threaded_gateway():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.mark.skipif(
    sys.platform == "win32", reason="kills the monitor with signal.SIGKILL (POSIX only)"
)
@pytest.mark.parametrize("taken_before_kill", [True, False], ids=["gateway-took-it", "not-taken"])
def test_sigkill_mid_send_then_restart_sends_exactly_once(
    tmp_path, threaded_gateway, taken_before_kill
):
    gateway = BlockingGateway(take_first=taken_before_kill)
    threaded_gateway.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(gateway.post)
    threaded_gateway.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(
        gateway.listing
    )
    url = f"sqlite:///{tmp_path / 'school.sqlite3'}"
    db = Database(url)
    clock = SystemClock()
    configure(db, clock, smtp_port=None, gateway_url=threaded_gateway.url_for("/"))
    with db.transaction() as session:
        outbox.enqueue(
            session,
            channel="sms",
            recipient="+447700900789",
            subject="",
            body="hvdesk ALARM: test",
            kind="alarm",
            key="alarm:1:1:sms",
            now=clock.now(),
        )
    env = {
        **os.environ,
        "HVDESK_SMS_TOKEN": "s3cr3t-token",
        "HVDESK_SECRETS_FILE": str(tmp_path / "s.json"),
    }
    first = start_monitor(url, env, tmp_path / "first.log")
    try:
        assert gateway.first_arrived.wait(60), (tmp_path / "first.log").read_text()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    gateway.release.set()
    with db.read() as s:
        (row,) = s.scalars(select(OutboxMessage))
        assert row.status == "sending" and row.attempts == 1  # claimed, then the process died
    second = start_monitor(url, env, tmp_path / "second.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.read() as s:
                row = s.scalars(select(OutboxMessage)).one()
            if row.status == "sent":
                break
            time.sleep(0.3)
        assert row.status == "sent", (tmp_path / "second.log").read_text()
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0  # SIGTERM stops it cleanly
    assert len(gateway.taken) == 1  # exactly once at the gateway
    assert row.provider_ref == gateway.taken[0]["sid"]
    assert row.attempts == (1 if taken_before_kill else 2)
    log = (tmp_path / "second.log").read_text()
    assert "took the monitoring lease" in log and "monitor stopped" in log
    assert "s3cr3t-token" not in log  # the token is never logged
    with db.read() as s:
        lease = s.get(MonitorLease, "monitor")
        assert lease.lease_until <= SystemClock().now()  # released at the clean stop
    db.dispose()
