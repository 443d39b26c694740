"""What the colour signal costs: milliseconds a photo and bytes of index a photo.

    python bench/colour_cost.py [--photos 300]

Time: Colours.read alone on photos decoded as the indexer decodes them (12 MP JPEGs,
reduced while decoding) with the detector's boxes, and on the COCO photos (640 px, not
reduced: more pixels to shrink). Size: the COCO photos indexed with the classifier and the
detector, then the colours added; the index file (vacuumed) before and after, per photo.
Targets (issue 13): <= 1 ms a photo, <= 200 bytes a photo.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, coco_photos, make_large_jpegs

from daemon.index.indexer import Indexer
from daemon.index.store import Store
from daemon.signals.classifier import load_tagger
from daemon.signals.colours import Colours, default_table
from daemon.signals.decode import decode_photo
from daemon.signals.detector import Detector


def read_times(photos: list[Path], detector: Detector, colours: Colours) -> list[float]:
    times = []
    for path in photos:
        decoded = decode_photo(path)
        found = {detector.model_id: detector.read(decoded, {})}
        started = time.perf_counter()
        colours.read(decoded, found)
        times.append((time.perf_counter() - started) * 1000)
    return times


def vacuumed_size(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        connection.execute("VACUUM")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        return pages * connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    args = parser.parse_args()

    default_table()  # built once a process; not a photo's cost
    detector = Detector(threads=2)
    colours = Colours(detector.model_id)
    large = make_large_jpegs(ROOT / "bench" / "out" / "large_jpegs", args.photos)
    coco = coco_photos(args.photos)
    result: dict[str, object] = {}
    for name, photos in (("12mp", large), ("coco", coco)):
        times = read_times(photos, detector, colours)
        result[f"{name}_ms_median"] = round(statistics.median(times), 3)
        result[f"{name}_ms_p90"] = round(sorted(times)[int(len(times) * 0.9)], 3)

    tagger = load_tagger("efficientnet-lite0", threads=2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for path in coco:
            (folder / path.name).symlink_to(path)
        db = Path(tmp) / "index.sqlite3"
        with Store(db) as store:
            Indexer(store, [tagger, detector]).index_folder(folder)
        before = vacuumed_size(db)
        with Store(db) as store:
            report = Indexer(store, [tagger, detector, colours]).index_folder(folder)
            rows = sum(len(tags.classes) for _, _, tags in store.iter_tags(colours.model_id))
        after = vacuumed_size(db)
    photos = report.tagged
    result.update({"photos": photos, "index_bytes_before": before, "index_bytes_after": after,
                   "bytes_per_photo": round((after - before) / photos, 1),
                   "rows_per_photo": round(rows / photos, 1)})
    print(json.dumps(result))
    print(f"colours: {result['12mp_ms_median']} ms a photo (12 MP, p90 {result['12mp_ms_p90']}),"
          f" {result['coco_ms_median']} ms (COCO 640 px, p90 {result['coco_ms_p90']});"
          f" index +{result['bytes_per_photo']} bytes a photo ({result['rows_per_photo']} rows)"
          " (targets <= 1 ms, <= 200 bytes)")


if __name__ == "__main__":
    main()
