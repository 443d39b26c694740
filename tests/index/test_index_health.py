"""index_health: SQLite's own errors on real files, told apart as damaged / disk full /
not writable; a damaged index moved aside with its date, for a bug report."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from index_damage import damage_all_but_header, damage_middle, damage_pages

from daemon.index.health import (
    KEEP_DAMAGED_COPIES,
    Problem,
    check_header,
    diagnose,
    move_aside,
    user_message,
)
from daemon.index.store import FileIdentity, IndexDamaged, SparseTags, Store


def fill(index: Path, photos: int = 300) -> None:
    rng = np.random.default_rng(0)
    with Store(index) as store:
        store.add_new_photos(
            ((FileIdentity(f"/photos/IMG_{n:04d}.jpg", 1, 1), f"{n:040x}", 4000, 3000,
              SparseTags(rng.choice(1000, 40, replace=False).astype(np.uint16),
                         rng.random(40).astype(np.float32))) for n in range(photos)),
            "efficientnet-lite0")


def test_garbage_pages_are_found_by_the_quick_check(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    fill(index)
    with Store(index) as store:
        assert store.check() is None
    damage_middle(index)
    with Store(index) as store:
        try:
            found = store.check()
        except sqlite3.DatabaseError as exc:  # SQLite may also refuse the pragma outright
            found = str(exc)
    assert found is not None


def test_a_file_that_is_not_sqlite_is_damaged_before_sqlite_opens_it(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    index.write_bytes(b"these are not the pages you are looking for" * 100)
    assert check_header(index) == "not an SQLite file"
    with pytest.raises(IndexDamaged, match="not an SQLite file"):
        Store(index)
    assert check_header(tmp_path / "absent.sqlite3") is None


def test_errors_are_told_apart(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    fill(index, 10)
    damage_pages(index, 0)  # the header page
    db = sqlite3.connect(index)
    with pytest.raises(sqlite3.DatabaseError) as damaged:
        db.execute("SELECT count(*) FROM photos").fetchone()
    assert diagnose(damaged.value, index).problem is Problem.DAMAGED

    full = tmp_path / "full.sqlite3"
    db = sqlite3.connect(full)
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("PRAGMA max_page_count = 3")  # SQLite's own "database or disk is full"
    with pytest.raises(sqlite3.OperationalError) as no_space:
        db.execute("INSERT INTO t VALUES (randomblob(100000))")
    assert diagnose(no_space.value, full).problem is Problem.DISK_FULL

    readonly = sqlite3.connect(f"{full.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as not_writable:
        readonly.execute("INSERT INTO t VALUES (1)")
    assert diagnose(not_writable.value, full).problem is Problem.NOT_WRITABLE

    assert diagnose(OSError(28, "No space left on device"), full).problem is Problem.DISK_FULL
    assert diagnose(ValueError("a bug"), full) is None
    with pytest.raises(sqlite3.OperationalError) as syntax:
        db.execute("SELEC 1")
    assert diagnose(syntax.value, full) is None  # a bug, not the index's trouble


def test_moved_aside_with_its_wal_and_the_date(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    fill(index, 5)
    writer = Store(index)  # keeps the WAL file in place
    assert index.with_name("index.sqlite3-wal").exists()
    moved = move_aside(index, now=1_780_000_000)
    writer.close()
    assert moved.name.startswith("index.sqlite3.damaged-2026")
    assert moved.exists() and moved.with_name(moved.name + "-wal").exists()
    assert not index.exists() and not index.with_name("index.sqlite3-wal").exists()
    again = tmp_path / "index.sqlite3"
    again.write_bytes(b"x")
    second = move_aside(again, now=1_780_000_000)  # same second: a new name, none lost
    assert second != moved and second.exists() and moved.exists()


def test_only_the_last_few_damaged_copies_are_kept(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    kept = []
    for number in range(KEEP_DAMAGED_COPIES + 2):
        index.write_bytes(b"damaged")
        moved = move_aside(index, now=1_780_000_000 + number * 60)
        os.utime(moved, (1_780_000_000 + number * 60,) * 2)
        kept.append(moved)
    left = sorted(tmp_path.glob("index.sqlite3.damaged-*"))
    assert left == sorted(kept[-KEEP_DAMAGED_COPIES:])


def test_what_the_user_is_told(tmp_path: Path) -> None:
    assert user_message(Problem.DAMAGED, tmp_path / "i") == "Индекс повреждён и строится заново"
    assert user_message(Problem.DISK_FULL, tmp_path / "i").startswith(
        "Нет места на диске: свободно ")
    assert "МБ" in user_message(Problem.DISK_FULL, tmp_path / "i")


def test_what_the_check_found_is_one_line(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    fill(index)
    damage_all_but_header(index)
    with Store(index) as store:
        found = store.check()
    assert found is not None and "\n" not in found and "***" not in found
    assert "Page" in found and len(found) <= 201
