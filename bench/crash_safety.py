"""Crash safety, measured (issue 12): SIGKILL the real daemon at random moments while it
indexes and while files move and get renamed under it, restart it each time, and check at
the end that every photo on disk is in the index exactly once, with the tags of every
model, and that SQLite says the file is sound.

    python bench/crash_safety.py [--kills 100] [--photos 400] [--seed N] [--keep]

Each round starts the daemon (real models), picks a phase -- plain indexing, a move storm,
a rename storm (with a folder rename), or a mixed storm that also copies, adds, deletes and
overwrites -- runs it in a thread, and kills the daemon after a random delay: during
start-up reconcile, tagging, SQLite writes, or while the storm is still going on (the storm
then carries on across the restart). Some kills land before the socket is up. After every
kill a copy of the index is checked with PRAGMA integrity_check. Exits 1 on any loss.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, coco_photos
from PIL import Image

sys.path.insert(0, str(ROOT / "tests"))
from daemon_process import DaemonProcess  # noqa: E402

from daemon.config import Settings  # noqa: E402
from daemon.signals import signal_sources  # noqa: E402
from daemon.signals.decode import hash_bytes  # noqa: E402

PHASES = ("indexing", "move storm", "rename storm", "mixed")
# Odd names on purpose: Cyrillic, spaces, emoji, upper-case extensions, nested folders.
FOLDERS = ("2023 отпуск", "Дача 🌲", "Kids", "неразобранное", "a b c", "2024/Январь",
           "2024/Февраль 💧", "Разное/старое/сканы")
NAME_STYLES: tuple[Callable[[int], str], ...] = (
    lambda n: f"IMG_{n:05d}.jpg",
    lambda n: f"кот на диване {n}.jpg",
    lambda n: f"🎉 праздник {n}.JPG",
    lambda n: f"photo {n} (copy).jpeg",
    lambda n: f"Снимок {n} 🌅.jpg",
    lambda n: f"DSC {n}.jpe",
)
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "smart-gallery-bench-cache"
BUSY_WAIT = 60.0  # a storm holds the change queue back (debounce), then the writer works
SEARCH_QUERY = "человек"  # COCO is full of people: a search that finds many photos


@dataclass(frozen=True)
class CrashConfig:
    kills: int = 100
    photos: int = 400
    seed: int = 0
    workdir: Path | None = None  # default: a fresh temporary folder
    startup_kill_share: float = 0.1  # kills before the daemon answers on its socket
    max_delay: float = 4.0  # seconds from ready to kill, at most
    busy_kill_share: float = 0.4  # kills soon after the writer starts on a batch


@dataclass(frozen=True)
class Kill:
    number: int
    phase: str  # one of PHASES, or "start-up"
    delay: float  # seconds from the daemon being ready (spawned, for start-up) to SIGKILL
    state: str  # what status said just before: starting, reconcile, changes, queued, idle
    storm_running: bool


@dataclass
class Verdict:
    on_disk: int = 0
    in_index: int = 0
    lost: list[str] = field(default_factory=list)  # on disk, not in the index
    duplicated: list[str] = field(default_factory=list)  # indexed twice (path or old path)
    stale: list[str] = field(default_factory=list)  # indexed, not on disk
    wrong_content: list[str] = field(default_factory=list)  # index hash != the file's
    untagged: list[str] = field(default_factory=list)  # missing a model's tags
    orphan_tags: int = 0
    failed_on_disk: list[str] = field(default_factory=list)  # good files marked unreadable
    integrity: str = ""
    foreign_keys: int = 0
    daemon_indexed: int = -1  # status["indexed"]: the in-memory matrix searches read
    search_results: int = 0
    search_not_on_disk: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not (self.lost or self.duplicated or self.stale or self.wrong_content
                     or self.untagged or self.failed_on_disk or self.search_not_on_disk)
                and self.orphan_tags == 0 and self.integrity == "ok" and self.foreign_keys == 0
                and self.daemon_indexed == self.on_disk and self.search_results > 0)


@dataclass
class CrashReport:
    config: CrashConfig
    kills: list[Kill] = field(default_factory=list)
    integrity_after_kill: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    start_seconds: list[float] = field(default_factory=list)
    verdict: Verdict = field(default_factory=Verdict)  # after the last kill
    watch_verdict: Verdict = field(default_factory=Verdict)  # after a storm, no kill
    restart_verdict: Verdict | None = None  # after a clean restart, if one was wrong
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict.ok and self.watch_verdict.ok


class Library:
    """The photo folders the storms change. Only one storm runs at a time, so the
    library needs no lock; what the daemon sees is whatever is on disk."""

    def __init__(self, root: Path, sources: list[Path], fresh: list[Path]) -> None:
        self.root = root
        self._sources = sources  # for variants once the fresh photos run out
        self._fresh = list(fresh)  # COCO photos not yet in the library: new content
        self._counter = 0
        self._variants = 0

    def populate(self, rng: random.Random) -> None:
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for source in self._sources:
            shutil.copy(source, self._new_path(rng))

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def folders(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_dir())

    def _name(self, rng: random.Random) -> str:
        self._counter += 1
        return rng.choice(NAME_STYLES)(self._counter)

    def _new_path(self, rng: random.Random, folder: Path | None = None) -> Path:
        folder = folder or rng.choice([self.root, *self.folders()])
        path = folder / self._name(rng)
        while path.exists():
            path = folder / self._name(rng)
        return path

    # --- the operations of the storms; each returns its name for the figures ----------
    def move(self, rng: random.Random) -> str:
        files = self.files()
        if not files:
            return "skip"
        source = rng.choice(files)
        target = rng.choice([f for f in [self.root, *self.folders()] if f != source.parent])
        destination = target / source.name
        if destination.exists():
            destination = self._new_path(rng, target)
        os.rename(source, destination)
        return "move"

    def rename(self, rng: random.Random) -> str:
        files = self.files()
        if not files:
            return "skip"
        source = rng.choice(files)
        os.rename(source, self._new_path(rng, source.parent))
        return "rename"

    def rename_folder(self, rng: random.Random) -> str:
        folders = self.folders()
        if not folders:
            return "skip"
        folder = rng.choice(folders)
        self._counter += 1
        base = re.sub(r" #\d+$", "", folder.name)
        os.rename(folder, folder.with_name(f"{base} #{self._counter}"))
        return "folder rename"

    def new_folder(self, rng: random.Random) -> str:
        """mkdir and move photos in at once: they may land before the folder is watched."""
        self._counter += 1
        parent = rng.choice([self.root, *self.folders()])
        folder = parent / rng.choice((f"Новая папка {self._counter}", f"new {self._counter} 📁"))
        folder.mkdir()
        for source in rng.sample(self.files(), min(5, len(self.files()))):
            os.rename(source, folder / source.name)
        return "new folder"

    def copy(self, rng: random.Random) -> str:
        files = self.files()
        if not files:
            return "skip"
        shutil.copy(rng.choice(files), self._new_path(rng))  # written in place, not atomic
        return "copy"

    def add_new(self, rng: random.Random) -> str:
        """A photo with content the index has never seen: it must run the models."""
        destination = self._new_path(rng)
        if self._fresh:
            shutil.copy(self._fresh.pop(), destination)
        else:
            # A slightly cropped re-encode of a COCO photo is new content too.
            self._variants += 1
            with Image.open(rng.choice(self._sources)) as image:
                cut = rng.randint(1, 20)
                image.convert("RGB").crop((cut, cut, image.width - cut, image.height)).save(
                    destination, format="JPEG", quality=rng.randint(80, 95))
        return "new"

    def delete(self, rng: random.Random) -> str:
        files = self.files()
        if not files:
            return "skip"
        rng.choice(files).unlink()
        return "delete"

    def overwrite(self, rng: random.Random) -> str:
        """mv -f one photo onto another: the second's content is gone from disk."""
        files = self.files()
        if len(files) < 2:
            return "skip"
        source, target = rng.sample(files, 2)
        os.rename(source, target)
        return "overwrite"


