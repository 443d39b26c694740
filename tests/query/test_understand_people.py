"""How queries about people are read: the names the user gave first, in any form, then the
words for people («женщина», «дети», «двое»), which the faces signal answers."""

from __future__ import annotations

import numpy as np

from daemon.signals.faces import CONCEPTS as FACES
from daemon.signals.faces import photo_concept


def _names(engine, *names: str) -> dict[tuple[str, ...], tuple[int, str]]:
    return {engine.reader.name_key(name): (number, name)
            for number, name in enumerate(names, start=1)}


def test_a_name_in_any_form_is_that_person(engine) -> None:
    names = _names(engine, "Мама", "Папа", "тётя Люба")
    for query, person in (("Мама", 1), ("с мамой", 1), ("маму", 1), ("папины", None),
                          ("у папы", 2), ("с тётей Любой", 3)):
        plan = engine.reader.read(query, names=names)
        people = [c.person for c in plan.concepts if c.kind == "person"]
        assert people == ([person] if person else []), query


def test_a_name_comes_before_a_town_or_a_month_of_that_name(engine) -> None:
    # There are towns named Кати (Mali) and Мая (Yakutia), and «мая» is May.
    names = _names(engine, "Катя", "Мая")
    for query, person in (("Катя", 1), ("с Катей", 1), ("Мая", 2), ("с Маей летом", 2)):
        plan = engine.reader.read(query, names=names)
        assert [c.person for c in plan.concepts if c.kind == "person"] == [person], query
        assert not plan.places, query
    assert engine.reader.read("Катя").places  # no one named so: the town
    assert engine.reader.read("в Москве", names=names).places


def test_one_word_of_a_longer_name_is_that_person_unless_it_means_something(engine) -> None:
    names = _names(engine, "Серена Уильямс", "тётя Маша", "Саша Петров", "Саша Иванова",
                   "Рыжий Лёша")
    plan = engine.reader.read("с Сереной", names=names)
    assert [c.person for c in plan.concepts] == [1]
    assert [c.person for c in engine.reader.read("Маша", names=names).concepts] == [2]
    (aunt,) = engine.reader.read("тётя", names=names).concepts  # any woman, as without names
    (red,) = engine.reader.read("рыжий", names=names).concepts  # the colour, not Лёша
    assert red.kind == "colour"
    assert aunt.kind != "person" and aunt.relevance[photo_concept("woman")] > 0
    me = _names(engine, "Я")  # what people name themselves
    assert [c.person for c in engine.reader.read("я на море", names=me).concepts] == [1, None]
    assert [c.person for c in engine.reader.read("я на море").concepts] == [None]
    (sasha,) = engine.reader.read("Саша", names=names).concepts  # either of the two
    assert {c.person for c in sasha.alternatives} == {3, 4}
    assert [c.person for c in engine.reader.read("Саша Иванова", names=names).concepts] == [4]


def test_names_join_the_other_words(engine) -> None:
    names = _names(engine, "Мама", "Папа")
    plan = engine.reader.read("мама и папа на море", names=names)
    assert [c.person for c in plan.concepts if c.kind == "person"] == [1, 2]
    assert any(c.rule is not None and c.rule.concept == "море" for c in plan.concepts)
    plan = engine.reader.read("кошка без мамы", names=names)
    (mama,) = [c for c in plan.concepts if c.kind == "person"]
    assert mama.negated


def test_without_names_the_words_for_people_are_what_faces_show(engine) -> None:
    for query, concept in (("женщина", "woman"), ("мама", "woman"), ("дети", "child"),
                           ("девушки", "young_woman"), ("бабушка", "old_woman"),
                           ("двое", "two"), ("толпа", "crowd"), ("много людей", "crowd"),
                           ("куча народу", "crowd"), ("селфи", "selfie"),
                           ("women", "woman"), ("семья", "group"), ("с друзьями", "group"),
                           ("крупный план", "portrait"), ("сестрёнка", "girl"),
                           ("братик", "boy")):
        (read,) = engine.reader.read(query).concepts
        assert read.kind == "thing", query
        assert read.relevance[photo_concept(concept)] == 1.0, query
    # «человек» is any person, not a face's concept
    (person,) = engine.reader.read("человек").concepts
    assert not np.any(person.relevance[FACES.first:FACES.end])


def test_a_number_before_people_counts_them_before_things_it_is_left_out(engine) -> None:
    for query, count, who in (("две женщины", "two", "woman"), ("трое детей", "three", "child"),
                              ("двое мужчин", "two", "man"), ("пять человек", "group", None),
                              ("одна девушка", "one", "young_woman"),
                              ("2 человека", "two", None), ("10 детей", "group", "child")):
        counted, people = engine.reader.read(query).concepts
        assert counted.relevance[photo_concept(count)] == 1.0, query
        if who is not None:
            assert people.relevance[photo_concept(who)] == 1.0, query
    # no signal counts dogs: «две собаки» are dogs, and «пара» is no couple of people here
    for query, number in (("две собаки", "две"), ("пара собак", "пара")):
        plan = engine.reader.read(query)
        (dogs,) = plan.concepts
        assert not np.any(dogs.relevance[FACES.first:FACES.end]), query
        assert plan.unknown == (number,)
    # alone, the number words keep their own meaning
    (couple,) = engine.reader.read("пара").concepts
    assert couple.relevance[photo_concept("two")] == 1.0
