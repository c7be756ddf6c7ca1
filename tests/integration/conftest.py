"""PostgreSQL for the integration tests: one throwaway cluster per test process (one per xdist
worker), a fresh database per test. Without PostgreSQL installed those tests skip locally; on CI
(CI set) they must run, since scripts/setup.sh --dev installs it."""

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


def new_pg_database(pg_server: str) -> str:
    """The URL of a new, empty database on the session's server."""
    name = f"t{time.time_ns()}"
    admin = make_engine(pg_server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_server.replace("/postgres?", f"/{name}?")


@pytest.fixture
def pg_url(pg_server):
    """A fresh database per test."""
    return new_pg_database(pg_server)

