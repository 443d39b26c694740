"""The dates and places beside the matrix: what a search filters and sorts by."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from daemon.index.facts import FactsTable, PlaceFilter, newest_first
from daemon.index.store import FileIdentity, PhotoFacts, SparseTags, Store, local_seconds


def _facts(taken: datetime | None, city: int = 0, region: str = "", country: str = "",
           guessed: bool = False) -> PhotoFacts:
    return PhotoFacts(1, taken, None, guessed, city_id=city, region_key=region,
                      country_code=country)


class July2023:
    """A time filter as the query side gives one: July of 2023."""

    def mask(self, seconds: np.ndarray) -> np.ndarray:
        first, last = local_seconds(datetime(2023, 7, 1)), local_seconds(datetime(2023, 8, 1))
        return (seconds >= first) & (seconds < last)


def test_a_time_filter_keeps_the_photos_of_that_time_and_none_of_unknown_date() -> None:
    table = FactsTable()
    table.put(1, _facts(datetime(2023, 7, 14, 18, 30)))
    table.put(2, _facts(datetime(2023, 8, 2, 9, 0)))
    table.put(3, _facts(None))
    ids = np.array([1, 2, 3, 4], np.int64)  # 4 has no facts at all
    assert table.mask(ids, when=July2023()).tolist() == [True, False, False, False]


def test_a_place_filter_matches_a_city_a_region_or_a_country() -> None:
    table = FactsTable()
    table.put(1, _facts(None, city=491422, region="RU.38", country="RU"))  # Sochi
    table.put(2, _facts(None, city=524901, region="RU.48", country="RU"))  # Moscow
    table.put(3, _facts(None, city=323776, region="TR.07", country="TR"))  # Antalya
    ids = np.array([1, 2, 3], np.int64)
    assert table.mask(ids, where=PlaceFilter(cities=frozenset({524901}))).tolist() == [
        False, True, False]
    assert table.mask(ids, where=PlaceFilter(regions=frozenset({"RU.38"}))).tolist() == [
        True, False, False]
    assert table.mask(ids, where=PlaceFilter(countries=frozenset({"RU", "TR"}))).tolist() == [
        True, True, True]
    assert table.has_place(PlaceFilter(countries=frozenset({"TR"})))
    assert not table.has_place(PlaceFilter(countries=frozenset({"FR"})))


def test_removed_photos_match_nothing_and_ids_far_apart_fit() -> None:
    table = FactsTable()
    table.put(5, _facts(datetime(2023, 7, 1), country="RU"))
    table.put(100_000, _facts(datetime(2023, 7, 2), country="RU"))
    assert len(table) == 2
    table.remove(5)
    ids = np.array([5, 100_000], np.int64)
    assert table.mask(ids, when=July2023()).tolist() == [False, True]
    assert table.of(5) is None
    assert len(table) == 1


def test_newest_first_puts_unknown_dates_last() -> None:
    table = FactsTable()
    table.put(1, _facts(datetime(2021, 1, 1)))
    table.put(2, _facts(None))
    table.put(3, _facts(datetime(2024, 5, 5)))
    assert newest_first([1, 2, 3], table).tolist() == [3, 1, 2]


def test_what_a_result_shows_comes_back_whole() -> None:
    table = FactsTable()
    table.put(7, _facts(datetime(2022, 12, 31, 23, 59), 491422, "RU.38", "RU", guessed=True))
    shown = table.of(7)
    assert shown is not None
    assert (shown.taken, shown.guessed, shown.city_id, shown.region_key,
            shown.country_code) == (datetime(2022, 12, 31, 23, 59), True, 491422, "RU.38", "RU")


def test_facts_kept_in_the_index_load_back_into_the_table(tmp_path: Path) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        identity = FileIdentity("/photos/море.jpg", 10, 1)
        tags = SparseTags(np.array([1], np.uint16), np.array([0.9], np.float32))
        facts = PhotoFacts(1, datetime(2023, 7, 14, 18, 30), 180, False, 43.6, 39.73,
                           491422, "RU.38", "RU", "Apple iPhone 12")
        photo_id = store.put_photo(identity, "hash", 640, 480, {"m": tags}, facts)
        assert store.facts_of("/photos/море.jpg") == facts
        table = FactsTable.load(store)
        store.remove_photos(["/photos/море.jpg"])
        assert store.facts_of("/photos/море.jpg") is None  # they go with the photo
    shown = table.of(photo_id)
    assert shown is not None and shown.taken == datetime(2023, 7, 14, 18, 30)


def test_photos_without_facts_of_this_version_are_found_for_reading(tmp_path: Path) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        tags = SparseTags(np.array([1], np.uint16), np.array([0.9], np.float32))
        for name in ("a.jpg", "b.jpg", "c.jpg"):
            store.put_photo(FileIdentity(f"/p/{name}", 1, 1), name, 1, 1, {"m": tags})
        store.put_facts([("/p/a.jpg", _facts(None)),
                         ("/p/b.jpg", PhotoFacts(0, None, None, True))])  # an older reader
        assert sorted(store.without_facts_under("/p", version=1)) == ["/p/b.jpg", "/p/c.jpg"]


def test_loading_the_index_gives_the_table_that_putting_each_photo_gives(tmp_path: Path) -> None:
    kept = {"/p/a.jpg": _facts(datetime(2023, 7, 1, 9), 491422, "RU.38", "RU"),
            "/p/b.jpg": _facts(None, guessed=True),
            "/p/c.jpg": _facts(datetime(2020, 2, 29), 0, "", "TR")}
    tags = SparseTags(np.array([1], np.uint16), np.array([0.9], np.float32))
    with Store(tmp_path / "index.sqlite3") as store:
        ids = {path: store.put_photo(FileIdentity(path, 1, 1), path, 1, 1, {"m": tags}, facts)
               for path, facts in kept.items()}
        loaded = FactsTable.load(store)
    one_by_one = FactsTable()
    for path, facts in kept.items():
        one_by_one.put(ids[path], facts)
    assert len(loaded) == 3
    for photo_id in (*ids.values(), 99):
        assert loaded.of(photo_id) == one_by_one.of(photo_id)
    assert loaded.has_place(PlaceFilter(regions=frozenset({"RU.38"})))
