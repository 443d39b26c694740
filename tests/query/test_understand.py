"""understand: how a query is read — scenes and activities, verb forms, negation, English,
the wrong keyboard layout, kinds of things — and how the reading is shown."""

from __future__ import annotations

import numpy as np
import pytest

from daemon.signals.colours import TERMS, photo_concept

COCO_CAR = 1002  # the detector's «car» in the shared concept space


@pytest.fixture(scope="module")
def read(engine):
    return engine.understand


def _wanted(plan) -> list[str]:
    return [c.rule.concept if c.rule else c.understood for c in plan.wanted]


def test_scene_words_in_any_case_are_scenes(read) -> None:
    for query in ("кухня", "на кухне", "kitchen", "kitchens"):
        plan = read(query)
        assert [c.rule.concept for c in plan.concepts if c.rule] == ["кухня"], query
    assert read("кухня").describe().startswith("кухня ← ")


def test_verb_forms_and_tenses_are_one_activity(read) -> None:
    for query in ("катается", "катаются", "катался", "кататься", "катающийся", "riding"):
        plan = read(query)
        assert len(plan.concepts) == 1 and plan.concepts[0].rule is not None, query
        assert plan.concepts[0].rule.concept == "кататься", query
    for query in ("едят", "ест", "ела", "кушают", "eating"):
        assert read(query).concepts[0].rule.concept == "есть", query


def test_activity_with_its_object_is_two_concepts(read) -> None:
    plan = read("катается на велосипеде")
    assert [c.rule.concept if c.rule else c.text for c in plan.concepts] == [
        "кататься", "велосипеде"]


def test_negation_excludes_and_says_so(read) -> None:
    plan = read("собака без людей")
    assert [c.text for c in plan.wanted] == ["собака"]
    assert [c.text for c in plan.excluded] == ["людей"]
    assert plan.excluded[0].relevance[1000] == 1.0  # the COCO person
    assert "без: " in plan.describe()
    assert [c.text for c in read("кошка -человек").excluded] == ["человек"]
    assert [c.text for c in read("dogs without people").excluded] == ["people"]
    only = read("только собака")
    assert [c.text for c in only.wanted] == ["собака"] and len(only.excluded) == 1
    assert read("только люди").excluded == ()  # people are what is asked for


def test_without_anything_else_a_negation_asks_for_all_other_photos(read) -> None:
    plan = read("без людей")
    assert plan.wanted == () and len(plan.excluded) == 1
    assert plan.describe().startswith("все фото; без: ")


def test_english_words_read_as_the_russian_ones(read, engine) -> None:
    for english, russian in (("cat", "кошка"), ("dogs", "собака"), ("pizza", "пицца"),
                             ("horses", "лошадь"), ("people", "человек")):
        ours = read(english).concepts[0].relevance
        theirs = read(russian).concepts[0].relevance
        # every class the Russian word answers, the English one does too
        assert ((theirs > 0) <= (ours > 0)).all(), english
    assert read("tabby cat").concepts[0].relevance[281] == 1.0
    assert read("beach").concepts[0].rule.concept == "пляж"


def test_a_query_in_the_english_layout_is_read_in_russian(read) -> None:
    plan = read("rjirf")
    assert plan.read_as == "кошка" and plan.concepts[0].text == "кошка"
    assert read("cj,frf yf gkz;t").read_as == "собака на пляже"
    assert read("cat").read_as == ""  # English stays English


def test_kinds_of_things_answer_through_their_group(read) -> None:
    for word, group in (("голубь", "птица"), ("чайка", "птица"), ("воробей", "птица"),
                        ("такса", "собака"), ("иномарка", "машина")):
        plan = read(word)
        assert len(plan.concepts) == 1 and "→" in plan.concepts[0].understood, word
        # the word answers classes of its group, and nothing outside it
        ours = plan.concepts[0].relevance > 0
        assert ours.any() and (ours <= (read(group).concepts[0].relevance > 0)).all(), word


def test_colour_words_do_not_drag_in_red_fish(read) -> None:
    # «красная машина» once matched «красная рыба»: the colour describes the car, which
    # stays a car.
    plan = read("красная машина")
    (car,) = plan.concepts
    assert car.relevance[1002] == 1.0 and car.colour == TERMS.index("красный")
    fish = read("рыба").concepts[0].relevance
    for concept in plan.concepts:
        assert not (concept.relevance[fish > 0] > 0).any(), concept.understood


# --- colours ------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["красная машина", "красную машину", "машина красного цвета",
                                   "красные машины", "машина красная", "красненькая машина"])
def test_a_colour_in_any_form_and_agreement_describes_the_thing(engine, query) -> None:
    (concept,) = engine.understand(query).concepts
    assert concept.colour == TERMS.index("красный")
    assert concept.relevance[COCO_CAR] > 0


@pytest.mark.parametrize(("query", "term"), [
    # forms whose likeliest parse to pymorphy is another word: «синей» is «синь» first
    ("синей машины", "синий"), ("в синей рубашке", "синий"), ("белые машины", "белый"),
    ("рыжей кошки", "оранжевый"), ("алая машина", "красный"),
])
def test_a_colour_is_read_in_forms_pymorphy_takes_for_other_words(engine, query, term) -> None:
    (concept,) = [c for c in engine.understand(query).concepts if c.colour is not None]
    assert concept.colour == TERMS.index(term), query


def test_a_colour_with_no_thing_means_the_photo_s_colour(engine) -> None:
    (concept,) = engine.understand("голубой").concepts
    assert concept.kind == "colour" and concept.colour is None
    assert concept.relevance[photo_concept(TERMS.index("голубой"))] == 1.0
    (concept,) = engine.understand("синий").concepts
    assert concept.relevance[photo_concept(TERMS.index("синий"))] == 1.0


