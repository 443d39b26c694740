"""search: Russian words reach the right classes; breeds add up; AND; cut-off; why."""

from __future__ import annotations

import numpy as np
import pytest

from daemon.index.matrix import TagMatrix
from daemon.index.store import SparseTags

TABBY, SIAMESE, STUDIO_COUCH, SCHOOL_BUS, TROLLEYBUS = 281, 284, 831, 779, 874
LABRADOR, GOLDEN, BEAGLE = 208, 207, 162


def _matrix(rows: dict[str, dict[int, float]]) -> TagMatrix:
    matrix = TagMatrix()
    for photo_id, (path, tags) in enumerate(rows.items()):
        classes = np.array(list(tags), np.uint16)
        matrix.put(photo_id, path, SparseTags(classes, np.array(list(tags.values()), np.float32)))
    return matrix


def _paths(response) -> list[str]:
    return [r.path for r in response.results]


def test_everyday_words_and_forms_find_cats(engine) -> None:
    matrix = _matrix({"cat.jpg": {TABBY: 0.6}, "bus.jpg": {SCHOOL_BUS: 0.9}})
    for query in ("кошка", "котик", "котиков", "кот", "КОШКИ"):
        assert _paths(engine.search(query, matrix)) == ["cat.jpg"], query


def test_typo_is_corrected_and_shown(engine) -> None:
    matrix = _matrix({"dog.jpg": {LABRADOR: 0.7}, "cat.jpg": {TABBY: 0.7}})
    response = engine.search("сабака", matrix)
    assert _paths(response) == ["dog.jpg"]
    assert "сабака → собака" in response.plan.describe()


def test_breeds_add_up_to_dog(engine) -> None:
    # Spread over three breeds, the dog outweighs a photo with one confident cat class.
    matrix = _matrix({"dog.jpg": {LABRADOR: 0.3, GOLDEN: 0.3, BEAGLE: 0.3},
                      "cat.jpg": {TABBY: 0.5}})
    assert _paths(engine.search("собака", matrix)) == ["dog.jpg"]
    assert _paths(engine.search("животные", matrix)) == ["dog.jpg", "cat.jpg"]


def test_hypernym_groups(engine) -> None:
    matrix = _matrix({"trolley.jpg": {TROLLEYBUS: 0.8}, "cat.jpg": {TABBY: 0.8}})
    assert _paths(engine.search("транспорт", matrix)) == ["trolley.jpg"]


def test_multi_word_query_acts_as_and(engine) -> None:
    matrix = _matrix({
        "cat_on_couch.jpg": {TABBY: 0.4, STUDIO_COUCH: 0.4},
        "cat.jpg": {TABBY: 0.9},
        "couch.jpg": {STUDIO_COUCH: 0.9},
    })
    response = engine.search("кошка на диване", matrix)
    assert _paths(response) == ["cat_on_couch.jpg"]
    assert len(response.plan.concepts) == 2
    why = response.results[0].why
    assert why[0].startswith("кошка ←") and why[1].startswith("диван ←")


def test_phrase_is_matched_as_one_concept(engine) -> None:
    plan = engine.understand("обеденный стол")
    assert len(plan.concepts) == 1
    assert plan.concepts[0].relevance[532] == 1.0  # dining table


def test_weak_matches_fall_under_the_cut_off(engine) -> None:
    matrix = _matrix({"cat.jpg": {TABBY: 0.8}, "barely.jpg": {TABBY: 0.001, SCHOOL_BUS: 0.9}})
    assert _paths(engine.search("кошка", matrix)) == ["cat.jpg"]


