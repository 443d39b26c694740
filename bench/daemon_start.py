"""Daemon start on a large synthetic index: the first start (matrix read from SQLite, matrix
file written), a start from the matrix file, and a start after kill -9; for each the time
until the socket answers and until the whole index is searchable, the idle RSS and the
first query through the socket.

    python bench/daemon_start.py [--photos 1000000] [--index-dir bench/out/synthetic]

Target (issue 12): with 1,000,000 photos the daemon is searchable within 5 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT
from daemon_bench import rss_mb
from query_latency import synthetic_index

sys.path.insert(0, str(ROOT / "tests"))
from daemon_process import DaemonProcess  # noqa: E402

from daemon.service.client import Client  # noqa: E402

STARTS = ("first start (SQLite, writes the file)", "start from the matrix file",
          "start after kill -9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--index-dir", type=Path, help="keep the synthetic index here")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = synthetic_index(args.index_dir or Path(tmp), args.photos)
        home = Path(tmp) / "home"
        (home / "data").mkdir(parents=True)
        shutil.copy(index, home / "data" / "index.sqlite3")
        with DaemonProcess(home, rescan_seconds=30) as daemon:
            for label in STARTS:
                started = time.perf_counter()
                daemon.start()  # returns at the first answer to status
                answering = time.perf_counter() - started
                daemon.wait_until(lambda: daemon.call("status")["index_state"] != "loading",
                                  600, "the index was not read")
                ready = time.perf_counter() - started
                assert daemon.process is not None
                time.sleep(2)
                rss = rss_mb(daemon.process.pid)
                with Client(daemon.socket) as client:
                    indexed = client.call("status")["indexed"]
                    started = time.perf_counter()
                    client.call("search", query="кошка")
                    first_ms = (time.perf_counter() - started) * 1000
                results[label] = {"status_s": round(answering, 2), "searchable_s": round(ready, 2),
                                  "idle_rss_mb": round(rss),
                                  "indexed": indexed, "first_query_ms": round(first_ms)}
                print(f"{label}: answers after {answering:.2f} s, searches all {indexed} photos "
                      f"after {ready:.2f} s, idle RSS {rss:.0f} MB, "
                      f"first query {first_ms:.0f} ms", flush=True)
                if label == STARTS[1]:
                    daemon.kill9()
                else:
                    daemon.stop()
    print(json.dumps({"photos": args.photos, **results}))


if __name__ == "__main__":
    main()
