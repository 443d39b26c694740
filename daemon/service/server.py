"""JSON-RPC 2.0 over a Unix domain socket, one JSON object per line.

The socket lives in the user's runtime dir (0700), is itself 0600, and a stale socket
left by a crash is replaced. Requests are bounded in size, idle connections time out,
each connection has its own thread, and every failure is a JSON-RPC error, never a
crashed daemon.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import socket
import socketserver
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon.service.lifecycle import make_private_dir

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1 << 20  # 1 MiB: a search request is a few hundred bytes
IDLE_TIMEOUT_SECONDS = 30.0

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_FAILED = -32000  # the daemon understood, but cannot do it (message says why)


class Methods:
    """name -> callable(**params); exceptions of `expected` become REQUEST_FAILED errors."""

    def __init__(self, table: dict[str, Callable[..., Any]],
                 expected: tuple[type[BaseException], ...]) -> None:
        self.table = table
        self.expected = expected


def _error(request_id: object, code: int, message: str) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def handle_line(line: bytes, methods: Methods) -> dict[str, object] | None:
    """One request line -> one response (None for a notification)."""
    try:
        request = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(None, PARSE_ERROR, f"parse error: {exc}")
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" \
            or not isinstance(request.get("method"), str):
        return _error(request.get("id") if isinstance(request, dict) else None,
                      INVALID_REQUEST, "invalid request: need jsonrpc '2.0' and a method")
    request_id = request.get("id")
    is_notification = "id" not in request
    method = methods.table.get(request["method"])
    if method is None:
        return None if is_notification else _error(
            request_id, METHOD_NOT_FOUND, f"method not found: {request['method']}")
    params = request.get("params", {})
    if not isinstance(params, list | dict):
        return _error(request_id, INVALID_PARAMS, "params must be an object or an array")
    args, kwargs = (params, {}) if isinstance(params, list) else ([], params)
    try:
        inspect.signature(method).bind(*args, **kwargs)
    except TypeError as exc:
        return _error(request_id, INVALID_PARAMS, f"invalid params: {exc}")
    try:
        result = method(*args, **kwargs)
    except methods.expected as exc:
        return _error(request_id, REQUEST_FAILED, str(exc))
    except Exception as exc:  # noqa: BLE001 - report, keep serving
        log.exception("method %s failed", request["method"])
        return _error(request_id, INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}")
    return None if is_notification else {"jsonrpc": "2.0", "id": request_id, "result": result}


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        self.request.settimeout(self.server.idle_timeout)
        super().setup()

    def handle(self) -> None:
        with contextlib.suppress(OSError):  # client went away or stayed silent too long
            while True:
                line = self.rfile.readline(self.server.max_request + 1)
                if not line:
                    return
                if len(line) > self.server.max_request and not line.endswith(b"\n"):
                    self._send(_error(None, INVALID_REQUEST,
                                      f"request larger than {self.server.max_request} bytes"))
                    return  # the rest of that line is not worth reading
                if not line.strip():
                    continue
                response = handle_line(line, self.server.methods)
                if response is not None:
                    self._send(response)

    def _send(self, response: dict[str, object]) -> None:
        data = json.dumps(response, ensure_ascii=False).encode() + b"\n"
        self.wfile.write(data)
        self.wfile.flush()


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 128

    def __init__(self, path: str, methods: Methods, max_request: int,
                 idle_timeout: float) -> None:
        self.methods = methods
        self.max_request = max_request
        self.idle_timeout = idle_timeout
        super().__init__(path, _Handler)


class SocketServer:
    def __init__(self, path: Path, methods: Methods, max_request: int = MAX_REQUEST_BYTES,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS) -> None:
        self.path = path
        _prepare_socket_path(path)
        old_umask = os.umask(0o177)  # the socket is born 0600: no window for others
        try:
            self._server = _Server(str(path), methods, max_request, idle_timeout)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket",
                                        kwargs={"poll_interval": 0.2}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _prepare_socket_path(path: Path) -> None:
    make_private_dir(path.parent)
    os.chmod(path.parent, 0o700)
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise OSError(f"{path} exists and is not a socket; refusing to replace it")
        # A socket file left by a crashed daemon: nobody answers on it. (The instance lock
        # is held before we get here, so no live daemon can be behind it.)
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()
        else:
            raise OSError(f"a daemon is already answering on {path}")
        finally:
            probe.close()
