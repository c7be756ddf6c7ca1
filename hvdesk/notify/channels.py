"""What every channel shares: a message to send, the gateway's answer, and a channel failure.

A channel is an edge we do not own (an SMTP relay, an SMS gateway): it either accepts a message and
returns its own reference, or raises ChannelError with a sentence fit for the status bar
("401 from gateway: check the SMS account and token").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ChannelError(Exception):
    """The channel did not take the message. `permanent` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    recipient: str  # E.164 mobile or an email address
    body: str
    key: str  # the stable idempotency key: the same on every attempt
    subject: str = ""
    recipient_name: str = ""


@dataclass(frozen=True)
class Accepted:
    reference: str  # the gateway's id for the message (Twilio SID, SMTP Message-ID)
    status: str = "sent"  # sent | delivered


@dataclass(frozen=True)
class Inbound:
    """A text received by the gateway (a reply such as OK, BACK, LATE 20)."""

    reference: str
    sender: str  # E.164
    to: str
    body: str
    received_at: datetime


@dataclass(frozen=True)
class InboundPage:
    messages: list[Inbound]
    cursor: str  # pass back to list_inbound to get only what came after


class Sender(Protocol):
    """A channel that can send one message."""

    name: str

    def send(self, message: Outgoing) -> Accepted: ...
