"""Crash safety (issue 12): bench/crash_safety.py's fault-injection run, with fewer kills.

The real daemon is killed with SIGKILL at random moments during indexing and move, rename
and mixed storms, and restarted each time; at the end the index must match the disk.
The full run (100 kills) is `python bench/crash_safety.py`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from crash_safety import CrashConfig, Verdict, describe, run_crash_safety, verify  # noqa: E402

from daemon.config import Settings  # noqa: E402
from daemon.index.store import FileIdentity, SparseTags, Store  # noqa: E402
from daemon.signals import signal_sources  # noqa: E402
from daemon.signals.decode import hash_bytes  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("seed", [12])
def test_ten_kills_lose_and_duplicate_nothing(tmp_path: Path, seed: int) -> None:
    report = run_crash_safety(CrashConfig(kills=10, photos=120, seed=seed, workdir=tmp_path),
                              log=lambda _line: None)
    verdict = report.verdict
    figures = "\n".join(describe(report))
    assert len(report.kills) == 10
    assert set(report.integrity_after_kill) <= {"ok", "no index yet"}, figures
    assert verdict.on_disk > 0 and verdict.in_index == verdict.on_disk, figures
    assert verdict.lost == [] and verdict.duplicated == [] and verdict.stale == [], figures
    assert verdict.untagged == [] and verdict.wrong_content == [], figures
    assert verdict.orphan_tags == 0 and verdict.integrity == "ok", figures
    assert verdict.daemon_indexed == verdict.on_disk and verdict.search_results > 0, figures
    assert verdict.ok, figures
    assert report.watch_verdict.ok, figures  # a storm afterwards, followed by the watcher
    assert report.ok


def test_verify_sees_a_lost_a_stale_and_an_untagged_photo(tmp_path: Path) -> None:
    """The checker itself: a hand-made index that is wrong in each way it counts."""
    library = tmp_path / "lib"
    library.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        (library / name).write_bytes(name.encode())
    models = list(signal_sources(Settings()))
    tags = SparseTags(np.array([1], np.uint16), np.array([0.5], np.float32))
    db = tmp_path / "index.sqlite3"
    with Store(db) as store:
        for name, content, with_models in (
                ("a.jpg", b"a.jpg", models),  # right
                ("b.jpg", b"b.jpg", models[:1]),  # untagged by the detector
                ("c.jpg", b"other", models),  # wrong content
                ("gone.jpg", b"nothing", models),  # stale
                ("old-a.jpg", b"a.jpg", models)):  # a's old path: a duplicate
            store.put_photo(FileIdentity(str(library / name), 1, 1), hash_bytes(content), 1, 1,
                            {m: tags for m in with_models})
    with sqlite3.connect(db) as connection:  # a tags row left behind by its photo
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("INSERT INTO tags (photo_id, model, classes, probs) "
                           "VALUES (999, 'x', x'', x'')")
    verdict = verify(library, db, models)
    assert isinstance(verdict, Verdict)
    assert verdict.on_disk == 4 and verdict.in_index == 5
    assert verdict.lost == [str(library / "d.jpg")]
    assert verdict.untagged == [str(library / "b.jpg")]
    assert verdict.wrong_content == [str(library / "c.jpg")]
    assert verdict.stale == [str(library / "gone.jpg")]
    assert verdict.duplicated == [str(library / "old-a.jpg")]
    assert verdict.orphan_tags == 1 and verdict.foreign_keys == 1 and verdict.integrity == "ok"
    assert not verdict.ok
