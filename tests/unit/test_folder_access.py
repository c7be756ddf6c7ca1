"""A data folder this account may not enter is one `hvdesk: ...` line naming the folder and the
group, never a PermissionError traceback (an account outside the hvdesk group on a shared PC)."""

from __future__ import annotations

import grp
import os
import sys
from pathlib import Path

import pytest

from hvdesk import cli
from hvdesk.errors import HvdeskError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX folder modes")


@pytest.fixture
def shut_out(tmp_path, monkeypatch):
    """A data folder limited to its group (0750), met by an account outside it. Root enters any
    folder, so the refusal the kernel gives such an account is stood in for."""
    shared = tmp_path / "shared"
    (shared / "data").mkdir(parents=True)
    shared.chmod(0o750)
    database = shared / "data" / "hvdesk.sqlite3"
    real_access, real_stat = os.access, Path.stat

    def access(path, mode, *args, **kwargs):
        inside = Path(path) == shared and mode & os.X_OK
        return False if inside else real_access(path, mode, *args, **kwargs)

    def stat(self, *args, **kwargs):
        if shared in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Path, "stat", stat)
    yield database
    monkeypatch.undo()
    shared.chmod(0o700)


def test_a_db_in_a_folder_this_account_may_not_enter_is_one_line_naming_folder_and_group(
    shut_out, capsys
):
    code = cli.main(["--db", str(shut_out), "audit", "verify"])
    err = capsys.readouterr().err
    group = grp.getgrgid(os.getgid()).gr_name
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    folder = shut_out.parent.parent
    assert err.startswith(f"hvdesk: your account may not enter the folder {folder} (mode 0750)")
    assert f"ask IT to add your account to the {group} group" in err


def test_the_default_data_folder_refused_is_said_the_same_way(shut_out, monkeypatch):
    """The window's start opens the database through the same database_url()."""
    from hvdesk.config import database_url

    monkeypatch.delenv("HVDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("HVDESK_DATA_DIR", str(shut_out.parent))
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(shut_out.parents[2] / "no-config"))

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    with pytest.raises(HvdeskError, match=rf"may not enter the folder {shut_out.parents[1]}"):
        database_url()
