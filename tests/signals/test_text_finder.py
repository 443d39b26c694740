"""The gate of the text pass: the PP-OCRv4 text detector finds where a photo shows text, so
that Tesseract reads the sign in a street photo and not the fur of a cat."""

from __future__ import annotations

import pytest
from conftest import COCO_IMAGES, clear_photo, coco_with
from PIL import Image
from text_images import FONT, RECEIPT, TESSERACT, draw_lines, needs_tesseract

from daemon.signals.decode import decode_bytes
from daemon.signals.text import READ_MIN_SIDE, FileHints, TextSignal
from daemon.signals.text_finder import TEXT_SHARE, TextFinder

# COCO photos whose text Tesseract reads: a visitor centre's sign, a construction notice.
SIGN = COCO_IMAGES / "000000107438.jpg"
NOTICE = COCO_IMAGES / "000000252219.jpg"
CAMERA = FileHints(camera="Canon EOS 5D")


@pytest.fixture(scope="module")
def finder() -> TextFinder:
    return TextFinder()


def test_printed_text_is_found(tmp_path, finder) -> None:
    if not FONT.exists():
        pytest.skip("needs the DejaVu fonts (fonts-dejavu-core)")
    page = draw_lines(tmp_path / "чек.png", RECEIPT, size=(700, 900))
    assert finder.text_share(Image.open(page)) > 10 * TEXT_SHARE


def test_the_text_of_real_photos_is_found(finder) -> None:
    for photo in (SIGN, NOTICE):
        assert finder.text_share(Image.open(photo)) >= TEXT_SHARE, photo.name


def test_animals_and_food_show_no_text(finder) -> None:
    for category in ("cat", "dog", "pizza"):
        photo = clear_photo(category)
        assert finder.text_share(Image.open(photo)) < TEXT_SHARE, photo.name
    for photo in (*coco_with("elephant", alone=True, count=2),
                  *coco_with("giraffe", alone=True, count=2)):
        assert finder.text_share(Image.open(photo)) < TEXT_SHARE, photo.name


def test_the_map_is_512_pixels_on_its_long_side_in_multiples_of_32(finder) -> None:
    assert finder.probabilities(Image.new("RGB", (4000, 3000), "white")).shape == (384, 512)
    assert finder.probabilities(Image.new("RGB", (10, 5), "white")).shape == (256, 512)
    assert finder.probabilities(Image.new("RGB", (1000, 20), "white")).shape == (32, 512)


@needs_tesseract
def test_with_the_finder_the_gate_sends_the_sign_and_not_the_cat(finder) -> None:
    signal = TextSignal(TESSERACT, str, "efficientnet-lite0", None, finder)

    def reason(path) -> str:
        photo = decode_bytes(path.read_bytes(), min_side=READ_MIN_SIDE)
        return signal.worth_reading(photo, {}, CAMERA)

    assert reason(SIGN) == "text found"
    assert reason(clear_photo("cat")) == ""
