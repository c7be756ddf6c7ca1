"""The command the office is told to type is the one that exists on its PC: on Windows the
console program is hvdesk-cli (hvdesk.exe is the window and prints nothing to a console)."""

from __future__ import annotations

import sys

import pytest

from hvdesk import keystore
from hvdesk.cli_name import cli_program
from hvdesk.platform import FakePlatformScope as platform_scope
from hvdesk.platform.fake import FakePlatform


def test_the_console_program_is_hvdesk_cli_on_windows_only():
    assert cli_program("win32") == "hvdesk-cli"
    assert cli_program("linux") == "hvdesk" and cli_program("darwin") == "hvdesk"


@pytest.mark.parametrize(("platform", "said"), [("win32", "hvdesk-cli"), ("linux", "hvdesk")])
def test_a_key_that_cannot_be_unsealed_names_this_platforms_key_import(
    tmp_path, monkeypatch, platform, said
):
    from hvdesk import key_file_format

    monkeypatch.setattr(sys, "platform", platform)

    def refused(text, protection, unprotect):
        raise key_file_format.KeyFileUnreadable("sealed on another PC")

    monkeypatch.setattr(key_file_format, "protection_of", lambda text: "dpapi-machine")
    monkeypatch.setattr(key_file_format, "decode", refused)
    target = str(tmp_path / "hvdesk.sqlite3")
    fake = FakePlatform(key_protection="dpapi-machine")  # never the real (cached) platform
    with platform_scope(fake), pytest.raises(keystore.KeyMissing) as err:
        keystore._decoded("sealed", tmp_path / "x.key", target)
    assert f"with: {said} key import --user ADMIN --db {target}" in str(err.value)
