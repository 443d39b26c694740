"""Pictures of text made by the tests: lines drawn in a real font, saved as real files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import COCO_IMAGES
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from daemon.signals.ocr import find_tesseract

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# A wooden table with spoons on it, no writing anywhere: a page is put on it.
TABLE = COCO_IMAGES / "000000386164.jpg"

TESSERACT, WHY_NO_TESSERACT = find_tesseract()
needs_tesseract = pytest.mark.skipif(
    TESSERACT is None or "rus" not in TESSERACT.languages or not FONT.exists(),
    reason=f"needs Tesseract with Russian data and DejaVu fonts ({WHY_NO_TESSERACT or 'no rus'}"
           "): apt install tesseract-ocr tesseract-ocr-rus fonts-dejavu-core; .ci/run does")


def draw_lines(path: Path, lines: list[str], size: tuple[int, int] = (900, 700),
               font_size: int = 34, background: tuple[int, int, int] = (255, 255, 255),
               top: int = 40) -> Path:
    """Black lines of text on a plain background, one under another; the format follows
    the file's suffix."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), font_size)
    for i, line in enumerate(lines):
        draw.text((40, top + i * int(font_size * 1.7)), line, font=font, fill=(0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=92) if path.suffix.lower() in (".jpg", ".jpeg") else image.save(path)
    return path


RECEIPT = ["ООО «ИКЕА ДОМ»", "ИНН 7701234567", "Кассовый чек № 1234",
           "Стул ИНГОЛЬФ 2 999,00", "Лампа 1 299,00", "ИТОГО 4 298,00", "Сдача 702,00",
           "Спасибо за покупку!"]
WIFI_SCREEN = ["Настройки Wi-Fi", "Сеть: HomeNet", "Пароль: qwerty12345", "Подключено"]


def photographed_page_image(lines: list[str], font_path: Path = FONT) -> Image.Image:
    """A printed sheet lying on a real table (a COCO photo), a degree and a half askew,
    slightly out of focus."""
    table = Image.open(TABLE).convert("RGB")
    table = table.resize((table.width * 3, table.height * 3), Image.Resampling.LANCZOS)
    page = Image.new("RGBA", (int(table.width * 0.8), int(table.height * 0.75)),
                     (245, 245, 238, 255))
    font = ImageFont.truetype(str(font_path), 42)
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        draw.text((60, 60 + row * 74), line, fill=(25, 25, 25, 255), font=font)
    page = page.rotate(1.5, expand=True, resample=Image.Resampling.BICUBIC)
    table.paste(page, ((table.width - page.width) // 2, (table.height - page.height) // 2),
                page)
    return table.filter(ImageFilter.GaussianBlur(1.2))


def photographed_page(lines: list[str], font_path: Path = FONT) -> bytes:
    """The same, saved as a phone would save it: JPEG bytes."""
    buffer = io.BytesIO()
    photographed_page_image(lines, font_path).save(buffer, format="JPEG", quality=75)
    return buffer.getvalue()


NOTICE = ["Уважаемые жители!", "Пятнадцатого марта с девяти", "утра до шести вечера будет",
          "отключена горячая вода в связи", "с плановым ремонтом труб.",
          "Просим заранее запастись водой", "и закрыть краны в квартирах.",
          "Приносим извинения за", "временные неудобства.", "По всем вопросам звоните",
          "диспетчеру по телефону", "8-800-555-35-35.", "Управляющая компания «Уют»"]
# its words but the one-letter ones («в», «с», «и»), which keep_word drops on purpose
NOTICE_WORDS = [w for line in NOTICE for w in re.findall(r"\w+", line) if len(w) > 1]


def window_screenshot(display: str, lines: list[str]) -> Image.Image:
    """A real Tk window with these lines as labels, grabbed off the X screen (Xvfb: the
    `display` fixture); skips the test where the screen cannot be grabbed."""
    tkinter = pytest.importorskip("tkinter")
    from PIL import ImageGrab

    root = tkinter.Tk(screenName=display)
    try:
        root.geometry("+0+0")
        root.configure(bg="white")
        for text in lines:
            tkinter.Label(root, text=text, font=("DejaVu Sans", 28), bg="white",
                          fg="black").pack(anchor="w", padx=20, pady=8)
        root.update()
        try:
            return ImageGrab.grab(xdisplay=display)
        except OSError as exc:
            pytest.skip(f"cannot grab the X screen here: {exc}")
    finally:
        root.destroy()
