"""How well copies are found: COCO photos and copies made of each (half size, JPEG quality
60, 5 % cropped, turned 2°), indexed with the classifier and the fingerprint.

    python bench/duplicates_eval.py [--photos 100]

Prints how many copies of each kind are grouped with their photo, how many groups join two
different COCO photos (wanted: none), and how long find_duplicates takes on the whole
library (the ALL-pairs comparison is one matrix product per block of photos). Targets
(issue 16): >= 95 % found, no group joining two different photos.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, coco_photos
from PIL import Image

sys.path.insert(0, str(ROOT / "tests"))

from daemon.index.indexer import Indexer  # noqa: E402
from daemon.index.store import Store  # noqa: E402
from daemon.index.vectors import VectorTable  # noqa: E402
from daemon.query.duplicates import find_duplicates, library_files  # noqa: E402
from daemon.signals.classifier import load_tagger  # noqa: E402
from daemon.signals.fingerprint import Fingerprint  # noqa: E402

KINDS = ("half", "q60", "crop", "turned")


def made_over(image: Image.Image, kind: str) -> bytes:
    width, height = image.size
    dx, dy = int(width * 0.05), int(height * 0.05)
    copy = {"half": lambda: image.resize((width // 2, height // 2), Image.Resampling.LANCZOS),
            "q60": lambda: image,
            "crop": lambda: image.crop((dx, dy, width - dx, height - dy)),
            "turned": lambda: image.rotate(2, resample=Image.Resampling.BICUBIC)}[kind]()
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=60 if kind == "q60" else 90)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    args = parser.parse_args()
    sources = coco_photos()
    tagger = load_tagger("efficientnet-lite0")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for index, source in enumerate(sources):  # every COCO photo: the false joins count
            (folder / source.name).write_bytes(source.read_bytes())
            if index < args.photos:
                image = Image.open(source).convert("RGB")
                for kind in KINDS:
                    (folder / f"{source.stem}-{kind}.jpg").write_bytes(made_over(image, kind))
        with Store(Path(tmp) / "index.sqlite3") as store:
            Indexer(store, [tagger, Fingerprint()]).index_folder(folder)
            files, hashes = library_files(store)
            vectors = VectorTable.load(store, tagger.model_id)
    started = time.perf_counter()
    groups = find_duplicates(files, vectors, hashes)
    seconds = time.perf_counter() - started
    grouped = {Path(p.path).name for g in groups for p in g.photos}
    wrong = [g for g in groups if len({Path(p.path).stem.split("-")[0] for p in g.photos}) > 1]
    print(f"photos: {len(files)} ({len(sources)} COCO photos, copies of {args.photos})")
    for kind in KINDS:
        copies = [f"{s.stem}-{kind}.jpg" for s in sources[:args.photos]]
        found = sum(c in grouped for c in copies)
        print(f"  {kind:7s} found {found} / {len(copies)}")
    total = sum(f"{s.stem}-{k}.jpg" in grouped for s in sources[:args.photos] for k in KINDS)
    print(f"all copies found: {total / (len(KINDS) * args.photos):.3f}; groups joining "
          f"different photos: {len(wrong)}; groups: {len(groups)}; "
          f"find_duplicates {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
