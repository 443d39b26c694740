"""«Похожие» and copies on a large library: latency of a similar query and of a photo's
copies, and the time to list every group of copies, on synthetic embeddings.

    python bench/similar_speed.py [--photos 100000]

The embeddings are the real photos' ones (the 899 COCO photos through the classifier),
repeated with small noise to the library's size, so that neighbours are as dense as in a
real library; the fingerprints likewise. The matrix holds one class per photo. Printed:
p50 / p99 of QueryEngine.similar (the whole query: cosines, the matrix's alive rows, the
ranking, the results with their reasons), of find_duplicates for one photo, and the time
to find all groups. Target (issue 16): a similar query on 100 000 photos p50 <= 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from common import coco_photos

from daemon.config import Settings
from daemon.index.matrix import TagMatrix
from daemon.index.store import SparseTags
from daemon.index.vectors import VectorTable
from daemon.query.duplicates import PhotoFile, find_duplicates
from daemon.query.search import build_query_engine
from daemon.signals.classifier import load_tagger
from daemon.signals.decode import decode_photo
from daemon.signals.fingerprint import Fingerprint

QUERIES = 50


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    args = parser.parse_args()
    tagger, fingerprint = load_tagger("efficientnet-lite0"), Fingerprint()
    real = []
    for path in coco_photos():
        decoded = decode_photo(path)
        real.append((tagger.read(decoded, {}).vector, fingerprint.read(decoded, {}).vector))
    rng = np.random.default_rng(16)
    vectors, matrix, hashes, files = VectorTable(), TagMatrix(), {}, []
    for photo_id in range(1, args.photos + 1):
        vector, packed = real[photo_id % len(real)]
        noisy = np.clip(vector.astype(np.int16) + rng.integers(-12, 13, len(vector)),
                        -127, 127).astype(np.int8)
        vectors.put(photo_id, noisy)
        hashes[photo_id] = packed
        matrix.put(photo_id, f"/photos/{photo_id:06d}.jpg",
                   SparseTags(np.array([photo_id % 1000], np.uint16),
                              np.array([0.9], np.float32)))
        files.append(PhotoFile(photo_id, f"/photos/{photo_id:06d}.jpg", 3_000_000,
                               f"{photo_id:040x}"))
    engine = build_query_engine(Settings())
    engine.similar(1, matrix, vectors)  # the snapshot is made once
    targets = rng.integers(1, args.photos + 1, QUERIES).tolist()
    times = []
    for target in targets:
        started = time.perf_counter()
        engine.similar(int(target), matrix, vectors, limit=24)
        times.append(time.perf_counter() - started)
    print(f"{args.photos} photos: similar {percentiles(times)}")
    times = []
    for target in targets[:10]:
        started = time.perf_counter()
        find_duplicates(files, vectors, hashes, of=int(target))
        times.append(time.perf_counter() - started)
    print(f"copies of one photo: {percentiles(times)}")
    if args.photos <= 20_000:
        started = time.perf_counter()
        groups = find_duplicates(files, vectors, hashes)
        print(f"all groups: {len(groups)} in {time.perf_counter() - started:.1f} s")
    else:
        print("all groups: not timed above 20 000 photos (every photo against every other: "
              "run with --photos 20000 and scale by the square)")


if __name__ == "__main__":
    main()
