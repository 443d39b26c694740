"""The faces signal on real photos: where the faces are, women, men, children, how many,
who (a descriptor that two photos of one person share), and only where there is a person."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from face_photos import photos_of, side_by_side
from PIL import Image

from daemon.index.store import SparseTags
from daemon.signals.decode import decode_bytes, decode_photo
from daemon.signals.faces import (
    FACE_BOX,
    PHOTO_CONCEPTS,
    Faces,
    face_rows,
    photo_scores,
    stored_faces,
)

COCO_IMAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "coco" / "images"


@pytest.fixture(scope="module")
def faces() -> Faces:
    return Faces(None)


def _scores(faces: Faces, path: Path) -> dict[str, float]:
    photo = decode_photo(path)
    return photo_scores(faces.look(photo.image), photo.image.size)


def test_a_real_photo_with_a_face_gives_a_face_with_its_box(faces: Faces) -> None:
    photo = decode_photo(photos_of("Katy_Perry")[0])
    (reading,) = faces.look(photo.image)
    x1, y1, x2, y2 = reading.face.box
    width, height = photo.image.size
    # the face is in the upper middle of this portrait, about a third of its width
    assert 0.3 < (x1 + x2) / 2 / width < 0.7 and 0.2 < (y1 + y2) / 2 / height < 0.5
    assert 0.25 < (x2 - x1) / width < 0.6
    assert reading.face.score > 0.8 and reading.descriptor is not None
    assert reading.descriptor.shape == (128,)


def test_women_and_men_are_told_apart(faces: Faces) -> None:
    for path in photos_of("Katy_Perry")[:3]:
        scores = _scores(faces, path)
        assert scores["woman"] > 0.6 > scores["man"], path
    for path in photos_of("Barack_Obama")[:3]:
        scores = _scores(faces, path)
        assert scores["man"] > 0.6 > scores["woman"], path


def test_a_baby_is_a_child_not_a_woman(faces: Faces) -> None:
    # COCO 12448: "A baby is laying down with a teddy bear."
    scores = _scores(faces, COCO_IMAGES / "000000012448.jpg")
    assert scores["child"] > 0.5 and scores["baby"] > 0.3
    assert scores["woman"] < scores["child"] and scores["man"] < scores["child"]


def _dlib_reading(faces: Faces, path: Path) -> tuple[float, np.ndarray]:
    """dlib's networks alone on the largest face of a photo: (probability male, ages)."""
    image = decode_photo(path).image
    pixels = np.asarray(image)
    largest = faces.look(image)[0].face
    male, ages = faces.dlib_attributes.read(pixels, faces.shapes.place(pixels, [largest]))
    return float(male[0]), ages[0]


def test_dlib_reads_gender_and_age_on_its_own(faces: Faces) -> None:
    # The second reader, averaged with FaceRes: its chips are small, so a small face is
    # read as well as a portrait.
    perry_male, perry_ages = _dlib_reading(faces, photos_of("Katy_Perry")[0])
    obama_male, obama_ages = _dlib_reading(faces, photos_of("Barack_Obama")[0])
    assert perry_male < 0.2 < 0.8 < obama_male
    assert perry_ages[:13].sum() < 0.05 and obama_ages[:13].sum() < 0.05
    assert abs(perry_ages.sum() - 1) < 1e-3  # a distribution over 0..99
    # COCO 7088: "A little girl is holding an umbrella on a wet day." Her face is 34 px.
    girl_male, girl_ages = _dlib_reading(faces, COCO_IMAGES / "000000007088.jpg")
    assert girl_ages[:13].sum() > 0.8 and girl_male < 0.5


def test_two_photos_of_one_person_share_a_descriptor_and_others_do_not(faces: Faces) -> None:
    def descriptor(path: Path) -> np.ndarray:
        readings = faces.look(decode_photo(path).image)
        assert readings[0].descriptor is not None
        return readings[0].descriptor

    obama = [descriptor(p) for p in photos_of("Barack_Obama")[:2]]
    perry = descriptor(photos_of("Katy_Perry")[0])
    same = np.linalg.norm(obama[0] - obama[1])
    assert same < 0.5 < np.linalg.norm(obama[0] - perry)


def test_people_side_by_side_are_counted(faces: Faces, tmp_path: Path) -> None:
    two = side_by_side(tmp_path / "two.jpg", [photos_of("Barack_Obama")[0],
                                              photos_of("Katy_Perry")[0]])
    three = side_by_side(tmp_path / "three.jpg", [photos_of("Barack_Obama")[0],
                                                  photos_of("Katy_Perry")[0],
                                                  photos_of("Kofi_Annan")[0]])
    scores_two, scores_three = _scores(faces, two), _scores(faces, three)
    assert scores_two["two"] == 1.0 and scores_two["three"] == 0.0
    assert scores_three["three"] == 1.0 and scores_three["group"] == pytest.approx(1 / 3)
    assert scores_two["woman"] > 0.5 and scores_two["man"] > 0.5
    assert _scores(faces, photos_of("Katy_Perry")[1])["one"] == 1.0


