"""What time and place cost the daemon: milliseconds a photo to index, megabytes of memory.

    python bench/when_where_cost.py [--photos 200]

- Reading: FactsReader.read (EXIF, then the nearest town for a GPS position) on JPEGs with
  full EXIF written from COCO photos (each at a random position: the lookup of the nearest
  town costs the same everywhere), and on the COCO photos as they are (no EXIF:
  the file's date). Best of 5 reads of the bytes in memory, median over the photos.
- Writing: the facts' row costs within the photo's transaction: 2000 photos put into an
  index with and without their facts (the same tags), the difference a photo. And the same
  photos indexed with the classifier, the detector and the colours, with and without the
  facts, alternating, 3 times each: the difference of the medians a photo (noisy: the
  indexing itself takes ~20 ms a photo).
- Memory: a fresh process imports the daemon, then loads the place data (Gazetteer.load);
  VmRSS before and after.
Targets (issue 15): <= 1 ms a photo; <= 150 MB of RSS for the place data.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from common import ROOT, coco_photos

sys.path.insert(0, str(ROOT / "tests"))
from photo_files import write_photo  # noqa: E402 - the test helper that writes real EXIF

from daemon.index.indexer import Indexer  # noqa: E402
from daemon.index.store import FileIdentity, PhotoFacts, SparseTags, Store  # noqa: E402
from daemon.places import Gazetteer  # noqa: E402
from daemon.signals.classifier import load_tagger  # noqa: E402
from daemon.signals.colours import Colours, default_table  # noqa: E402
from daemon.signals.detector import Detector  # noqa: E402
from daemon.signals.metadata import FactsReader  # noqa: E402

REPEATS = 5
ROUNDS = 3
RSS_PROBE = """
import json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import daemon.service.app, daemon.query.search  # what the daemon imports
from daemon.places import Gazetteer
before = rss()
gazetteer = Gazetteer.load()
gazetteer.nearest(55.75, 37.61)
print(json.dumps({"before_mb": before, "after_mb": rss()}))
"""


def read_ms(reader: FactsReader, files: list[Path]) -> float:
    times = []
    for path in files:
        data, mtime = path.read_bytes(), path.stat().st_mtime_ns
        best = float("inf")
        for _ in range(REPEATS):
            started = time.perf_counter()
            reader.read(data, mtime)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1000)
    return statistics.median(times)


def put_ms(db: Path, facts: PhotoFacts | None, count: int = 2000) -> float:
    tags = SparseTags(np.arange(40, dtype=np.uint16), np.full(40, 0.02, np.float32))
    with Store(db) as store:
        started = time.perf_counter()
        for index in range(count):
            store.put_photo(FileIdentity(f"/photos/{index:05d}.jpg", 1, 1), f"{index:040x}",
                            640, 480, {"classifier": tags}, facts)
        return (time.perf_counter() - started) / count * 1000


def index_seconds(folder: Path, db: Path, signals: list, facts: FactsReader | None) -> float:
    with Store(db) as store:
        report = Indexer(store, signals, facts=facts).index_folder(folder)
    return report.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args()

    gazetteer = Gazetteer.load()
    reader = FactsReader(gazetteer)
    rng = random.Random(15)
    photos = coco_photos(args.photos)
    figures: dict[str, object] = {"photos": len(photos)}
    with tempfile.TemporaryDirectory(prefix="smart-gallery-facts-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for index, photo in enumerate(photos):
            # anywhere between the polar circles: the lookup costs the same everywhere
            lat, lon = rng.uniform(-60, 66), rng.uniform(-180, 180)
            write_photo(folder / f"{index:04d}.jpg", source=photo,
                        taken=datetime(2020, 1, 1) + timedelta(hours=rng.randrange(50_000)),
                        offset="+03:00", gps=(lat, lon),
                        make="Apple", model="iPhone 12")
        with_exif = sorted(folder.glob("*.jpg"))
        figures["read_ms_exif_gps"] = round(read_ms(reader, with_exif), 4)
        figures["read_ms_no_exif"] = round(read_ms(reader, photos), 4)
        facts = reader.read(with_exif[0].read_bytes(), 0)
        figures["write_ms_facts_row"] = round(put_ms(Path(tmp) / "facts.sqlite3", facts)
                                              - put_ms(Path(tmp) / "plain.sqlite3", None), 4)

        default_table()
        detector = Detector(threads=2)
        signals = [load_tagger("efficientnet-lite0"), detector, Colours(detector.model_id)]
        index_seconds(folder, Path(tmp) / "warm.sqlite3", signals, None)  # warm the models
        runs: dict[bool, list[float]] = {False: [], True: []}
        for round_ in range(ROUNDS):  # alternating, so that a slow moment hits both
            for kept in (False, True):
                runs[kept].append(index_seconds(folder, Path(tmp) / f"{round_}{kept}.sqlite3",
                                                signals, reader if kept else None))
        without, with_facts = statistics.median(runs[False]), statistics.median(runs[True])
        figures["index_ms_a_photo_without_facts"] = round(without / len(photos) * 1000, 2)
        figures["index_ms_a_photo_with_facts"] = round(with_facts / len(photos) * 1000, 2)
        figures["facts_ms_a_photo"] = round((with_facts - without) / len(photos) * 1000, 3)
    probe = subprocess.run([sys.executable, "-c", RSS_PROBE], capture_output=True, text=True,
                           cwd=ROOT, check=True)
    rss = json.loads(probe.stdout)
    figures["rss_mb_before_places"] = round(rss["before_mb"], 1)
    figures["rss_mb_after_places"] = round(rss["after_mb"], 1)
    figures["rss_mb_places"] = round(rss["after_mb"] - rss["before_mb"], 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
