"""The index is a cache, the user's data is not: the real daemon on a damaged index, a full
disk, a read-only one and a broken settings file. It never exits for them, says what is
wrong in status, rebuilds or waits, and never touches what the user wrote."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import COCO_IMAGES
from daemon_process import DaemonProcess
from index_damage import (
    damage_all_but_header,
    damage_middle,
    fill_up,
    remount,
    small_filesystem,
)

from daemon.config import Settings
from daemon.service.client import DaemonError
from daemon.signals import later_specs, signal_sources


def library(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    copies = []
    for source in sorted(COCO_IMAGES.glob("*.jpg"))[:count]:
        copies.append(Path(shutil.copy(source, folder / source.name)))
    return copies


def index_rows(home: Path) -> tuple[list[str], str, int]:
    """(paths, integrity_check, photos without the rows of every first-pass signal of the
    defaults)."""
    db = sqlite3.connect(home / "data" / "index.sqlite3")
    try:
        paths = [row[0] for row in db.execute("SELECT path FROM photos")]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        # the first pass's signals; the text is read later, while nothing else waits
        first_pass = [m for m in signal_sources(Settings())
                      if m not in {s.model_id(Settings()) for s in later_specs(Settings())}]
        marks = ",".join("?" * len(first_pass))
        untagged = db.execute("SELECT count(*) FROM photos WHERE id NOT IN (SELECT photo_id"
                              f" FROM tags WHERE model IN ({marks}) GROUP BY photo_id"
                              " HAVING count(*) = ?)",
                              (*first_pass, len(first_pass))).fetchone()[0]
        return paths, integrity, untagged
    finally:
        db.close()


def settings_text(daemon: DaemonProcess) -> str:
    return (daemon.home / "config" / "settings.toml").read_text(encoding="utf-8")


def test_a_damaged_index_at_start_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    photos = library(tmp_path / "Фото", 12)
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos[0].parent))
        daemon.wait_idle()
        assert daemon.stop() == 0
        settings_before = settings_text(daemon)
        index = daemon.home / "data" / "index.sqlite3"
        damage_middle(index)

        daemon.start()  # before: the daemon exited at start, and systemd restarted it…
        status = daemon.wait_until(lambda: (s := daemon.call("status"))
                                   .get("damaged_index_kept_at") and s)
        kept = Path(status["damaged_index_kept_at"])
        assert kept.exists() and kept.name.startswith("index.sqlite3.damaged-")
        daemon.wait_idle()
        status = daemon.call("status")
        assert status["indexed"] == 12 and status["index_state"] == "ok"
        assert daemon.search("жираф") or daemon.search("человек")
        assert settings_text(daemon) == settings_before  # the user's folders are intact
        assert status["folders"][0]["path"] == str(photos[0].parent)
    paths, integrity, untagged = index_rows(tmp_path / "home")
    assert sorted(paths) == sorted(map(str, photos)) and integrity == "ok" and untagged == 0


def test_damage_found_while_running_rebuilds_and_says_so(tmp_path: Path) -> None:
    photos = library(tmp_path / "Фото", 12)
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos[0].parent))
        daemon.wait_idle()
        settings_before = settings_text(daemon)
        index = daemon.home / "data" / "index.sqlite3"
        # Everything into the main file first (the WAL would hide the damage), as SQLite
        # does by itself every 1000 pages.
        sqlite3.connect(index).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        damage_all_but_header(index)

        with pytest.raises(DaemonError, match="Индекс повреждён и строится заново"):
            daemon.call("photo.tags", path=str(photos[0]))
        daemon.wait_until(lambda: daemon.call("status").get("damaged_index_kept_at"))
        daemon.wait_idle()
        assert daemon.call("status")["indexed"] == 12
        assert daemon.call("photo.tags", path=str(photos[0]))["tags"]
        assert settings_text(daemon) == settings_before
        assert daemon.process is not None and daemon.process.poll() is None
    paths, integrity, untagged = index_rows(tmp_path / "home")
    assert sorted(paths) == sorted(map(str, photos)) and integrity == "ok" and untagged == 0


def test_a_full_disk_pauses_indexing_and_it_resumes_when_space_is_freed(
        tmp_path: Path) -> None:
    photos = library(tmp_path / "Фото", 60)
    home = tmp_path / "home"
    with small_filesystem(home / "data", megabytes=4) as data, DaemonProcess(home) as daemon:
        daemon.start()
        daemon.call("pause")
        daemon.call("folders.add", path=str(photos[0].parent))
        filler = fill_up(data, leave_bytes=24 * 1024)
        daemon.call("resume")
        status = daemon.wait_until(
            lambda: (s := daemon.call("status"))["index_state"] == "disk_full" and s, 120)
        assert status["problem"].startswith("Нет места на диске: свободно ")
        assert status["problem"].endswith(" МБ")
        indexed_when_full = status["indexed"]
        assert indexed_when_full < 60
        assert daemon.process is not None and daemon.process.poll() is None

        filler.unlink()
        daemon.wait_until(lambda: daemon.call("status")["index_state"] == "ok", 60)
        daemon.wait_idle()
        assert daemon.call("status")["indexed"] == 60
        assert daemon.stop() == 0
        paths, integrity, untagged = index_rows(home)
    assert sorted(paths) == sorted(map(str, photos)) and integrity == "ok" and untagged == 0


def test_a_read_only_index_is_searched_and_indexing_resumes_when_writable(
        tmp_path: Path) -> None:
    photos = library(tmp_path / "Фото", 20)
    later = tmp_path / "later"
    later.mkdir()
    for photo in photos[10:]:
        photo.rename(later / photo.name)
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.toml").write_text("rescan_seconds = 1\nretry_seconds = 1\n")
    with small_filesystem(home / "data", megabytes=16) as data, DaemonProcess(home) as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos[0].parent))
        daemon.wait_idle()
        assert daemon.stop() == 0
        for photo in later.iterdir():
            photo.rename(photos[0].parent / photo.name)
        remount(data, "ro")  # e.g. a disk the kernel remounted read-only after an error

        daemon.start()
        status = daemon.wait_until(
            lambda: (s := daemon.call("status"))["index_state"] == "not_writable" and s, 60)
        assert "Нет прав на запись" in status["problem"]
        daemon.wait_until(lambda: daemon.call("status")["indexed"] == 10)  # read as it is
        assert daemon.search("человек") is not None

        remount(data, "rw")
        daemon.wait_until(lambda: daemon.call("status")["index_state"] == "ok", 60)
        daemon.wait_idle()
        assert daemon.call("status")["indexed"] == 20
        assert daemon.stop() == 0
        paths, integrity, untagged = index_rows(home)
    assert sorted(paths) == sorted(map(str, photos)) and integrity == "ok" and untagged == 0


def test_a_broken_settings_file_is_one_line_and_the_daemon_keeps_its_settings(
        tmp_path: Path) -> None:
    photos = library(tmp_path / "Фото", 6)
    more = library(tmp_path / "Ещё фото", 3)
    with DaemonProcess(tmp_path / "home") as daemon:
        settings = daemon.home / "config" / "settings.toml"
        daemon.start()
        daemon.call("folders.add", path=str(photos[0].parent))
        daemon.wait_idle()
        assert daemon.stop() == 0

        broken = settings_text(daemon) + "threads = \n"
        settings.write_text(broken, encoding="utf-8")
        daemon.start()  # a broken file at start: the last good settings
        status = daemon.call("status")
        assert status["settings_error"].startswith(f"settings file {settings}, line ")
        assert "\n" not in status["settings_error"]
        assert [f["path"] for f in status["folders"]] == [str(photos[0].parent)]
        daemon.wait_until(lambda: daemon.call("status")["indexed"] == 6)
        with pytest.raises(DaemonError, match="fix the file first"):
            daemon.call("folders.add", path=str(more[0].parent))
        assert settings.read_text(encoding="utf-8") == broken  # the user's text, untouched

        # Fixed by the user, with a folder added by hand: followed without a restart.
        folders = f'folders = ["{photos[0].parent}", "{more[0].parent}"]\n'
        settings.write_text(folders + "rescan_seconds = 1.0\n", encoding="utf-8")
        daemon.wait_until(lambda: daemon.call("status")["settings_error"] is None)
        daemon.wait_until(lambda: daemon.call("status")["indexed"] == 9, 60)

        settings.write_text(folders + "rescan_seconds = 1.0\nmodel = 'vit'\n")
        error = daemon.wait_until(lambda: daemon.call("status")["settings_error"])
        assert error.endswith("line 3: model must be one of 'efficientnet-lite0', "
                              "'resnet50', not 'vit'")
        assert len(daemon.call("status")["folders"]) == 2 and daemon.search("человек")
    log = (daemon.home / "daemon.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
