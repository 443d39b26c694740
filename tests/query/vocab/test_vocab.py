"""vocab: all 1000 classes have Russian words, and WordNet groups reach every member."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from daemon.query.vocab import DATA_DIR, IMPLIED_WEIGHT, load_vocabulary

ROOT = Path(__file__).resolve().parents[3]
IMAGENET = ROOT.parent / "shared" / "data" / "imagenet"
DOG_BREEDS = range(151, 269)


def _words(vocabulary, index: int) -> set[str]:
    return {term.text for term in vocabulary[index].terms}


def test_every_class_has_a_cyrillic_name(vocabulary) -> None:
    assert len(vocabulary) == 1000 + 80  # ImageNet, then the detector's COCO classes
    for entry in vocabulary.classes:
        assert re.search("[а-яё]", entry.name), entry
        assert entry.name == entry.name.lower()


def test_class_files_are_well_formed() -> None:
    for path in sorted(DATA_DIR.glob("classes_*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        assert rows[0] == ["idx", "wnid", "english", "name", "synonyms", "implies"], path
        assert all(len(row) == 6 for row in rows[1:]), path


def test_every_dog_breed_answers_dog_and_animal(vocabulary) -> None:
    for index in DOG_BREEDS:
        words = _words(vocabulary, index)
        assert {"собака", "пёс", "животное"} <= words, vocabulary[index]


def test_vehicles_are_transport_and_fruit_is_food(vocabulary) -> None:
    trolleybus, school_bus, banana, orange = 874, 779, 954, 950
    for index in (trolleybus, school_bus):
        assert "транспорт" in _words(vocabulary, index)
    for index in (banana, orange):
        assert {"фрукт", "еда"} <= _words(vocabulary, index)


def test_everyday_names(vocabulary) -> None:
    assert "кошка" in _words(vocabulary, 281)  # tabby
    assert "ноутбук" in _words(vocabulary, 620)  # laptop
    assert "пульт" in _words(vocabulary, 761)  # remote control


def test_worn_clothing_implies_a_person_weakly(vocabulary) -> None:
    jersey = vocabulary[610]
    person = [t for t in jersey.terms if t.text == "человек"]
    assert person and person[0].weight == IMPLIED_WEIGHT
    assert any(t.text == "женщина" for t in jersey.terms)  # the person group's words


def test_no_person_words_on_animals(vocabulary) -> None:
    for index in list(DOG_BREEDS) + [281, 340]:
        assert "человек" not in _words(vocabulary, index)


@pytest.mark.skipif(not IMAGENET.is_dir(), reason="needs ../shared/data/imagenet")
def test_shipped_hierarchy_matches_wordnet() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_hierarchy",
                                                  ROOT / "tools" / "build_hierarchy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (DATA_DIR / "hierarchy.tsv").read_text(encoding="utf-8")
    assert module.build(IMAGENET) == shipped


def test_class_order_matches_the_model_output_order() -> None:
    import json

    if not IMAGENET.is_dir():
        pytest.skip("needs ../shared/data/imagenet")
    reference = json.loads((IMAGENET / "imagenet1k_dataset_class_info.json").read_text())
    vocabulary = load_vocabulary()
    assert [e.wnid for e in vocabulary.classes[:1000]] == [wnid for _, wnid, _ in reference]


def test_detector_classes_follow_in_coco_order(vocabulary) -> None:
    coco = vocabulary.classes[1000:]
    assert [e.index for e in coco] == list(range(1000, 1080))
    assert all(e.detector for e in coco) and not any(e.detector for e in vocabulary.classes[:1000])
    assert [coco[i].english for i in (0, 15, 16, 23, 79)] == [
        "person", "cat", "dog", "giraffe", "toothbrush"]


_COCO = {"person": 0, "bicycle": 1, "car": 2, "airplane": 4, "bus": 5, "cat": 15, "dog": 16,
         "fork": 42, "couch": 57}


def test_detector_classes_share_the_imagenet_group_words(vocabulary) -> None:
    """One query draws on both models: the COCO dog answers what a dog breed answers."""
    def coco(name: str) -> set[str]:
        return _words(vocabulary, 1000 + _COCO[name])

    beagle = next(e for e in vocabulary.classes if e.english == "beagle")
    assert {"собака", "животное"} <= coco("dog") & _words(vocabulary, beagle.index)
    for vehicle in ("car", "bus", "bicycle", "airplane"):
        assert "транспорт" in coco(vehicle)
    for person_word in ("человек", "люди", "женщина", "ребёнок"):
        assert person_word in coco("person")
    assert {"вилка", "столовые приборы"} <= coco("fork")
    assert "мебель" in coco("couch") and "мебель" not in coco("cat")


@pytest.mark.parametrize(("word", "index", "thing"), [
    ("блины", 422, "barbell"),  # pancakes, not the weight plates
    ("тарелка", 755, "radio telescope"),  # a plate, not a dish antenna
    ("чашка", 712, "Petri dish"),
    ("алкоголь", 968, "cup"),  # WordNet files the teacup under punch
    ("коктейль", 968, "cup"),
    ("звезда", 327, "starfish"),  # «морская звезда» is
    ("песок", 604, "hourglass"),  # sand is a beach, not an hourglass
    ("фонарь", 607, "jack-o'-lantern"),  # a street lamp or a torch
    ("гриф", 422, "barbell"),  # the vulture
    ("кошелёк", 748, "purse"),  # the wallet has its own class
])
def test_a_word_for_another_thing_does_not_answer_with_this_one(vocabulary, word: str,
                                                                 index: int, thing: str) -> None:
    assert vocabulary[index].english.startswith(thing.split(",")[0])
    assert word not in _words(vocabulary, index)
