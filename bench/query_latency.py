"""Query latency on synthetic 10k- and 100k-photo indexes (real SQLite file, real engine).

    python bench/query_latency.py [--sizes 10000 100000]

Each synthetic photo gets 16–64 ImageNet classes with a Dirichlet-distributed probability
mass, as the indexer stores them, and 1–6 COCO detections (a person in half the photos).
Queries: the 89 COCO queries plus a few multi-word and misspelt ones.
Target (issue 2): p50 <= 20 ms on 100k photos.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from common import COCO, peak_rss_mb

from daemon.config import Settings, tag_sources
from daemon.matrix import load_matrix
from daemon.search import build_query_engine
from daemon.store import FileIdentity, SparseTags, Store

EXTRA_QUERIES = ["кошка на диване", "котик", "сабака", "собака на пляже", "красная машина",
                 "люди", "дети в парке", "транспорт"]
QUERY_FILES = [Path(__file__).resolve().parent / "queries" / name
               for name in ("scenes_activities.json", "negation_english_kinds.json")]


def benchmark_queries() -> list[str]:
    """The 89 COCO object queries, the scene/activity and negation/English/typo queries of
    the eval, and a few more."""
    queries = [q["q"] for q in json.loads((COCO / "queries.json").read_text())["queries"]]
    for path in QUERY_FILES:
        queries += [q["q"] for q in json.loads(path.read_text(encoding="utf-8"))["queries"]]
    return queries + EXTRA_QUERIES


def synthetic_photos(count: int, seed: int = 0) -> Iterator[tuple]:
    rng = np.random.default_rng(seed)
    for number in range(count):
        k = int(rng.integers(16, 65))
        classes = rng.choice(1000, k, replace=False).astype(np.uint16)
        probs = np.sort(rng.dirichlet(np.full(k, 0.3)))[::-1].astype(np.float32)
        identity = FileIdentity(f"/photos/{number // 1000}/IMG_{number:06d}.jpg", 1, 1)
        yield identity, f"{number:040x}", 4000, 3000, SparseTags(classes, probs)


def synthetic_detections(count: int, seed: int = 1) -> Iterator[tuple[str, SparseTags]]:
    rng = np.random.default_rng(seed)
    for number in range(count):
        k = int(rng.integers(1, 7))
        classes = rng.choice(np.arange(1, 80), k, replace=False)
        if rng.random() < 0.5:
            classes[0] = 0  # person
        scores = np.sort(rng.uniform(0.02, 0.95, k))[::-1].astype(np.float32)
        boxes = np.sort(rng.uniform(0, 1, (k, 2, 2)), axis=1).reshape(k, 4).astype(np.float32)
        path = f"/photos/{number // 1000}/IMG_{number:06d}.jpg"
        yield path, SparseTags(classes.astype(np.uint16), scores, boxes)


def fill_synthetic_index(store: Store, size: int) -> None:
    """Both models' tags, under the ids the default settings read."""
    imagenet, detector = tag_sources(Settings())
    store.add_new_photos(synthetic_photos(size), imagenet)
    store.add_tags(detector, synthetic_detections(size))


def measure(size: int, engine, queries: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "synthetic.sqlite3") as store:
        fill_synthetic_index(store, size)
        started = time.perf_counter()
        matrix = load_matrix(store, tag_sources(Settings()))
        load_seconds = time.perf_counter() - started
    engine.search("кошка", matrix)  # builds the column index once, as the first query does
    timings = []
    for _ in range(3):
        for query in queries:
            started = time.perf_counter()
            engine.search(query, matrix, limit=50)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"photos": size, "queries": len(timings),
            "p50_ms": round(statistics.median(timings), 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
            "max_ms": round(timings[-1], 2), "load_s": round(load_seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    queries = benchmark_queries()
    engine = build_query_engine(Settings())
    for size in args.sizes:
        result = measure(size, engine, queries)
        result["peak_rss_mb"] = round(peak_rss_mb())
        print(json.dumps(result))
        print(f"{size} photos: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
              f"(target p50 <= 20 ms on 100k)")


if __name__ == "__main__":
    main()