def test_without_a_detector_imagenet_scores_count_in_full(engine) -> None:
    # «кошка» also names COCO's cat; beside detections the ImageNet score is weighted
    # 0.3, but an index made with `detector = false` has none, so it counts in full.
    rows = {"cat.jpg": {TABBY: 0.6}, "faint.jpg": {TABBY: 0.02, SCHOOL_BUS: 0.9}}
    response = engine.search("кошка", _matrix(rows))
    assert _paths(response) == ["cat.jpg", "faint.jpg"]
    assert response.results[0].score == pytest.approx(0.6, abs=1e-3)
    coco_car = 1000 + 2
    rows["car.jpg"] = {coco_car: 0.9}  # the index has detections now
    response = engine.search("кошка", _matrix(rows))
    assert _paths(response) == ["cat.jpg"]  # 0.3 × 0.02 is under the cut-off
    assert response.results[0].score == pytest.approx(0.3 * 0.6, abs=1e-3)


def test_results_explain_why(engine) -> None:
    matrix = _matrix({"cat.jpg": {TABBY: 0.62, SIAMESE: 0.2}})
    result = engine.search("кошка", matrix).results[0]
    assert result.why[0] == "кошка ← tabby 0.62"
    assert len(result.why) == 2


def test_explanations_leave_out_reasons_that_round_to_zero(engine) -> None:
    matrix = _matrix({"cat.jpg": {TABBY: 0.9, SIAMESE: 0.002}})
    assert engine.search("кошка", matrix).results[0].why == ("кошка ← tabby 0.90",)


def test_unknown_words_are_reported_not_guessed(engine) -> None:
    matrix = _matrix({"cat.jpg": {TABBY: 0.8}})
    response = engine.search("кошка квазар", matrix)
    assert response.plan.unknown == ("квазар",)
    assert _paths(response) == ["cat.jpg"]
    nothing = engine.search("шмяквазар", matrix)
    assert nothing.results == () and nothing.plan.concepts == ()


def test_people_are_inferred_from_what_they_wear(engine) -> None:
    jersey = 610
    matrix = _matrix({"player.jpg": {jersey: 0.7}, "bus.jpg": {SCHOOL_BUS: 0.9}})
    assert _paths(engine.search("человек", matrix)) == ["player.jpg"]
    assert _paths(engine.search("люди", matrix)) == ["player.jpg"]


def test_cat_on_a_couch_in_real_photos(tmp_path, tagger, engine) -> None:
    """The README's first query, on real COCO photos: the cat on the couch comes first."""
    import shutil

    from conftest import COCO_IMAGES

    from daemon.index.indexer import Indexer
    from daemon.index.matrix import load_matrix
    from daemon.index.store import Store

    folder = tmp_path / "photos"
    folder.mkdir()
    names = {"000000000599.jpg": "cat_on_couch.jpg", "000000000650.jpg": "cat.jpg",
             "000000000711.jpg": "couch_only.jpg", "000000000074.jpg": "dog.jpg"}
    for source, target in names.items():
        shutil.copy(COCO_IMAGES / source, folder / target)
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, tagger).index_folder(folder)
        matrix = load_matrix(store, tagger.model_id)
    response = engine.search("кошка на диване", matrix)
    assert _paths(response)[0].endswith("cat_on_couch.jpg")
    assert not any(p.endswith("dog.jpg") for p in _paths(response))


def test_the_detector_finds_what_imagenet_has_no_class_for(tmp_path, tagger, detector,
                                                           engine) -> None:
    """People and giraffes: no ImageNet class, found by the COCO detector, and the
    explanation says so."""
    import shutil

    from conftest import clear_photo, coco_with

    from daemon.index.indexer import Indexer
    from daemon.index.matrix import load_matrix
    from daemon.index.store import Store

    folder = tmp_path / "photos"
    folder.mkdir()
    people = coco_with("person", alone=True, count=2)
    giraffes = coco_with("giraffe", alone=True, count=2)
    for photo in people + giraffes + [clear_photo("cat")]:
        shutil.copy(photo, folder / photo.name)
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, [tagger, detector]).index_folder(folder)
        matrix = load_matrix(store, {tagger.model_id: 0, detector.model_id: 1000})
    for query, expected in (("человек", people), ("жирафы", giraffes)):
        response = engine.search(query, matrix)
        top = [path.split("/")[-1] for path in _paths(response)[:2]]
        assert sorted(top) == sorted(p.name for p in expected), query
        assert "детектор" in response.results[0].why[0]


