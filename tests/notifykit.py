"""Real parts for the notification tests: an SMTP server (aiosmtpd) and an SMS gateway stand-in
(pytest-httpserver speaking the Twilio Messages API shape), both on 127.0.0.1, and a visit that is
out and about to lapse."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from werkzeug import Request, Response

from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.models import EscalationContact, Household, LoneWorkingAssessment, Setting, Staff, Visit
from hvdesk.notify.config import NOTIFY_KEY, NotifyConfig
from hvdesk.services.base import Actor
from hvdesk.services.tracker import TrackerService

ACCOUNT = "AC0123456789"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SCHOOL_NUMBER = "+447700900000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.box = _Mailbox()
        self.port = free_port()
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.box.lock:
            return list(self.box.messages)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["To"]]


@dataclass
class Gateway:
    """What the SMS gateway stand-in received, and how it answers (`fail` decides per request)."""

    sent: list[dict[str, str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    fail: Callable[[dict[str, str]], Response | None] = lambda form: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        answer = self.fail(form)
        if answer is not None:
            return answer
        with self.lock:
            key = request.headers.get("Idempotency-Key", "")
            self.keys.append(key)
            self.sent.append(form)
            sid = f"SM{len(self.sent):032d}"
        body = {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body")}
        return Response(json.dumps(body), status=201, content_type="application/json")

    def to(self, number: str) -> list[str]:
        with self.lock:
            return [m["Body"] for m in self.sent if m.get("To") == number]


def configure(
    db: Database, clock: Clock, *, smtp_port: int | None, gateway_url: str | None
) -> None:
    config = NotifyConfig(
        smtp_host="127.0.0.1" if smtp_port else "",
        smtp_port=smtp_port or 587,
        smtp_security="none",
        smtp_from="alarms@harborne.example.org",
        sms_provider="twilio" if gateway_url else "none",
        sms_base_url=gateway_url or "",
        sms_account=ACCOUNT,
        sms_from=SCHOOL_NUMBER,
    )
    with db.transaction() as session:
        row = session.get(Setting, NOTIFY_KEY)
        if row is None:
            session.add(Setting(key=NOTIFY_KEY, value=config.to_dict(), updated_at=clock.now()))
        else:
            row.value = config.to_dict()


def add_contact(
    db: Database, clock: Clock, name: str, mobile: str, email: str, position: int, **kw: object
) -> int:
    with db.transaction() as session:
        c = EscalationContact(
            name=name,
            role_label=kw.pop("role_label", ""),
            mobile=mobile,
            email=email,
            position=position,
            created_at=clock.now(),
            updated_at=clock.now(),
            **kw,
        )
        session.add(c)
        session.flush()
        return c.id


def visit_out(db: Database, clock: Clock, office: Actor, **fields: object) -> int:
    """Two staff (a car, a safe word on file) gone to the Clarke family; returns the visit id."""
    now = clock.now()
    with db.transaction() as session:
        jp = Staff(
            name="Jasmin Patel",
            mobile="+447700900123",
            created_at=now,
            vehicle_make="Ford",
            vehicle_model="Fiesta",
            vehicle_registration="AB12 CDE",
            vehicle_colour="Blue",
        )
        tl = Staff(name="Tom Lee", mobile="+447700900456", created_at=now)
        home = Household(
            name="Clarke family",
            address="14 Hill Street\nHarborne",
            postcode="B17 0AB",
            notes="Father's partner aggressive",
            created_at=now,
        )
        session.add_all([jp, tl, home])
        session.flush()
        session.add(
            LoneWorkingAssessment(
                staff_id=jp.id,
                mobile=jp.mobile,
                safe_word="PINEAPPLE",
                signed_on=now.date(),
                created_at=now,
            )
        )
        visit = Visit(
            household_id=home.id,
            purpose="attendance",
            planned_departure=now,
            start=now + timedelta(minutes=15),
            end=now + timedelta(minutes=60),
            expected_return=now + timedelta(minutes=75),
            lead_staff_id=jp.id,
            companion_staff_id=tl.id,
            vehicle_staff_id=jp.id,
            status="approved",
            created_at=now,
            updated_at=now,
            **fields,
        )
        session.add(visit)
        session.flush()
        visit_id = visit.id
    TrackerService(db, clock).depart(office, visit_id)
    return visit_id


def first_lapse(db: Database, clock: Clock) -> datetime:
    board = TrackerService(db, clock).board()
    when = board.next_alarm_at(clock.now())
    assert when is not None
    return when
