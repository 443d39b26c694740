"""vocab.rules and vocab.kinds: the scene and activity rows and the kinds of things load,
name real classes, and give every word one meaning."""

from __future__ import annotations

import pytest

from daemon.query.vocab import VocabularyError
from daemon.query.vocab.kinds import load_kinds
from daemon.query.vocab.rules import COLUMNS, load_rules

HEADER = "\t".join(COLUMNS) + "\n"


@pytest.fixture(scope="module")
def rules(vocabulary):
    return load_rules(vocabulary)


def test_the_scenes_and_activities_the_users_type_are_there(rules) -> None:
    concepts = {rule.concept for rule in rules}
    scenes = {"кухня", "ванная", "спальня", "гостиная", "офис", "улица", "город", "дорога",
              "парковка", "вокзал", "аэропорт", "порт", "парк", "зоопарк", "ферма", "поле",
              "лес", "горы", "пляж", "море", "река", "озеро", "небо", "зима", "стадион",
              "теннисный корт", "ресторан", "магазин", "рынок"}
    activities = {"кататься", "есть", "спать", "лежать", "лететь", "плавать", "играть",
                  "работать", "готовить", "читать", "звонить", "фотографировать"}
    assert scenes <= concepts and activities <= concepts
    assert len(rules) >= 80


def test_one_weak_hint_can_never_make_a_rule(rules) -> None:
    for rule in rules:
        assert any(e.weight >= 0.3 for e in rule.evidence) or rule.needs, rule.concept


def test_every_word_asks_for_one_concept(rules, analyzer) -> None:
    owner: dict[tuple[str, ...], str] = {}
    clashes = []
    for rule in rules:
        for word in (*rule.words, *rule.english):
            key = analyzer.phrase_key(word)
            if owner.setdefault(key, rule.concept) != rule.concept:
                clashes.append((word, owner[key], rule.concept))
    assert clashes == []


def test_evidence_by_name_and_by_group_both_count(rules) -> None:
    sleep = next(rule for rule in rules if rule.concept == "спать")
    dogs = [alt for need in sleep.needs for alt in need if alt.term == "собака"]
    assert dogs and dogs[0].relevance[1016] == 1.0  # the COCO dog, by name
    assert dogs[0].relevance[208] == 1.0  # and the Labrador, by the group «собака»


def test_a_term_that_names_nothing_is_an_error(tmp_path, vocabulary) -> None:
    (tmp_path / "scenes.tsv").write_text(
        HEADER + "кухня\t\tkitchen\tплита 1;самогонный аппарат 0.5\t\t\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="самогонный аппарат"):
        load_rules(vocabulary, tmp_path)


def test_a_weight_out_of_range_is_an_error(tmp_path, vocabulary) -> None:
    (tmp_path / "scenes.tsv").write_text(HEADER + "кухня\t\t\tплита 2\t\t\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="weight"):
        load_rules(vocabulary, tmp_path)


def test_kinds_must_mean_a_vocabulary_term(tmp_path) -> None:
    (tmp_path / "kinds.tsv").write_text("words\tmeans\tnote\nголубь;голуби\tптица\t\n",
                                        encoding="utf-8")
    assert load_kinds({"птица"}, tmp_path) == {"голубь": "птица", "голуби": "птица"}
    with pytest.raises(VocabularyError, match="kinds.tsv:2"):
        load_kinds({"собака"}, tmp_path)


def test_a_scene_can_be_hinted_at_by_the_photo_s_colour(rules) -> None:
    from daemon.signals.colours import TERMS, photo_concept

    sky = next(rule for rule in rules if rule.concept == "небо")
    light_blue = next(e for e in sky.evidence if e.term == "голубой")
    assert light_blue.relevance[photo_concept(TERMS.index("голубой"))] == 1.0
    forest = next(rule for rule in rules if rule.concept == "лес")
    green = next(e for e in forest.evidence if e.term == "зелёный")
    assert green.weight <= 0.25  # green alone is a park, a field, a lawn: never a forest


def test_a_photo_of_the_sky_answers_nebo_by_its_colour(tmp_path, engine) -> None:
    from PIL import Image

    from daemon.index.indexer import Indexer
    from daemon.index.matrix import load_matrix
    from daemon.index.store import Store
    from daemon.signals.colours import Colours

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (400, 300), (135, 200, 240)).save(folder / "sky.jpg")  # clear sky
    Image.new("RGB", (400, 300), (200, 60, 40)).save(folder / "brick.jpg")
    colours = Colours()
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, [colours]).index_folder(folder)
        matrix = load_matrix(store, {colours.model_id: colours.concepts})
    assert [r.path.rsplit("/", 1)[1] for r in engine.search("небо", matrix).results] == ["sky.jpg"]


def test_grass_is_grass_not_a_lawn_mower(engine) -> None:
    for query in ("трава", "на траве", "газон", "grass"):
        plan = engine.understand(query)
        assert [c.rule.concept for c in plan.concepts if c.rule] == ["трава"], query
    (mower,) = engine.understand("газонокосилка").concepts
    assert mower.rule is None and mower.kind == "thing"


def test_green_grass_finds_cows_on_a_pasture(tmp_path, engine, detector) -> None:
    from conftest import index_coco_photos

    from daemon.signals.colours import Colours

    _, matrix = index_coco_photos(tmp_path, {
        "000000357081.jpg": "коровы.jpg",  # two cows on a green pasture
        "000000086408.jpg": "кухня.jpg",  # a kitchen
        "000000000650.jpg": "кот.jpg",  # a cat on a car
    }, [detector, Colours(detector.model_id)])
    found = [r.path.rsplit("/", 1)[1] for r in engine.search("зелёная трава", matrix).results]
    assert found[:1] == ["коровы.jpg"] and "кот.jpg" not in found


def _class_named(vocabulary, english: str) -> int:
    return next(e.index for e in vocabulary.classes if e.english.split(",")[0] == english)


@pytest.mark.parametrize(("concept", "term", "wrong"), [
    ("сад", "тачка", "cab"),  # the garden's wheelbarrow, not the slang word for a car
    ("море", "лайнер", "airliner"),  # an ocean liner, not a plane
    ("плыть", "лайнер", "airliner"),
    ("город", "кинотеатр", "home theater"),  # a cinema, not a living room's TV
    ("лес", "кабан", "hog"),  # the wild boar, not the farm pig
    ("стрелять", "автомат", "vending machine"),  # the rifle, not a coffee machine
])
def test_evidence_names_only_the_thing_it_means(rules, vocabulary, concept: str, term: str,
                                                wrong: str) -> None:
    """A word of the evidence can also be a synonym or a group word of something else;
    the rule must not count that too."""
    rule = next(r for r in rules if r.concept == concept)
    (evidence,) = [e for e in rule.evidence if e.term == term]
    assert evidence.relevance[_class_named(vocabulary, wrong)] == 0


def test_a_birthday_is_not_christmas_or_halloween(rules, engine) -> None:
    birthday = next(r for r in rules if r.concept == "день рождения")
    assert {e.term for e in birthday.evidence}.isdisjoint(
        {"тыква на хэллоуин", "рождественский носок"})
    for query in ("рождество", "хэллоуин", "holiday"):
        assert all(c.rule is None or c.rule.concept != "день рождения"
                   for c in engine.understand(query).concepts), query
    (party,) = engine.understand("корпоратив").concepts
    assert party.rule is not None and party.rule.concept == "праздновать"
