"""Email over SMTP: the school's Microsoft 365 or Google relay, or any SMTP server.

STARTTLS (port 587), implicit TLS (port 465) or plain (a relay on the school network, or a test
server). The Message-ID is derived from the message's idempotency key, so a retry that reaches the
mailbox twice is shown once by mail clients that collapse duplicates.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from hvdesk.notify.channels import Accepted, ChannelError, Outgoing

SECURITY = ("starttls", "ssl", "none")
TIMEOUT_S = 15.0


def message_id(key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "hvdesk.local"
    safe = "".join(c if c.isalnum() or c in ".-" else "." for c in key)
    return f"<{safe}@{domain}>"


class SmtpEmail:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: str = "starttls",
        user: str = "",
        password: str = "",
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        if not host or not sender:
            missing = [n for n, v in (("smtp.host", host), ("smtp.from", sender)) if not v]
            raise ChannelError(f"Email is not set up: {', '.join(missing)} missing", permanent=True)
        if security not in SECURITY:
            raise ChannelError(
                f"smtp.security is {security!r}; use one of {', '.join(SECURITY)}", permanent=True
            )
        self.host, self.port, self.sender = host, port, sender
        self.security, self.user, self.password = security, user, password
        self.timeout_s = timeout_s

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = formataddr(("hvdesk", self.sender))
        mail["To"] = formataddr((message.recipient_name, message.recipient))
        mail["Subject"] = message.subject or "hvdesk"
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail.set_content(message.body)
        return mail

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.security == "starttls":
            smtp.starttls(context=context)
        return smtp

    def send(self, message: Outgoing) -> Accepted:
        mail = self.build(message)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as err:
            raise ChannelError(
                f"{err.smtp_code} from SMTP server: sign-in refused (check smtp.user and the "
                "password)"
            ) from None
        except smtplib.SMTPRecipientsRefused as err:
            raise ChannelError(
                f"SMTP server refused {', '.join(err.recipients)}", permanent=True
            ) from None
        except smtplib.SMTPResponseException as err:
            reason = (
                err.smtp_error.decode(errors="replace")
                if isinstance(err.smtp_error, bytes)
                else str(err.smtp_error)
            )
            raise ChannelError(f"{err.smtp_code} from SMTP server: {reason[:120]}") from None
        except TimeoutError:
            raise ChannelError(
                f"no answer from SMTP server within {self.timeout_s:.0f} s"
            ) from None
        except (OSError, smtplib.SMTPException) as err:
            raise ChannelError(
                f"cannot reach SMTP server {self.host}:{self.port} ({type(err).__name__}: {err})"
            ) from None
        if refused:
            raise ChannelError(f"SMTP server refused {', '.join(refused)}", permanent=True)
        return Accepted(str(mail["Message-ID"]))