def test_a_group_seen_from_behind_is_a_group(tmp_path, detector, engine) -> None:
    """How many people a photo shows is known from the people the detector saw as well
    as from faces: skiers from behind, with no face found, answer «групповое фото»."""
    from conftest import index_coco_photos

    from daemon.signals.faces import Faces

    # 341719: "A group of people riding skis across a snow covered slope."
    # 343803: "A man has a frisbee in his hand and is standing up."
    group, alone = "000000341719.jpg", "000000343803.jpg"
    folder, matrix = index_coco_photos(tmp_path, {group: group, alone: alone},
                                       [detector, Faces(detector.model_id)])
    for query in ("групповое фото", "много людей"):
        assert _paths(engine.search(query, matrix))[:1] == [str(folder / group)], query
    assert _paths(engine.search("один человек", matrix))[:1] == [str(folder / alone)]


def test_warm_walls_are_no_sunset(tmp_path, detector, engine) -> None:
    """The pixels of a sunset (the top of the photo warm, coloured and bright) are also
    those of a room in lamplight; a photo with a toilet or a couch is no sunset."""
    from conftest import index_coco_photos

    from daemon.signals.colours import Colours

    bathroom, beach = "000000125059.jpg", "000000334719.jpg"  # beige tiles; evening sand
    folder, matrix = index_coco_photos(tmp_path, {bathroom: bathroom, beach: beach},
                                       [detector, Colours(detector.model_id)])
    assert _paths(engine.search("закат", matrix)) == [str(folder / beach)]
    assert str(folder / bathroom) in _paths(engine.search("унитаз", matrix))


def test_a_cat_of_two_colours_and_a_photo_without_colour(tmp_path, detector, engine) -> None:
    """«чёрно-белая кошка» is a black and white cat; «чёрно-белое фото кошки» a photo with
    no colour; «красно-белый», «сине-жёлтый» are two colours the same way."""
    from conftest import COCO_IMAGES, index_coco_photos
    from PIL import Image

    from daemon.signals.colours import Colours

    # 261706: "A black and white cat laying on a couch."; 119828: a black cat on a desk
    two_colours, black = "000000261706.jpg", "000000119828.jpg"
    grey = Image.open(COCO_IMAGES / black).convert("L").convert("RGB")
    folder, matrix = index_coco_photos(tmp_path, {two_colours: two_colours, black: black},
                                       [detector, Colours(detector.model_id)],
                                       made={"grey.jpg": grey})
    grey = folder / "grey.jpg"
    found = _paths(engine.search("чёрно-белая кошка", matrix))
    assert found[0] == str(folder / two_colours)
    assert str(folder / black) not in found  # a black cat has no white
    assert _paths(engine.search("чёрная кошка", matrix))[0] in (str(folder / black), str(grey))
    assert _paths(engine.search("чёрно-белое фото кошки", matrix)) == [str(grey)]
    assert "чёрный и белый" in engine.understand("кот черно-белый").describe()
    assert "красный и белый" in engine.understand("красно-белый автобус").describe()


# COCO classes (the detector) in the shared class space
PERSON, COCO_DOG, COCO_CAT, SKIS = 1000, 1016, 1015, 1030
BOWL, CUP, OVEN, MICROWAVE, SINK, FRIDGE = 1045, 1041, 1069, 1068, 1071, 1072


def test_dog_without_people_leaves_out_the_dog_with_a_person(engine) -> None:
    matrix = _matrix({"dog_and_owner.jpg": {COCO_DOG: 0.8, PERSON: 0.9, LABRADOR: 0.5},
                      "dog.jpg": {COCO_DOG: 0.6, LABRADOR: 0.4},
                      "faint_person.jpg": {COCO_DOG: 0.7, PERSON: 0.25},
                      # a tenth of a person: the noise of an empty street, not a person
                      "noise.jpg": {COCO_DOG: 0.5, PERSON: 0.12}})
    for query in ("собака без людей", "собака -человек", "собака кроме людей",
                  "dog without people", "только собака"):
        response = engine.search(query, matrix)
        assert _paths(response) == ["dog.jpg", "noise.jpg"], query
    response = engine.search("собака без людей", matrix)
    assert response.excluded == (("людей", 2),)
    assert response.to_json()["excluded"] == [{"concept": "людей", "photos": 2}]
    assert _paths(engine.search("собака", matrix))[0] == "dog_and_owner.jpg"


