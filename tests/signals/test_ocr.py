"""Tesseract OCR (daemon/signals/ocr.py): the words of Russian and English text rendered on
white, and of a printed page photographed on a table; nothing from real photos without
text; and the filters that drop what Tesseract reads into wood grain and fur."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import coco_with
from PIL import Image, ImageDraw, ImageFont
from text_images import (
    NOTICE,
    NOTICE_WORDS,
    TESSERACT,
    needs_tesseract,
    photographed_page,
)

from daemon.signals.decode import decode_bytes
from daemon.signals.ocr import (
    MAX_SIDE,
    OcrError,
    Tesseract,
    find_tesseract,
    keep_line,
    keep_word,
    one_thread,
)
from daemon.signals.text import READ_MIN_SIDE

pytestmark = [needs_tesseract, pytest.mark.usefixtures("one_openmp_thread")]

_LETTERS = re.compile(r"[A-Za-zА-Яа-яЁё]")






def render(font_path: Path, lines: list[str], size: int = 36, width: int = 1000,
           margin: int = 30, spacing: float = 1.6) -> Image.Image:
    """Black lines of text on white, as a printer or a screen would show them."""
    font = ImageFont.truetype(str(font_path), size)
    image = Image.new("RGB", (width, int(2 * margin + len(lines) * size * spacing)), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((margin, margin + row * size * spacing), line, fill="black", font=font)
    return image


def words_of(lines) -> set[str]:
    return {w.lower() for line in lines for w in re.findall(r"\w+", line.text)}


def assert_reads_most(lines, expected: list[str], missed: int = 1) -> None:
    """Tesseract found all of the expected words but `missed` at most (case aside)."""
    found = words_of(lines)
    lost = [w for w in expected if w.lower() not in found]
    assert len(lost) <= missed, (lost, [line.text for line in lines])


# --- finding Tesseract ------------------------------------------------------------------------
def test_find_tesseract_finds_the_program_with_russian_first_then_english() -> None:
    tesseract, why = find_tesseract()
    assert why == ""
    assert tesseract.languages == ("rus", "eng")  # Russian first: tried first on a mixed page
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", tesseract.version)
    # the model id names the version and the languages: another of either is another reading
    assert tesseract.model_id == f"tesseract-{tesseract.version}-rus+eng"


def test_without_the_program_find_tesseract_says_so_instead_of_failing(monkeypatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "no-such-tesseract")
    assert find_tesseract() == (None, "tesseract is not installed")


def test_a_program_that_fails_as_tesseract_is_reported_not_raised(monkeypatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "false")  # exits 1
    tesseract, why = find_tesseract()
    assert tesseract is None and why.startswith("tesseract does not run")


def test_a_program_that_prints_no_tesseract_version_is_reported_not_raised(
        monkeypatch) -> None:
    import pytesseract

    # `true --version` prints coreutils' banner: not a Tesseract version
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "true")
    try:
        tesseract, why = find_tesseract()
    except SystemExit as exc:
        pytest.fail(f"find_tesseract raised SystemExit({exc})")
    assert tesseract is None and why


def test_one_thread_asks_openmp_for_one_thread_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "3")
    one_thread()
    assert os.environ["OMP_THREAD_LIMIT"] == "3"  # a user's own setting stays
    monkeypatch.delenv("OMP_THREAD_LIMIT")
    one_thread()
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


# --- reading ----------------------------------------------------------------------------------
def test_russian_and_english_lines_rendered_on_white_are_read(font_path) -> None:
    lines = TESSERACT.read(render(font_path, [
        "Улица Ленина, дом 5",
        "Добро пожаловать в Москву",
        "Welcome to the museum",
        "Open daily from 10 to 18",
    ]))
    # one-letter words («в») are dropped on purpose (keep_word): not expected here
    assert_reads_most(lines, ["Улица", "Ленина", "дом", "5", "Добро", "пожаловать",
                              "Москву", "Welcome", "to", "the", "museum", "Open", "daily",
                              "from", "10", "18"])
    assert 3 <= len(lines) <= 5


def test_lines_come_top_to_bottom_with_their_boxes_and_confidence(font_path) -> None:
    image = render(font_path, ["Первая строка", "Вторая строка", "Третья строка"],
                   size=40, spacing=3.0)
    lines = TESSERACT.read(image)
    assert [line.text for line in lines] == ["Первая строка", "Вторая строка",
                                             "Третья строка"]
    for row, line in enumerate(lines):
        x1, y1, x2, y2 = line.box
        # as fractions of the image: the row's band of the picture, from the left margin
        top = (30 + row * 40 * 3.0) / image.height
        assert 0 <= x1 < 0.1 and x1 < x2 < 0.6
        assert top - 0.02 <= y1 < y2 <= top + 40 * 1.3 / image.height
        assert 0.7 <= line.confidence <= 1.0  # a line's mean word confidence, 0..1


def test_small_letters_of_a_small_image_are_read(font_path) -> None:
    """A 640 px photo's 14 px letters: read at twice the size, as Tesseract wants them."""
    lines = TESSERACT.read(render(font_path, ["Расписание автобусов", "Остановка Школа"],
                                  size=14, width=400, margin=10))
    assert_reads_most(lines, ["Расписание", "автобусов", "Остановка", "Школа"])


