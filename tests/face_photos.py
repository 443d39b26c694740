"""Real photos of faces from ../shared/data/faces (SOURCE.md there): several photos each of
a few people, by the labels the data set gives, and photos put side by side as a group."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

FACES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces"


def photos_of(person: str) -> list[Path]:
    """The labelled photos of one person, by file name."""
    labels = json.loads((FACES / "labels.json").read_text())
    return [FACES / "images" / name for name, who in sorted(labels.items()) if who == person]


def side_by_side(target: Path, photos: list[Path], height: int = 400) -> Path:
    """The photos scaled to one height and put in a row: a group photo of real faces."""
    images = []
    for path in photos:
        with Image.open(path) as image:
            scale = height / image.height
            images.append(image.convert("RGB").resize((round(image.width * scale), height)))
    canvas = Image.new("RGB", (sum(i.width for i in images), height), "white")
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width
    target.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(target, quality=92)
    return target
