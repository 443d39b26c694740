"""detector: the shipped COCO-80 model finds people and animals in real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import clear_photo, coco_with
from PIL import Image

from daemon.query.vocab import load_vocabulary
from daemon.signals.decode import decode_photo
from daemon.signals.detector import (
    DEFAULT_SIZE,
    KEEP_SCORE,
    MODEL_FILE,
    MORE_PEOPLE_SCORE,
    NUM_DETECTOR_CLASSES,
    PERSON,
    Detector,
    DetectorError,
    Letterbox,
    detector_model_id,
)

COCO80 = [entry.english for entry in load_vocabulary().classes[1000:]]
COCO_IMAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "coco" / "images"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(DEFAULT_SIZE, threads=2)


def _scores(detector: Detector, path) -> dict[str, float]:
    pixels = detector.preprocess(decode_photo(path).image)
    row = detector.predict([pixels])[0]
    return dict(zip(COCO80, row[:NUM_DETECTOR_CLASSES, 0].tolist(), strict=True))


def test_the_model_ships_inside_the_package() -> None:
    assert MODEL_FILE.is_file()
    assert MODEL_FILE.stat().st_size < 6_000_000  # float16 weights
    assert (MODEL_FILE.parent / "PROVENANCE.md").is_file()


def test_finds_the_person_in_a_photo_of_people(detector: Detector) -> None:
    for path in coco_with("person", alone=True, count=3):
        scores = _scores(detector, path)
        assert max(scores, key=scores.get) == "person", path.name
        assert scores["person"] > 0.3


def test_finds_the_cat_and_no_person_where_there_is_none(detector: Detector) -> None:
    scores = _scores(detector, clear_photo("cat"))  # a cat on a car (COCO labels both)
    assert sorted(scores, key=scores.get)[-2:] in (["cat", "car"], ["car", "cat"])
    assert scores["cat"] > 0.3
    assert scores["person"] < 0.2


def test_a_batch_scores_each_photo_like_alone(detector: Detector) -> None:
    photos = [clear_photo("cat"), clear_photo("bus"), clear_photo("pizza")]
    batch = [detector.preprocess(decode_photo(p).image) for p in photos]
    together = detector.predict(batch)
    alone = np.stack([detector.predict([pixels])[0] for pixels in batch])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    found = [together[row, COCO80.index(name), 0] for row, name in enumerate(["cat", "bus",
                                                                              "pizza"])]
    assert min(found) > 0.3


def test_letterbox_keeps_the_aspect_ratio_and_pads_to_multiples_of_32() -> None:
    wide = Image.new("RGB", (400, 190), (250, 10, 10))
    pixels = Letterbox(64)(wide)
    assert pixels.shape == (32, 64, 3) and pixels.dtype == np.uint8
    assert (pixels[:30, :, 0] > 200).all()  # the photo, scaled to 64 × 30
    assert (pixels[30:] == 0).all()  # the padding below it
    tall = Letterbox(64)(Image.new("RGB", (100, 200), (0, 250, 0)))
    assert tall.shape == (64, 32, 3)


def test_letterbox_averages_when_shrinking_and_blends_when_enlarging() -> None:
    stripes = np.zeros((128, 256, 3), np.uint8)
    stripes[:, ::2] = 255  # one-pixel black and white columns
    shrunk = Letterbox(128)(Image.fromarray(stripes))
    assert np.abs(shrunk.astype(int) - 128).max() <= 1  # each pair of columns averaged
    halves = np.zeros((2, 4, 3), np.uint8)
    halves[:, 2:] = 240
    enlarged = Letterbox(64)(Image.fromarray(halves))[:32, :, 0]
    between = (enlarged > 20) & (enlarged < 220)
    assert between.any(axis=1).all()  # a soft edge in every row, not blocks


def test_tags_keep_only_real_detections_best_first(detector: Detector) -> None:
    scores = np.zeros((80, 5), np.float32)
    scores[[0, 15, 40], 0] = [0.9, 0.5, KEEP_SCORE / 2]
    scores[15, 1:] = [0.1, 0.2, 0.5, 0.4]  # a box in the square input
    tags = detector.to_tags(scores, photo_size=(1000, 500))  # landscape: the top half
    assert tags.classes.tolist() == [0, 15]
    assert tags.probs.tolist() == pytest.approx([0.9, 0.5])
    assert tags.boxes[1].tolist() == pytest.approx([0.1, 0.4, 0.5, 0.8])  # of the photo


def test_the_box_of_a_found_person_lies_on_the_photo(detector: Detector) -> None:
    """A street at night, people only: the best person's box is inside the photo and
    taller than wide, as a standing person is (checked by eye: it frames a passer-by)."""
    path = coco_with("person", alone=True, count=1)[0]
    decoded = decode_photo(path)
    row = detector.predict([detector.preprocess(decoded.image)])[0]
    tags = detector.to_tags(row, (decoded.width, decoded.height))
    person = tags.classes.tolist().index(0)
    x1, y1, x2, y2 = tags.boxes[person]
    assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
    assert (y2 - y1) * decoded.height > 1.5 * (x2 - x1) * decoded.width
    assert (x2 - x1) * (y2 - y1) > 0.005


def _people(detector: Detector, name: str) -> list[tuple[float, np.ndarray]]:
    """(score, box) of each person the detector saw in a COCO photo, surest first."""
    decoded = decode_photo(COCO_IMAGES / name)
    row = detector.predict([detector.preprocess(decoded.image)])[0]
    tags = detector.to_tags(row, (decoded.width, decoded.height))
    people = (tags.classes == PERSON) | (tags.classes >= NUM_DETECTOR_CLASSES)
    return sorted(zip(tags.probs[people].tolist(), tags.boxes[people], strict=True),
                  key=lambda p: -p[0])


def test_people_after_the_first_are_rows_of_their_own(detector: Detector) -> None:
    # COCO 341719: "A group of people riding skis across a snow covered slope."
    group = _people(detector, "000000341719.jpg")
    sure = [(score, box) for score, box in group if score >= 0.25]
    assert len(sure) >= 4
    centres = np.array([((x1 + x2) / 2, (y1 + y2) / 2) for _, (x1, y1, x2, y2) in sure])
    apart = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    assert apart[np.triu_indices(len(sure), 1)].min() > 0.02  # each one another skier
    # COCO 343803: "A man has a frisbee in his hand and is standing up." Him alone.
    (alone,) = _people(detector, "000000343803.jpg")
    assert alone[0] > 0.5 > MORE_PEOPLE_SCORE


def test_the_model_id_names_the_input_size() -> None:
    assert detector_model_id(384) != detector_model_id(512)


@pytest.mark.parametrize("size", [0, 100, 383])
def test_sizes_the_network_cannot_take_are_refused(size: int) -> None:
    with pytest.raises(DetectorError, match="multiple of 32"):
        Detector(size)
