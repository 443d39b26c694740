"""The real daemon answers what, when and where together: photos with EXIF written in the test,
searched over its socket («кошка летом 2023», «море в Турции», «Москва зимой»)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from conftest import COCO_IMAGES, clear_photo
from daemon_process import DaemonProcess
from photo_files import write_photo

from daemon.service.client import DaemonError

ANTALYA = (36.8969, 30.7133)
SOCHI = (43.5855, 39.7231)
MOSCOW = (55.7558, 37.6173)
PARIS = (48.8566, 2.3522)
# Photos that the search reads as the sea (a sandbar, a seashore with surfboards).
SEA = (COCO_IMAGES / "000000434177.jpg", COCO_IMAGES / "000000312237.jpg")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "Фото с телефона"
    folder.mkdir()
    write_photo(folder / "кот летом 2023.jpg", source=clear_photo("cat"),
                taken=datetime(2023, 7, 14, 18, 5), offset="+02:00", gps=PARIS,
                make="Apple", model="iPhone 12")
    write_photo(folder / "кот летом 2022.jpg", source=clear_photo("cat", 1),
                taken=datetime(2022, 7, 14, 12, 0), gps=PARIS)
    write_photo(folder / "собака летом 2023.jpg", source=clear_photo("dog"),
                taken=datetime(2023, 7, 20, 10, 0), gps=PARIS)
    write_photo(folder / "море Анталья.jpg", source=SEA[0], taken=datetime(2024, 8, 1, 11, 0),
                gps=ANTALYA)
    write_photo(folder / "море Сочи.jpg", source=SEA[1], taken=datetime(2024, 8, 3, 11, 0),
                gps=SOCHI)
    write_photo(folder / "Москва январь 🚌.heic", fmt="HEIC", source=clear_photo("bus"),
                taken=datetime(2024, 1, 20, 15, 0), offset="+03:00", gps=MOSCOW)
    write_photo(folder / "Москва июль.jpg", source=clear_photo("pizza"),
                taken=datetime(2024, 7, 20, 15, 0), gps=MOSCOW)
    write_photo(folder / "без exif.jpg", source=clear_photo("dog", 1))
    return folder


def _names(answer: dict) -> list[str]:
    return [Path(r["path"]).name for r in answer["results"]]


def test_the_daemon_joins_content_time_and_place(tmp_path: Path, library: Path) -> None:
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(library))
        daemon.wait_idle()

        cats = daemon.call("search", query="кошка летом 2023")
        assert _names(cats) == ["кот летом 2023.jpg"]
        assert "лето 2023" in cats["understood"]
        first = cats["results"][0]
        assert first["taken"] == "2023-07-14T18:05:00" and not first["taken_guessed"]
        assert first["place"].startswith("Париж") and first["place"].endswith("Франция")

        sea = daemon.call("search", query="море в Турции")
        assert _names(sea) == ["море Анталья.jpg"]
        assert "Турция" in sea["understood"]

        moscow = daemon.call("search", query="Москва зимой")
        assert _names(moscow) == ["Москва январь 🚌.heic"]
        assert moscow["sort"] == "date"  # nothing but a time and a place: by date

        # a time alone lists that time's photos, newest first
        assert _names(daemon.call("search", query="в 2024 году")) == [
            "море Сочи.jpg", "море Анталья.jpg", "Москва июль.jpg", "Москва январь 🚌.heic"]

        with pytest.raises(DaemonError, match="sort must be one of"):
            daemon.call("search", query="кошка", sort="size")

        tags = daemon.call("photo.tags", path=str(library / "кот летом 2023.jpg"))
        assert (tags["taken"], tags["utc_offset"], tags["camera"]) == (
            "2023-07-14T18:05:00", "+02:00", "Apple iPhone 12")
        assert "Франция" in tags["place"]
        no_exif = daemon.call("photo.tags", path=str(library / "без exif.jpg"))
        assert no_exif["taken_guessed"] and no_exif["place"] == ""


def test_an_index_from_before_the_facts_gets_them_at_start_without_a_model_run(
        tmp_path: Path, library: Path) -> None:
    home = tmp_path / "home"
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(library))
        daemon.wait_idle()
    index = home / "data" / "index.sqlite3"
    with sqlite3.connect(index) as db:  # as an index written before this version kept facts
        db.execute("DELETE FROM facts")
        tagged_at = dict(db.execute("SELECT path, indexed_at FROM photos"))
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.wait_idle()
        assert _names(daemon.call("search", query="Москва зимой")) == ["Москва январь 🚌.heic"]
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT count(*) FROM facts").fetchone()[0] == len(tagged_at)
        # no photo was tagged again: a model run would have written it anew
        assert dict(db.execute("SELECT path, indexed_at FROM photos")) == tagged_at
