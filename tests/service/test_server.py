"""server: JSON-RPC 2.0 framing and errors, on a real Unix socket with a toy method table."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from daemon.service.client import Client, DaemonError, DaemonNotRunning
from daemon.service.server import Methods, SocketServer, handle_line


class Refused(Exception):
    pass


def _methods() -> Methods:
    def echo(text: str) -> str:
        return text

    def refuse() -> None:
        raise Refused("no, and here is why")

    def crash() -> None:
        raise ZeroDivisionError("boom")

    return Methods({"echo": echo, "refuse": refuse, "crash": crash}, expected=(Refused,))


def _answer(line: bytes) -> dict:
    response = handle_line(line, _methods())
    assert response is not None
    return response


def test_result_and_id_are_returned() -> None:
    line = '{"jsonrpc":"2.0","id":7,"method":"echo","params":{"text":"кот"}}'.encode()
    assert _answer(line) == {"jsonrpc": "2.0", "id": 7, "result": "кот"}
    line = '{"jsonrpc":"2.0","id":8,"method":"echo","params":["пёс"]}'.encode()
    assert _answer(line)["result"] == "пёс"


@pytest.mark.parametrize(("line", "code"), [
    (b"{oops", -32700),
    (b"\xff\xfe", -32700),
    (b"[1, 2]", -32600),
    (b'{"jsonrpc":"2.0","id":1}', -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"nope"}', -32601),
    (b'{"jsonrpc":"2.0","id":1,"method":"echo","params":{"wrong":1}}', -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"echo","params":"text"}', -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"refuse"}', -32000),
    (b'{"jsonrpc":"2.0","id":1,"method":"crash"}', -32603),
])
def test_errors_have_codes_and_messages(line: bytes, code: int) -> None:
    error = _answer(line)["error"]
    assert error["code"] == code and error["message"]


def test_notifications_get_no_answer() -> None:
    assert handle_line(b'{"jsonrpc":"2.0","method":"echo","params":["x"]}', _methods()) is None


def test_socket_round_trip_limits_and_stale_socket(tmp_path: Path) -> None:
    path = tmp_path / "run" / "test.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path.parent.mkdir()
    stale.bind(str(path))  # a socket file nobody listens on, as a crash leaves it
    stale.close()
    server = SocketServer(path, _methods(), max_request=1000, idle_timeout=1.0)
    server.start()
    try:
        with Client(path) as client:
            assert client.call("echo", text="ok") == "ok"
            with pytest.raises(DaemonError, match="here is why"):
                client.call("refuse")
            assert client.call("echo", text="still ok") == "still ok"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(path))
            sock.sendall(b"y" * 5000 + b"\n")
            reply = json.loads(sock.makefile("rb").readline())
            assert "larger than 1000 bytes" in reply["error"]["message"]
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
            idle.connect(str(path))
            assert idle.makefile("rb").readline() == b""  # closed after the idle timeout
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        server.stop()
    assert not path.exists()
    with pytest.raises(DaemonNotRunning):
        Client(path).call("echo", text="x")


def test_refuses_to_replace_a_file_that_is_not_a_socket(tmp_path: Path) -> None:
    path = tmp_path / "not-a-socket"
    path.write_text("important")
    with pytest.raises(OSError, match="not a socket"):
        SocketServer(path, _methods())
    assert path.read_text() == "important"
