"""One hvdesk per signed-in user: starting it again brings the running window forward.

A user who cannot find the hidden tray icon starts hvdesk again; a second copy would mean two
trackers, two sets of alarm windows and two sounds. The first copy holds a QLockFile (a crashed
copy's stale lock is taken over) and listens on a QLocalServer; a later copy finds the lock held,
tells the first copy to show itself, and exits.

At start-up the lock is taken before the sign-in dialog (a second copy never shows one) and the
listening (QtNetwork) starts once the dialog is on screen: acquire(listen=False), then listen().
A copy started in between finds the lock held but nobody answering, and says hvdesk is running.
"""

from __future__ import annotations

import getpass
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QLockFile, QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

SHOW = b"show\n"
READ_MS = 500


def default_key() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name available (a service account without one)
        user = "user"
    return "hvdesk-" + re.sub(r"[^A-Za-z0-9_.-]", "_", user)


class SingleInstance(QObject):
    activated = Signal()  # another copy was started: bring the window forward

    def __init__(
        self, key: str | None = None, folder: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.key = key or default_key()
        self.lock = QLockFile(str(Path(folder or QDir.tempPath()) / f"{self.key}.lock"))
        self.lock.setStaleLockTime(0)  # only a dead process's lock is stale
        self.server: QLocalServer | None = None

    def acquire(self, *, listen: bool = True) -> bool:
        """True for the first copy (listening, unless listen=False: then listen() later);
        False when another copy is running."""
        if not self.lock.tryLock(200):
            return False
        if listen:
            self.listen()
        return True

    def listen(self) -> None:
        """Answer later copies (once; only while this copy holds the lock)."""
        if self.server is not None or not self.lock.isLocked():
            return
        from PySide6.QtNetwork import QLocalServer  # not before the sign-in dialog is on screen

        QLocalServer.removeServer(self.key)  # a crashed copy's leftover socket
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connection)
        self.server.listen(self.key)

    def _connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            # The other copy writes at once after connecting: a short wait, no signal wiring
            # that could outlive the socket.
            if socket.bytesAvailable() or socket.waitForReadyRead(READ_MS):
                wanted = bytes(socket.readAll().data()).startswith(SHOW.strip())
            else:
                wanted = False
            socket.abort()
            socket.deleteLater()
            if wanted:
                self.activated.emit()

    def notify(self, timeout_ms: int = 2000) -> bool:
        """From a second copy: ask the running one to show its window. True if it was reached."""
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(SHOW)
        ok = socket.waitForBytesWritten(timeout_ms) or socket.bytesToWrite() == 0
        socket.disconnectFromServer()
        return ok

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()
