"""The running daemon: one writer thread that owns SQLite, the in-memory matrix searches
read, the folder watcher, and the operations the socket server exposes.

Data flows one way: watcher/reconcile -> jobs -> writer thread -> indexer -> store, and
the indexer's change callback -> matrix. Searches read the matrix and never wait for
tagging.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from daemon.config import Paths, Settings, model_id, tag_sources
from daemon.indexer import Indexer, IndexReport, Progress
from daemon.matrix import TagMatrix, load_matrix
from daemon.scan import ScanOptions, plan_scan
from daemon.search import QueryEngine, build_query_engine
from daemon.store import FileIdentity, SparseTags, Store
from daemon.tagger import Tagger, load_taggers
from daemon.vocab import describe_tags
from daemon.watch import ChangeBatch, ChangeQueue, FolderWatcher, WatchLimitReached

log = logging.getLogger(__name__)


class RequestError(Exception):
    """A client asked for something impossible; the message goes back to it."""


@dataclass(frozen=True)
class _Reconcile:
    root: str
    force: bool = False


@dataclass(frozen=True)
class _ReindexFile:
    path: str


class Gallery:
    def __init__(self, paths: Paths, settings: Settings,
                 taggers: Sequence[Tagger] | None = None,
                 engine: QueryEngine | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.model = model_id(settings.model)
        # model id -> class offset of every tagger whose tags searches read
        self.sources = tag_sources(settings)
        self._taggers = list(taggers) if taggers is not None else None
        self._engine = engine
        self.options = ScanOptions(settings.excludes, settings.index_hidden)
        self.matrix = TagMatrix()
        self._jobs: queue.Queue[object] = queue.Queue()
        self._changes = ChangeQueue()
        self._watcher: FolderWatcher | None = None
        self._running = threading.Event()  # set while not paused
        self._running.set()
        self._stopping = threading.Event()
        self._writer: threading.Thread | None = None
        self._state_lock = threading.Lock()
        self._offline: set[str] = set()
        self._unwatched: dict[str, str] = {}  # root -> why
        self._busy = ""  # what the writer is doing, for status
        self._pending = 0
        self._last_report: IndexReport | None = None
        self._failed = 0
        self._reader: Store | None = None
        self._reader_lock = threading.Lock()

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        """Load everything, start the writer and the watcher; returns when searches work."""
        store = Store(self.paths.index_db)  # migrates if needed, before anyone reads
        self.matrix = load_matrix(store, self.sources)
        self._failed = len(store.failures())
        store.close()
        self._reader = Store(self.paths.index_db, readonly=True)
        if self._engine is None:
            self._engine = build_query_engine(self.settings)
        if self._taggers is None:
            self._taggers = load_taggers(self.settings, self.paths.cache_dir)
        self._watcher = FolderWatcher(self._changes, self.options)
        for root in self.settings.folders:
            self._jobs.put(_Reconcile(root))
        self._writer = threading.Thread(target=self._write_loop, name="writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        """Finish the batch in hand, then close SQLite cleanly."""
        self._stopping.set()
        self._running.set()  # a paused writer must wake up to stop
        self._jobs.put(None)
        if self._writer is not None:
            self._writer.join(timeout=120)
        if self._watcher is not None:
            self._watcher.stop()
        if self._reader is not None:
            with self._reader_lock:
                self._reader.close()

    # --- the writer thread ------------------------------------------------------------------
    def _gate(self) -> bool:
        while not self._running.is_set() and not self._stopping.is_set():
            self._running.wait(0.5)
        return not self._stopping.is_set()

    def _write_loop(self) -> None:
        store = Store(self.paths.index_db)
        assert self._taggers, "start() loads the taggers before the writer starts"
        indexer = Indexer(store, self._taggers, self.settings.batch_size,
                          on_change=self._apply_change, gate=self._gate)
        next_recheck = time.monotonic() + self.settings.rescan_seconds
        try:
            while not self._stopping.is_set():
                for root in self.settings.folders:
                    self._ensure_watched(root)
                job = self._next_job(timeout=0.2)
                if job is None and time.monotonic() >= next_recheck:
                    next_recheck = time.monotonic() + self.settings.rescan_seconds
                    self._recheck_roots()
                    continue
                if job is None:
                    continue
                try:
                    self._run(job, indexer, store)
                except Exception:  # noqa: BLE001 - the daemon must outlive any one job
                    log.exception("job %r failed", job)
                finally:
                    with self._state_lock:
                        self._busy = ""
                        self._pending = 0
        finally:
            store.close()

    def _next_job(self, timeout: float) -> object | None:
        try:
            return self._jobs.get_nowait()
        except queue.Empty:
            pass
        batch = self._changes.take(timeout)
        return batch if batch else None

    def _run(self, job: object, indexer: Indexer, store: Store) -> None:
        if isinstance(job, _Reconcile):
            self._reconcile(job, indexer, store)
        elif isinstance(job, ChangeBatch):
            self._apply_events(job, indexer, store)
        elif isinstance(job, _ReindexFile):
            self._reindex_file(job.path, indexer)
        elif isinstance(job, _Forget):
            # The user removed the folder from the library: its photos leave the index.
            indexer.process([], store.photos_under(job.root))

    def _reconcile(self, job: _Reconcile, indexer: Indexer, store: Store) -> None:
        root = job.root
        if root not in self.settings.folders:
            return
        if not Path(root).is_dir():
            # Unplugged drive or unmounted share: keep every entry, say it is offline.
            with self._state_lock:
                self._offline.add(root)
            log.warning("folder %s is offline; its photos stay in the index", root)
            return
        with self._state_lock:
            self._offline.discard(root)
            self._busy = f"reconcile {root}"
        self._ensure_watched(root)
        plan = plan_scan(Path(root), store, self.options)
        files = plan.to_check
        if job.force:
            files = [FileIdentity(p, i.size, i.mtime_ns)
                     for p, i in store.photos_under(root).items() if os.path.exists(p)]
            files += plan.to_check
        # Photos a tagger has not seen yet (the detector, added to an existing index).
        untagged = {p for model in indexer.models for p in store.untagged_under(root, model)}
        retag = [self._identity(p) for p in sorted(untagged)]
        files += [i for i in retag if i is not None]
        self._process(indexer, files, plan.gone, force=job.force)
        log.info("reconciled %s: %d unchanged, %d checked, %d gone", root, plan.unchanged,
                 len(files), len(plan.gone))

    def _apply_events(self, batch: ChangeBatch, indexer: Indexer, store: Store) -> None:
        files: dict[str, FileIdentity] = {}
        gone: set[str] = set()
        roots = self.settings.folders
        for path in batch.files:
            if not _under_any(path, roots):
                continue
            identity = self._identity(path)
            if identity is not None:
                files[path] = identity
            else:
                gone.add(path)
        for folder in batch.folders:
            if not _under_any(folder, roots):
                continue
            if Path(folder).is_dir():
                plan = plan_scan(Path(folder), store, self.options)
                files.update((i.path, i) for i in plan.to_check)
                gone.update(plan.gone)
            else:
                gone.update(store.photos_under(folder))
        with self._state_lock:
            self._busy = "changes"
        self._process(indexer, sorted(files.values(), key=lambda i: i.path), gone)

    def _reindex_file(self, path: str, indexer: Indexer) -> None:
        identity = self._identity(path)
        if identity is not None:
            self._process(indexer, [identity], (), force=True)

    def _process(self, indexer: Indexer, files: list[FileIdentity], gone: Iterable[str],
                 force: bool = False) -> None:
        with self._state_lock:
            self._pending = len(files)
        report = indexer.process(files, gone, progress=self._progress, force=force)
        with self._state_lock:
            self._last_report = report
            self._failed = len(indexer.store.failures())

    def _progress(self, progress: Progress) -> None:
        with self._state_lock:
            self._pending = progress.total - progress.done

    def _apply_change(self, photo_id: int, path: str, tags: SparseTags | None) -> None:
        if tags is None:
            self.matrix.remove(photo_id)
        else:
            self.matrix.put(photo_id, path, tags)

    @staticmethod
    def _identity(path: str) -> FileIdentity | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return FileIdentity(path, stat.st_size, stat.st_mtime_ns) if os.path.isfile(path) \
            else None

    def _ensure_watched(self, root: str) -> None:
        if self._watcher is None or self._watcher.is_watching(root) or root in self._unwatched:
            return
        try:
            self._watcher.watch(root)
        except FileNotFoundError:
            with self._state_lock:
                self._offline.add(root)
        except WatchLimitReached as exc:
            log.warning("%s", exc)
            with self._state_lock:
                self._unwatched[root] = str(exc)
        except OSError as exc:
            log.warning("cannot watch %s: %s; falling back to rescans", root, exc)
            with self._state_lock:
                self._unwatched[root] = str(exc)

    def _recheck_roots(self) -> None:
        """Offline roots that came back, and roots we could not watch: rescan them."""
        with self._state_lock:
            offline = set(self._offline)
            unwatched = set(self._unwatched)
        for root in self.settings.folders:
            if root in offline and Path(root).is_dir():
                if self._watcher is not None:
                    self._watcher.unwatch(root)  # the old watch died with the old folder
                self._jobs.put(_Reconcile(root))
            elif root in unwatched:
                # try to watch again (the limit may have been raised), and rescan meanwhile
                with self._state_lock:
                    self._unwatched.pop(root, None)
                self._jobs.put(_Reconcile(root))
            elif (root not in offline and not Path(root).is_dir()):
                with self._state_lock:
                    self._offline.add(root)
                if self._watcher is not None:
                    self._watcher.unwatch(root)

    # --- what clients can ask ------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> dict[str, object]:
        if not isinstance(query, str) or not query.strip():
            raise RequestError("query must be a non-empty string")
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise RequestError("limit must be an integer from 1 to 10000")
        assert self._engine is not None
        return self._engine.search(query, self.matrix, limit=limit).to_json()

    def status(self) -> dict[str, object]:
        with self._state_lock:
            offline = set(self._offline)
            unwatched = dict(self._unwatched)
            busy, pending, failed = self._busy, self._pending, self._failed
        pending += self._changes.pending() + self._jobs.qsize()
        folders = [{"path": root, "online": root not in offline,
                    "watched": root not in unwatched and root not in offline,
                    **({"rescans": unwatched[root]} if root in unwatched else {})}
                   for root in self.settings.folders]
        return {"indexed": len(self.matrix), "pending": pending, "failed": failed,
                "paused": not self._running.is_set(), "model": self.model,
                "detector": next((m for m in self.sources if m != self.model), None),
                "folders": folders, "busy": busy, "pid": os.getpid(),
                "watch_limit_reached": bool(unwatched)}

    def folders_list(self) -> list[dict[str, object]]:
        return self.status()["folders"]  # type: ignore[return-value]

    def folders_add(self, path: str) -> dict[str, object]:
        root = self._folder_argument(path)
        if not Path(root).is_dir():
            raise RequestError(f"{root} is not a folder")
        if root not in self.settings.folders:
            for existing in self.settings.folders:
                if _under_any(root, [existing]):
                    raise RequestError(f"{root} is already inside the watched folder {existing}")
            inner = [f for f in self.settings.folders if _under_any(f, [root])]
            folders = tuple(f for f in self.settings.folders if f not in inner) + (root,)
            self._save(replace(self.settings, folders=folders))
            for folder in inner:
                if self._watcher is not None:
                    self._watcher.unwatch(folder)
        self._jobs.put(_Reconcile(root))
        return {"added": root}

    def folders_remove(self, path: str) -> dict[str, object]:
        root = self._folder_argument(path)
        if root not in self.settings.folders:
            raise RequestError(f"{root} is not a watched folder")
        self._save(replace(self.settings,
                           folders=tuple(f for f in self.settings.folders if f != root)))
        if self._watcher is not None:
            self._watcher.unwatch(root)
        with self._state_lock:
            self._offline.discard(root)
            self._unwatched.pop(root, None)
        self._jobs.put(_Forget(root))
        return {"removed": root}

    def reindex(self, path: str | None = None) -> dict[str, object]:
        if path is None:
            for root in self.settings.folders:
                self._jobs.put(_Reconcile(root, force=True))
            return {"reindexing": list(self.settings.folders)}
        target = self._folder_argument(path)
        if not _under_any(target, self.settings.folders) and target not in self.settings.folders:
            raise RequestError(f"{target} is not inside a watched folder")
        if Path(target).is_file():
            self._jobs.put(_ReindexFile(target))
        elif target in self.settings.folders:
            self._jobs.put(_Reconcile(target, force=True))
        else:
            raise RequestError(f"{target} is not a watched folder or a photo in one")
        return {"reindexing": [target]}

    def pause(self) -> dict[str, object]:
        self._running.clear()
        return {"paused": True}

    def resume(self) -> dict[str, object]:
        self._running.set()
        return {"paused": False}

    def photo_tags(self, path: str, limit: int = 10) -> dict[str, object]:
        target = self._folder_argument(path)
        assert self._reader is not None and self._engine is not None
        with self._reader_lock:
            by_model = {model: self._reader.tags_of(target, model) for model in self.sources}
        if all(tags is None for tags in by_model.values()):
            raise RequestError(f"{target} is not in the index")
        vocabulary = self._engine.vocabulary
        answer: dict[str, object] = {"path": target, "tags": [], "detector": []}
        for model, tags in by_model.items():
            if tags is None:
                continue
            answer["tags" if model == self.model else "detector"] = describe_tags(
                vocabulary, self.sources[model], tags, limit)
        return answer

    # --- helpers --------------------------------------------------------------------------
    @staticmethod
    def _folder_argument(path: object) -> str:
        if not isinstance(path, str) or not path or "\0" in path:
            raise RequestError("path must be a non-empty string")
        return os.path.abspath(os.path.expanduser(path))

    def _save(self, settings: Settings) -> None:
        settings.save(self.paths.settings_file)
        self.settings = settings


@dataclass(frozen=True)
class _Forget:
    root: str


def _under_any(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)

