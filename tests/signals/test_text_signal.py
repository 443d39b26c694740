"""The text signal (daemon/signals/text.py): which photos are worth reading (the gate), what
is read in them, and what the text makes of them — скриншот, документ, чек, билет,
визитка… — on rendered pages, a real window's screenshot and real COCO photos."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import coco_with
from PIL import Image, ImageDraw, ImageFont
from text_images import (
    NOTICE,
    NOTICE_WORDS,
    TABLE,
    TESSERACT,
    needs_tesseract,
    photographed_page_image,
    window_screenshot,
)

from daemon.index.store import SparseTags
from daemon.signals.decode import DecodedPhoto, decode_bytes
from daemon.signals.ocr import Tesseract, TextLine
from daemon.signals.text import (
    KIND_FLOOR,
    KINDS,
    READ_MIN_SIDE,
    TEXT_CLASSES,
    TEXT_DETECTIONS,
    FileHints,
    TextReading,
    TextSignal,
    is_screenshot_like,
    looks_like_paper,
)

pytestmark = [needs_tesseract, pytest.mark.usefixtures("one_openmp_thread")]

CLASSIFIER = "efficientnet-lite0"  # ImageNet numbering
DETECTOR = "centernet-coco80-384"  # COCO-80 numbering
CAMERA = FileHints(camera="Apple iPhone 12")
NO_CAMERA = FileHints()
DOCUMENT_KINDS = [k for k in KINDS if k not in ("текст", "скриншот")]
# ImageNet classes a classifier gives photos of animals: nothing that carries text.
ZEBRA, GOLDFINCH = 340, 11
WEB_SITE, MENU, STREET_SIGN, MONITOR, LAPTOP, ENVELOPE = 916, 922, 919, 664, 620, 549
PERSON, STOP_SIGN = 0, 11  # COCO






@pytest.fixture(scope="module")
def lemma():
    from daemon.query.text import Lemmatizer

    return Lemmatizer().lemma


@pytest.fixture(scope="module")
def signal(lemma) -> TextSignal:
    return TextSignal(TESSERACT, lemma, CLASSIFIER, DETECTOR)


@pytest.fixture(scope="module")
def never_reads(lemma) -> TextSignal:
    """A signal whose Tesseract fails on any image: what it returns was never read."""
    return TextSignal(Tesseract(TESSERACT.version, ("no-such-language",)), lemma,
                      CLASSIFIER, DETECTOR)


# --- making photos ----------------------------------------------------------------------------
def decoded(image: Image.Image, file_format: str = "JPEG") -> DecodedPhoto:
    """The image saved as a file of that format and decoded as the text pass decodes it."""
    buffer = io.BytesIO()
    image.save(buffer, format=file_format, **({"quality": 90} if file_format == "JPEG" else {}))
    return decode_bytes(buffer.getvalue(), min_side=READ_MIN_SIDE)


def coco(category: str) -> Image.Image:
    """A real COCO photo showing the category and none of the other 79."""
    return Image.open(coco_with(category, alone=True, count=1)[0]).convert("RGB")


def render(font_path: Path, lines: list[str], size: int = 30, width: int = 1000,
           height: int | None = None, margin: int = 40, spacing: float = 1.6
           ) -> Image.Image:
    """Black lines of text on white, as printed or shown on a screen."""
    font = ImageFont.truetype(str(font_path), size)
    height = height or int(2 * margin + len(lines) * size * spacing)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((margin, margin + row * size * spacing), line, fill="black", font=font)
    return image




def rows(scores: dict[int, float]) -> SparseTags:
    """A signal's rows as the index keeps them: classes in its own numbering, strongest
    first."""
    pairs = sorted(scores.items(), key=lambda p: -p[1])
    return SparseTags(np.array([c for c, _ in pairs], np.uint16),
                      np.array([p for _, p in pairs], np.float32))


def words_of(reading: TextReading) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", reading.text)}


def assert_reads_most(reading: TextReading, expected: list[str], missed: int = 1) -> None:
    lost = [w for w in expected if w.lower() not in words_of(reading)]
    assert len(lost) <= missed, (lost, reading.text)


def assert_well_formed(kinds: dict[str, float]) -> None:
    assert set(kinds) <= set(KINDS)
    assert all(KIND_FLOOR <= score <= 1.0 for score in kinds.values()), kinds


def strongest_document_kind(kinds: dict[str, float]) -> str:
    """The kind of document the text makes of the photo (текст and скриншот aside); its
    score above every other's."""
    ranked = sorted(((s, k) for k, s in kinds.items() if k in DOCUMENT_KINDS), reverse=True)
    assert ranked, kinds
    assert len(ranked) == 1 or ranked[0][0] > ranked[1][0], kinds
    return ranked[0][1]


