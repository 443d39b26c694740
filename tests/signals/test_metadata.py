"""The metadata signal: a real photo file's bytes -> when (with its offset), where (in
Russian) and with what camera; a file without EXIF is dated by its mtime, as a guess."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from conftest import clear_photo
from photo_files import write_photo

from daemon.signals.metadata import FactsReader

CITIES = [  # (GPS, how the place reads, the format written)
    ((55.7558, 37.6173), "Москва, Россия", "JPEG"),
    ((43.5855, 39.7231), "Сочи, Краснодарский край, Россия", "HEIC"),
    ((48.8566, 2.3522), "Париж, Иль-де-Франс, Франция", "PNG"),
    ((36.8969, 30.7133), "Анталья, Турция", "HEIC"),
    ((40.7128, -74.0060), "Нью-Йорк, штат Нью-Йорк, США", "JPEG"),
    # a region with no Russian name written (daemon/places/data/regions.tsv) is left out
    ((-33.8688, 151.2093), "Сидней, Австралия", "HEIC"),
]


@pytest.fixture(scope="module")
def reader(gazetteer) -> FactsReader:
    return FactsReader(gazetteer)


def _read(reader: FactsReader, path: Path):
    return reader.read(path.read_bytes(), path.stat().st_mtime_ns)


@pytest.mark.parametrize(("gps", "place", "fmt"), CITIES, ids=[c[1].split(",")[0] for c in CITIES])
def test_a_photo_s_gps_reads_as_its_town_region_and_country_in_russian(
        tmp_path, reader, gps, place, fmt) -> None:
    photo = write_photo(tmp_path / f"photo.{fmt.lower()}", fmt=fmt, source=clear_photo("cat"),
                        taken=datetime(2022, 8, 9, 7, 30), offset="+03:00", gps=gps)
    facts = _read(reader, photo)
    assert reader.gazetteer.label(facts.city_id, facts.region_key,
                                  facts.country_code) == place
    assert (facts.taken, facts.offset_minutes, facts.guessed) == (
        datetime(2022, 8, 9, 7, 30), 180, False)


def test_a_date_without_an_offset_keeps_its_wall_clock(tmp_path, reader) -> None:
    photo = write_photo(tmp_path / "a.heic", fmt="HEIC", taken=datetime(2019, 12, 31, 23, 59),
                        make="samsung", model="SM-G991B")
    facts = _read(reader, photo)
    assert (facts.taken, facts.offset_minutes, facts.guessed) == (
        datetime(2019, 12, 31, 23, 59), None, False)
    assert facts.camera == "samsung SM-G991B" and facts.city_id == 0


def test_without_exif_the_file_s_date_is_a_guess(tmp_path, reader) -> None:
    photo = write_photo(tmp_path / "scan.jpg")
    os.utime(photo, ns=(0, 1_500_000_000 * 10**9))
    facts = _read(reader, photo)
    assert facts.guessed and facts.taken == datetime.fromtimestamp(1_500_000_000)
    assert (facts.latitude, facts.city_id, facts.country_code, facts.camera) == (
        None, 0, "", "")


def test_a_position_at_sea_has_no_place(tmp_path, reader) -> None:
    photo = write_photo(tmp_path / "ocean.jpg", taken=datetime(2021, 1, 1), gps=(-30.0, -140.0))
    facts = _read(reader, photo)
    assert facts.latitude == pytest.approx(-30.0, abs=1e-4)
    assert (facts.city_id, facts.region_key, facts.country_code) == (0, "", "")
