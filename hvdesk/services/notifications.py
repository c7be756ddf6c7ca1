"""Escalation contacts, channel settings, test messages and the outbox as people see them.

One transaction and one audit Event per change, like every service. Secrets are not handled here
(hvdesk.notify.secrets): nothing in this module can put one in the database.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hvdesk.errors import Collector, FieldError, HvdeskError, NotFound
from hvdesk.events import EventKind
from hvdesk.models import Channel, EscalationContact, OutboxMessage, Role, Setting
from hvdesk.notify import config as notify_config
from hvdesk.notify import lease as leases
from hvdesk.notify import outbox
from hvdesk.notify.sender import faults
from hvdesk.rules import escalation_messages as em
from hvdesk.rules.validation import display_phone, optional_text, required, uk_mobile
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MANAGERS = (Role.OFFICE, Role.APPROVER, Role.ADMIN)


def email_address(value: str | None, field: str = "Email") -> str:
    text = (value or "").strip()
    if text and not _EMAIL.match(text):
        raise FieldError(field, f"'{text}' is not an email address; use e.g. head@school.org.uk")
    return text


def optional_mobile(value: str | None, field: str = "Mobile") -> str:
    return uk_mobile(value, field) if (value or "").strip() else ""


@dataclass(frozen=True)
class ContactInput:
    name: str
    role_label: str = ""
    mobile: str = ""
    email: str = ""
    on_ladder: bool = True
    active: bool = True


@dataclass(frozen=True)
class Health:
    """What the status bar shows: who monitors, how long since they beat, failing channels."""

    lease: leases.LeaseStatus
    faults: list[str]
    now: datetime


class NotificationService(Service):
    # --- contacts ---------------------------------------------------------------------------
    def contacts(self, *, include_inactive: bool = True) -> list[EscalationContact]:
        with self.db.read() as session:
            stmt = select(EscalationContact).order_by(
                EscalationContact.active.desc(), EscalationContact.position, EscalationContact.id
            )
            if not include_inactive:
                stmt = stmt.where(EscalationContact.active.is_(True))
            contacts = list(session.scalars(stmt))
            for contact in contacts:
                contact.texts_opted_out = bool(contact.mobile) and outbox.opted_out(
                    session, contact.mobile
                )
            return contacts

    def validate_contact(self, data: ContactInput) -> ContactInput:
        errors = Collector()
        name = errors.check("Name", lambda v, f: required(v, f, 120), data.name) or ""
        label = errors.check("Role", lambda v, f: optional_text(v, f, 80), data.role_label) or ""
        mobile = errors.check("Mobile", optional_mobile, data.mobile) or ""
        email = errors.check("Email", email_address, data.email) or ""
        if not errors.errors and not mobile and not email:
            errors.add("Mobile", "enter a mobile or an email (or both) so hvdesk can reach them")
        errors.raise_if_any()
        return ContactInput(name, label, mobile, email, data.on_ladder, data.active)

    def save_contact(
        self, actor: Actor, data: ContactInput, contact_id: int | None = None
    ) -> EscalationContact:
        actor.require(*MANAGERS, action="change the escalation contacts")
        clean = self.validate_contact(data)
        now = self.clock.now()
        with self.db.transaction() as session:
            if clean.active:
                _refuse_duplicate(session, clean, contact_id)
            if contact_id is None:
                last = session.scalar(
                    select(EscalationContact.position).order_by(EscalationContact.position.desc())
                )
                contact = EscalationContact(
                    position=(last or 0) + 1, created_at=now, updated_at=now
                )
                session.add(contact)
            else:
                contact = self._get(session, contact_id)
            for name in ("name", "role_label", "mobile", "email", "on_ladder", "active"):
                setattr(contact, name, getattr(clean, name))
            contact.updated_at = now
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.CONTACT_SAVED,
                f"Escalation contact {clean.name} ({'added' if contact_id is None else 'changed'})",
                data={
                    "contact_id": contact.id,
                    "active": clean.active,
                    "on_ladder": clean.on_ladder,
                },
            )
        return contact

    def move_contact(self, actor: Actor, contact_id: int, step: int) -> None:
        """Move a contact up (-1) or down (+1) the order the ladder tells them in."""
        actor.require(*MANAGERS, action="change the escalation contacts")
        with self.db.transaction() as session:
            order = list(
                session.scalars(
                    select(EscalationContact)
                    .where(EscalationContact.active.is_(True))
                    .order_by(EscalationContact.position, EscalationContact.id)
                )
            )
            index = next((i for i, c in enumerate(order) if c.id == contact_id), None)
            if index is None:
                raise NotFound(f"No active escalation contact with id {contact_id}")
            target = max(0, min(len(order) - 1, index + step))
            order.insert(target, order.pop(index))
            for position, contact in enumerate(order, start=1):
                contact.position = position
            self.audit(
                session,
                actor,
                EventKind.CONTACTS_REORDERED,
                " > ".join(c.name for c in order),
                data={"order": [c.id for c in order]},
            )

    @staticmethod
    def _get(session: Session, contact_id: int) -> EscalationContact:
        contact = session.get(EscalationContact, contact_id)
        if contact is None:
            raise NotFound(f"No escalation contact with id {contact_id}")
        return contact

    # --- channel settings -------------------------------------------------------------------
    def config(self) -> notify_config.NotifyConfig:
        with self.db.read() as session:
            return notify_config.load(session)

    def save_config(self, actor: Actor, config: notify_config.NotifyConfig) -> None:
        actor.require(Role.APPROVER, Role.ADMIN, action="change how alarms are sent")
        notify_config.validate(config)
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.get(Setting, notify_config.NOTIFY_KEY)
            before = row.value if row else {}
            after = config.to_dict()
            if row is None:
                session.add(Setting(key=notify_config.NOTIFY_KEY, value=after, updated_at=now))
            else:
                row.value = after
                row.updated_at = now
            changed = sorted(k for k in after if before.get(k) != after[k])
            self.audit(
                session,
                actor,
                EventKind.NOTIFY_SETTINGS_CHANGED,
                ", ".join(changed) or "no values",
                data={k: after[k] for k in changed},
            )

    # --- test messages ------------------------------------------------------------------------
    def send_test(self, actor: Actor, to: str) -> list[OutboxMessage]:
        """Queue a test message to a mobile number or an email address (sent by the monitor)."""
        actor.require(*MANAGERS, action="send a test message")
        text = (to or "").strip()
        if "@" in text:
            person = em.Person(0, "", email=email_address(text, "--to"))
            channel = Channel.EMAIL.value
        else:
            person = em.Person(0, "", mobile=uk_mobile(text, "--to"))
            channel = Channel.SMS.value
        return self._queue_test(actor, person, channel, contact_id=None)

    def send_test_contact(self, actor: Actor, contact_id: int, channel: str) -> list[OutboxMessage]:
        actor.require(*MANAGERS, action="send a test message")
        with self.db.read() as session:
            contact = self._get(session, contact_id)
        address = contact.mobile if channel == Channel.SMS else contact.email
        if not address:
            kind = "mobile" if channel == Channel.SMS else "email"
            raise HvdeskError(f"{contact.name} has no {kind} on file; add one first")
        return self._queue_test(actor, outbox.person(contact), channel, contact_id=contact.id)

    def _queue_test(
        self, actor: Actor, person: em.Person, channel: str, contact_id: int | None
    ) -> list[OutboxMessage]:
        policy = SettingsService(self.db, self.clock).policy()
        subject, body = em.test_message(policy.school_name, channel)
        now = self.clock.now()
        with self.db.transaction() as session:
            config = notify_config.load(session)
            if channel not in config.channels_ready():
                raise HvdeskError(_not_set_up(channel))
            address = person.mobile if channel == Channel.SMS else person.email
            row = outbox.enqueue(
                session,
                channel=channel,
                recipient=address,
                recipient_name=person.name,
                subject=subject,
                body=body,
                kind=em.TEST,
                key=f"test:{uuid.uuid4().hex}:{channel}",
                now=now,
                contact_id=contact_id,
            )
            assert row is not None
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.TEST_MESSAGE_QUEUED,
                f"Test {channel} to {person.name or address}",
                data={"outbox_id": row.id, "channel": channel, "to": address},
            )
        return [row]

    # --- what happened ------------------------------------------------------------------------
    def outbox(self, *, status: str | None = None, limit: int = 500) -> list[OutboxMessage]:
        with self.db.read() as session:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(OutboxMessage.status == status)
            return list(session.scalars(stmt))

    def message(self, message_id: int) -> OutboxMessage:
        with self.db.read() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                raise NotFound(f"No message with id {message_id}")
            return row

    def health(self) -> Health:
        return Health(leases.status(self.db), faults(self.db), self.clock.now())


def _refuse_duplicate(session: Session, clean: ContactInput, contact_id: int | None) -> None:
    """An active contact whose mobile or email another active contact has: the same person twice
    would be told twice (and a ladder step wasted on them), so the other contact is named."""
    errors = Collector()
    for field, column, value in (
        ("Mobile", EscalationContact.mobile, clean.mobile),
        ("Email", EscalationContact.email, clean.email),
    ):
        if not value:
            continue
        same = session.scalars(
            select(EscalationContact).where(
                EscalationContact.active.is_(True),
                func.lower(column) == value.lower(),
                EscalationContact.id != (contact_id or 0),
            )
        ).first()
        if same is not None:
            shown = display_phone(value) if field == "Mobile" else value
            errors.add(
                field,
                f"{shown} is already on file for {same.name}; edit that contact instead, or "
                "make it inactive first",
            )
    errors.raise_if_any()


def _not_set_up(channel: str) -> str:
    if channel == Channel.SMS:
        return (
            "SMS is not set up: set sms.provider (twilio or generic) and its settings, e.g. "
            "`hvdesk settings set sms.provider twilio`"
        )
    return (
        "Email is not set up: set smtp.host and smtp.from, e.g. "
        "`hvdesk settings set smtp.host smtp.office365.com`"
    )
