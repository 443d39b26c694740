"""The colour signal: Russian colour terms of pixels, of photos and of detected objects;
black-and-white photos; and the search over it, on real COCO photos with the real models."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import coco_with
from PIL import Image

from daemon.index.indexer import Indexer
from daemon.index.matrix import load_matrix
from daemon.index.store import Store
from daemon.signals.colours import (
    BLACK,
    GREY,
    GREY_CHROMA,
    TERMS,
    WHITE,
    Colours,
    default_table,
    object_concept,
    photo_concept,
)
from daemon.signals.decode import decode_photo

COCO_CAR = 2  # «car» among the COCO-80 classes


def term_of(rgb: tuple[int, int, int]) -> str:
    r, g, b = (c >> 3 for c in rgb)
    return TERMS[default_table().term[(r << 10) | (g << 5) | b]]


@pytest.mark.parametrize(("rgb", "term"), [
    ((220, 20, 20), "красный"), ((255, 140, 0), "оранжевый"), ((250, 220, 0), "жёлтый"),
    ((30, 140, 40), "зелёный"), ((135, 206, 235), "голубой"), ((20, 30, 160), "синий"),
    ((120, 40, 150), "фиолетовый"), ((255, 170, 200), "розовый"), ((130, 75, 30), "коричневый"),
    ((250, 250, 250), "белый"), ((128, 128, 128), "серый"), ((12, 12, 12), "чёрный"),
])
def test_each_basic_colour_term_names_its_focal_colour(rgb, term) -> None:
    assert term_of(rgb) == term


def test_light_blue_and_dark_blue_are_different_words() -> None:
    assert term_of((140, 200, 240)) == "голубой"  # the sky
    assert term_of((25, 40, 120)) == "синий"  # navy


def test_near_grey_pixels_never_count_for_a_chromatic_term() -> None:
    table = default_table()
    greyish = table.chroma < GREY_CHROMA
    assert set(np.unique(table.term[greyish])) <= {WHITE, GREY, BLACK}


def _rows(colours: Colours, image: Image.Image) -> dict[int, float]:
    tags = colours.read(_decoded(image), {})
    return {int(c) + colours.concepts.first: float(p)
            for c, p in zip(tags.classes, tags.probs, strict=True)}


def _decoded(image: Image.Image):
    from daemon.signals.decode import DecodedPhoto

    return DecodedPhoto(image, image.width, image.height, "x")


def test_a_photo_s_shares_follow_its_pixels() -> None:
    image = Image.new("RGB", (400, 300), (220, 20, 20))
    image.paste((20, 30, 160), (0, 0, 100, 300))  # a quarter blue
    rows = _rows(Colours(), image)
    assert rows[photo_concept(TERMS.index("красный"))] == pytest.approx(0.75, abs=0.03)
    assert rows[photo_concept(TERMS.index("синий"))] == pytest.approx(0.25, abs=0.03)
    assert photo_concept("bw") not in rows


def test_a_greyscale_copy_of_a_colour_photo_is_black_and_white_and_the_original_is_not() -> None:
    photo = decode_photo(coco_with("giraffe")[0]).image
    colours = Colours()
    assert _rows(colours, photo.convert("L").convert("RGB"))[photo_concept("bw")] > 0.9
    assert _rows(colours, photo).get(photo_concept("bw"), 0.0) < 0.5


def test_a_night_photo_is_dark_with_a_few_lights() -> None:
    image = Image.new("RGB", (400, 300), (8, 10, 20))
    for x in range(20, 400, 60):
        image.paste((255, 220, 150), (x, 120, x + 12, 132))  # lit windows
    rows = _rows(Colours(), image)
    assert rows.get(photo_concept("night"), 0) > 0.5
    assert rows.get(photo_concept("sunny"), 0) < 0.5
    assert rows.get(photo_concept("bw"), 0) < 0.5  # dark, not black-and-white


# --- the colour of an object inside its box --------------------------------------------------
def _biggest_car(detector) -> tuple[Path, np.ndarray]:
    """The COCO photo whose car the detector finds best and biggest, and that car's box."""
    best = None
    for path in coco_with("car", count=12):
        tags = detector.read(decode_photo(path), {})
        found = np.flatnonzero(tags.classes == COCO_CAR)
        if found.size and tags.probs[found[0]] >= 0.5:
            x1, y1, x2, y2 = tags.boxes[found[0]]
            area = (x2 - x1) * (y2 - y1)
            if best is None or area > best[0]:
                best = (area, path, tags.boxes[found[0]])
    assert best is not None, "no COCO photo with a clearly seen car"
    return best[1], best[2]


