"""A stand-in SMS gateway on this machine, speaking the Twilio Messages API shape hvdesk uses.

    python scripts/sms_gateway_standin.py [--port 8026] [--number +447700900000]

Then point hvdesk at it (any account id and token work):

    python main.py settings set sms.provider twilio
    python main.py settings set sms.base_url http://127.0.0.1:8026
    python main.py settings set sms.account AC-LOCAL
    python main.py settings set sms.from +447700900000
    HVDESK_SMS_TOKEN=local python main.py monitor

Every text hvdesk sends is printed here. To pretend someone replied, POST a form to /reply:
`curl -d From=+447700900123 -d Body=OK http://127.0.0.1:8026/reply` (it is listed as a received
text to --number, the school's number, the way two-way texts are fetched; a form field To= sends it
to another number). Standard library only; for trying hvdesk out and for the
benchmarks, never for real messages.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
ONE_MESSAGE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")


DEFAULT_NUMBER = "+447700900000"  # the sms.from the README sets


class Store:
    def __init__(
        self,
        on_message: Callable[[dict[str, str]], None] | None = None,
        number: str = DEFAULT_NUMBER,
    ) -> None:
        self.rows: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.on_message = on_message
        self.number = number  # replies go to it, even before hvdesk has sent anything

    def add(self, direction: str, sender: str, to: str, body: str) -> dict[str, str]:
        with self.lock:
            row = {
                "sid": f"SM{len(self.rows) + 1:032d}",
                "direction": direction,
                "from": sender,
                "to": to,
                "body": body,
                "status": "delivered" if direction == "outbound-api" else "received",
                "date_created": format_datetime(datetime.now(UTC)),
                "date_sent": format_datetime(datetime.now(UTC)),
            }
            self.rows.append(row)
        if self.on_message is not None:
            self.on_message(row)
        return row


def handler_for(store: Store) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet: the texts are printed instead
            pass

        def _json(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            form = self._form()
            if path == "/reply":
                to = form.get("To") or store.number
                row = store.add("inbound", form.get("From", ""), to, form.get("Body", ""))
                self._json(201, row)
            elif MESSAGES.match(path):
                store.number = form.get("From", store.number)
                row = store.add(
                    "outbound-api", form.get("From", ""), form.get("To", ""), form.get("Body", "")
                )
                self._json(201, {**row, "status": "queued"})
            else:
                self._json(404, {"message": f"no such resource {path}"})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            one = ONE_MESSAGE.match(url.path)
            if one:  # a delivery report: where one sent text is now
                with store.lock:
                    found = [r for r in store.rows if r["sid"] == one.group(2)]
                if found:
                    self._json(200, found[0])
                else:
                    self._json(404, {"message": f"no message {one.group(2)}"})
                return
            if not MESSAGES.match(url.path):
                self._json(404, {"message": f"no such resource {url.path}"})
                return
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with store.lock:
                rows = [
                    r
                    for r in store.rows
                    if ("To" not in query or r["to"] == query["To"])
                    and ("From" not in query or r["from"] == query["From"])
                ]
            self._json(200, {"messages": list(reversed(rows)), "next_page_uri": None})

    return Handler


def serve(  # type: ignore[no-untyped-def]
    port: int = 8026,
    on_message: Callable[[dict[str, str]], None] | None = None,
    number: str = DEFAULT_NUMBER,
):
    """Start the stand-in on a thread; returns (server, store). server.shutdown() stops it."""
    store = Store(on_message, number)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(store))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument(
        "--number", default=DEFAULT_NUMBER, help="the school's number: set sms.from to it"
    )
    args = parser.parse_args()

    def show(row: dict[str, str]) -> None:
        arrow = "->" if row["direction"] == "outbound-api" else "<-"
        who = row["to"] if arrow == "->" else row["from"]
        print(f"[{datetime.now():%H:%M:%S}] SMS {arrow} {who}: {row['body']}", flush=True)

    server, _ = serve(args.port, show, args.number)
    print(f"SMS gateway stand-in on http://127.0.0.1:{args.port} (Ctrl+C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
