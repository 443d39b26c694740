"""Indexing throughput, end to end (read, hash, decode, tag, write), on 12 MP JPEGs.

    python bench/index_speed.py [--photos 200] [--model efficientnet-lite0]

Target (issue 2): >= 40 photos/s with the default model on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import ROOT, make_large_jpegs, peak_rss_mb

from daemon.indexer import Indexer
from daemon.store import Store
from daemon.tagger import load_tagger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--model", default="efficientnet-lite0")
    parser.add_argument("--threads", type=int, default=1, help="inference threads")
    parser.add_argument("--workers", type=int, default=2, help="decode threads")
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()

    photos = make_large_jpegs(ROOT / "bench" / "out" / "large_jpegs", args.photos)
    megapixels = 4000 * 3000 / 1e6
    tagger = load_tagger(args.model, threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.sqlite3") as store:
        indexer = Indexer(store, tagger, batch_size=args.batch, workers=args.workers)
        started = time.perf_counter()
        report = indexer.index_folder(photos[0].parent)
        seconds = time.perf_counter() - started
    rate = report.tagged / seconds
    result = {"photos": report.tagged, "megapixels": megapixels, "seconds": round(seconds, 2),
              "photos_per_second": round(rate, 1),
              "model_seconds": round(report.model_seconds, 2),
              "model": tagger.model_id, "threads": args.threads, "workers": args.workers,
              "batch": args.batch, "peak_rss_mb": round(peak_rss_mb())}
    print(json.dumps(result))
    print(f"indexing: {rate:.1f} photos/s on {megapixels:.0f} MP JPEGs "
          f"(target >= 40): {'OK' if rate >= 40 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