def test_rows_keep_each_face_its_box_gender_age_and_descriptor(faces: Faces,
                                                                  tmp_path: Path) -> None:
    path = side_by_side(tmp_path / "two.jpg", [photos_of("Barack_Obama")[0],
                                               photos_of("Katy_Perry")[0]])
    photo = decode_photo(path)
    readings = faces.look(photo.image)
    rows = face_rows(readings, photo.image.size)
    back = SparseTags.from_blobs(*rows.to_blobs())  # as the index keeps them
    stored = stored_faces(back)
    assert len(stored) == len(readings) == 2
    for reading, face in zip(readings, stored, strict=True):
        assert face.descriptor is not None and reading.descriptor is not None
        assert np.abs(face.descriptor - reading.descriptor).max() < 0.003
        assert abs(face.male - reading.male) < 0.01 and abs(face.age - reading.age) < 0.5
        assert face.box[0] < face.box[2] <= 1.0
    two = PHOTO_CONCEPTS.index("two")
    assert back.probs[back.classes.tolist().index(two)] == 1.0


def test_people_whose_faces_are_not_seen_are_counted_by_the_detector(detector) -> None:
    # COCO 341719: "A group of people riding skis across a snow covered slope." From
    # behind and far: no face is found, the detector sees the skiers.
    skiers = decode_photo(COCO_IMAGES / "000000341719.jpg")
    found = {detector.model_id: detector.read(skiers, {})}
    rows = Faces(detector.model_id).read(skiers, found)
    scores = dict(zip((PHOTO_CONCEPTS[c] for c in rows.classes.tolist()
                       if c < len(PHOTO_CONCEPTS)), rows.probs.tolist(), strict=False))
    assert FACE_BOX not in rows.classes.tolist()
    assert scores["group"] > 0.5 and scores.get("one", 0.0) < 0.3


def test_how_surely_people_are_counted_grows_with_how_surely_they_are_seen() -> None:
    size = (640, 480)
    assert photo_scores([], size, [0.9, 0.8])["two"] == 1.0
    assert photo_scores([], size, [0.9, 0.8])["group"] == 0.0
    doubtful = photo_scores([], size, [0.9, 0.8, 0.3])  # a third, barely
    assert 0.0 < doubtful["group"] < 0.5 < doubtful["two"] < 1.0
    assert photo_scores([], size, [0.9, 0.1])["one"] == 1.0  # noise is no second person
    crowd = photo_scores([], size, [0.9] * 6)
    assert crowd["crowd"] == 1.0 and crowd["group"] == 1.0 and crowd["three"] == 0.0


def test_a_group_is_surer_the_more_people_it_has() -> None:
    size = (640, 480)
    groups = [photo_scores([], size, [0.9] * people)["group"] for people in range(2, 8)]
    assert groups == sorted(groups) and groups[0] == 0.0 and 0.0 < groups[1] < groups[2]
    assert groups[3:] == [1.0, 1.0, 1.0]  # five people and more: a group for sure


def test_the_small_faces_of_a_large_group_photo_are_read_from_a_larger_decode(
        detector, tmp_path: Path) -> None:
    # Six real people side by side across a 3000 × 2250 JPEG: decoded for the models at
    # 375 × 282, their faces are 20-27 px, too small to say who; decoded again at twice
    # the size they are not.
    people = ["Barack_Obama", "Katy_Perry", "Kofi_Annan", "Meryl_Streep", "George_Clooney",
              "Halle_Berry"]
    row = side_by_side(tmp_path / "row.jpg", [photos_of(p)[0] for p in people])
    with Image.open(row) as image:
        strip = image.resize((3000, round(image.height * 3000 / image.width)))
    canvas = Image.new("RGB", (3000, 2250), (118, 132, 108))
    canvas.paste(strip, (0, (2250 - strip.height) // 2))
    canvas.save(tmp_path / "group.jpg", quality=90)
    photo = decode_bytes((tmp_path / "group.jpg").read_bytes())
    assert max(photo.image.size) < 400
    found = {detector.model_id: detector.read(photo, {})}
    faces = Faces(detector.model_id)
    small = stored_faces(faces.read(dataclasses.replace(photo, data=b""), found))
    sharp = stored_faces(faces.read(photo, found))
    assert len(small) == len(sharp) >= 5  # the same faces, found in the small image
    assert sum(f.descriptor is not None for f in small) <= 1
    described = [f for f in sharp if f.descriptor is not None]
    assert len(described) >= 4
    # each is, of the six, most like another photo of the person placed there
    widths = []
    for person in people:
        with Image.open(photos_of(person)[0]) as image:
            widths.append(image.width / image.height)
    ends = np.cumsum(widths) / sum(widths)
    portraits = np.stack([faces.look(decode_photo(photos_of(p)[1]).image)[0].descriptor
                          for p in people])
    for face in described:
        slot = int(np.searchsorted(ends, (face.box[0] + face.box[2]) / 2))
        nearest = np.linalg.norm(portraits - face.descriptor, axis=1).argmin()
        assert people[nearest] == people[slot]


def test_a_photo_without_a_person_is_not_looked_at(detector) -> None:
    faces = Faces(detector.model_id)
    cat = decode_bytes((COCO_IMAGES / "000000000650.jpg").read_bytes())  # a cat on a car
    found = {detector.model_id: detector.read(cat, {})}
    rows = faces.read(cat, found)
    assert rows.classes.size == 0  # the detector saw no person: no face is looked for
    person = decode_photo(photos_of("Kofi_Annan")[0])
    rows = faces.read(person, {detector.model_id: detector.read(person, {})})
    assert FACE_BOX in rows.classes.tolist() and rows.vector is not None
