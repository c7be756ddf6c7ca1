"""PostgreSQL for the integration tests: one throwaway cluster per test session, a fresh database
per test. Without PostgreSQL installed those tests skip locally; on CI (CI set) they must run,
since scripts/setup.sh --dev installs it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from hvdesk.db import make_engine
from tests import pgcluster


@pytest.fixture(scope="session")
def pg_server():
    if not pgcluster.pg_bin("initdb") or not pgcluster.pg_bin("pg_ctl"):
        if os.environ.get("CI"):
            pytest.fail(
                "PostgreSQL is not installed on CI; scripts/setup.sh --dev should install it"
            )
        pytest.skip("PostgreSQL server binaries not installed")
    base = Path(tempfile.mkdtemp(prefix="hvdesk-pg-"))
    try:
        yield pgcluster.start(base, port=54000 + os.getpid() % 900)
    finally:
        pgcluster.stop(base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh database per test."""
    name = f"t{time.time_ns()}"
    admin = make_engine(pg_server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_server.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="session")
def _demo_file_template(tmp_path_factory) -> tuple[Path, str]:
    """`hvdesk demo` into an encrypted file, run once per session; and the key it was made with."""
    from hvdesk import keystore
    from hvdesk.cli import main

    path = tmp_path_factory.mktemp("demo_file") / "school.sqlite3"
    assert main(["demo", "--db", str(path)]) == 0
    return path, os.environ[keystore.ENV_KEY]


@pytest.fixture
def demo_file(tmp_path, capsys, request) -> Path:
    """The demo school in an encrypted file, as `hvdesk demo --db school.sqlite3` leaves it.

    With the suite's key (HVDESK_DB_KEY) it is a copy of a file made once per session; a test that
    took the key away first (own key files) gets the command run for it, making its own key."""
    from hvdesk import keystore
    from hvdesk.cli import main

    path = tmp_path / "school.sqlite3"
    if os.environ.get(keystore.ENV_KEY):
        template, key = request.getfixturevalue("_demo_file_template")
        assert os.environ[keystore.ENV_KEY] == key, "the demo template was made with another key"
        for part in template.parent.glob(f"{template.name}*"):  # the file, and any -wal/-shm
            shutil.copyfile(part, tmp_path / part.name)
    else:
        assert main(["demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path
