"""Daemon benchmarks: start-up and socket query latency on 100k photos, reconcile of 100k
unchanged files, time from a photo landing in a folder to being searchable, idle RSS.

    python bench/daemon_bench.py [--photos 100000]

Targets (issue 3): p50 <= 10 ms and p99 <= 50 ms through the socket on 100k photos;
reconcile of 100k unchanged files <= 10 s; landing -> searchable <= 3 s; idle RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import COCO, ROOT
from query_latency import benchmark_queries, fill_synthetic_index, synthetic_photos

sys.path.insert(0, str(ROOT / "tests"))
from daemon_process import DaemonProcess  # noqa: E402

from daemon.config import Settings, classifier_model_id  # noqa: E402
from daemon.index.scan import ScanOptions, plan_scan  # noqa: E402
from daemon.index.store import FileIdentity, Store  # noqa: E402
from daemon.service.client import Client, DaemonError  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def socket_latency(home: Path, photos: int) -> dict[str, object]:
    (home / "data").mkdir(parents=True)
    with Store(home / "data" / "index.sqlite3") as store:
        fill_synthetic_index(store, photos)
    queries = benchmark_queries()
    with DaemonProcess(home, rescan_seconds=30) as daemon:
        # The first start exports the models and writes the matrix file: a one-off.
        daemon.start()
        daemon.wait_until(lambda: daemon.call("status")["index_state"] != "loading", 600,
                          "the index was not read")
        daemon.stop()
        started = time.perf_counter()
        daemon.start()  # returns at the first answer to status
        answering = time.perf_counter() - started
        daemon.wait_until(lambda: daemon.call("status")["index_state"] != "loading", 300,
                          "the index was not read")
        loaded = time.perf_counter() - started
        assert daemon.process is not None
        time.sleep(3)
        idle_rss = rss_mb(daemon.process.pid)
        timings = []
        with Client(daemon.socket) as client:
            client.call("search", query="кошка")  # first query builds the column copy
            for _ in range(3):
                for query in queries:
                    started = time.perf_counter()
                    client.call("search", query=query, limit=50)
                    timings.append((time.perf_counter() - started) * 1000)
        daemon.stop()
    timings.sort()
    return {"photos": photos, "p50_ms": round(statistics.median(timings), 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
            "idle_rss_mb_with_index": round(idle_rss),
            "start_to_status_s": round(answering, 2), "start_to_searchable_s": round(loaded, 2)}


def reconcile_unchanged(folder: Path, db: Path, files: int) -> dict[str, object]:
    # Reconciling unchanged files reads only stat(), so small stand-in files will do.
    identities = []
    for number in range(files):
        sub = folder / f"{number // 1000:03d}"
        if number % 1000 == 0:
            sub.mkdir(parents=True)
        path = sub / f"IMG_{number:06d}.jpg"
        path.write_bytes(number.to_bytes(4, "little"))
        stat = path.stat()
        identities.append(FileIdentity(str(path), stat.st_size, stat.st_mtime_ns))
    rows = ((identity, f"{n:040x}", 640, 480, tags) for n, (identity, (_, _, _, _, tags))
            in enumerate(zip(identities, synthetic_photos(files), strict=True)))
    with Store(db) as store:
        store.add_new_photos(rows, classifier_model_id(Settings()))
        started = time.perf_counter()
        plan = plan_scan(folder, store, ScanOptions())
        seconds = time.perf_counter() - started
    assert plan.unchanged == files and not plan.to_check and not plan.gone
    return {"files": files, "reconcile_s": round(seconds, 2)}


def _indexed(daemon: DaemonProcess, path: Path) -> bool:
    try:
        return daemon.call("photo.tags", path=str(path)) is not None
    except DaemonError:
        return False


def landing_latency(home: Path, folder: Path) -> dict[str, object]:
    folder.mkdir()
    sources = sorted((COCO / "images").glob("*.jpg"))[:5]
    with DaemonProcess(home, rescan_seconds=30) as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(folder))
        daemon.wait_idle()
        assert daemon.process is not None
        idle_rss = rss_mb(daemon.process.pid)
        delays = []
        for number, source in enumerate(sources):
            target = folder / f"landed_{number}.jpg"
            started = time.perf_counter()
            shutil.copy(source, target)
            while not _indexed(daemon, target):
                time.sleep(0.02)
            delays.append(time.perf_counter() - started)
        daemon.stop()
    return {"landing_to_searchable_s_median": round(statistics.median(delays), 2),
            "landing_to_searchable_s_max": round(max(delays), 2),
            "idle_rss_mb_model_loaded": round(idle_rss)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        results["socket"] = socket_latency(base / "home1", args.photos)
        results["reconcile"] = reconcile_unchanged(base / "files", base / "r.sqlite3",
                                                   args.photos)
        results["landing"] = landing_latency(base / "home2", base / "watched")
    print(json.dumps(results))
    s, r, landing = results["socket"], results["reconcile"], results["landing"]
    print(f"socket search on {s['photos']} photos: p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms "
          "(targets 10 / 50)")
    print(f"daemon start on {s['photos']} photos: answers status after "
          f"{s['start_to_status_s']} s, searches the whole index after "
          f"{s['start_to_searchable_s']} s")
    print(f"reconcile of {r['files']} unchanged files: {r['reconcile_s']} s (target 10)")
    print(f"photo landing -> searchable: median {landing['landing_to_searchable_s_median']} s, "
          f"max {landing['landing_to_searchable_s_max']} s (target 3)")
    print(f"daemon idle RSS, model loaded: {landing['idle_rss_mb_model_loaded']} MB; "
          f"with a {s['photos']}-photo index: {s['idle_rss_mb_with_index']} MB (target 500)")


if __name__ == "__main__":
    main()