# --- the gate: screenshots --------------------------------------------------------------------
def test_a_camera_s_jpeg_is_not_screenshot_like_and_a_png_without_camera_is() -> None:
    photo = coco("zebra")
    assert not is_screenshot_like(decoded(photo, "JPEG"), CAMERA)
    assert is_screenshot_like(decoded(photo, "PNG"), NO_CAMERA)
    assert is_screenshot_like(decoded(photo, "WEBP"), NO_CAMERA)
    # a camera wrote it: a photo, whatever the format (a phone's PNG export)
    assert not is_screenshot_like(decoded(photo, "PNG"), CAMERA)
    # a JPEG without EXIF is most photos shared through a messenger: not a screenshot
    assert not is_screenshot_like(decoded(photo, "JPEG"), NO_CAMERA)


@pytest.mark.parametrize("size", [(1920, 1080), (1170, 2532), (2560, 1600)])
def test_a_jpeg_of_a_screen_s_exact_size_without_camera_is_screenshot_like(size) -> None:
    screen = decoded(coco("zebra").resize(size), "JPEG")
    assert (screen.width, screen.height) == size  # the file's size, not the decoded copy's
    assert is_screenshot_like(screen, NO_CAMERA)
    assert not is_screenshot_like(screen, CAMERA)
    one_pixel_off = decoded(coco("zebra").resize((size[0] + 1, size[1])), "JPEG")
    assert not is_screenshot_like(one_pixel_off, NO_CAMERA)


def test_a_png_without_camera_is_worth_reading_as_a_screenshot(signal) -> None:
    assert signal.worth_reading(decoded(coco("zebra"), "PNG"), {}, NO_CAMERA) == "screenshot"


# --- the gate: what the other signals saw -----------------------------------------------------
def test_a_web_site_seen_by_the_classifier_makes_a_photo_worth_reading(signal) -> None:
    photo = decoded(coco("zebra"))
    found = {CLASSIFIER: rows({WEB_SITE: 0.5, ZEBRA: 0.3})}
    assert signal.worth_reading(photo, found, CAMERA) == "classifier"


def test_the_classifier_s_text_classes_count_together(signal) -> None:
    """A monitor at 0.06 and a laptop at 0.05: no one of them sure, together worth a look."""
    photo = decoded(coco("zebra"))
    assert signal.worth_reading(photo, {CLASSIFIER: rows({MONITOR: 0.06, LAPTOP: 0.05})},
                                CAMERA) == "classifier"
    assert signal.worth_reading(photo, {CLASSIFIER: rows({MONITOR: 0.09, ZEBRA: 0.9})},
                                CAMERA) == ""


def test_a_stop_sign_seen_by_the_detector_makes_a_photo_worth_reading(signal) -> None:
    photo = decoded(coco("zebra"))
    assert signal.worth_reading(photo, {DETECTOR: rows({STOP_SIGN: 0.6})}, CAMERA) == \
        "detector"
    assert signal.worth_reading(photo, {DETECTOR: rows({STOP_SIGN: 0.2})}, CAMERA) == ""


def test_rows_are_read_in_their_own_model_s_numbering(signal, lemma) -> None:
    """Class 11 is a stop sign to the detector and a goldfinch to the classifier; 916 is a
    web site to the classifier and nothing to the detector."""
    photo = decoded(coco("zebra"))
    assert signal.worth_reading(photo, {CLASSIFIER: rows({GOLDFINCH: 0.9})}, CAMERA) == ""
    assert signal.worth_reading(photo, {DETECTOR: rows({WEB_SITE: 0.9})}, CAMERA) == ""
    without_detector = TextSignal(TESSERACT, lemma, CLASSIFIER, None)
    assert without_detector.needs == (CLASSIFIER,)
    assert without_detector.worth_reading(photo, {DETECTOR: rows({STOP_SIGN: 0.9})},
                                          CAMERA) == ""


def test_the_gate_s_classes_are_the_ones_that_carry_text() -> None:
    assert TEXT_CLASSES[WEB_SITE] == "web site" and TEXT_CLASSES[MENU] == "menu"
    assert TEXT_DETECTIONS[STOP_SIGN] == "stop sign"
    assert ZEBRA not in TEXT_CLASSES and GOLDFINCH not in TEXT_CLASSES


