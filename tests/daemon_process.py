"""Run the real daemon as a separate process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon.service.client import Client, DaemonNotRunning

START_TIMEOUT = 180.0


class DaemonProcess:
    def __init__(self, home: Path, rescan_seconds: float = 1.0) -> None:
        self.home = home
        self.socket = home / "run" / "daemon.sock"
        self.process: subprocess.Popen[str] | None = None
        settings = home / "config" / "settings.toml"
        if not settings.exists():
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(f"rescan_seconds = {rescan_seconds}\n", encoding="utf-8")

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SMART_GALLERY_HOME": str(self.home)}

    def start(self, extra_env: dict[str, str] | None = None) -> DaemonProcess:
        log = open(self.home / "daemon.log", "a", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "daemon", "--no-nice"],
            env={**self.env, **(extra_env or {})}, stdout=log, stderr=log, text=True)
        self.wait_until(lambda: self.call("status") is not None, START_TIMEOUT,
                        "daemon did not start")
        return self

    def call(self, method: str, **params: Any) -> Any:
        try:
            with Client(self.socket, timeout=60) as client:
                return client.call(method, **params)
        except DaemonNotRunning:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"daemon exited {self.process.returncode}:\n"
                                     + self.log()) from None
            return None

    def search(self, query: str, limit: int = 50) -> list[str]:
        answer = self.call("search", query=query, limit=limit)
        return [Path(r["path"]).name for r in answer["results"]]

    def idle(self) -> bool:
        status = self.call("status")
        return status is not None and status["pending"] == 0 and not status["busy"]

    def wait_idle(self, timeout: float = 120.0) -> None:
        # idle twice in a row: a change batch may be between the queue and the writer
        self.wait_until(lambda: self.idle() and (time.sleep(0.8) or self.idle()), timeout,
                        "daemon did not finish indexing")

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 30.0,
                   message: str = "condition not reached") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"{message} within {timeout} s\n{self.log()[-3000:]}")

    def log(self) -> str:
        path = self.home / "daemon.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=120)
        self.process = None
        return code

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = None

    def __enter__(self) -> DaemonProcess:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