def _recoloured(source: Path, box: np.ndarray, hue: int, target: Path) -> Path:
    """The photo with the car's box turned to a hue (strong saturation), the rest as it was."""
    image = Image.open(source).convert("RGB")
    width, height = image.size
    area = (int(box[0] * width), int(box[1] * height), int(box[2] * width),
            int(box[3] * height))
    h, s, v = image.crop(area).convert("HSV").split()
    h = h.point(lambda _: hue)
    s = s.point(lambda value: max(value, 200))
    v = v.point(lambda value: max(value, 90))
    image.paste(Image.merge("HSV", (h, s, v)).convert("RGB"), area[:2])
    image.save(target, quality=92)
    return target


@pytest.fixture(scope="module")
def recoloured_cars(tmp_path_factory, tagger, detector):
    """A real photo of a car, a red copy and a blue copy (hue shifted inside the box only),
    indexed with both models and the colours."""
    folder = tmp_path_factory.mktemp("cars")
    source, box = _biggest_car(detector)
    shutil.copy(source, folder / "original.jpg")
    _recoloured(source, box, 0, folder / "red.jpg")
    _recoloured(source, box, 165, folder / "blue.jpg")  # Pillow's hue: 0..255
    colours = Colours(detector.model_id)
    db = tmp_path_factory.mktemp("index") / "index.sqlite3"
    with Store(db) as store:
        Indexer(store, [tagger, detector, colours]).index_folder(folder)
        matrix = load_matrix(store, {t.model_id: t.concepts for t in (tagger, detector, colours)})
    return matrix


def _names(response) -> list[str]:
    return [Path(r.path).stem for r in response.results]


def test_a_red_car_ranks_first_for_krasnaya_mashina(recoloured_cars, engine) -> None:
    for query in ("красная машина", "красную машину", "машина красного цвета"):
        names = _names(engine.search(query, recoloured_cars))
        assert names and names[0] == "red", (query, names)
        assert all(names.index("red") < names.index(other)
                   for other in ("blue", "original") if other in names), (query, names)


def test_a_blue_car_ranks_first_for_sinyaya_mashina(recoloured_cars, engine) -> None:
    names = _names(engine.search("синяя машина", recoloured_cars))
    assert names and names[0] == "blue", names


def test_the_explanation_names_the_colour_share_of_the_box(recoloured_cars, engine) -> None:
    best = engine.search("красная машина", recoloured_cars).results[0]
    assert "детектор" in best.why[0] and "красный" in best.why[0] and "% рамки" in best.why[0]


def test_object_rows_read_the_detector_s_boxes(recoloured_cars) -> None:
    row = list(recoloured_cars.paths).index(next(p for p in recoloured_cars.paths
                                                 if p.endswith("red.jpg")))
    tags = recoloured_cars.row_tags(row)
    red_car = object_concept(COCO_CAR, TERMS.index("красный"))
    shares = dict(zip(tags.classes.tolist(), tags.probs.tolist(), strict=True))
    assert shares.get(red_car, 0.0) > 0.4


def test_chyorno_beloe_foto_finds_the_grey_copy_not_the_original(tmp_path, engine) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    original = coco_with("giraffe")[0]
    shutil.copy(original, folder / "colour.jpg")
    Image.open(original).convert("L").save(folder / "grey.jpg", quality=92)
    colours = Colours()
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, [colours]).index_folder(folder)
        matrix = load_matrix(store, {colours.model_id: colours.concepts})
    assert _names(engine.search("чёрно-белое фото", matrix)) == ["grey"]
    assert "colour" not in _names(engine.search("чёрно-белое фото", matrix))
