"""Text in photos: screenshots, documents, receipts, tickets, signs — what they say and what
they are.

A later signal (daemon/index/later_pass.py): OCR costs a tenth of a second to seconds a
photo, so it runs after the first pass has made every photo searchable, and only on the
photos a gate sends it (worth_reading):
- a file that looks like a screenshot: PNG/WebP/GIF/BMP without a camera in its EXIF, or
  any file of a screen's exact size without one;
- a photo in which the text detector (daemon/signals/text_finder.py, 40 ms) finds text.
Without the detector (TextSignal(finder=None)) a cheaper, blinder gate stands in for it:
what the classifier or the detector saw that carries text (a web site, a menu, a book
jacket, a street sign, an envelope, a monitor, a phone, a book…), and photos that look
like paper (bright and grey, crossed by many sharp edges). On the COCO photos it sends half
as many photos as the detector, and misses most of those with text (bench/text_pass.py).

The words found are kept as text in the index (searchable by lemma and as phrases,
daemon/index/texts.py). The kinds — скриншот, документ, чек, билет, паспорт, визитка,
меню, вывеска, слайд — are concepts of this signal's block, read from the text's layout,
its words and what the other signals saw (`kinds`); «текст» is any text at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.signals import SignalSpec
from daemon.signals.decode import DecodedPhoto
from daemon.signals.ocr import Tesseract, TextLine
from daemon.signals.text_finder import TEXT_SHARE, TextFinder

if TYPE_CHECKING:
    from daemon.config import Settings

VERSION = 1
MODEL_ID = f"text-v{VERSION}"
KINDS = ("текст", "скриншот", "документ", "чек", "билет", "паспорт", "визитка", "меню",
         "вывеска", "слайд")
KIND_ENGLISH = ("text", "screenshot", "document", "receipt", "ticket", "passport",
                "business card", "menu", "sign", "slide")
CONCEPTS = ConceptBlock(2300, 16)  # room for kinds to come
# The short side the pass decodes at (Tesseract wants letters 20-40 px high).
READ_MIN_SIDE = 1200

# What the classifier (ImageNet class numbers) and the detector (COCO class numbers) see
# that carries text, and the score from which a photo is worth reading for it.
TEXT_CLASSES = {916: "web site", 922: "menu", 921: "book jacket", 919: "street sign",
                549: "envelope", 664: "monitor", 782: "screen", 851: "television",
                620: "laptop", 681: "notebook", 527: "desktop computer", 487: "cell phone",
                781: "scoreboard", 917: "comic book", 918: "crossword", 692: "packet",
                446: "binder", 454: "bookshop", 860: "tobacco shop", 704: "parking meter",
                886: "vending machine"}
TEXT_CLASS_FLOOR = 0.1  # the sum of these classes' probabilities
TEXT_DETECTIONS = {11: "stop sign", 12: "parking meter", 62: "tv", 63: "laptop",
                   67: "cell phone", 73: "book"}
TEXT_DETECTION_FLOOR = 0.3
SCREENSHOT_FORMATS = ("PNG", "WEBP", "GIF", "BMP")
# Screens people take screenshots of: phones, tablets, laptops, monitors (either way up).
SCREEN_SIZES = {(w, h) for a, b in (
    (1920, 1080), (1366, 768), (1440, 900), (1536, 864), (1280, 720), (1280, 800),
    (1600, 900), (1680, 1050), (1920, 1200), (2560, 1440), (2560, 1600), (2880, 1800),
    (3024, 1964), (3456, 2234), (3840, 2160), (1080, 1920), (1080, 2340), (1080, 2400),
    (1080, 2460), (1170, 2532), (1179, 2556), (1284, 2778), (1290, 2796), (750, 1334),
    (828, 1792), (1242, 2688), (1125, 2436), (720, 1280), (720, 1600), (1440, 3200),
    (1440, 3120), (1440, 2560), (2048, 1536), (2732, 2048), (2388, 1668), (2360, 1640),
    (1024, 768), (1280, 1024), (800, 600)) for w, h in ((a, b), (b, a))}
# Paper: this share of a small grey copy bright (>= 170 of 255) and unsaturated, with
# this share of its pixels on a sharp edge (a step of 48 levels to the next pixel).
PAPER_BRIGHT_SHARE = 0.35
PAPER_EDGE_SHARE = 0.05

# The words that make a kind, as lemmas (a receipt's «итого», a ticket's «вагон»). Two of
# them make it; one with the layout (prices, a face) often does.
KIND_WORDS = {
    "чек": {"чек", "кассовый", "касса", "кассир", "итог", "итого", "ндс", "инн", "сумма",
            "оплата", "сдача", "наличные", "безналичный", "фн", "фд", "фп", "ккт", "смена",
            "покупка", "receipt", "total", "subtotal", "cash", "change", "vat", "tax",
            "qty", "amount", "visa", "mastercard"},
    "билет": {"билет", "поезд", "вагон", "место", "рейс", "посадочный", "отправление",
              "прибытие", "пассажир", "перевозчик", "плацкарт", "купе", "сеанс", "ряд",
              "зал", "ticket", "boarding", "pass", "flight", "seat", "gate", "train",
              "departure", "arrival", "passenger", "admit", "row"},
    "паспорт": {"паспорт", "российский", "федерация", "фамилия", "имя", "отчество",
                "рождение", "выдать", "подразделение", "гражданин", "пол", "passport",
                "surname", "given", "nationality", "birth", "issue", "authority", "sex"},
    "визитка": {"тел", "телефон", "моб", "mob", "tel", "phone", "email", "mail", "www",
                "директор", "менеджер", "генеральный", "director", "manager", "ceo",
                "office", "fax", "факс"},
    "меню": {"меню", "салат", "суп", "напиток", "десерт", "завтрак", "обед", "ужин",
             "горячий", "закуска", "гарнир", "блюдо", "кофе", "чай", "пицца", "menu",
             "salad", "soup", "drinks", "dessert", "breakfast", "lunch", "dinner",
             "starters", "mains", "coffee", "tea", "pizza", "burger"},
    "документ": {"договор", "заявление", "справка", "приказ", "документ", "свидетельство",
                 "акт", "доверенность", "уведомление", "подпись", "печать", "страница",
                 "contract", "agreement", "certificate", "document", "invoice", "page",
                 "signature", "section", "article", "статья", "пункт", "раздел"},
}
_PRICE = re.compile(r"\d+[.,]\d{2}(?!\d)")
# An e-mail, a web address or a phone number written as people write one (+7 (495) 123-45-67,
# 8-800-555-35-35); a bare run of digits is an account or a tax number.
_CONTACT = re.compile(r"@|www\.|https?://|(?:\+\d|\(\d{3}\)|\d{3}-\d{2}-\d{2})")
# A page read with fewer words than this, where the text detector saw text, is read again
# region by region (a sign in a street photo).
FEW_WORDS = 3
# Below this a kind is noise (a classifier's 0.05 for «menu» on a photo of a poster).
KIND_FLOOR = 0.2
# The kinds that say what a text is for; one of them at SURE_KIND explains the text, and
# the other kinds it gave the photo are capped at EXPLAINED_CAP (_explained).
SPECIFIC_KINDS = ("чек", "билет", "паспорт", "визитка", "меню")
SURE_KIND = 0.7
EXPLAINED_CAP = 0.4
SCREEN_CLASSES = (664, 782, 745, 851)  # ImageNet monitor, screen, projector, television
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


@dataclass(frozen=True)
class FileHints:
    """What the first pass knows of the photo's file."""

    camera: str = ""  # EXIF make and model; "" when none