def test_a_kind_no_class_names_is_also_any_bird_the_detector_sees(engine) -> None:
    """«чайка»: no model has a seagull. The seabirds ImageNet knows come first; a bird the
    detector sees, which may be a seagull, after them; not a dog."""
    albatross, coco_bird = 146, 1014
    matrix = _matrix({"albatross.jpg": {albatross: 0.7, coco_bird: 0.6},
                      "some_bird.jpg": {coco_bird: 0.7},
                      "dog.jpg": {COCO_DOG: 0.8}})
    for query in ("чайка", "чайки"):
        assert _paths(engine.search(query, matrix)) == ["albatross.jpg", "some_bird.jpg"]


def test_or_finds_either(engine) -> None:
    """«кошка или собака»: photos of either; «и» (or nothing) asks for both."""
    matrix = _matrix({"cat.jpg": {COCO_CAT: 0.8}, "dog.jpg": {COCO_DOG: 0.6},
                      "both.jpg": {COCO_CAT: 0.5, COCO_DOG: 0.5}, "bus.jpg": {SCHOOL_BUS: 0.9}})
    either = engine.search("кошка или собака", matrix)
    assert set(_paths(either)) == {"cat.jpg", "dog.jpg", "both.jpg"}
    assert _paths(either)[0] == "cat.jpg"  # the better of the two counts
    assert either.results[0].why[0] == "кошка ← cat, детектор 0.80"
    assert either.plan.describe() == "кошка или собака"
    assert _paths(engine.search("кошка и собака", matrix)) == ["both.jpg"]
    assert set(_paths(engine.search("cat or dog", matrix))) == {"cat.jpg", "dog.jpg", "both.jpg"}
    # excluded, either of them takes a photo out
    assert _paths(engine.search("без кошек или собак", matrix)) == ["bus.jpg"]


def test_a_negation_alone_returns_the_other_photos(engine) -> None:
    matrix = _matrix({"people.jpg": {PERSON: 0.9}, "cat.jpg": {COCO_CAT: 0.8}})
    assert _paths(engine.search("без людей", matrix)) == ["cat.jpg"]


def test_one_weak_hint_is_not_a_scene(engine) -> None:
    matrix = _matrix({"bowl.jpg": {BOWL: 0.9},
                      "faint_cup_and_bowl.jpg": {BOWL: 0.3, CUP: 0.3},
                      "oven.jpg": {OVEN: 0.6},
                      "kitchen.jpg": {MICROWAVE: 0.5, SINK: 0.4, FRIDGE: 0.5, BOWL: 0.5}})
    response = engine.search("кухня", matrix)
    assert set(_paths(response)) == {"oven.jpg", "kitchen.jpg"}
    assert _paths(response)[0] == "kitchen.jpg"  # more evidence ranks higher
    assert response.results[0].why[0].startswith("кухня ← ")


def test_an_activity_needs_its_actor(engine) -> None:
    matrix = _matrix({"skier.jpg": {SKIS: 0.7, PERSON: 0.9}, "skis.jpg": {SKIS: 0.9}})
    for query in ("катается на лыжах", "катаются", "катался"):
        assert _paths(engine.search(query, matrix)) == ["skier.jpg"], query


def test_a_word_for_a_scene_takes_over_a_class_synonym(engine) -> None:
    # «пляж» was a synonym of the ImageNet seashore class; as a scene it still finds it
    seashore = 978
    matrix = _matrix({"shore.jpg": {seashore: 0.6}, "cat.jpg": {TABBY: 0.9}})
    assert _paths(engine.search("пляж", matrix)) == ["shore.jpg"]
    assert _paths(engine.search("beach", matrix)) == ["shore.jpg"]
