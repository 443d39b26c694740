"""Query latency and load time on synthetic 10k- and 100k-photo indexes (real SQLite file,
real engine, real matrix file).

    python bench/query_latency.py [--sizes 10000 100000] [--index-dir bench/out/synthetic]

Each synthetic photo gets 16–64 ImageNet classes with a Dirichlet-distributed probability
mass, as the indexer stores them, and 1–6 COCO detections (a person in half the photos).
Queries: the 89 COCO queries plus a few multi-word and misspelt ones.
Per size: the load time from SQLite, the time to write the matrix file, and, in a fresh
process as at daemon start, the load time from the matrix file, its RSS before and after
the load and after the queries, and the query latency on it.
--index-dir keeps the synthetic indexes (a 1,000,000-photo one takes a minute or two).
Targets: p50 <= 20 ms on 100k photos (issue 2); a 1,000,000-photo index loads in <= 5 s
(issue 12).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from common import COCO, peak_rss_mb

from daemon.config import Settings
from daemon.index.matrix import TagMatrix, load_matrix, matrix_file_for, save_matrix
from daemon.index.store import FileIdentity, SparseTags, Store
from daemon.query.search import build_query_engine
from daemon.signals import signal_models, signal_sources

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
    models = signal_models(Settings())
    imagenet, detector = models["classifier"], models["detector"]
    store.add_new_photos(synthetic_photos(size), imagenet)
    store.add_tags(detector, synthetic_detections(size))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_index(folder: Path, size: int) -> Path:
    """The synthetic index of this size in folder, built once."""
    path = folder / f"synthetic_{size}.sqlite3"
    if not path.exists():
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        started = time.perf_counter()
        with Store(building) as store:
            fill_synthetic_index(store, size)
        building.rename(path)
        print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def query_timings(engine, matrix: TagMatrix, queries: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    engine.search("кошка", matrix)  # the first query maps the pages of its classes
    first_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(3):
        for query in queries:
            started = time.perf_counter()
            engine.search(query, matrix, limit=50)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"queries": len(timings), "first_ms": round(first_ms, 1),
            "p50_ms": round(statistics.median(timings), 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
            "max_ms": round(timings[-1], 2)}


def measure(size: int, folder: Path) -> dict[str, object]:
    index = synthetic_index(folder, size)
    cache = matrix_file_for(index)
    cache.unlink(missing_ok=True)
    sources = signal_sources(Settings())
    with Store(index) as store:
        started = time.perf_counter()
        matrix = load_matrix(store, sources)
        sqlite_s = time.perf_counter() - started
        started = time.perf_counter()
        save_matrix(matrix, store, cache)
        write_s = time.perf_counter() - started
        del matrix
    # The start from the file in a fresh process, as the daemon's: its RSS is the matrix's.
    child = subprocess.run([sys.executable, __file__, "--from-file", str(index)],
                           check=True, capture_output=True, text=True)
    from_file = json.loads(child.stdout)
    return {"photos": size, "load_sqlite_s": round(sqlite_s, 2),
            "write_file_s": round(write_s, 2),
            "file_mb": round(cache.stat().st_size / 2**20), **from_file}


def from_file(index: Path) -> None:
    """In a fresh process: the engine, then the matrix from its file, then the queries."""
    engine = build_query_engine(Settings())
    queries = benchmark_queries()
    rss_before = rss_mb()
    with Store(index) as store:
        started = time.perf_counter()
        matrix = load_matrix(store, signal_sources(Settings()), matrix_file_for(index))
        load_s = time.perf_counter() - started
    assert matrix.loaded_from == "file", matrix.loaded_from
    rss_loaded = rss_mb()
    timings = query_timings(engine, matrix, queries)
    print(json.dumps({"load_file_s": round(load_s, 2),
                      "rss_before_load_mb": round(rss_before),
                      "rss_after_load_mb": round(rss_loaded),
                      "rss_after_queries_mb": round(rss_mb()), **timings}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--index-dir", type=Path, help="keep the synthetic indexes here")
    parser.add_argument("--from-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.from_file:
        from_file(args.from_file)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.index_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            result = measure(size, folder)
            result["peak_rss_sqlite_load_mb"] = round(peak_rss_mb())  # this process
            print(json.dumps(result))
            print(f"{size} photos: load {result['load_file_s']} s from the matrix file, "
                  f"{result['load_sqlite_s']} s from SQLite (target <= 5 s at 1M); RSS "
                  f"{result['rss_after_load_mb']} MB after load; p50 {result['p50_ms']} ms, "
                  f"p99 {result['p99_ms']} ms (target p50 <= 20 ms on 100k)", flush=True)


if __name__ == "__main__":
    main()