@pytest.mark.parametrize("category", ["zebra", "giraffe", "elephant", "banana"])
def test_a_plain_photo_of_animals_or_food_is_not_worth_reading(signal, category) -> None:
    photo = decoded(coco(category))
    assert not looks_like_paper(photo.image)
    assert signal.worth_reading(photo, {}, CAMERA) == ""
    # nor with what a classifier says of an animal: a class that carries no text
    assert signal.worth_reading(photo, {CLASSIFIER: rows({ZEBRA: 0.8})}, CAMERA) == ""


def test_a_photo_the_gate_sends_past_is_never_read(never_reads) -> None:
    """Its Tesseract would raise on any image: the empty reading comes from the gate."""
    reading = never_reads.read_text(decoded(coco("zebra")), {}, CAMERA)
    assert reading == TextReading({}, (), read=False)
    assert reading.text == ""


# --- the gate: paper --------------------------------------------------------------------------
def test_a_photographed_printed_page_looks_like_paper(signal, font_path) -> None:
    page = decoded(photographed_page_image(NOTICE, font_path))
    assert looks_like_paper(page.image)
    assert signal.worth_reading(page, {}, CAMERA) == "paper"


def test_the_table_alone_and_a_blank_sheet_do_not_look_like_paper() -> None:
    table = Image.open(TABLE).convert("RGB")
    assert not looks_like_paper(table)
    blank = table.copy()  # bright and grey, but with nothing printed on it: no sharp edges
    blank.paste((245, 245, 238), (20, 20, table.width - 20, table.height - 20))
    assert not looks_like_paper(blank)


# --- reading ----------------------------------------------------------------------------------
def test_a_photographed_notice_is_read_through_the_paper_gate(signal, font_path) -> None:
    reading = signal.read_text(decoded(photographed_page_image(NOTICE, font_path)), {}, CAMERA)
    assert reading.read
    assert_reads_most(reading, NOTICE_WORDS, missed=2)
    assert "текст" in reading.kinds and "скриншот" not in reading.kinds
    assert_well_formed(reading.kinds)


@pytest.mark.parametrize("category", ["zebra", "giraffe", "sheep"])
def test_a_photo_without_text_read_on_a_classifier_s_hunch_has_no_text(signal,
                                                                       category) -> None:
    """The classifier thought it saw a monitor: the photo is read, and nothing in it is
    text."""
    found = {CLASSIFIER: rows({MONITOR: 0.15})}
    reading = signal.read_text(decoded(coco(category)), found, CAMERA)
    assert reading.read
    assert "текст" not in reading.kinds, reading.text
    assert not any(kind in reading.kinds for kind in DOCUMENT_KINDS), reading.kinds


def test_a_screenshot_of_a_real_window_is_read_as_a_screenshot(signal, display) -> None:
    screen = window_screenshot(display, ["Настройки галереи", "Папка с фотографиями",
                                         "Search photos by words"])
    shot = decoded(screen, "PNG")
    assert signal.worth_reading(shot, {}, NO_CAMERA) == "screenshot"
    reading = signal.read_text(shot, {}, NO_CAMERA)
    assert_reads_most(reading, ["Настройки", "галереи", "Папка", "фотографиями", "Search",
                                "photos", "by", "words"])
    assert reading.kinds["скриншот"] == pytest.approx(0.9)  # with words in it, surely one
    assert "текст" in reading.kinds
    assert_well_formed(reading.kinds)


# --- kinds, from rendered pages ---------------------------------------------------------------
RECEIPT = ["ООО «Ромашка»", "Кассовый чек № 0042", "Приход", "Хлеб бородинский",
           "1 x 59,90 = 59,90", "Молоко 3,2%", "1 x 89,00 = 89,00", "Сыр российский",
           "1 x 1 299,00 = 1 299,00", "ИТОГО = 1 447,90", "Наличными = 1 500,00",
           "Сдача = 52,10", "Кассир Иванова", "Спасибо за покупку!"]
TICKET = ["Электронный билет", "Поезд 020У Москва — Санкт-Петербург",
          "Вагон 05 Место 023", "Отправление 12.05.2025 23:55", "Пассажир ИВАНОВ И. И.",
          "Перевозчик АО «ФПК»"]
PROSE = ["Весна в этом году пришла рано. Уже в начале",
         "марта снег на полях почернел и осел, а по",
         "утрам над рекой поднимался густой туман.",
         "Старики говорили, что такой весны не помнят",
         "с детства, и качали головами. Дети бегали",
         "к реке смотреть, как трещит и ломается лёд,",
         "а взрослые чинили лодки и готовили сети.",
         "Вечерами в деревне пахло дымом и талой",
         "землёй, и казалось, что зима больше никогда",
         "не вернётся. Только в лесу ещё лежали серые",
         "сугробы под елями, и по ночам над ними",
         "висела холодная круглая луна. Мы ждали",
         "лета, как ждут старого доброго друга."]
