"""What went wrong with the index file, in words a user can act on.

The index is a cache of the photos: a damaged one is moved aside (kept for a bug report)
and built again; a full disk or a read-only folder only pauses writing. This module tells
these cases apart from SQLite's errors and does the moving aside; deciding what to do is
the caller's job (the daemon rebuilds, the CLI explains).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"

# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xff)
_SQLITE_PERM = 3
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

KEEP_DAMAGED_COPIES = 3  # older moved-aside copies are deleted: they can be large


class Problem(Enum):
    DAMAGED = "damaged"
    DISK_FULL = "disk_full"
    NOT_WRITABLE = "not_writable"


@dataclass(frozen=True)
class Diagnosis:
    problem: Problem
    detail: str  # SQLite's or the OS's own words, for logs


def diagnose(exc: BaseException, index: Path) -> Diagnosis | None:
    """Which of the expected problems an exception is; None for anything else."""
    cause = exc
    while cause.__cause__ is not None and not isinstance(cause, sqlite3.Error | OSError):
        cause = cause.__cause__
    if isinstance(cause, OSError):
        if cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return Diagnosis(Problem.DISK_FULL, str(cause))
        if cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return Diagnosis(Problem.NOT_WRITABLE, str(cause))
        return None
    if not isinstance(cause, sqlite3.Error):
        return None
    code = (getattr(cause, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(cause)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text \
            or "not a database" in text:
        return Diagnosis(Problem.DAMAGED, text)
    if code == _SQLITE_FULL or "disk is full" in text:
        return Diagnosis(Problem.DISK_FULL, text)
    if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN) or "readonly" in text:
        return Diagnosis(Problem.NOT_WRITABLE, text)
    if code == _SQLITE_IOERR:
        # An I/O error while writing is most often a full disk (e.g. growing the WAL).
        if free_bytes(index) < 1 << 20:
            return Diagnosis(Problem.DISK_FULL, text)
        return Diagnosis(Problem.NOT_WRITABLE, text)
    return None


def check_header(index: Path) -> str | None:
    """A cheap first look: None when the file is absent, empty or starts like SQLite."""
    try:
        with open(index, "rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if head and head != SQLITE_HEADER:
        return "not an SQLite file"
    return None


def check_pages(db: sqlite3.Connection) -> str | None:
    """SQLite's quick_check (every page's structure, not the indexes' contents): about
    50 ms for 100,000 photos. None when it is ok, else its first complaint."""
    rows = db.execute("PRAGMA quick_check(5)").fetchall()
    if rows and rows[0][0] == "ok":
        return None
    # One line for logs and the CLI: SQLite's report spans lines and starts with a banner.
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    found = "; ".join(line for line in lines if line and not line.startswith("***"))
    return found[:200] + ("…" if len(found) > 200 else "")


def move_aside(index: Path, now: float | None = None) -> Path:
    """Rename a damaged index (and its WAL) to index.sqlite3.damaged-YYYYmmdd-HHMMSS, so a
    fresh one can be built while the old one stays for a bug report."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    target = index.with_name(f"{index.name}.damaged-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = index.with_name(f"{index.name}.damaged-{stamp}-{number}")
    for suffix in ("", "-wal", "-shm"):
        part = index.with_name(index.name + suffix)
        if part.exists():
            os.replace(part, target.with_name(target.name + suffix))
    _drop_old_copies(index)
    return target


def _drop_old_copies(index: Path) -> None:
    copies = sorted(index.parent.glob(f"{index.name}.damaged-*"),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    bases = [p for p in copies if not p.name.endswith(("-wal", "-shm"))]
    for old in bases[KEEP_DAMAGED_COPIES:]:
        for suffix in ("", "-wal", "-shm"):
            old.with_name(old.name + suffix).unlink(missing_ok=True)


def free_bytes(path: Path) -> int:
    """Free space for the user on the file system that holds path (or its nearest parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return 0


def format_megabytes(count: int) -> str:
    return f"{count / 1e6:.0f} МБ" if count >= 1e6 else f"{count / 1e6:.1f} МБ"


def user_message(problem: Problem, index: Path) -> str:
    """What the tray, the popup and `status` say (in Russian, as the rest of the UI)."""
    if problem is Problem.DAMAGED:
        return "Индекс повреждён и строится заново"
    if problem is Problem.DISK_FULL:
        return f"Нет места на диске: свободно {format_megabytes(free_bytes(index))}"
    return f"Нет прав на запись в {index.parent}: индексация приостановлена"
