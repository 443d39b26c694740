"""Process-level concerns of the daemon: one instance per user, systemd notify, priority."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from pathlib import Path

log = logging.getLogger(__name__)


def make_private_dir(path: Path) -> None:
    """Make path and whichever of its parents are missing, each 0700: the runtime dir the
    XDG spec asks for. (mkdir(parents=True) would leave the parents 0755, and platformdirs
    then takes XDG_RUNTIME_DIR for unsafe and points the CLI and the tray elsewhere.)"""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=0o700)


class AlreadyRunning(Exception):
    """Another daemon holds the lock."""


class InstanceLock:
    """An flock on a file in the runtime dir; the kernel drops it when the process dies,
    so a daemon killed with -9 never leaves a stale lock behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        make_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunning(f"another daemon is running (pid {holder or '?'})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def running_daemon(lock_file: Path) -> int | None:
    """The pid of the daemon that holds the instance lock (0 when it did not say), or None
    when no daemon runs."""
    try:
        fd = os.open(lock_file, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        return int(holder) if holder.isdigit() else 0
    else:
        return None
    finally:
        os.close(fd)  # also lets go of the shared lock taken just now


def sd_notify(message: str) -> bool:
    """Tell systemd about our state (READY=1, STATUS=…, STOPPING=1) when run under it.

    The protocol is one datagram to $NOTIFY_SOCKET; no dependency needed. Returns whether
    a message was sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError as exc:
        log.warning("sd_notify failed: %s", exc)
        return False


def lower_priority(nice: int = 10) -> None:
    """Run in the background's lane: CPU nice and, where supported, idle I/O priority."""
    try:
        current = os.nice(0)
        if current < nice:
            os.nice(nice - current)
    except OSError as exc:
        log.info("could not lower CPU priority: %s", exc)
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError as exc:
            log.info("could not switch to batch scheduling: %s", exc)