@dataclass(frozen=True)
class TextReading:
    kinds: dict[str, float]  # kind -> score in [0, 1], the kinds found
    lines: tuple[TextLine, ...]
    read: bool  # the OCR ran (False: the gate sent it past)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def concepts(self) -> tuple[np.ndarray, np.ndarray]:
        """(concepts in this block's numbering, scores), the strongest first."""
        pairs = sorted(((KINDS.index(k), s) for k, s in self.kinds.items()),
                       key=lambda p: -p[1])
        return (np.array([k for k, _ in pairs], np.uint16),
                np.array([s for _, s in pairs], np.float32))


class TextSignal:
    model_id = MODEL_ID
    concepts = CONCEPTS

    def __init__(self, tesseract: Tesseract, lemma: Callable[[str], str],
                 classifier: str, detector: str | None,
                 finder: TextFinder | None = None) -> None:
        """lemma: a word's normal form (pymorphy3); classifier, detector: the model ids
        of the rows the gate and the kinds read; finder: the text detector of the gate
        (None: the blinder gate of what the models saw)."""
        self.tesseract = tesseract
        self.finder = finder
        self.lemma = lemma
        self.classifier = classifier
        self.detector = detector
        self.needs = (classifier,) + ((detector,) if detector else ())
        # The kind words as written and as lemmas: the words read are lemmatised, and
        # «тел», «инн», «наличные» are not their own lemmas («тело», «инна», «наличный»).
        self._kind_words = {kind: words | {lemma(w).replace("ё", "е") for w in words}
                            for kind, words in KIND_WORDS.items()}

    def worth_reading(self, photo: DecodedPhoto, found: Mapping[str, object],
                      hints: FileHints) -> str:
        """Why the photo may show text ("" when it likely shows none)."""
        return self._look(photo, found, hints)[0]

    def _look(self, photo: DecodedPhoto, found: Mapping[str, object], hints: FileHints
              ) -> tuple[str, list[tuple[float, float, float, float]]]:
        """(why the photo may show text, or ""; where the detector sees it)."""
        if is_screenshot_like(photo, hints):
            return "screenshot", []
        if self.finder is not None:
            share, regions = self.finder.look(photo.image)
            return ("text found", regions) if share >= TEXT_SHARE else ("", [])
        return self._blind_gate(photo, found), []

    def _blind_gate(self, photo: DecodedPhoto, found: Mapping[str, object]) -> str:
        """Without the text detector: what the models saw that carries text, or paper."""
        classes = _rows(found.get(self.classifier))
        if sum(p for c, p in classes.items() if c in TEXT_CLASSES) >= TEXT_CLASS_FLOOR:
            return "classifier"
        detections = _rows(found.get(self.detector)) if self.detector else {}
        if any(p >= TEXT_DETECTION_FLOOR for c, p in detections.items()
               if c in TEXT_DETECTIONS):
            return "detector"
        if looks_like_paper(photo.image):
            return "paper"
        return ""

    def read_text(self, photo: DecodedPhoto, found: Mapping[str, object],
                  hints: FileHints) -> TextReading:
        """Gate, OCR and kinds of one photo decoded at READ_MIN_SIDE (OcrError when
        Tesseract fails on it)."""
        reason, regions = self._look(photo, found, hints)
        if not reason:
            return TextReading({}, (), read=False)
        lines = tuple(self.tesseract.read(photo.image))
        if regions and _word_count(lines) < FEW_WORDS:
            # a busy photo: the page layout missed what the detector saw; read it alone
            cut_out = tuple(line for box in regions
                            for line in self.tesseract.read_region(photo.image, box))
            if _word_count(cut_out) > _word_count(lines):
                lines = tuple(sorted(cut_out, key=lambda line: (round(line.box[1], 2),
                                                                line.box[0])))
        return TextReading(self.kinds(lines, photo, found, hints), lines, read=True)

    def kinds(self, lines: tuple[TextLine, ...], photo: DecodedPhoto,
              found: Mapping[str, object], hints: FileHints) -> dict[str, float]:
        """What the text makes of the photo: a Russian speaker's kinds, from the layout,
        the words and what the other signals saw."""
        words = [w for line in lines for w in _WORD.findall(line.text)]
        letters = sum(len(w) for w in words if not w.isdigit())
        screenshot = is_screenshot_like(photo, hints)
        kinds: dict[str, float] = {}
        if screenshot:
            kinds["скриншот"] = 0.9 if letters >= 8 else 0.6
        # one long word in big letters is a sign's name («АПТЕКА», «Пятёрочка»)
        big_word = bool(lines) and any(len(w) >= 5 and not w.isdigit() for w in words) \
            and max(line.box[3] - line.box[1] for line in lines) >= 0.04
        if (letters < 6 or len([w for w in words if len(w) >= 3]) < 2) and not big_word:
            return kinds  # a stray word or two: no text to speak of
        kinds["текст"] = min(1.0, 0.5 + letters / 80)
        # word as read -> its lemma; a kind counts the distinct words of its own
        read = {w.lower().replace("ё", "е") for w in words}
        lemmas = {w: self.lemma(w).replace("ё", "е") for w in read}
        hits = {kind: len({lemmas[w] for w in read if w in vocabulary or lemmas[w] in vocabulary})
                for kind, vocabulary in self._kind_words.items()}
        text = "\n".join(line.text for line in lines)
        prices = len(_PRICE.findall(text))
        contacts = len(_CONTACT.findall(text))
        classes = _rows(found.get(self.classifier))
        detections = _rows(found.get(self.detector)) if self.detector else {}
        person = detections.get(0, 0.0)
        coverage = _area(lines)
        tallest = max(line.box[3] - line.box[1] for line in lines)
        aspect = photo.width / max(1, photo.height)

        def put(kind: str, score: float) -> None:
            if score >= KIND_FLOOR:
                kinds[kind] = max(kinds.get(kind, 0.0), min(1.0, score))

        # A page: many lines and words over much of the photo, or a document's words.
        if len(lines) >= 8 and len(words) >= 40:
            put("документ", 0.7 + 0.2 * (coverage >= 0.3))
        elif len(lines) >= 5 and len(words) >= 20:
            put("документ", 0.5)
        put("документ", 0.45 * min(hits["документ"], 2))
        put("чек", {0: 0.0, 1: 0.5}.get(hits["чек"], 0.9) + (0.2 if prices >= 2 else 0.0)
            if hits["чек"] else (0.5 if prices >= 4 and aspect < 0.8 else 0.0))
        put("билет", {0: 0.0, 1: 0.45}.get(hits["билет"], 0.9))
        if hits["паспорт"] >= 2:  # the page of a passport has its holder's face
            put("паспорт", 0.9 if person >= 0.3 else 0.7)
        elif hits["паспорт"] == 1 and person >= 0.3:
            put("паспорт", 0.5)
        if (contacts and 3 <= len(lines) <= 14 and len(words) <= 60 and not screenshot
                and not hits["чек"]):
            put("визитка", 0.6 + 0.3 * (hits["визитка"] > 0))
        put("меню", max(classes.get(922, 0.0),
                        {0: 0.0, 1: 0.4 + 0.3 * (prices >= 2)}.get(hits["меню"], 0.9)))
        sign_seen = max(classes.get(919, 0.0), detections.get(11, 0.0))
        if sign_seen >= 0.1:
            put("вывеска", 0.6 + 0.3 * min(1.0, sign_seen / 0.5))
        elif (not screenshot and len(lines) <= 8 and len(words) <= 20 and coverage < 0.25
              and tallest >= 0.04):
            put("вывеска", 0.55)  # a few big words in a camera photo: a sign, a plate
        # a slide is shown on a screen: a file of one, or a screen or projector in the photo
        on_screen = screenshot or not hints.camera or max(
            (classes.get(c, 0.0) for c in SCREEN_CLASSES), default=0.0) >= 0.1
        if (_is_slide_shape(aspect) and on_screen and 2 <= len(lines) <= 14
                and len(words) <= 80 and tallest >= 0.05 and "документ" not in kinds):
            put("слайд", 0.6 + 0.2 * screenshot)
        return _explained(kinds)