class Storm(threading.Thread):
    """One phase's file operations, run beside the daemon (and across its restart)."""

    def __init__(self, library: Library, phase: str, rng: random.Random,
                 operations: Counter[str], target_size: int) -> None:
        super().__init__(name=f"storm-{phase}", daemon=True)
        self.library = library
        self.phase = phase
        self.rng = rng
        self.operations = operations
        self.target_size = target_size
        self.error: BaseException | None = None

    def _plan(self) -> list[Callable[[random.Random], str]]:
        rng, lib = self.rng, self.library
        grown = len(lib.files()) > self.target_size * 1.25
        if self.phase == "indexing":
            added = rng.randint(5, 40)
            # Deletions only keep the library near its size (they cost the daemon nothing).
            return [lib.delete] * (added if grown else 0) + [lib.add_new] * added
        if self.phase == "move storm":
            plan: list[Callable[[random.Random], str]] = [lib.move] * rng.randint(30, 200)
            if rng.random() < 0.3:
                plan.insert(rng.randrange(len(plan)), lib.new_folder)
            return plan
        if self.phase == "rename storm":
            plan = [lib.rename] * rng.randint(30, 200)
            plan.insert(rng.randrange(len(plan)), lib.rename_folder)
            return plan
        count = rng.randint(40, 150)
        # Keep the library near its size: more deletions when it has grown.
        weights = {lib.move: 4, lib.rename: 4, lib.copy: 2, lib.add_new: 2,
                   lib.delete: 6 if grown else 2, lib.overwrite: 1, lib.rename_folder: 0.2,
                   lib.new_folder: 0.1}
        return rng.choices(list(weights), list(weights.values()), k=count)

    def run(self) -> None:
        pause = self.rng.choice((0.0, 0.002, 0.01, 0.03))  # some storms outlast the delay
        try:
            for operation in self._plan():
                self.operations[operation(self.rng)] += 1
                if pause:
                    time.sleep(self.rng.uniform(0, pause * 2))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc


