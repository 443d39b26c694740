"""gazetteer: a GPS position -> town, region and country in Russian, from the real data."""

from __future__ import annotations

import math
import random
import time

import pytest

from daemon.places import Gazetteer, Place

MOSCOW, SOCHI, PARIS, NEW_YORK, ELISTA = 524901, 491422, 2988507, 5128581, 563514


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def label(gazetteer: Gazetteer, lat: float, lon: float) -> str | None:
    place = gazetteer.nearest(lat, lon)
    return place.label() if place else None


@pytest.mark.parametrize(("where", "lat", "lon", "expected"), [
    ("Red Square", 55.7539, 37.6208, "Москва, Россия"),
    ("Sochi, the seafront", 43.5747, 39.7214, "Сочи, Краснодарский край, Россия"),
    ("the Eiffel Tower", 48.8584, 2.2945, "Париж, Иль-де-Франс, Франция"),
    ("Antalya old town", 36.8841, 30.7056, "Анталья, Турция"),
    ("Sultanahmet", 41.0054, 28.9768, "Стамбул, Турция"),
    ("Times Square", 40.7580, -73.9855, "Нью-Йорк, штат Нью-Йорк, США"),
    ("Shibuya", 35.6595, 139.7005, "Токио, Япония"),
    ("Kazan kremlin", 55.7963, 49.1088, "Казань, Татарстан, Россия"),
    ("Nizhny Novgorod kremlin", 56.3269, 44.0059,
     "Нижний Новгород, Нижегородская область, Россия"),
    ("Hurghada", 27.2579, 33.8116, "Хургада, Красное море, Египет"),
    ("Naama Bay", 27.9158, 34.3300, "Шарм-эль-Шейх, Южный Синай, Египет"),
    ("Alanya", 36.5444, 31.9954, "Аланья, Анталья, Турция"),
    ("the Hermitage", 59.9398, 30.3146, "Санкт-Петербург, Россия"),
    ("Maidan", 50.4501, 30.5234, "Киев, Украина"),
    ("Tbilisi old town", 41.6938, 44.8015, "Тбилиси, Грузия"),
    ("the Colosseum", 41.8902, 12.4922, "Рим, Лацио, Италия"),
    ("the Sagrada Família", 41.4036, 2.1744, "Барселона, Каталония, Испания"),
    ("Big Ben", 51.5007, -0.1246, "Лондон, Англия, Великобритания"),
])
def test_well_known_places_get_their_russian_names(gazetteer: Gazetteer, where: str,
                                                    lat: float, lon: float,
                                                    expected: str) -> None:
    assert label(gazetteer, lat, lon) == expected, where


def test_a_section_of_a_big_city_is_shown_as_the_city(gazetteer: Gazetteer) -> None:
    # GeoNames lists Brooklyn and Paris's arrondissements as towns of their own
    assert gazetteer.nearest(40.6782, -73.9442).city_id == NEW_YORK  # Brooklyn
    assert gazetteer.nearest(48.8606, 2.3376).city_id == PARIS  # the Louvre, 1st arr.


def test_a_point_ten_km_outside_a_town_is_still_that_town(gazetteer: Gazetteer) -> None:
    place = gazetteer.nearest(46.3078 + 0.09, 44.2558)  # 10 km north of Elista
    assert place.city_id == ELISTA
    assert place.label() == "Элиста, Калмыкия, Россия"
    assert place.distance_km == pytest.approx(10.0, abs=0.2)


def test_far_from_any_town_only_the_region_and_country_are_named(
        gazetteer: Gazetteer) -> None:
    place = gazetteer.nearest(46.3078 + 0.5, 44.2558)  # the steppe, 55 km from Elista
    assert (place.city_id, place.city) == (0, "")
    assert place.label() == "Калмыкия, Россия"
    assert place.distance_km == pytest.approx(55.6, abs=0.5)


@pytest.mark.parametrize(("where", "lat", "lon"), [
    ("the middle of the Pacific", 0.0, -140.0),
    ("the North Pole", 90.0, 0.0),
    ("Null Island, a common bogus EXIF position", 0.0, 0.0),
])
def test_nowhere_near_a_town_is_no_place(gazetteer: Gazetteer, where: str, lat: float,
                                         lon: float) -> None:
    assert gazetteer.nearest(lat, lon) is None, where


@pytest.mark.parametrize(("lat", "lon"), [(math.nan, 37.6), (55.7, math.inf), (91.0, 0.0),
                                          (0.0, 180.5), (-90.1, 10.0)])
def test_invalid_coordinates_are_no_place(gazetteer: Gazetteer, lat: float, lon: float) -> None:
    assert gazetteer.nearest(lat, lon) is None


def test_a_region_with_no_russian_name_is_left_out(gazetteer: Gazetteer) -> None:
    # regions.tsv has no Polish voivodeships: no Latin name beside the Russian ones
    place = gazetteer.nearest(52.2297, 21.0122)
    assert (place.region_key, place.region) == ("PL.78", "")
    assert place.label() == "Варшава, Польша"


def test_a_town_with_no_russian_name_is_shown_in_latin(gazetteer: Gazetteer) -> None:
    assert label(gazetteer, 9.5355, 100.0629) == "Ko Samui, Сураттхани, Таиланд"


def test_a_stored_town_id_gives_the_same_names(gazetteer: Gazetteer) -> None:
    seen = gazetteer.nearest(43.5747, 39.7214)
    again = gazetteer.place_of_city(seen.city_id)
    assert again == Place(SOCHI, "Сочи", "RU.38", "Краснодарский край", "RU", "Россия", 0.0)
    assert gazetteer.place_of_city(MOSCOW).city == "Москва"
    assert gazetteer.place_of_city(1) is None


@pytest.mark.parametrize(("city_id", "name"), [
    (703448, "Киев"), (625144, "Минск"), (1526384, "Алматы"), (616052, "Ереван"),
    (292223, "Дубай"), (361291, "Хургада"), (349340, "Шарм-эль-Шейх"), (1816670, "Пекин"),
    (3067696, "Прага"), (2950159, "Берлин"), (498817, "Санкт-Петербург"),
    (1486209, "Екатеринбург"), (618426, "Кишинёв"), (712165, "Белая Церковь"),
])
def test_the_russian_name_wins_over_other_cyrillic_spellings(gazetteer: Gazetteer,
                                                            city_id: int, name: str) -> None:
    # GeoNames mixes Ukrainian (Київ), Belarusian (Масква), Bulgarian (Москъва)… names
    assert gazetteer.place_of_city(city_id).city == name


def test_a_stored_place_is_labelled_from_its_keys(gazetteer: Gazetteer) -> None:
    place = gazetteer.nearest(46.3078 + 0.5, 44.2558)  # no town: region and country
    assert gazetteer.label(place.city_id, place.region_key,
                           place.country_code) == "Калмыкия, Россия"
    assert gazetteer.label(SOCHI, "RU.38", "RU") == "Сочи, Краснодарский край, Россия"
    assert gazetteer.label(0, "", "") == ""


def test_label_leaves_out_the_parts_that_are_unknown() -> None:
    assert Place(0, "", "", "", "RU", "Россия", 80.0).label() == "Россия"
    assert Place(1, "Москва", "RU.48", "Москва", "RU", "Россия", 0.0).label() == "Москва, Россия"


def test_nearest_costs_well_under_a_millisecond(gazetteer: Gazetteer) -> None:
    rng = random.Random(7)
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(500)]
    start = time.perf_counter()
    for lat, lon in points:
        gazetteer.nearest(lat, lon)
    assert (time.perf_counter() - start) / len(points) < 0.001