def test_each_colour_goes_to_its_own_thing(engine) -> None:
    cat, car = engine.understand("белый кот и красная машина").concepts
    assert (cat.colour, car.colour) == (TERMS.index("белый"), TERMS.index("красный"))


def test_a_class_named_by_a_colour_stays_that_class(engine) -> None:
    (concept,) = engine.understand("белый медведь").concepts
    assert concept.colour is None and concept.kind == "thing"


def test_light_and_black_and_white_are_concepts_of_the_photo(engine) -> None:
    for query, name in (("чёрно-белое фото", "bw"), ("ночью", "night"), ("закат", "sunset"),
                        ("пасмурно", "dull"), ("фото в темноте", "night"), ("темно", "night"),
                        ("black and white photo", "bw")):
        (concept,) = engine.understand(query).concepts
        assert concept.kind == "light" and concept.relevance[photo_concept(name)] == 1.0, query


@pytest.mark.parametrize(("query", "read_as"), [
    ("рыбная ловля", "рыбачить"),  # not throwing a ball
    ("ловля рыбы", "рыбачить"),
    ("разговаривает по телефону", "звонить"),
    ("океанариум", "подводный мир"),  # fish and reefs, not pandas
    ("горка", "детская площадка"),  # a slide, not a china cabinet
    ("в детском саду", "детская площадка"),  # not a vegetable garden
    ("в походе", "кемпинг"),
    ("на коньках", "каток"),
    ("на остановке", "улица"),
    ("за городом", "природа"),  # out of town: the opposite of «в городе»
    ("в городе", "город"),
])
def test_everyday_words_read_as_a_russian_speaker_means_them(engine, query: str,
                                                             read_as: str) -> None:
    rules = [c.rule.concept for c in engine.understand(query).concepts if c.rule]
    assert rules == [read_as], query


@pytest.mark.parametrize(("query", "kinds"), [
    ("старинный замок", {"thing"}),  # an old castle, not a sepia photo
    ("тонированная машина", {"thing"}),
    ("чёрно-белая кошка", {"thing"}),  # a black-and-white cat, not a black-and-white photo
    ("яркие цвета", {"light"}),
    ("солнечный день", {"light"}),  # «день» is no birthday
])
def test_words_of_a_thing_are_not_read_as_the_photo_s_light(engine, query: str,
                                                            kinds: set[str]) -> None:
    plan = engine.understand(query)
    assert {c.kind for c in plan.concepts} == kinds, plan.describe()
    assert "сепия" not in plan.describe() and "день рождения" not in plan.describe()


def test_bright_colours_are_colourful_not_sunny(engine) -> None:
    assert "разноцветное" in engine.understand("яркие цвета").describe()


@pytest.mark.parametrize(("query", "term"), [
    ("ярко-зелёный", "зелёный"), ("тёмно-красную машину", "красный"),
    ("бледно-розовый", "розовый"), ("насыщенно-синий", "синий"),
    ("светло-синий", "голубой"),  # the file's own word: a light синий is голубой
    ("розоватый", "розовый"),
])
def test_a_shade_with_a_prefix_is_its_colour(engine, query: str, term: str) -> None:
    (concept,) = engine.understand(query).concepts
    assert concept.colour == TERMS.index(term) or concept.relevance[
        photo_concept(TERMS.index(term))] > 0, query


def test_a_crow_is_a_bird_not_the_colour_of_a_black_horse(engine) -> None:
    # pymorphy reads «вороной» (a black horse's coat) as a form of «ворона»
    (crow,) = engine.understand("ворона").concepts
    assert crow.kind == "thing" and "врановые" in crow.understood


COCO_STOP_SIGN = 1011
BREAKWATER, PIER, HAY = 460, 718, 958  # ImageNet classes


@pytest.mark.parametrize(("query", "concept"), [
    ("стоп", COCO_STOP_SIGN), ("знак стоп", COCO_STOP_SIGN), ("мол", BREAKWATER),
    ("мол", PIER), ("тюк сена", HAY), ("тюки", HAY)])
def test_words_pymorphy_takes_for_particles_name_their_things(read, query, concept) -> None:
    plan = read(query)
    assert plan.describe() == query and len(plan.concepts) == 1, plan.describe()
    assert plan.concepts[0].relevance[concept] > 0.5


def test_a_colour_of_two_english_words_is_one_colour(engine) -> None:
    (car,) = engine.understand("light blue car").concepts
    assert car.colour == TERMS.index("голубой")
    (cat,) = engine.understand("black and white cat").concepts
    assert {cat.colour, cat.second_colour} == {TERMS.index("чёрный"), TERMS.index("белый")}


@pytest.mark.parametrize(("form", "word"), [
    # the word's likeliest lemma to pymorphy is another word («ехидна»: «ехидный»)
    ("ехидне", "ехидна"), ("с жирафой", "жирафа"), ("банкой", "банка"),
    # «цветов» is of colours and of flowers: with no colour beside it, flowers
    ("фото цветов", "цветы"), ("с цветами", "цветы"), ("в цветах", "цветы"),
    ("в микроволновой печи", "микроволновая печь"),  # in a phrase too
    ("с воздушным змеем", "воздушный змей"),  # «змей» is «змея» first
])
def test_a_word_in_any_form_reads_as_the_word(read, form: str, word: str) -> None:
    (as_formed,), (as_written,) = read(form).concepts, read(word).concepts
    assert np.array_equal(as_formed.relevance, as_written.relevance), form


def test_the_word_for_colour_beside_a_colour_is_said_of_it(read) -> None:
    (car,) = read("машина красного цвета").concepts
    assert car.colour == TERMS.index("красный")
    cars, colourful = read("машины разных цветов").concepts
    assert colourful.relevance[photo_concept("colourful")] == 1.0
