"""A PostgreSQL server that accepts the connection but never answers must not hang hvdesk for
ever (review 9d #2): connecting gives up after hvdesk.db.PG_CONNECT_TIMEOUT_S."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy.exc import OperationalError

from hvdesk import db as db_module


def test_a_silent_postgresql_server_is_given_up_on(monkeypatch):
    pytest.importorskip("psycopg")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # connections land in the backlog; nothing ever answers them
    port = silent.getsockname()[1]
    monkeypatch.setattr(db_module, "PG_CONNECT_TIMEOUT_S", 1)
    engine = db_module.make_engine(f"postgresql+psycopg://hv:pw@127.0.0.1:{port}/hv")
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            engine.connect().close()
        except BaseException as err:  # what the connection came to, looked at below
            outcome.append(err)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(10)
    try:
        assert not worker.is_alive(), "still connecting after 10 s: no connect_timeout"
        assert outcome and isinstance(outcome[0], OperationalError)
    finally:
        silent.close()
        engine.dispose()
