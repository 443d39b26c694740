"""The one client of the daemon's socket, used by the CLI and the tray."""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path
from typing import Any

from daemon.config import Paths

# A query longer than this is no description of a photo (a pasted text): the daemon refuses
# it, where 3000 words took seconds to read and filled the popup's line of what was read.
MAX_QUERY_CHARS = 500


class DaemonNotRunning(Exception):
    """Nothing answers on the socket."""


class DaemonError(Exception):
    """The daemon answered with a JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Client:
    def __init__(self, socket_path: Path | None = None, timeout: float = 30.0) -> None:
        self.socket_path = socket_path or Paths.default().socket
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._sock: socket.socket | None = None
        self._reader = None

    def _connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.socket_path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            sock.close()
            raise DaemonNotRunning(f"the daemon is not running (no answer on "
                                   f"{self.socket_path})") from exc
        self._sock = sock
        self._reader = sock.makefile("rb")

    def call(self, method: str, **params: Any) -> Any:
        if self._sock is None:
            self._connect()
        assert self._sock is not None and self._reader is not None
        request_id = next(self._ids)
        request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        try:
            self._sock.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
            line = self._reader.readline()
        except OSError as exc:
            self.close()
            raise DaemonNotRunning(f"lost the daemon: {exc}") from exc
        if not line:
            self.close()
            raise DaemonNotRunning("the daemon closed the connection")
        response = json.loads(line)
        if "error" in response:
            error = response["error"]
            raise DaemonError(error.get("code", 0), error.get("message", "unknown error"))
        return response["result"]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
