"""watch: real inotify events become debounced batches; running out of watches is told."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import clear_photo

from daemon.index.scan import ScanOptions
from daemon.service.watch import ChangeQueue, FolderWatcher, WatchLimitReached

MAX_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")


def test_queue_waits_for_quiet_and_deduplicates() -> None:
    queue = ChangeQueue(quiet_seconds=0.3, max_wait_seconds=5)
    for _ in range(50):
        queue.add_file("/p/a.jpg")
    queue.add_folder("/p/album")
    assert queue.take(timeout=0.1) is None  # still noisy
    batch = queue.take(timeout=2)
    assert batch is not None
    assert batch.files == {"/p/a.jpg"} and batch.folders == {"/p/album"}
    assert queue.take(timeout=0.1) is None


def test_a_folder_that_never_goes_quiet_is_still_handed_out() -> None:
    queue = ChangeQueue(quiet_seconds=0.5, max_wait_seconds=1.0)
    started = time.monotonic()
    batch = None
    while batch is None and time.monotonic() - started < 5:
        queue.add_file(f"/p/{time.monotonic()}.jpg")
        batch = queue.take(timeout=0.1)
    assert batch is not None and len(batch.files) > 1


@pytest.fixture
def watched(tmp_path: Path):
    queue = ChangeQueue(quiet_seconds=0.3)
    watcher = FolderWatcher(queue, ScanOptions())
    root = tmp_path / "photos"
    (root / "old").mkdir(parents=True)
    watcher.watch(str(root))
    yield root, queue
    watcher.stop()


def _collect(queue: ChangeQueue, seconds: float = 2.0) -> tuple[set[str], set[str]]:
    files: set[str] = set()
    folders: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = queue.take(timeout=0.2)
        if batch:
            files |= batch.files
            folders |= batch.folders
    return files, folders


def test_copy_move_delete_are_seen(watched) -> None:
    root, queue = watched
    shutil.copy(clear_photo("cat"), root / "кот.jpg")
    (root / "notes.txt").write_text("not a photo")
    (root / ".hidden").mkdir()
    shutil.copy(clear_photo("cat"), root / ".hidden" / "secret.jpg")
    files, _ = _collect(queue)
    assert files == {str(root / "кот.jpg")}
    os.rename(root / "кот.jpg", root / "old" / "кошка.jpg")
    files, _ = _collect(queue)
    assert files == {str(root / "кот.jpg"), str(root / "old" / "кошка.jpg")}
    os.rename(root / "old", root / "new")
    _, folders = _collect(queue)
    assert {str(root / "old"), str(root / "new")} <= folders
    (root / "new" / "кошка.jpg").unlink()
    files, _ = _collect(queue)
    assert files == {str(root / "new" / "кошка.jpg")}


def test_missing_root_cannot_be_watched(tmp_path: Path) -> None:
    watcher = FolderWatcher(ChangeQueue(), ScanOptions())
    try:
        with pytest.raises(FileNotFoundError):
            watcher.watch(str(tmp_path / "unplugged"))
    finally:
        watcher.stop()


@pytest.mark.skipif(not os.access(MAX_WATCHES, os.W_OK),
                    reason="needs to lower fs.inotify.max_user_watches (root)")
def test_running_out_of_watches_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    for index in range(40):
        (root / f"album{index}").mkdir(parents=True)
    watcher = FolderWatcher(ChangeQueue(), ScanOptions())
    original = MAX_WATCHES.read_text()
    try:
        MAX_WATCHES.write_text("10")
        with pytest.raises(WatchLimitReached, match="max_user_watches"):
            watcher.watch(str(root))
        assert not watcher.is_watching(str(root))
    finally:
        MAX_WATCHES.write_text(original)
        watcher.stop()