def test_an_image_larger_than_tesseract_wants_is_read_and_boxes_stay_fractions(
        font_path) -> None:
    """A 6000 px wide panorama is read at MAX_SIDE; where the words are is still said as
    fractions of the whole picture."""
    image = Image.new("RGB", (6000, 1500), "white")
    font = ImageFont.truetype(str(font_path), 120)
    ImageDraw.Draw(image).text((3000, 700), "Вокзал Казанский", fill="black", font=font)
    assert max(image.size) > MAX_SIDE
    lines = TESSERACT.read(image)
    assert [line.text for line in lines] == ["Вокзал Казанский"]
    x1, y1, x2, y2 = lines[0].box
    assert x1 == pytest.approx(0.5, abs=0.02) and y1 == pytest.approx(0.49, abs=0.03)
    assert x2 < 1 and y2 < 1


def test_a_printed_page_photographed_on_a_table_is_read(font_path) -> None:
    photo = decode_bytes(photographed_page(NOTICE, font_path), min_side=READ_MIN_SIDE)
    assert photo.file_format == "JPEG"
    lines = TESSERACT.read(photo.image)
    assert_reads_most(lines, NOTICE_WORDS, missed=2)
    # nothing of the table around the page is read as words
    assert all(line.box[0] > 0.05 and line.box[2] < 0.95 for line in lines)


# --- no text, no words ------------------------------------------------------------------------
NO_TEXT = ("giraffe", "zebra", "elephant", "sheep", "bear", "banana")


@pytest.mark.parametrize("category", NO_TEXT)
def test_a_photo_of_animals_or_food_without_text_gives_no_words(category: str) -> None:
    path = coco_with(category, alone=True, count=1)[0]  # nothing else of COCO's 80 in it
    photo = decode_bytes(path.read_bytes(), min_side=READ_MIN_SIDE)
    lines = TESSERACT.read(photo.image)
    # fur, grass and peel read as «ee», «|», «—» are dropped; a lone digit may survive
    assert not any(_LETTERS.search(line.text) for line in lines), [line.text for line in lines]


def test_a_flat_and_a_gradient_image_give_no_lines() -> None:
    flat = Image.new("RGB", (800, 600), (200, 210, 220))
    ramp = np.tile(np.linspace(0, 255, 800, dtype=np.uint8), (600, 1))
    gradient = Image.fromarray(np.stack([ramp, ramp[:, ::-1], ramp], axis=2))
    assert TESSERACT.read(flat) == []
    assert TESSERACT.read(gradient) == []


def test_tesseract_failing_on_an_image_is_an_ocr_error(font_path) -> None:
    """Tesseract told to read a language it has no data for fails at once."""
    broken = Tesseract(TESSERACT.version, ("no-such-language",))
    with pytest.raises(OcrError):
        broken.read(render(font_path, ["Текст"]))


def test_an_ocr_error_says_tesseract_failed_not_that_it_timed_out(font_path) -> None:
    broken = Tesseract(TESSERACT.version, ("no-such-language",))
    with pytest.raises(OcrError) as error:
        broken.read(render(font_path, ["Текст"]))
    assert "failed" in str(error.value) and "took over" not in str(error.value)


# --- the filters ------------------------------------------------------------------------------
@pytest.mark.parametrize(("word", "confidence", "kept"), [
    ("ee", 30, False),  # what Tesseract reads into bricks, unsure of it
    ("Ленина", 90, True),
    ("5", 90, True),  # one digit: a house number
    ("|", 90, False),  # no letter at all: a fence post
    ("—", 95, False),
    ("Ленина", 59, False),  # a real word, but Tesseract is not sure of it
    ("ул", 60, True),  # two letters are a word (at the floor of confidence)
    ("x", 95, False),  # one letter is noise
])
def test_keep_word_keeps_sure_words_of_two_letters_or_digits(word, confidence, kept) -> None:
    assert keep_word(word, confidence) is kept


def test_keep_line_wants_its_words_sure_on_the_whole() -> None:
    assert keep_line([95, 90, 80])
    assert keep_line([80, 60])  # a mean of 70
    assert not keep_line([65, 70])
    assert not keep_line([])  # no words, no line
