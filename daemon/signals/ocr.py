"""Tesseract OCR: an image -> the lines of text it shows, with where and how surely.

Tesseract is a program of the system (Debian/Ubuntu: `tesseract-ocr tesseract-ocr-rus`,
macOS: `brew install tesseract tesseract-lang`), reached through pytesseract. Where it is
missing, `find_tesseract` says so and why, and the text signal stays off.

What Tesseract calls words on a photo without text is mostly noise: bricks, leaves and
fences read as «ee», «|», «—». A word is kept only when Tesseract is fairly sure of it and
it has letters or digits enough to be a word, and a line only when its words are, on the
whole, sure (see keep_word, keep_line).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

# Russian first: on a mixed page Tesseract tries the languages in this order.
LANGUAGES = ("rus", "eng")
# Tesseract reads best with letters 20-40 px high: the long side of what it is given.
MAX_SIDE = 2400
MIN_SIDE_BEFORE_UPSCALE = 1000  # smaller images (a 640 px photo) are read at twice the size
# Word confidence (0..100) below which a word is noise; a line needs this mean.
MIN_WORD_CONFIDENCE = 60
MIN_LINE_CONFIDENCE = 70
TIMEOUT_SECONDS = 60  # one image; a pathological one must not hold the pass forever
REGION_MARGIN = 0.5  # around a region read alone, of its height: Tesseract wants a border

_WORD_CHARS = re.compile(r"[0-9A-Za-zА-Яа-яЁё]")


class OcrError(Exception):
    """Tesseract failed on an image (the message says how)."""


@dataclass(frozen=True)
class TextLine:
    text: str  # the line's words, joined by spaces
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 as fractions of the image
    confidence: float  # mean word confidence, 0..1


@dataclass(frozen=True)
class Tesseract:
    """A found Tesseract and the languages it reads here."""

    version: str
    languages: tuple[str, ...]

    @property
    def model_id(self) -> str:
        return f"tesseract-{self.version}-{'+'.join(self.languages)}"

    def read(self, image: Image.Image, layout: int = 3) -> list[TextLine]:
        """The lines of text in an image, top to bottom; [] when it shows none. layout:
        Tesseract's page segmentation (3: find the blocks of a page; 6: one block)."""
        import pytesseract

        grey = _for_reading(image)
        try:
            data = pytesseract.image_to_data(
                grey, lang="+".join(self.languages), config=f"--psm {layout}",
                output_type=pytesseract.Output.DICT, timeout=TIMEOUT_SECONDS)
        except (pytesseract.TesseractError, OSError) as exc:  # before RuntimeError: a subclass
            raise OcrError(f"tesseract failed: {exc}") from exc
        except RuntimeError as exc:  # pytesseract's timeout
            raise OcrError(f"tesseract took over {TIMEOUT_SECONDS} s") from exc
        return _lines(data, grey.width, grey.height)


    def read_region(self, image: Image.Image,
                    box: tuple[float, float, float, float]) -> list[TextLine]:
        """The lines in one region of the image (x1, y1, x2, y2 as fractions), read as one
        block with a margin around it; boxes stay fractions of the whole image. On a busy
        photo Tesseract's own page layout misses a sign that it reads once cut out."""
        x1, y1, x2, y2 = box
        margin = REGION_MARGIN * (y2 - y1) * image.height
        left = max(0, int(x1 * image.width - margin))
        top = max(0, int(y1 * image.height - margin))
        right = min(image.width, int(x2 * image.width + margin) + 1)
        bottom = min(image.height, int(y2 * image.height + margin) + 1)
        if right - left < 8 or bottom - top < 8:
            return []
        crop = image.crop((left, top, right, bottom))
        width, height = image.width, image.height
        return [TextLine(line.text, ((left + line.box[0] * crop.width) / width,
                                     (top + line.box[1] * crop.height) / height,
                                     (left + line.box[2] * crop.width) / width,
                                     (top + line.box[3] * crop.height) / height),
                         line.confidence)
                for line in self.read(crop, layout=6)]


def find_tesseract() -> tuple[Tesseract | None, str]:
    """(the system's Tesseract with the languages it has of ours, "") or (None, why not)."""
    try:
        import pytesseract
    except ImportError:
        return None, "pytesseract is not installed"
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return None, "tesseract is not installed"
    try:
        version = str(pytesseract.get_tesseract_version()).split()[0]
        have = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError, subprocess.SubprocessError,
            ValueError, IndexError, SystemExit) as exc:
        # pytesseract exits (SystemExit) on a version it cannot parse or finds too old
        return None, f"tesseract does not run: {exc or 'no version it understands'}"
    languages = tuple(lang for lang in LANGUAGES if lang in have)
    if not languages:
        return None, "tesseract has neither Russian nor English data"
    return Tesseract(version, languages), ""


def one_thread() -> None:
    """Tesseract's OpenMP threads, one per process: the pass runs beside the rest, at low
    priority, and on two cores a second thread gains little on one page."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def keep_word(word: str, confidence: float) -> bool:
    """A word Tesseract is sure of that has two letters or digits at least (or is one
    digit: a house number)."""
    letters = len(_WORD_CHARS.findall(word))
    return confidence >= MIN_WORD_CONFIDENCE and (letters >= 2 or word.isdigit())


def keep_line(confidences: list[float]) -> bool:
    return bool(confidences) and sum(confidences) / len(confidences) >= MIN_LINE_CONFIDENCE


def _for_reading(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    long_side = max(grey.size)
    if long_side > MAX_SIDE:
        scale = MAX_SIDE / long_side
    elif long_side < MIN_SIDE_BEFORE_UPSCALE:
        scale = 2.0
    else:
        return grey
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return grey.resize(size, Image.Resampling.LANCZOS)


def _lines(data: dict[str, list], width: int, height: int) -> list[TextLine]:
    """Tesseract's word table -> lines of the words worth keeping."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word and word.strip():
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(i)
    found = []
    for indices in lines.values():
        words = [(data["text"][i].strip(), float(data["conf"][i]), i) for i in indices]
        kept = [(w, c, i) for w, c, i in words if keep_word(w, c)]
        if not kept or not keep_line([c for _, c, _ in kept]):
            continue
        x1 = min(data["left"][i] for _, _, i in kept)
        y1 = min(data["top"][i] for _, _, i in kept)
        x2 = max(data["left"][i] + data["width"][i] for _, _, i in kept)
        y2 = max(data["top"][i] + data["height"][i] for _, _, i in kept)
        found.append(TextLine(" ".join(w for w, _, _ in kept),
                              (x1 / width, y1 / height, x2 / width, y2 / height),
                              sum(c for _, c, _ in kept) / len(kept) / 100))
    found.sort(key=lambda line: (round(line.box[1], 2), line.box[0]))
    return found