CARD = ["Иван Петров", "Менеджер по продажам", "ООО «Северный ветер»",
        "Тел.: +7 (495) 123-45-67", "ivan.petrov@veter.ru", "www.veter.ru"]


def test_a_photographed_receipt_is_a_cheque(signal, font_path) -> None:
    receipt = render(font_path, RECEIPT, size=22, width=420)  # narrow and long
    reading = signal.read_text(decoded(receipt), {}, CAMERA)
    assert reading.read
    assert_reads_most(reading, ["Кассовый", "чек", "ИТОГО", "Сдача"], missed=0)
    assert "1 299,00" in reading.text and "1 447,90" in reading.text
    assert strongest_document_kind(reading.kinds) == "чек"
    assert_well_formed(reading.kinds)


def test_a_train_ticket_is_a_ticket(signal, font_path) -> None:
    reading = signal.read_text(decoded(render(font_path, TICKET, width=1100)), {}, CAMERA)
    assert_reads_most(reading, ["билет", "Поезд", "Вагон", "Место", "Пассажир"])
    assert strongest_document_kind(reading.kinds) == "билет"
    assert_well_formed(reading.kinds)


def test_a_full_page_of_prose_is_a_document(signal, font_path) -> None:
    page = render(font_path, PROSE, size=28, width=900, height=1270)  # A4's proportions
    reading = signal.read_text(decoded(page), {}, CAMERA)
    assert len(reading.lines) >= 12
    assert strongest_document_kind(reading.kinds) == "документ"
    assert_well_formed(reading.kinds)


def test_a_business_card_with_a_phone_and_an_e_mail_is_a_business_card(signal,
                                                                       font_path) -> None:
    """A card's few lines are too sparse to look like paper; what sends it to be read is
    the classifier, which sees in this card a web site at 0.08 and a menu and an envelope
    at 0.02 (EfficientNet-Lite0 on this very image)."""
    card = decoded(render(font_path, CARD, width=900, height=560))  # a card's 85 x 55 mm
    found = {CLASSIFIER: rows({WEB_SITE: 0.08, MENU: 0.02, ENVELOPE: 0.02})}
    assert signal.worth_reading(card, found, CAMERA) == "classifier"
    reading = signal.read_text(card, found, CAMERA)
    assert "123-45-67" in reading.text and "@" in reading.text
    assert strongest_document_kind(reading.kinds) == "визитка"
    assert_well_formed(reading.kinds)


def test_a_phone_screenshot_of_a_chat_is_a_screenshot(signal, font_path) -> None:
    chat = render(font_path, ["Сообщения", "Мама: купи хлеба и молока",
                              "Я: хорошо, буду в семь", "Вчера 18:42"],
                  size=44, width=1080, height=2340)  # an Android phone's screen
    shot = decoded(chat, "PNG")
    assert signal.worth_reading(shot, {}, NO_CAMERA) == "screenshot"
    reading = signal.read_text(shot, {}, NO_CAMERA)
    assert_reads_most(reading, ["Сообщения", "купи", "хлеба", "молока"])
    assert reading.kinds["скриншот"] == pytest.approx(0.9)
    assert "текст" in reading.kinds
    assert not any(kind in reading.kinds for kind in DOCUMENT_KINDS), reading.kinds


# --- kinds, from given lines (no OCR) ---------------------------------------------------------
def lines_of(*texts: str, height: float = 0.05, width: float = 0.8) -> tuple[TextLine, ...]:
    """Lines as Tesseract gives them: one under another from the top, `height` tall."""
    return tuple(TextLine(text, (0.1, 0.1 + row * height * 1.5, 0.1 + width,
                                 0.1 + row * height * 1.5 + height), 0.95)
                 for row, text in enumerate(texts))


def photo_of(width: int, height: int, file_format: str = "JPEG") -> DecodedPhoto:
    return DecodedPhoto(Image.new("RGB", (64, 64), "white"), width, height, "x", file_format)


def test_a_stray_word_is_no_text(signal) -> None:
    assert signal.kinds(lines_of("Выход", height=0.02), photo_of(4000, 3000), {}, CAMERA) == {}
    assert signal.kinds(lines_of("OK 12"), photo_of(4000, 3000), {}, CAMERA) == {}


