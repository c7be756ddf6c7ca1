"""A throwaway PostgreSQL cluster for the tests: initdb/pg_ctl on a private Unix socket.

Started once per test process, one per xdist worker (tests/integration/conftest.py): initdb and
a server start cost seconds, and every test still gets a database of its own (CREATE DATABASE per
test).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


def pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


def run_as_prefix() -> list[str]:
    """initdb refuses root: as root the cluster runs as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start(base: Path, port: int) -> str:
    """initdb and start a cluster in `base`; returns the admin URL (database `postgres`)."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    assert initdb and pg_ctl
    prefix = run_as_prefix()
    if prefix:
        shutil.chown(base, "postgres")
    data = base / "data"
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "hvdesk"],
        check=True,
        capture_output=True,
    )
    serve(base, port)
    return f"postgresql+psycopg://hvdesk@/postgres?host={base}&port={port}"


def serve(base: Path, port: int | str) -> None:
    """Start (or start again) the server of the cluster in `base` on its private socket."""
    pg_ctl = pg_bin("pg_ctl")
    assert pg_ctl
    data, log = str(base / "data"), str(base / "log")
    opts = f"-p {port} -k {base} -c listen_addresses=''"
    subprocess.run(
        [*run_as_prefix(), pg_ctl, "-D", data, "-l", log, "-w", "-o", opts, "start"],
        check=True,
        capture_output=True,
    )


def stop(base: Path) -> None:
    pg_ctl = pg_bin("pg_ctl")
    assert pg_ctl
    subprocess.run(
        [*run_as_prefix(), pg_ctl, "-D", str(base / "data"), "-m", "immediate", "stop"],
        capture_output=True,
    )
