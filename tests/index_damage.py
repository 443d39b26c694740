"""Ways an index gets hurt in real life, done for real: garbage over pages of the file, a
small file system that fills up, one that turns read-only."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = 4096
# Not random: a page type byte of 0xde is never valid, so SQLite always notices.
GARBAGE = b"\xde\xad\xbe\xef" * (PAGE // 4)


def damage_pages(index: Path, first_page: int, count: int = 1) -> None:
    """Garbage over whole pages, as a failing disk or a stray write leaves them."""
    with open(index, "r+b") as file:
        file.seek(first_page * PAGE)
        file.write(GARBAGE * count)


def damage_middle(index: Path) -> None:
    """The issue's report: garbage written into the middle of index.sqlite3."""
    pages = index.stat().st_size // PAGE
    damage_pages(index, max(1, pages // 2), 2)


def damage_all_but_header(index: Path) -> None:
    pages = index.stat().st_size // PAGE
    damage_pages(index, 1, max(1, pages - 1))


@contextlib.contextmanager
def small_filesystem(folder: Path, megabytes: int = 4) -> Iterator[Path]:
    """A tmpfs of a few MB mounted on folder (root only; skips the test otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill_up(folder: Path, leave_bytes: int = 16 * 1024) -> Path:
    """A filler file that leaves about leave_bytes free on folder's file system."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as file:
        file.write(b"\0" * max(0, free - leave_bytes))
    return filler


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)
