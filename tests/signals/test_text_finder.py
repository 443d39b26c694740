"""The gate of the text pass: the PP-OCRv4 text detector finds where a photo shows text, so
that Tesseract reads the sign in a street photo and not the fur of a cat."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import COCO_IMAGES, clear_photo, coco_with
from PIL import Image, ImageDraw, ImageFont
from text_images import FONT, RECEIPT, TESSERACT, draw_lines, needs_tesseract

from daemon.query.text import Lemmatizer
from daemon.signals.decode import decode_bytes
from daemon.signals.text import READ_MIN_SIDE, FileHints, TextSignal
from daemon.signals.text_finder import TEXT_SHARE, TextFinder, regions

# COCO photos whose text Tesseract reads: a visitor centre's sign, a construction notice.
SIGN = COCO_IMAGES / "000000107438.jpg"
NOTICE = COCO_IMAGES / "000000252219.jpg"
CAMERA = FileHints(camera="Canon EOS 5D")
# A street with cars and traffic lights, where Tesseract reads nothing.
STREET = COCO_IMAGES / "000000008762.jpg"
BOLD = FONT.with_name("DejaVuSans-Bold.ttf")


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


def test_regions_join_the_letters_of_a_line_and_come_largest_first() -> None:
    sure = np.zeros((100, 200), bool)
    for x in range(20, 120, 6):  # letters 4 px wide, 2 px apart: one line
        sure[10:20, x:x + 4] = True
    sure[60:70, 150:170] = True  # a smaller word lower right
    sure[90, 5] = True  # a speck: too small to be a region
    assert regions(sure) == [(0.1, 0.1, 0.6, 0.2), (0.75, 0.6, 0.85, 0.7)]
    assert regions(sure, most=1) == [(0.1, 0.1, 0.6, 0.2)]
    assert regions(np.zeros((32, 32), bool)) == []


def shop_sign_photo(name: str) -> bytes:
    """A real COCO street photo with a shop's sign on it, white letters on red, as a phone
    would save it."""
    street = Image.open(STREET).convert("RGB").resize((1600, 1200))
    draw = ImageDraw.Draw(street)
    draw.rectangle((170, 320, 1110, 520), fill=(200, 20, 30))
    draw.text((640, 420), name, font=ImageFont.truetype(str(BOLD), 110), fill="white",
              anchor="mm")
    buffer = io.BytesIO()
    street.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@needs_tesseract
def test_a_shop_sign_in_a_busy_street_is_read_region_by_region(finder) -> None:
    """Tesseract's page layout finds nothing in the street; the sign cut out is read."""
    if not BOLD.exists():
        pytest.skip("needs the DejaVu fonts (fonts-dejavu-core)")
    signal = TextSignal(TESSERACT, Lemmatizer().lemma, "efficientnet-lite0", None, finder)
    photo = decode_bytes(shop_sign_photo("Пятёрочка"), min_side=READ_MIN_SIDE)
    assert TESSERACT.read(photo.image) == []  # why regions are needed at all
    reading = signal.read_text(photo, {}, CAMERA)
    assert [line.text.replace("ё", "е") for line in reading.lines] == ["Пятерочка"]
    x1, y1, x2, y2 = reading.lines[0].box
    assert 0.1 < x1 < x2 < 0.7 and 0.25 < y1 < y2 < 0.45  # where the sign is
    assert set(reading.kinds) == {"текст", "вывеска"}
