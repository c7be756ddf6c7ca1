"""SMS over HTTPS: an adapter for the Twilio Messages API shape, and a generic one.

TwilioSms speaks the REST shape most UK SMS gateways copy: a form-encoded POST to
`{base}/2010-04-01/Accounts/{account}/Messages.json` with HTTP basic auth (account, token), answered
with JSON holding the message `sid` and `status`; received texts are listed from the same resource
(`list_inbound`), which is how two-way texts are fetched by polling (no inbound port on a school
network). The base URL is a setting so a school can use a compatible provider, and tests point it
at a local server.

GenericSms is configured by URL, headers and a JSON body template for any other gateway.

Every request carries the message's idempotency key as `Idempotency-Key`: a gateway that honours it
will not deliver a retried message twice. Errors become one sentence naming the status and the fix.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hvdesk.notify.channels import Accepted, ChannelError, Inbound, InboundPage, Outgoing

TIMEOUT_S = 10.0
# How far back each listing looks before the cursor, for texts the gateway lists late.
INBOUND_OVERLAP = timedelta(minutes=10)
_HINTS = {
    401: "check the SMS account and token",
    403: "the gateway refused this account; check its permissions",
    404: "check the SMS gateway URL and account",
}
_DELIVERED = {"delivered", "read"}
_FAILED = {"failed", "undelivered", "canceled"}


def _fail(response: httpx.Response) -> ChannelError:
    detail = ""
    try:
        payload = response.json()
        if isinstance(payload, dict):
            detail = str(payload.get("message") or payload.get("error") or "")[:120]
    except ValueError:
        detail = response.text.strip()[:120]
    hint = _HINTS.get(response.status_code, "")
    text = f"{response.status_code} from gateway"
    text += f": {detail}" if detail else ""
    text += f" ({hint})" if hint else ""
    # A malformed request for one number will not improve with retries; everything else might.
    return ChannelError(text, permanent=response.status_code in (400, 422))


def _request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise ChannelError(
            f"no answer from gateway within {client.timeout.read or TIMEOUT_S:.0f} s"
        ) from None
    except httpx.HTTPError as err:
        raise ChannelError(f"cannot reach gateway ({type(err).__name__}: {err})") from None
    if response.status_code >= 300:
        raise _fail(response)
    return response


def delivery_status(gateway_status: str) -> str:
    """A gateway's word for a message mapped onto ours: sent, delivered or failed."""
    word = gateway_status.lower()
    if word in _DELIVERED:
        return "delivered"
    if word in _FAILED:
        return "failed"
    return "sent"


