"""search with time and place: filters beside the concepts, a list by date when there is
nothing else, and each result's date and place."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from daemon.index.facts import FactsTable
from daemon.index.matrix import TagMatrix
from daemon.index.store import PhotoFacts, SparseTags

TABBY, LABRADOR, SCHOOL_BUS = 281, 208, 779
TODAY = date(2025, 7, 16)


def _library(gazetteer, photos: dict[str, tuple[int, datetime | None, tuple[float, float] | None]]
             ) -> tuple[TagMatrix, FactsTable]:
    """name -> (class, taken, GPS): a matrix and its facts, places named as the indexer does."""
    matrix, facts = TagMatrix(), FactsTable()
    for photo_id, (name, (cls, taken, gps)) in enumerate(photos.items(), start=1):
        matrix.put(photo_id, name, SparseTags(np.array([cls], np.uint16),
                                              np.array([0.8], np.float32)))
        place = gazetteer.nearest(*gps) if gps else None
        facts.put(photo_id, PhotoFacts(
            1, taken, None, False, *(gps or (None, None)),
            city_id=place.city_id if place else 0, region_key=place.region_key if place else "",
            country_code=place.country_code if place else ""))
    return matrix, facts


PARIS, ANTALYA, MOSCOW = (48.8566, 2.3522), (36.8969, 30.7133), (55.7558, 37.6173)


@pytest.fixture
def library(gazetteer) -> tuple[TagMatrix, FactsTable]:
    return _library(gazetteer, {
        "cat-2023-07-paris.jpg": (TABBY, datetime(2023, 7, 10, 19, 0), PARIS),
        "cat-2022-07-paris.jpg": (TABBY, datetime(2022, 7, 10, 9, 0), PARIS),
        "cat-no-date.jpg": (TABBY, None, PARIS),
        "dog-2023-07-antalya.jpg": (LABRADOR, datetime(2023, 7, 12, 8, 0), ANTALYA),
        "bus-2024-01-moscow.jpg": (SCHOOL_BUS, datetime(2024, 1, 20, 15, 0), MOSCOW),
        "bus-2024-07-moscow.jpg": (SCHOOL_BUS, datetime(2024, 7, 20, 15, 0), MOSCOW),
    })


def _search(engine, library, query: str, **options) -> list[str]:
    matrix, facts = library
    response = engine.search(query, matrix, facts=facts, today=TODAY, **options)
    return [r.path for r in response.results]


def test_a_time_narrows_what_the_words_find(engine, library) -> None:
    assert _search(engine, library, "кошка летом 2023") == ["cat-2023-07-paris.jpg"]
    assert _search(engine, library, "кошка в прошлом году") == []
    assert sorted(_search(engine, library, "кошка летом")) == [
        "cat-2022-07-paris.jpg", "cat-2023-07-paris.jpg"]  # a photo of unknown date never


def test_a_place_narrows_what_the_words_find_in_any_case_form(engine, library) -> None:
    assert _search(engine, library, "собака в Турции") == ["dog-2023-07-antalya.jpg"]
    assert _search(engine, library, "кошка в Турции") == []
    assert sorted(_search(engine, library, "кошка из Парижа")) == [
        "cat-2022-07-paris.jpg", "cat-2023-07-paris.jpg", "cat-no-date.jpg"]


def test_a_time_or_a_place_alone_lists_its_photos_newest_first(engine, library) -> None:
    assert _search(engine, library, "Москва") == ["bus-2024-07-moscow.jpg",
                                                  "bus-2024-01-moscow.jpg"]
    assert _search(engine, library, "Москва зимой") == ["bus-2024-01-moscow.jpg"]
    assert _search(engine, library, "июль 2023") == ["dog-2023-07-antalya.jpg",
                                                     "cat-2023-07-paris.jpg"]


def test_sort_by_date_orders_the_matches_newest_first(engine, library) -> None:
    assert _search(engine, library, "кошка", sort="date") == [
        "cat-2023-07-paris.jpg", "cat-2022-07-paris.jpg", "cat-no-date.jpg"]
    with pytest.raises(ValueError):
        _search(engine, library, "кошка", sort="size")


def test_the_time_of_day_is_the_photo_s_hour(engine, library) -> None:
    assert _search(engine, library, "кошка вечером") == ["cat-2023-07-paris.jpg"]
    assert _search(engine, library, "кошка утром") == ["cat-2022-07-paris.jpg"]


def test_results_carry_their_date_and_russian_place(engine, library) -> None:
    matrix, facts = library
    response = engine.search("собака в Турции", matrix, facts=facts, today=TODAY)
    answer = response.to_json()
    result = answer["results"][0]
    assert result["taken"] == "2023-07-12T08:00:00" and result["taken_guessed"] is False
    assert result["place"].startswith("Анталья") and result["place"].endswith("Турция")
    assert "Турция" in answer["understood"]


def test_without_the_facts_a_time_finds_nothing_and_words_still_work(engine, library) -> None:
    matrix, _ = library
    assert engine.search("кошка летом 2023", matrix, today=TODAY).results == ()
    assert len(engine.search("кошка", matrix, today=TODAY).results) == 3


def test_a_place_that_is_also_a_word_is_the_word_unless_the_library_was_there(
        engine, gazetteer) -> None:
    # «орёл» is a bird and the town of Oryol: with no photo from Oryol it is the bird.
    matrix, facts = _library(gazetteer, {"cat.jpg": (TABBY, datetime(2023, 7, 10), PARIS)})
    plan = engine.understand("орёл", TODAY, facts)
    assert not plan.places and plan.wanted
    oryol = (52.9651, 36.0785)
    matrix, facts = _library(gazetteer, {"street.jpg": (SCHOOL_BUS, datetime(2023, 7, 10),
                                                        oryol)})
    plan = engine.understand("в Орле", TODAY, facts)
    assert plan.places and not plan.wanted


def test_a_photo_dated_only_by_its_file_comes_after_those_the_camera_dated(
        engine, gazetteer) -> None:
    matrix, facts = _library(gazetteer, {
        "camera.jpg": (TABBY, datetime(2023, 7, 1), PARIS),
        "copied.jpg": (TABBY, datetime(2023, 7, 30), PARIS),
    })
    copied = facts.of(2)
    assert copied is not None
    facts.put(2, PhotoFacts(1, copied.taken, None, True))  # its file's date
    found = engine.search("кошка летом 2023", matrix, facts=facts, today=TODAY)
    assert [r.path for r in found.results] == ["camera.jpg", "copied.jpg"]
    assert found.results[1].guessed
