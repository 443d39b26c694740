"""Pictures of text made by the tests: lines drawn in a real font, saved as real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from daemon.signals.ocr import find_tesseract

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

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
