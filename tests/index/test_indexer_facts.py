"""The indexer keeps each photo's date, place and camera beside its tags, read from the bytes it
reads anyway: no decode and no model run for them."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Counting, clear_photo
from photo_files import write_photo

from daemon.index.indexer import Indexer
from daemon.index.store import PhotoFacts, Store
from daemon.signals.metadata import FactsReader

SOCHI = (43.5855, 39.7231)


@pytest.fixture(scope="module")
def reader(gazetteer) -> FactsReader:
    return FactsReader(gazetteer)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    photos = tmp_path / "Фото"
    photos.mkdir()
    write_photo(photos / "море.jpg", source=clear_photo("dog"),
                taken=datetime(2023, 7, 14, 18, 5), offset="+03:00", gps=SOCHI,
                make="Apple", model="iPhone 12")
    shutil.copy(clear_photo("cat"), photos / "без exif.jpg")
    os.utime(photos / "без exif.jpg", ns=(0, 1_600_000_000 * 10**9))
    return photos


def test_photos_get_their_date_place_and_camera(tmp_path, folder, fake_tagger, reader) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, fake_tagger, facts=reader).index_folder(folder)
        facts = store.facts_of(str(folder / "море.jpg"))
        guessed = store.facts_of(str(folder / "без exif.jpg"))
    assert facts is not None and guessed is not None
    assert (facts.taken, facts.offset_minutes, facts.guessed) == (
        datetime(2023, 7, 14, 18, 5), 180, False)
    assert (facts.country_code, facts.camera) == ("RU", "Apple iPhone 12")
    assert reader.gazetteer.label(facts.city_id, facts.region_key,
                                  facts.country_code).startswith("Сочи")
    # no EXIF date: the file's, as a guess, in the machine's local time
    assert guessed.guessed and guessed.taken == datetime.fromtimestamp(1_600_000_000)
    assert guessed.city_id == 0 and guessed.country_code == ""


def test_an_index_made_before_the_facts_gets_them_without_running_a_model(
        tmp_path, folder, fake_tagger, reader) -> None:
    counting = Counting(fake_tagger)
    told: list[tuple[int, PhotoFacts]] = []
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, counting).index_folder(folder)
        assert counting.predicted == 2
        assert store.facts_of(str(folder / "море.jpg")) is None
        report = Indexer(store, counting, facts=reader,
                         on_facts=lambda i, f: told.append((i, f))).index_folder(folder)
        assert counting.predicted == 2  # no model ran again
        assert report.tagged == 0
        facts = store.facts_of(str(folder / "море.jpg"))
    assert facts is not None and facts.taken == datetime(2023, 7, 14, 18, 5)
    assert sorted(f.guessed for _, f in told) == [False, True]


def test_a_moved_photo_keeps_its_facts_and_a_touched_one_is_dated_anew(
        tmp_path, folder, fake_tagger, reader) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        indexer = Indexer(store, fake_tagger, facts=reader)
        indexer.index_folder(folder)
        (folder / "море.jpg").rename(folder / "Сочи, июль.jpg")
        os.utime(folder / "без exif.jpg", ns=(0, 1_700_000_000 * 10**9))
        report = indexer.index_folder(folder)
        assert (report.moved, report.touched, report.tagged) == (1, 1, 0)
        moved = store.facts_of(str(folder / "Сочи, июль.jpg"))
        touched = store.facts_of(str(folder / "без exif.jpg"))
    assert moved is not None and moved.country_code == "RU"
    assert touched is not None and touched.taken == datetime.fromtimestamp(1_700_000_000)