def _explained(kinds: dict[str, float]) -> dict[str, float]:
    """What a text is of a specific kind explains it: a receipt's many lines do not make it
    also «документ», its big letters «вывеска», its «кофе» and prices «меню». When a
    specific kind is sure, the weaker kinds are capped below the floor of a sure one; a
    passport stays a document (documents, in Russian, are one's papers too)."""
    sure = max((kinds.get(k, 0.0) for k in SPECIFIC_KINDS), default=0.0)
    if sure < SURE_KIND:
        return kinds
    strongest = max(SPECIFIC_KINDS, key=lambda k: kinds.get(k, 0.0))
    explained = dict(kinds)
    for kind, score in kinds.items():
        if kind in ("текст", "скриншот", strongest):
            continue
        if kind == "документ" and strongest == "паспорт":
            continue
        if score <= sure - 0.2 or kind in ("документ", "вывеска", "слайд"):
            explained[kind] = min(score, EXPLAINED_CAP)
    return {k: v for k, v in explained.items() if v >= KIND_FLOOR}


def is_screenshot_like(photo: DecodedPhoto, hints: FileHints) -> bool:
    """No camera wrote it, and it is a lossless picture or exactly a screen's size."""
    if hints.camera:
        return False
    return (photo.file_format in SCREENSHOT_FORMATS
            or (photo.width, photo.height) in SCREEN_SIZES)