class TwilioSms:
    """Twilio-shaped REST gateway: send, look up delivery, list received texts."""

    name = "sms"

    def __init__(
        self,
        base_url: str,
        account: str,
        token: str,
        sender: str,
        *,
        timeout_s: float = TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url or not account or not token or not sender:
            missing = [
                n
                for n, v in (
                    ("sms.base_url", base_url),
                    ("sms.account", account),
                    ("sms token", token),
                    ("sms.from", sender),
                )
                if not v
            ]
            raise ChannelError(f"SMS is not set up: {', '.join(missing)} missing", permanent=True)
        self.root = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}"
        self.sender = sender
        self.client = httpx.Client(auth=(account, token), timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.client.close()

    def send(self, message: Outgoing) -> Accepted:
        response = _request(
            self.client,
            "POST",
            f"{self.root}/Messages.json",
            data={"To": message.recipient, "From": self.sender, "Body": message.body},
            headers={"Idempotency-Key": message.key},
        )
        payload = response.json()
        sid = str(payload.get("sid") or "")
        if not sid:
            raise ChannelError("gateway accepted the message but returned no message id")
        return Accepted(sid, delivery_status(str(payload.get("status") or "queued")))

    def status(self, reference: str) -> str:
        """Where a sent message is now: sent, delivered or failed."""
        response = _request(self.client, "GET", f"{self.root}/Messages/{reference}.json")
        return delivery_status(str(response.json().get("status") or ""))

    def find_sent(self, recipient: str, body: str, since: datetime) -> Accepted | None:
        """A message we sent to `recipient` with this body since `since`, if the gateway has one.

        Used after a restart that interrupted an attempt: if the gateway took it, it is not sent
        again."""
        response = _request(
            self.client,
            "GET",
            f"{self.root}/Messages.json",
            params={"To": recipient, "From": self.sender, "PageSize": "50"},
        )
        for row in response.json().get("messages") or []:
            if str(row.get("direction") or "").startswith("inbound") or row.get("body") != body:
                continue
            raw = row.get("date_created") or row.get("date_sent")
            if raw and parsedate_to_datetime(str(raw)) < since - timedelta(minutes=1):
                continue
            return Accepted(
                str(row.get("sid") or ""), delivery_status(str(row.get("status") or ""))
            )
        return None

    def list_inbound(self, cursor: str | None = None) -> InboundPage:
        """Texts received on our number since shortly before `cursor`, oldest first, and the
        cursor to pass next.

        The cursor is the newest receipt time seen. The listing goes back INBOUND_OVERLAP before it:
        a gateway sometimes lists a text minutes after the time it carries, and a text dropped for
        good is a check-in or a duress that never reached the office. A text listed twice is
        recorded once (its gateway reference is unique in hvdesk).
        """
        since, seen = _parse_cursor(cursor)
        start = since - INBOUND_OVERLAP if since is not None else None
        params: dict[str, str] = {"To": self.sender, "PageSize": "100"}
        if start is not None:
            params["DateSent>"] = start.strftime("%Y-%m-%d")
        found: list[Inbound] = []
        url: str | None = f"{self.root}/Messages.json"
        first = True
        while url:
            response = _request(self.client, "GET", url, params=params if first else None)
            first = False
            payload = response.json()
            for row in payload.get("messages") or []:
                item = _inbound(row)
                if item is None or item.to != self.sender:
                    continue
                if start is not None and item.received_at < start:
                    continue
                found.append(item)
            nxt = payload.get("next_page_uri")
            url = str(httpx.URL(self.root).join(nxt)) if nxt else None
        found.sort(key=lambda m: (m.received_at, m.reference))
        return InboundPage(found, _next_cursor(found, since, seen))


def _inbound(row: dict[str, Any]) -> Inbound | None:
    if not str(row.get("direction") or "").startswith("inbound"):
        return None
    raw = row.get("date_sent") or row.get("date_created")
    if not raw:
        return None
    received = parsedate_to_datetime(str(raw)).astimezone(UTC)
    return Inbound(
        reference=str(row.get("sid") or ""),
        sender=str(row.get("from") or ""),
        to=str(row.get("to") or ""),
        body=str(row.get("body") or ""),
        received_at=received,
    )


def _parse_cursor(cursor: str | None) -> tuple[datetime | None, set[str]]:
    if not cursor:
        return None, set()
    when, _, ids = cursor.partition("|")
    return datetime.fromisoformat(when), {i for i in ids.split(",") if i}


def _next_cursor(found: list[Inbound], since: datetime | None, seen: set[str]) -> str:
    """The newest receipt time seen so far: never moved back by texts listed again."""
    if not found or (since is not None and found[-1].received_at <= since):
        return "" if since is None else f"{since.isoformat()}|{','.join(sorted(seen))}"
    newest = found[-1].received_at
    ids = {m.reference for m in found if m.received_at == newest}
    return f"{newest.isoformat()}|{','.join(sorted(ids))}"


class GenericSms:
    """Any HTTPS gateway: POST to a URL with given headers and a JSON body template.

    The template uses $to, $body, $sender and $key; each is put in as a JSON string, e.g.
    `{"to": $to, "text": $body, "from": $sender}`. Header values may use $token (the secret).
    The gateway's id for the message is read from `id_field` of a JSON answer when present.
    """

    name = "sms"

    def __init__(
        self,
        url: str,
        body_template: str,
        *,
        headers: dict[str, str] | None = None,
        token: str = "",
        sender: str = "",
        id_field: str = "id",
        timeout_s: float = TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url or not body_template:
            raise ChannelError(
                "SMS is not set up: sms.url and sms.body_template are needed for the generic "
                "gateway",
                permanent=True,
            )
        self.url = url
        self.template = string.Template(body_template)
        self.headers = {
            k: string.Template(v).safe_substitute(token=token) for k, v in (headers or {}).items()
        }
        self.sender = sender
        self.id_field = id_field
        self.client = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.client.close()

    def render(self, message: Outgoing) -> str:
        values = {
            "to": message.recipient,
            "body": message.body,
            "sender": self.sender,
            "key": message.key,
        }
        try:
            return self.template.substitute({k: json.dumps(v) for k, v in values.items()})
        except (KeyError, ValueError) as err:
            raise ChannelError(
                f"sms.body_template has an unknown placeholder ({err}); use $to, $body, $sender, "
                "$key",
                permanent=True,
            ) from None

    def send(self, message: Outgoing) -> Accepted:
        response = _request(
            self.client,
            "POST",
            self.url,
            content=self.render(message).encode(),
            headers={
                "Content-Type": "application/json",
                **self.headers,
                "Idempotency-Key": message.key,
            },
        )
        reference = ""
        try:
            payload = response.json()
            if isinstance(payload, dict):
                reference = str(payload.get(self.id_field) or "")
        except ValueError:
            pass
        return Accepted(reference or f"key:{message.key}")

    def list_inbound(self, cursor: str | None = None) -> InboundPage:
        raise ChannelError(
            "the generic SMS gateway cannot list received texts; choose sms.provider twilio for "
            "two-way texts",
            permanent=True,
        )