def test_one_long_word_in_big_letters_is_a_signs_name(signal) -> None:
    kinds = signal.kinds(lines_of("Аптека", height=0.08, width=0.4), photo_of(4000, 3000), {},
                         CAMERA)
    assert set(kinds) == {"текст", "вывеска"}
    # a screenshot stays one, though with little to read it is less sure
    assert signal.kinds(lines_of("OK"), photo_of(1920, 1080, "PNG"), {}, NO_CAMERA) == \
        {"скриншот": 0.6}


def test_prices_down_a_narrow_photo_make_a_receipt_without_its_words(signal) -> None:
    lines = lines_of("Хлеб 59,90", "Молоко 89,00", "Сыр 1299,00", "Чай 149,00", height=0.03)
    assert signal.kinds(lines, photo_of(900, 2400), {}, CAMERA).get("чек") == 0.5
    assert "чек" not in signal.kinds(lines, photo_of(2400, 900), {}, CAMERA)


def test_a_menu_is_read_from_its_words_or_from_the_classifier(signal) -> None:
    words = lines_of("Салаты", "Супы", "Десерты", "Напитки", height=0.03)
    assert signal.kinds(words, photo_of(3000, 4000), {}, CAMERA)["меню"] == pytest.approx(0.9)
    plain = lines_of("Добро пожаловать", "Работаем ежедневно", height=0.03)
    found = {CLASSIFIER: rows({MENU: 0.7})}
    assert signal.kinds(plain, photo_of(3000, 4000), found, CAMERA)["меню"] == \
        pytest.approx(0.7)
    assert "меню" not in signal.kinds(plain, photo_of(3000, 4000), {}, CAMERA)


def test_a_sign_is_a_few_big_words_or_what_the_detector_calls_one(signal) -> None:
    street = lines_of("Улица Ленина", height=0.08, width=0.2)
    assert signal.kinds(street, photo_of(4000, 3000), {}, CAMERA)["вывеска"] == 0.55
    found = {DETECTOR: rows({STOP_SIGN: 0.5})}
    assert signal.kinds(street, photo_of(4000, 3000), found, CAMERA)["вывеска"] == \
        pytest.approx(0.9)
    # the same words on a screen are not a sign in the street
    assert "вывеска" not in signal.kinds(street, photo_of(1920, 1080, "PNG"), {}, NO_CAMERA)


def test_a_passport_page_is_surer_with_its_holder_s_face(signal) -> None:
    page = lines_of("Российская Федерация", "Паспорт выдан", "Фамилия Иванов",
                    height=0.03)
    face = {DETECTOR: rows({PERSON: 0.8})}
    assert signal.kinds(page, photo_of(3000, 2000), face, CAMERA)["паспорт"] == 0.9
    assert signal.kinds(page, photo_of(3000, 2000), {}, CAMERA)["паспорт"] == 0.7


def test_a_few_big_lines_on_a_16_by_9_screen_are_a_slide(signal) -> None:
    slide = lines_of("Итоги квартала", "Выручка выросла", "Планы на год", height=0.08)
    kinds = signal.kinds(slide, photo_of(1920, 1080, "PNG"), {}, NO_CAMERA)
    assert kinds["слайд"] == pytest.approx(0.8) and "скриншот" in kinds
    # a 3:2 camera photo is not a slide's shape
    assert "слайд" not in signal.kinds(slide, photo_of(6000, 4000), {}, CAMERA)


def test_tel_on_a_business_card_counts_as_a_card_s_word(signal) -> None:
    """«Тел.» is how a Russian card writes its phone; with it a card is surer than with a
    bare number."""
    photo = photo_of(3400, 2200)
    bare = lines_of("Иван Петров", "ООО Северный ветер", "8-800-555-35-35", height=0.06)
    assert signal.kinds(bare, photo, {}, CAMERA)["визитка"] == pytest.approx(0.6)
    card = lines_of("Иван Петров", "ООО Северный ветер", "Тел. 8-800-555-35-35",
                    height=0.06)
    assert signal.kinds(card, photo, {}, CAMERA)["визитка"] == pytest.approx(0.9)


def test_a_reading_s_concepts_are_its_kinds_in_the_block_s_numbering() -> None:
    reading = TextReading({"текст": 0.8, "чек": 0.9, "документ": 0.5},
                          lines_of("Кассовый чек", "ИТОГО 100,00"), read=True)
    classes, scores = reading.concepts()
    assert classes.tolist() == [KINDS.index("чек"), KINDS.index("текст"),
                                KINDS.index("документ")]  # the strongest first
    assert classes.dtype == np.uint16 and scores.dtype == np.float32
    assert scores.tolist() == pytest.approx([0.9, 0.8, 0.5])
    assert reading.text == "Кассовый чек\nИТОГО 100,00"