def looks_like_paper(image: Image.Image) -> bool:
    """Bright, grey and crossed by sharp edges: a page, a receipt, a printed sheet (about
    a millisecond on a 256 px copy)."""
    small = image.convert("RGB")
    small.thumbnail((256, 256))
    rgb = np.asarray(small, np.int16)
    grey = rgb.mean(axis=2)
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    bright = np.mean((grey >= 170) & (saturation <= 40))
    if bright < PAPER_BRIGHT_SHARE:
        return False
    edges = (np.abs(np.diff(grey, axis=1)) >= 48).mean() + \
        (np.abs(np.diff(grey, axis=0)) >= 48).mean()
    return bool(edges / 2 >= PAPER_EDGE_SHARE)


def _word_count(lines: tuple[TextLine, ...]) -> int:
    return sum(len(_WORD.findall(line.text)) for line in lines)


def _is_slide_shape(aspect: float) -> bool:
    return any(abs(aspect - a) / a <= 0.02 for a in (16 / 9, 4 / 3, 16 / 10))


def _area(lines: tuple[TextLine, ...]) -> float:
    """The share of the photo inside the box around all the lines."""
    x1 = min(line.box[0] for line in lines)
    y1 = min(line.box[1] for line in lines)
    x2 = max(line.box[2] for line in lines)
    y2 = max(line.box[3] for line in lines)
    return max(0.0, x2 - x1) * max(0.0, y2 - y1)


