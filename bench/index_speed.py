"""Indexing throughput, end to end (read, hash, decode, tag, write), on 12 MP JPEGs.

    python bench/index_speed.py [--photos 300] [--runs 3] [--model efficientnet-lite0]
                                [--detector-size 384 | --no-detector] [--no-colours]
                                [--no-fingerprint] [--no-faces]

Targets on a 2-core machine: >= 40 photos/s with the ImageNet tagger alone (issue 2),
>= 30 photos/s with the ImageNet tagger (and its embedding), the COCO detector, the colours
and the fingerprint (issues 6, 13 and 16); >= 25 photos/s with the faces too (issue 14,
the default; about half the COCO photos show people).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, make_large_jpegs, peak_rss_mb

from daemon.index.indexer import Indexer
from daemon.index.store import Store
from daemon.signals import Signal
from daemon.signals.classifier import load_tagger
from daemon.signals.colours import Colours
from daemon.signals.detector import DEFAULT_SIZE, Detector
from daemon.signals.faces import Faces
from daemon.signals.fingerprint import Fingerprint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--model", default="efficientnet-lite0")
    parser.add_argument("--threads", type=int, default=1, help="threads of one model run")
    parser.add_argument("--workers", type=int, default=2,
                        help="threads that decode and tag photos")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--detector-size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--no-detector", action="store_true", help="the ImageNet tagger alone")
    parser.add_argument("--no-colours", action="store_true", help="without the colour signal")
    parser.add_argument("--no-fingerprint", action="store_true",
                        help="without the fingerprint (perceptual hash)")
    parser.add_argument("--no-faces", action="store_true", help="without the faces signal")
    parser.add_argument("--runs", type=int, default=3, help="index the photos this many times")
    args = parser.parse_args()

    photos = make_large_jpegs(ROOT / "bench" / "out" / "large_jpegs", args.photos)
    megapixels = 4000 * 3000 / 1e6
    taggers: list[Signal] = [load_tagger(args.model, threads=args.threads)]
    if not args.no_detector:
        taggers.append(Detector(args.detector_size, threads=args.threads))
    if not args.no_colours:
        taggers.append(Colours(None if args.no_detector else taggers[-1].model_id))
    if not args.no_fingerprint:
        taggers.append(Fingerprint())
    if not args.no_faces:
        taggers.append(Faces(None if args.no_detector else taggers[1].model_id,
                             threads=args.threads))
    rates = []
    for _ in range(args.runs):  # each run into a fresh index: every photo is tagged
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.sqlite3") as store:
            folder = Path(tmp) / "photos"  # the --photos asked for, not the whole cache
            folder.mkdir()
            for photo in photos:
                os.link(photo, folder / photo.name)
            indexer = Indexer(store, taggers, batch_size=args.batch, workers=args.workers)
            started = time.perf_counter()
            report = indexer.index_folder(folder)
            seconds = time.perf_counter() - started
        rates.append(report.tagged / seconds)
        result = {"photos": report.tagged, "megapixels": megapixels,
                  "seconds": round(seconds, 2), "photos_per_second": round(rates[-1], 1),
                  "model_seconds": round(report.model_seconds, 2),
                  "models": indexer.models, "threads": args.threads, "workers": args.workers,
                  "batch": args.batch, "peak_rss_mb": round(peak_rss_mb())}
        print(json.dumps(result))
    # The median of the runs: this machine's speed moves by ±10 % from one run to the next.
    rate = statistics.median(rates)
    target = 40 if args.no_detector else 30 if args.no_faces else 25
    print(f"indexing: {rate:.1f} photos/s (median of {len(rates)} runs, "
          f"{min(rates):.1f}–{max(rates):.1f}) on {megapixels:.0f} MP JPEGs with "
          f"{' + '.join(indexer.models)} (target >= {target}): "
          f"{'OK' if rate >= target else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