class CrashableDaemon(DaemonProcess):
    def spawn(self) -> None:
        """Start the process without waiting for its socket (to kill it during start-up)."""
        log = open(self.home / "daemon.log", "a", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "daemon", "--no-nice"],
            env=self.env, stdout=log, stderr=log, text=True)

    def state(self) -> str:
        """What the daemon is doing right now, in one word."""
        status = self.call("status")
        if status is None:
            return "starting"
        busy = str(status["busy"]).split(" ")[0]
        return busy or ("queued" if status["pending"] else "idle")


def check_copy(db: Path, scratch: Path) -> str:
    """PRAGMA integrity_check on a copy of the index as the kill left it (a connection to
    the real file could checkpoint the WAL and change what the next start finds)."""
    scratch.mkdir(parents=True, exist_ok=True)
    for old in scratch.iterdir():
        old.unlink()
    if not db.exists():
        return "no index yet"
    for suffix in ("", "-wal"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            shutil.copy(source, scratch / f"index.sqlite3{suffix}")
    with sqlite3.connect(scratch / "index.sqlite3") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def verify(library_root: Path, db_path: Path, models: list[str],
           daemon: DaemonProcess | None = None) -> Verdict:
    """The index against the files actually on disk (and, given a daemon, its searches)."""
    verdict = Verdict()
    on_disk = {str(p): hash_bytes(p.read_bytes())
               for p in library_root.rglob("*") if p.is_file()}
    verdict.on_disk = len(on_disk)
    if daemon is not None:
        verdict.daemon_indexed = daemon.call("status")["indexed"]
        answer = daemon.call("search", query=SEARCH_QUERY, limit=10_000)
        found = [r["path"] for r in answer["results"]]
        verdict.search_results = len(found)
        verdict.search_not_on_disk = [p for p in found if p not in on_disk]
    db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        verdict.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        verdict.foreign_keys = len(db.execute("PRAGMA foreign_key_check").fetchall())
        rows = db.execute("SELECT id, path, content_hash FROM photos").fetchall()
        verdict.in_index = len(rows)
        tagged: dict[int, set[str]] = {}
        for photo_id, model in db.execute("SELECT photo_id, model FROM tags"):
            tagged.setdefault(photo_id, set()).add(model)
        ids = {row[0] for row in rows}
        verdict.orphan_tags = sum(1 for photo_id in tagged if photo_id not in ids)
        failures = [row[0] for row in db.execute("SELECT path FROM failures")]
    finally:
        db.close()
    paths = Counter(path for _, path, _ in rows)
    indexed_hashes = Counter(h for _, path, h in rows if path in on_disk)
    verdict.duplicated = sorted(p for p, n in paths.items() if n > 1)
    for photo_id, path, content_hash in rows:
        if path not in on_disk:
            # an old path of a photo also indexed where it is now: the photo counts twice
            (verdict.duplicated if indexed_hashes[content_hash] else verdict.stale).append(path)
            continue
        if on_disk[path] != content_hash:
            verdict.wrong_content.append(path)
        if not set(models) <= tagged.get(photo_id, set()):
            verdict.untagged.append(path)
    verdict.lost = sorted(set(on_disk) - set(paths))
    verdict.failed_on_disk = sorted(p for p in failures if p in on_disk)
    return verdict


def wait_busy(daemon: CrashableDaemon, storm: Storm, timeout: float = BUSY_WAIT) -> None:
    """Until the writer works on a batch, or has had nothing to do for a while."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        state = daemon.state()
        if state in ("reconcile", "changes"):
            return
        if storm.is_alive() or state != "idle":
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return  # the batch came and went between two looks
        time.sleep(0.02)


def pick_delay(rng: random.Random, max_delay: float) -> float:
    # A quarter of the kills within 0.3 s of the socket: the start-up reconcile.
    return rng.uniform(0, 0.3) if rng.random() < 0.25 else rng.uniform(0.3, max_delay)


def run_crash_safety(config: CrashConfig, log: Callable[[str], None] = print) -> CrashReport:
    started = time.monotonic()
    rng = random.Random(config.seed)
    report = CrashReport(config)
    work = config.workdir or Path(tempfile.mkdtemp(prefix="crash-safety-"))
    everything = coco_photos()
    order = rng.sample(everything, len(everything))
    library = Library(work / "Фото библиотека", order[:config.photos], order[config.photos:])
    library.populate(rng)
    home = work / "home"
    db_path = home / "data" / "index.sqlite3"
    storm: Storm | None = None
    with CrashableDaemon(home, rescan_seconds=30) as daemon:
        for number in range(config.kills):
            if number > 0 and rng.random() < config.startup_kill_share:
                # Killed while loading models, migrating, reconciling before the socket.
                delay = rng.uniform(0.05, 2.0)
                daemon.spawn()
                time.sleep(delay)
                state = daemon.state()  # "starting" unless it got its socket up in time
                running = storm is not None and storm.is_alive()
                daemon.kill9()
                report.kills.append(Kill(number, "start-up", delay, state, running))
            else:
                phase = "indexing" if number == 0 else rng.choice(PHASES)
                begun = time.monotonic()
                daemon.start()
                report.start_seconds.append(time.monotonic() - begun)
                if number == 0:
                    daemon.call("folders.add", path=str(library.root))
                if storm is not None:
                    storm.join()  # the previous storm ran on across the restart
                    _raise_storm_error(storm)
                if phase == "indexing" and number > 0 and rng.random() < 0.4:
                    daemon.call("reindex")  # every photo through the models again
                    report.operations["reindex"] += 1
                storm = Storm(library, phase, random.Random(rng.random()), report.operations,
                              config.photos)
                storm.start()
                if number > 0 and rng.random() < config.busy_kill_share:
                    # Wait until the writer works on the changes, then kill within 20 ms:
                    # while it tags and writes (a timed kill mostly finds it debouncing).
                    begun = time.monotonic()
                    wait_busy(daemon, storm)
                    time.sleep(rng.uniform(0, 0.02))
                    delay = time.monotonic() - begun
                else:
                    delay = pick_delay(rng, config.max_delay)
                    if number == 0:
                        delay = rng.uniform(0.5, config.max_delay)  # during the first index
                    time.sleep(delay)
                state = daemon.state()
                running = storm.is_alive()
                daemon.kill9()
                report.kills.append(Kill(number, phase, delay, state, running))
            integrity = check_copy(db_path, work / "scratch")
            report.integrity_after_kill[integrity] += 1
            if integrity not in ("ok", "no index yet"):
                log(f"kill {number + 1}: integrity_check says {integrity!r}")
            if (number + 1) % 10 == 0:
                log(f"{number + 1} kills, {time.monotonic() - started:.0f} s")
        daemon.start()
        if storm is not None:
            storm.join()
            _raise_storm_error(storm)
        models = list(signal_sources(Settings()))
        settle(daemon)
        report.verdict = verify(library.root, db_path, models, daemon)
        # One more storm with nobody killed: the watcher alone must keep the index right.
        storm = Storm(library, "mixed", random.Random(rng.random()), report.operations,
                      config.photos)
        storm.run()
        _raise_storm_error(storm)
        settle(daemon)
        report.watch_verdict = verify(library.root, db_path, models, daemon)
        if not (report.verdict.ok and report.watch_verdict.ok):
            # Tells a watcher miss (healed by the start-up reconcile) from a broken index.
            daemon.stop()
            daemon.start()
            settle(daemon)
            report.restart_verdict = verify(library.root, db_path, models, daemon)
        daemon.stop()
    report.seconds = time.monotonic() - started
    if config.workdir is None and report.ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"kept {work} (library, home with index and daemon.log)")
    return report


def settle(daemon: DaemonProcess) -> None:
    time.sleep(2.0)  # watchdog holds move events back a moment to pair them
    daemon.wait_idle(600)


def _raise_storm_error(storm: Storm) -> None:
    if storm.error is not None:
        raise RuntimeError(f"{storm.name} failed") from storm.error


def describe_verdict(v: Verdict) -> list[str]:
    lines = [
        f"photos on disk {v.on_disk}, in index {v.in_index}; lost {len(v.lost)}, "
        f"duplicated {len(v.duplicated)}, stale {len(v.stale)}, "
        f"wrong content {len(v.wrong_content)}, untagged {len(v.untagged)}, "
        f"orphan tags {v.orphan_tags}, marked unreadable {len(v.failed_on_disk)}",
        f"integrity_check {v.integrity}, foreign_key_check {v.foreign_keys} problems; "
        f"daemon: {v.daemon_indexed} searchable, search {SEARCH_QUERY!r} found "
        f"{v.search_results}, {len(v.search_not_on_disk)} not on disk"]
    for name in ("lost", "duplicated", "stale", "wrong_content", "untagged", "failed_on_disk",
                 "search_not_on_disk"):
        for path in getattr(v, name)[:10]:
            lines.append(f"  {name}: {path}")
    return lines


def describe(report: CrashReport) -> list[str]:
    """The figures, as lines to print."""
    phases = Counter(k.phase for k in report.kills)
    states = Counter(k.state for k in report.kills)
    starts = report.start_seconds
    lines = [
        f"seed {report.config.seed}: {len(report.kills)} SIGKILLs, "
        f"{report.config.photos} photos to start with",
        "kills per phase: " + ", ".join(f"{p} {phases[p]}" for p in (*PHASES, "start-up")),
        "daemon state at kill: " + ", ".join(f"{s} {n}" for s, n in states.most_common()),
        f"kills while a storm was still running: {sum(k.storm_running for k in report.kills)}",
        "storm operations: " + ", ".join(f"{o} {n}" for o, n in
                                         report.operations.most_common() if o != "skip"),
        "integrity_check of the index after each kill: " + ", ".join(
            f"{r} {n}" for r, n in report.integrity_after_kill.most_common()),
        f"daemon start to socket: median {sorted(starts)[len(starts) // 2]:.2f} s, "
        f"max {max(starts):.2f} s over {len(starts)} starts" if starts else "no starts",
        "after the last kill and the start-up reconcile:",
        *describe_verdict(report.verdict),
        "after one more mixed storm, nobody killed (the watcher alone):",
        *describe_verdict(report.watch_verdict),
    ]
    if report.restart_verdict is not None:
        lines += ["after a clean restart:", *describe_verdict(report.restart_verdict)]
    lines.append(f"total {report.seconds:.0f} s; {'OK' if report.ok else 'FAILED'}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--photos", type=int, default=400)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep everything here (default: a temporary folder, removed "
                        "unless something was lost)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    # Exported models are shared between runs (and with the daemon subprocesses).
    os.environ.setdefault("SMART_GALLERY_CACHE", str(DEFAULT_CACHE))
    print(f"crash safety: seed {seed}, {args.kills} kills, {args.photos} photos", flush=True)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    report = run_crash_safety(CrashConfig(args.kills, args.photos, seed, args.workdir),
                              log=lambda line: print(line, flush=True))
    for line in describe(report):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