def _rows(tags: object) -> dict[int, float]:
    """A signal's rows as class -> score (classes in its own numbering)."""
    if tags is None:
        return {}
    return dict(zip(tags.classes.tolist(), tags.probs.tolist(),  # type: ignore[attr-defined]
                    strict=True))


def _model_id(settings: Settings) -> str | None:
    return MODEL_ID if settings.text else None


def _build(settings: Settings, cache_dir: Path | None) -> TextSignal:
    from daemon.config import classifier_model_id
    from daemon.query.text import Lemmatizer
    from daemon.signals.detector import detector_model_id
    from daemon.signals.ocr import find_tesseract

    tesseract, why = find_tesseract()
    if tesseract is None:
        raise TextUnavailable(why)
    detector = detector_model_id(settings.detector_size) if settings.detector else None
    return TextSignal(tesseract, Lemmatizer().lemma, classifier_model_id(settings), detector,
                      TextFinder())


class TextUnavailable(Exception):
    """The text signal cannot run here; the message says why (Tesseract missing)."""


HOW_TO_ENABLE = ("install Tesseract with its Russian data (Debian/Ubuntu: sudo apt install "
                 "tesseract-ocr tesseract-ocr-rus; macOS: brew install tesseract "
                 "tesseract-lang) and restart the daemon")

SIGNAL = SignalSpec("text_kinds", order=10, concepts=CONCEPTS, model_id=_model_id,
                    build=_build, later=True)
