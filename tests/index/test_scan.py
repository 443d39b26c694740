"""scan: which files are photos, and what changed since the index last looked (stat only)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import solid_photo

from daemon.index.scan import ScanOptions, plan_scan, walk_photos
from daemon.index.store import FileIdentity, SparseTags, Store


def _index(store: Store, identity: FileIdentity) -> None:
    import numpy as np

    store.add_photo(identity, "h", 1, 1, "m",
                    SparseTags(np.array([1], np.uint16), np.array([1.0], np.float32)))


def test_walk_skips_caches_hidden_folders_and_non_photos(tmp_path: Path) -> None:
    solid_photo(tmp_path / "a.jpg", (1, 2, 3))
    solid_photo(tmp_path / "Отпуск 2024" / "b.JPG", (1, 2, 3))
    solid_photo(tmp_path / ".thumbnails" / "c.jpg", (1, 2, 3))
    solid_photo(tmp_path / "@eaDir" / "d.jpg", (1, 2, 3))
    solid_photo(tmp_path / ".hidden" / "e.jpg", (1, 2, 3))
    (tmp_path / "notes.txt").write_text("x")
    found = sorted(Path(i.path).name for i in walk_photos(tmp_path, ScanOptions()))
    assert found == ["a.jpg", "b.JPG"]
    with_hidden = {Path(i.path).name for i in walk_photos(tmp_path, ScanOptions(
        excludes=(), include_hidden=True))}
    assert with_hidden == {"a.jpg", "b.JPG", "c.jpg", "d.jpg", "e.jpg"}


def test_plan_sorts_files_into_new_changed_unchanged_gone(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    same = solid_photo(root / "same.jpg", (10, 10, 10))
    changed = solid_photo(root / "changed.jpg", (20, 20, 20))
    solid_photo(root / "new.jpg", (30, 30, 30))
    with Store(tmp_path / "i.sqlite3") as store:
        stat = same.stat()
        _index(store, FileIdentity(str(same), stat.st_size, stat.st_mtime_ns))
        _index(store, FileIdentity(str(changed), 1, 1))
        _index(store, FileIdentity(str(root / "deleted.jpg"), 1, 1))
        plan = plan_scan(root, store, ScanOptions())
    assert plan.unchanged == 1
    assert sorted(Path(i.path).name for i in plan.to_check) == ["changed.jpg", "new.jpg"]
    assert [Path(p).name for p in plan.gone] == ["deleted.jpg"]


def test_missing_root_loses_nothing(tmp_path: Path) -> None:
    root = tmp_path / "usb-drive"
    with Store(tmp_path / "i.sqlite3") as store:
        _index(store, FileIdentity(str(root / "a.jpg"), 1, 1))
        plan = plan_scan(root, store, ScanOptions())
    assert plan.gone == []
    assert plan.unreadable_dirs == [str(root)]


def test_unlistable_subfolder_keeps_its_entries(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root lists any folder; a folder that vanished mid-scan behaves the same way
        root = tmp_path / "photos"
        solid_photo(root / "a.jpg", (1, 1, 1))
        with Store(tmp_path / "i.sqlite3") as store:
            _index(store, FileIdentity(str(root / "gone-folder" / "b.jpg"), 1, 1))
            plan = plan_scan(root, store, ScanOptions())
        assert [Path(p).name for p in plan.gone] == ["b.jpg"]  # folder really gone
        return
    root = tmp_path / "photos"
    private = root / "private"
    solid_photo(private / "b.jpg", (1, 1, 1))
    with Store(tmp_path / "i.sqlite3") as store:
        _index(store, FileIdentity(str(private / "b.jpg"), 1, 1))
        private.chmod(0)
        try:
            plan = plan_scan(root, store, ScanOptions())
        finally:
            private.chmod(0o755)
    assert plan.gone == []
