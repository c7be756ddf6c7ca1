"""A stand-in for the SMS gateway's received-messages listing (the Twilio Messages API shape).

Served by pytest-httpserver on 127.0.0.1: texts 'arrive' when a test calls `text()`, and the
listing pages them `PageSize` at a time with `next_page_uri`, newest first, as the real API does.
Requests are counted so tests and the bench can see what polling costs.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from email.utils import format_datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hvdesk.db import Database
from hvdesk.models import Setting
from hvdesk.notify.config import NOTIFY_KEY, NotifyConfig
from hvdesk.notify.sms import TwilioSms

ACCOUNT, TOKEN, NUMBER = "AC0011", "token-0011", "+447700900000"
ROOT = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


class GatewayStandIn:
    def __init__(self, server: HTTPServer, page_size: int | None = None) -> None:
        self.server = server
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        self.fail_with: int | None = None
        self.page_size = page_size  # force small pages to exercise paging
        self.sent: list[dict[str, str]] = []  # texts hvdesk sent (replies, alarms)
        self.lock = threading.Lock()
        server.expect_request(ROOT, method="GET").respond_with_handler(self._list)
        server.expect_request(ROOT, method="POST").respond_with_handler(self._send)

    def text(self, body: str, at: datetime, sender: str = "+447700900123") -> str:
        """A text reaches the gateway at `at` (its sent time) and waits to be listed."""
        with self.lock:
            sid = f"SM{len(self.messages) + 1:032d}"
            self.messages.append(
                {
                    "sid": sid,
                    "from": sender,
                    "to": NUMBER,
                    "body": body,
                    "direction": "inbound",
                    "date_sent": format_datetime(at),
                }
            )
        return sid

    def configure(self, db: Database, now: datetime) -> None:
        """Point hvdesk's SMS settings at this stand-in (the token comes from HVDESK_SMS_TOKEN)."""
        config = NotifyConfig(
            sms_provider="twilio",
            sms_base_url=self.server.url_for("/").rstrip("/"),
            sms_account=ACCOUNT,
            sms_from=NUMBER,
        )
        with db.transaction() as session:
            session.merge(Setting(key=NOTIFY_KEY, value=config.to_dict(), updated_at=now))

    def _send(self, request: Request) -> Response:
        with self.lock:
            self.sent.append({k: request.form[k] for k in ("To", "From", "Body")})
            sid = f"SMout{len(self.sent):029d}"
        return Response(
            json.dumps({"sid": sid, "status": "queued"}),
            status=201,
            content_type="application/json",
        )

    def adapter(self) -> TwilioSms:
        return TwilioSms(self.server.url_for("/").rstrip("/"), ACCOUNT, TOKEN, NUMBER)

    def _list(self, request: Request) -> Response:
        with self.lock:
            self.requests += 1
            if self.fail_with is not None:
                body = json.dumps({"message": "Authenticate"})
                return Response(body, status=self.fail_with, content_type="application/json")
            size = self.page_size or int(request.args.get("PageSize", "50"))
            page = int(request.args.get("Page", "0"))
            newest_first = list(reversed(self.messages))
            rows = newest_first[page * size : (page + 1) * size]
            more = (page + 1) * size < len(newest_first)
        payload = {
            "messages": rows,
            "next_page_uri": f"{ROOT}?PageSize={size}&Page={page + 1}" if more else None,
        }
        return Response(json.dumps(payload), content_type="application/json")
