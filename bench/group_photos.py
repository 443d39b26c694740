"""Who is who in large group photos: the faces of 12 MP group photos, matched to the people.

    python bench/group_photos.py [--groups 30] [--width 4000]

A phone's 12 MP JPEG is decoded at 1/8 of its size for the models (500 × 375), where the
faces of a group photo are 20–35 px: too small for dlib's descriptor (32 px at least), so
the people in them could not be named. The faces signal reads such faces from the photo
decoded again at twice the size (daemon/signals/faces.py, SHARPER). This bench builds
group photos from real faces and reads them both ways.

The photos are ../shared/data/faces (SOURCE.md there; 30 people, 4–8 photos each). Each
person's first photo is their reference, read alone as a portrait. A group photo puts the
other photos of GROUP_SIZE people, chosen by a seeded generator, side by side (each scaled
to one height), scales the row to --width px and places it across the middle of a 4:3
canvas, saved as JPEG quality 90: a 12 MP group photo at the default width. It is read as
the indexer reads it (decoded, the COCO detector, then the faces signal). A face counts as
named rightly when it was described and the nearest reference (dlib distance) is the person
placed where the face is, within 0.5 (the distance at which daemon/index/people.py joins a
face to a person); wrongly when the nearest within 0.5 is someone else.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.signals.decode import decode_bytes  # noqa: E402
from daemon.signals.detector import Detector  # noqa: E402
from daemon.signals.faces import Faces, stored_faces  # noqa: E402

FACES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces"
GROUP_SIZE = 6
ROW_HEIGHT = 400  # px each photo is scaled to before the row is scaled to the width
JOIN = 0.5  # daemon/index/people.py's distance for one person


@dataclasses.dataclass
class Tally:
    placed: int = 0
    found: int = 0
    described: int = 0
    right: int = 0
    wrong: int = 0
    seconds: float = 0.0

    def line(self, label: str) -> str:
        return (f"{label:<28} placed {self.placed}, found {self.found}, described "
                f"{self.described}, named rightly {self.right}, wrongly {self.wrong}; "
                f"{self.seconds / max(1, self.placed // GROUP_SIZE) * 1000:.0f} ms a photo")


def _group_photo(photos: list[Path], width: int) -> tuple[bytes, list[tuple[float, float]]]:
    """A 4:3 JPEG of the photos side by side, and each photo's span (x fractions)."""
    images = []
    for path in photos:
        with Image.open(path) as image:
            scale = ROW_HEIGHT / image.height
            images.append(image.convert("RGB").resize((round(image.width * scale), ROW_HEIGHT)))
    row = Image.new("RGB", (sum(i.width for i in images), ROW_HEIGHT), "white")
    spans, x = [], 0
    for image in images:
        row.paste(image, (x, 0))
        spans.append((x / row.width, (x + image.width) / row.width))
        x += image.width
    row = row.resize((width, round(ROW_HEIGHT * width / row.width)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (width, width * 3 // 4), (118, 132, 108))
    canvas.paste(row, (0, (canvas.height - row.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue(), spans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--width", type=int, default=4000)
    args = parser.parse_args()
    labels: dict[str, str] = json.loads((FACES / "labels.json").read_text())
    photos: dict[str, list[Path]] = {}
    for name, who in sorted(labels.items()):
        photos.setdefault(who, []).append(FACES / "images" / name)
    detector = Detector(threads=1)
    signal = Faces(detector.model_id)
    references: dict[str, np.ndarray] = {}
    for who, paths in photos.items():
        readings = [r for r in signal.look(decode_bytes(paths[0].read_bytes()).image)
                    if r.descriptor is not None]
        if readings:
            references[who] = readings[0].descriptor
    names = sorted(references)
    matrix = np.stack([references[n] for n in names])
    rng = random.Random(14)
    tallies = {"at the decoded size": Tally(), "sharper (the default)": Tally()}
    for _ in range(args.groups):
        people = rng.sample(names, GROUP_SIZE)
        chosen = [rng.choice(photos[who][1:]) for who in people]
        data, spans = _group_photo(chosen, args.width)
        photo = decode_bytes(data)
        found = {detector.model_id: detector.read(photo, {})}
        for label, read_as in (("at the decoded size", dataclasses.replace(photo, data=b"")),
                               ("sharper (the default)", photo)):
            tally = tallies[label]
            tally.placed += GROUP_SIZE
            started = time.perf_counter()
            rows = signal.read(read_as, found)
            tally.seconds += time.perf_counter() - started
            _count(tally, stored_faces(rows), people, spans, names, matrix)
    print(f"{args.groups} group photos of {GROUP_SIZE} people, {args.width} × "
          f"{args.width * 3 // 4} px, decoded at {photo.image.size[0]} × {photo.image.size[1]}; "
          f"references of {len(names)} people")
    for label, tally in tallies.items():
        print(tally.line(label))
    return 0


def _count(tally: Tally, faces: list, people: list[str], spans: list[tuple[float, float]],
           names: list[str], matrix: np.ndarray) -> None:
    for face in faces:
        centre = (face.box[0] + face.box[2]) / 2
        slot = next((i for i, (a, b) in enumerate(spans) if a <= centre < b), None)
        if slot is None:
            continue
        tally.found += 1
        if face.descriptor is None:
            continue
        tally.described += 1
        distances = np.linalg.norm(matrix - face.descriptor, axis=1)
        nearest = int(np.argmin(distances))
        if distances[nearest] < JOIN:
            if names[nearest] == people[slot]:
                tally.right += 1
            else:
                tally.wrong += 1


if __name__ == "__main__":
    sys.exit(main())
