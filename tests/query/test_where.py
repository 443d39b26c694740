"""where: the places a Russian query names, in any case form, with real pymorphy3 lemmas."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pymorphy3
import pytest

from daemon.places import Gazetteer
from daemon.query.where import PlaceMatch, find_places

PARIS, PARIS_TEXAS, MOSCOW, SPB, NIZHNY, SOCHI, NEW_YORK = (
    "2988507", "4717560", "524901", "498817", "520555", "491422", "5128581")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def lemmas() -> Callable[[str], tuple[str, ...]]:
    morph = pymorphy3.MorphAnalyzer()

    @cache
    def normal_forms(word: str) -> tuple[str, ...]:
        return tuple(parse.normal_form for parse in morph.parse(word))

    return normal_forms


@pytest.fixture()
def places(gazetteer: Gazetteer, lemmas) -> Callable[[str], list[PlaceMatch]]:
    return lambda query: find_places(query, gazetteer, lemmas)


def keys(match: PlaceMatch) -> set[tuple[str, str]]:
    return {(ref.kind, ref.key) for ref in match.refs}


def only(matches: list[PlaceMatch]) -> PlaceMatch:
    assert len(matches) == 1, [m.understood for m in matches]
    return matches[0]


@pytest.mark.parametrize(("query", "understood", "kind", "key"), [
    ("в Париже", "Париж", "city", PARIS),
    ("из Москвы", "Москва", "city", MOSCOW),
    ("Сочи", "Сочи", "city", SOCHI),  # indeclinable
    ("в Сочи", "Сочи", "city", SOCHI),
    ("в Турции", "Турция", "country", "TR"),
    ("по Италии", "Италия", "country", "IT"),
    ("в Нижнем Новгороде", "Нижний Новгород", "city", NIZHNY),
    ("в Краснодарском крае", "Краснодарский край", "region", "RU.38"),
    ("в Московской области", "Московская область", "region", "RU.47"),
    ("в Анталье", "Анталья", "city", "323777"),
    ("в Набережных Челнах", "Набережные Челны", "city", "523750"),
    ("в ростове-на-дону", "Ростов-на-Дону", "city", "501175"),
    ("в Шарм-эль-Шейхе", "Шарм-эль-Шейх", "city", "349340"),
    ("в Алма-Ате", "Алматы", "city", "1526384"),  # an old name
    ("в Тайланде", "Таиланд", "country", "TH"),  # the common misspelling
])
def test_a_place_is_found_in_any_case_form(places, query: str, understood: str, kind: str,
                                           key: str) -> None:
    match = only(places(query))
    assert match.understood == understood
    assert (kind, key) in keys(match)
    assert not match.ambiguous


def test_hyphen_or_space_and_the_case_of_letters_do_not_matter(places) -> None:
    for query in ("Санкт-Петербург", "в санкт-петербурге", "Санкт Петербург"):
        assert ("city", SPB) in keys(only(places(query))), query
    for query in ("Нью-Йорк", "Нью Йорк", "в нью-йорке"):
        assert keys(only(places(query))) == {("city", NEW_YORK)}, query


def test_yo_and_ye_are_one_letter(places) -> None:
    assert only(places("орел")).refs == only(places("Орёл")).refs


def test_the_longest_name_wins(places) -> None:
    match = only(places("в Нижнем Новгороде"))
    assert keys(match) == {("city", NIZHNY)}  # not Великий Новгород, nor a town «Нижний»
    assert only(places("в штате Нью-Йорк")).understood == "штат Нью-Йорк"


def test_the_span_takes_the_preposition_with_it(places) -> None:
    query = "фото в Париже летом"
    start, end = only(places(query)).spans[0]
    assert query[start:end] == "в Париже"
    query = "закат Сочи"
    start, end = only(places(query)).spans[0]
    assert query[start:end] == "Сочи"


def test_every_place_of_the_query_in_order(places) -> None:
    query = "из Москвы в Сочи"
    found = places(query)
    assert [m.understood for m in found] == ["Москва", "Сочи"]
    assert [query[s:e] for m in found for s, e in m.spans] == ["из Москвы", "в Сочи"]


def test_several_places_of_one_name_are_all_returned_the_biggest_first(places) -> None:
    match = only(places("Париж"))
    cities = [ref.key for ref in match.refs if ref.kind == "city"]
    assert cities[:2] == [PARIS, PARIS_TEXAS]
    # Москва is the city, the federal city (a region) and a town in Idaho
    assert {("city", MOSCOW), ("region", "RU.48")} <= keys(only(places("Москва")))


@pytest.mark.parametrize(("query", "understood", "kind", "key"), [
    ("Питер", "Санкт-Петербург", "city", SPB),
    ("в Питере", "Санкт-Петербург", "city", SPB),
    ("СПб", "Санкт-Петербург", "city", SPB),
    ("в Подмосковье", "Московская область", "region", "RU.47"),
    ("в Штатах", "США", "country", "US"),
    ("США", "США", "country", "US"),
    ("в Англии", "Англия", "region", "GB.ENG"),
    ("в Эмиратах", "ОАЭ", "country", "AE"),
    ("ОАЭ", "ОАЭ", "country", "AE"),
    ("Белоруссия", "Беларусь", "country", "BY"),
    ("в Египте", "Египет", "country", "EG"),
])
def test_aliases_people_type(places, query: str, understood: str, kind: str,
                             key: str) -> None:
    match = only(places(query))
    assert match.understood == understood
    assert (kind, key) in keys(match)


def test_an_alias_may_name_several_places(places) -> None:
    crimea = only(places("в Крыму"))
    assert crimea.understood == "Крым"
    assert keys(crimea) == {("region", "UA.11"), ("region", "UA.20")}  # with Sevastopol
    caucasus = only(places("на Кавказе"))
    assert {("region", "RU.17"), ("country", "GE"), ("country", "AM")} <= keys(caucasus)
    europe = only(places("по Европе"))
    assert {("country", "FR"), ("country", "DE"), ("country", "BY")} <= keys(europe)
    assert ("country", "RU") not in keys(europe) and ("country", "TR") not in keys(europe)
    assert keys(only(places("на Байкале"))) == {("region", "RU.11"), ("region", "RU.20")}


@pytest.mark.parametrize("query", ["кошка на диване", "море", "собака", "машина", "лес",
                                   "поле", "берег", "закат на море", "лесная чаща", "шахта",
                                   "paris"])
def test_content_words_stay_content(places, query: str) -> None:
    assert places(query) == []


@pytest.mark.parametrize(("query", "understood"), [
    ("Орёл", "Орёл"), ("в Орле", "Орёл"), ("Луга", "Луга"), ("Сокол", "Сокол"),
    ("Мирный", "Мирный"), ("в Шахтах", "Шахты"), ("белая церковь", "Белая Церковь"),
])
def test_a_name_that_is_also_a_common_word_is_marked_ambiguous(places, query: str,
                                                               understood: str) -> None:
    match = only(places(query))
    assert match.understood == understood
    assert match.ambiguous


def test_a_town_named_by_an_adjective_matches_its_own_gender_only(places) -> None:
    assert only(places("в Лесном")).understood == "Лесной"
    assert places("лесная чаща") == []


def test_a_preposition_is_never_read_as_a_name(places) -> None:
    # «из» is a case form of the Japanese town Изу, «по» the Russian name of Pau
    assert [m.understood for m in places("из Москвы по Италии")] == ["Москва", "Италия"]
