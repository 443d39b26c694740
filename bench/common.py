"""Shared helpers for the benchmarks: test photos and peak memory."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
COCO = ROOT.parent / "shared" / "data" / "coco"


def coco_photos(limit: int | None = None) -> list[Path]:
    photos = sorted((COCO / "images").glob("*.jpg"))
    if not photos:
        sys.exit(f"no COCO photos under {COCO}; the benchmarks need ../shared/data")
    return photos[:limit]


def make_large_jpegs(folder: Path, count: int, size: tuple[int, int] = (4000, 3000)) -> list[Path]:
    """12-megapixel JPEGs made by upscaling COCO photos (cached in folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for source in coco_photos(count):
        target = folder / f"big_{source.stem}.jpg"
        if not target.exists():
            with Image.open(source) as image:
                width, height = size if image.width >= image.height else size[::-1]
                image.convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(
                    target, quality=92)
        made.append(target)
    return made


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wrap_words(text: str, face, width: float) -> list[str]:  # noqa: ANN001 - a Pillow font
    """The text broken into lines no wider than width in this font (words kept whole)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and face.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])
