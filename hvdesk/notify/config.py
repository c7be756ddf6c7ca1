"""Channel settings (SMTP relay, SMS gateway), shared by every seat in the `setting` table.

Secrets are not here: hvdesk.notify.secrets keeps them out of the database. `build_channels` turns
settings plus secrets into the channels a sender uses; a channel that is not set up is left out, so
nothing is queued for it (a fault is shown instead of messages piling up).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from hvdesk.errors import Collector, HvdeskError
from hvdesk.models import Channel, Setting
from hvdesk.notify.channels import ChannelError, Sender
from hvdesk.notify.email import SECURITY, SmtpEmail
from hvdesk.notify.secrets import get_secret
from hvdesk.notify.sms import GenericSms, TwilioSms

NOTIFY_KEY = "notify"
PROVIDERS = ("none", "twilio", "generic")


@dataclass(frozen=True)
class NotifyConfig:
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none
    smtp_user: str = ""
    smtp_from: str = ""
    sms_provider: str = "none"  # none | twilio | generic
    sms_base_url: str = "https://api.twilio.com"
    sms_account: str = ""
    sms_from: str = ""  # the school's SMS number (E.164) or sender id
    sms_url: str = ""  # generic gateway
    sms_headers: str = ""  # generic: JSON object, values may use $token
    sms_body_template: str = '{"to": $to, "from": $sender, "text": $body}'
    sms_id_field: str = "id"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NotifyConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def email_ready(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def sms_ready(self) -> bool:
        if self.sms_provider == "twilio":
            return bool(self.sms_base_url and self.sms_account and self.sms_from)
        if self.sms_provider == "generic":
            return bool(self.sms_url and self.sms_body_template)
        return False

    def channels_ready(self) -> list[str]:
        ready = []
        if self.sms_ready:
            ready.append(Channel.SMS.value)
        if self.email_ready:
            ready.append(Channel.EMAIL.value)
        return ready


# setting key on the command line -> (field, label, help)
KEYS: dict[str, tuple[str, str]] = {
    "smtp.host": ("smtp_host", "SMTP server, e.g. smtp.office365.com"),
    "smtp.port": ("smtp_port", "SMTP port: 587 (STARTTLS), 465 (SSL) or 25"),
    "smtp.security": ("smtp_security", "starttls, ssl or none"),
    "smtp.user": ("smtp_user", "SMTP sign-in name (empty: no sign-in)"),
    "smtp.from": ("smtp_from", "address alarms are sent from"),
    "sms.provider": ("sms_provider", "none, twilio (Twilio Messages API shape) or generic"),
    "sms.base_url": ("sms_base_url", "gateway base URL (twilio)"),
    "sms.account": ("sms_account", "gateway account id (twilio: Account SID)"),
    "sms.from": ("sms_from", "the school's SMS number in international form, e.g. +447700900000"),
    "sms.url": ("sms_url", "generic gateway: URL to POST to"),
    "sms.headers": (
        "sms_headers",
        'generic gateway: JSON headers, e.g. {"Authorization": "Bearer $token"}',
    ),
    "sms.body_template": (
        "sms_body_template",
        "generic gateway: JSON body with $to $body $sender $key",
    ),
    "sms.id_field": ("sms_id_field", "generic gateway: field of the answer holding the message id"),
}


def load(session: Session) -> NotifyConfig:
    row = session.get(Setting, NOTIFY_KEY)
    return NotifyConfig.from_dict(row.value) if row else NotifyConfig()


def validate(config: NotifyConfig) -> None:
    """Every bad value named with its fix (one line each); nothing is saved when any is wrong."""
    errors = Collector()
    if not isinstance(config.smtp_port, int) or not 1 <= config.smtp_port <= 65535:
        errors.add("smtp.port", "must be a port number from 1 to 65535 (usually 587 or 465)")
    if config.smtp_security not in SECURITY:
        errors.add("smtp.security", f"must be one of {', '.join(SECURITY)}")
    if config.smtp_from and "@" not in config.smtp_from:
        errors.add("smtp.from", "must be an email address, e.g. alarms@school.org.uk")
    if config.sms_provider not in PROVIDERS:
        errors.add("sms.provider", f"must be one of {', '.join(PROVIDERS)}")
    for key, value in (("sms.base_url", config.sms_base_url), ("sms.url", config.sms_url)):
        if value and not value.startswith(("https://", "http://")):
            errors.add(key, "must start with https:// (http:// only for a gateway on this network)")
    if config.sms_headers:
        try:
            headers = json.loads(config.sms_headers)
        except ValueError:
            headers = None
        if not isinstance(headers, dict):
            errors.add(
                "sms.headers", 'must be a JSON object, e.g. {"Authorization": "Bearer $token"}'
            )
    errors.raise_if_any()


def build_channels(
    config: NotifyConfig, *, timeout_s: float = 10.0
) -> tuple[dict[str, Sender], dict[str, str]]:
    """The channels that are set up (with their secrets from the keyring, environment or file),
    and for each channel that cannot be built, why (a missing secret, an insecure secrets file).

    Each channel is built on its own: a secret one channel cannot read (the SMS token in a
    secrets file others can read) is that channel's fault, and the other channel still sends."""
    channels: dict[str, Sender] = {}
    problems: dict[str, str] = {}
    builders = ((Channel.EMAIL.value, _email), (Channel.SMS.value, _sms))
    for name, build in builders:
        try:
            channel = build(config, timeout_s)
        except (ChannelError, HvdeskError) as err:
            problems[name] = str(err)
            continue
        if channel is not None:
            channels[name] = channel
    return channels, problems


def _email(config: NotifyConfig, timeout_s: float) -> Sender | None:
    if not config.email_ready:
        return None
    return SmtpEmail(
        config.smtp_host,
        int(config.smtp_port),
        config.smtp_from,
        security=config.smtp_security,
        user=config.smtp_user,
        password=get_secret("smtp.password").value if config.smtp_user else "",
        timeout_s=timeout_s,
    )


def _sms(config: NotifyConfig, timeout_s: float) -> Sender | None:
    if config.sms_provider == "twilio" and config.sms_ready:
        return TwilioSms(
            config.sms_base_url,
            config.sms_account,
            get_secret("sms.token").value,
            config.sms_from,
            timeout_s=timeout_s,
        )
    if config.sms_provider == "generic" and config.sms_ready:
        return GenericSms(
            config.sms_url,
            config.sms_body_template,
            headers=json.loads(config.sms_headers) if config.sms_headers else {},
            token=get_secret("sms.token").value,
            sender=config.sms_from,
            id_field=config.sms_id_field,
            timeout_s=timeout_s,
        )
    return None
