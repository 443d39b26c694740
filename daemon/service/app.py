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
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from daemon.config import Paths, Settings, SettingsError, SettingsFile, classifier_model_id
from daemon.index.facts import FactsTable
from daemon.index.health import Problem, diagnose, free_bytes, move_aside, user_message
from daemon.index.indexer import Indexer, IndexReport, Progress
from daemon.index.later_pass import TextPass
from daemon.index.matrix import (
    SAVE_AFTER_CHANGES,
    TagMatrix,
    combine,
    load_matrix,
    matrix_file_for,
    save_matrix_if_changed,
)
from daemon.index.salvage import SalvagedPhoto, salvage
from daemon.index.scan import ScanOptions, plan_scan
from daemon.index.store import (
    FileIdentity,
    IndexDamaged,
    IndexNotWritable,
    PhotoFacts,
    SparseTags,
    Store,
    StoreError,
)
from daemon.index.texts import TextTable
from daemon.index.vectors import VectorTable
from daemon.places import Gazetteer
from daemon.query.duplicates import find_duplicates, group_json, library_files
from daemon.query.format import describe_facts
from daemon.query.search import SORTS, QueryEngine, build_query_engine
from daemon.query.vocab import describe_tags
from daemon.service.client import MAX_QUERY_CHARS
from daemon.service.people_requests import PeopleRequestError, PeopleRequests
from daemon.service.watch import ChangeBatch, ChangeQueue, FolderWatcher, WatchLimitReached
from daemon.signals import Signal, later_specs, load_signals, signal_models, signal_sources
from daemon.signals.faces import FAMILY as FACES_FAMILY
from daemon.signals.faces import describe_faces
from daemon.signals.metadata import FactsReader
from daemon.signals.ocr import one_thread
from daemon.signals.text import CONCEPTS as TEXT_CONCEPTS
from daemon.signals.text import HOW_TO_ENABLE, TextSignal, TextUnavailable
from daemon.signals.text import MODEL_ID as TEXT_MODEL_ID

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRY_SECONDS = 300.0
FREED_TO_RETRY = 1 << 20  # this much space freed: try again at once
MATRIX_SAVE_SECONDS = 300  # a killed daemon re-reads at most this long's changes
# Photos the later pass (the text in photos) reads between two looks at the job queue: a
# new photo waits at most this many OCR runs for its first pass.
LATER_PASS_STEP = 2


class RequestError(Exception):
    """A client asked for something impossible; the message goes back to it."""


@dataclass(frozen=True)
class _Reconcile:
    root: str
    force: bool = False


@dataclass(frozen=True)
class _ReindexFile:
    path: str


@dataclass(frozen=True)
class _ReadText:
    """A step of the later pass (the text in photos), taken when nothing else waits."""


class _IndexTrouble(Exception):
    """The writer met one of the index's expected problems; it reopens the index."""

    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem


@dataclass(frozen=True)
class _CheckFailed:
    """A reader found the index damaged: the writer moves it aside and rebuilds."""

    detail: str


class Gallery:
    def __init__(self, paths: Paths, settings: Settings,
                 taggers: Sequence[Signal] | None = None,
                 engine: QueryEngine | None = None,
                 settings_error: str | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.model = classifier_model_id(settings)
        # model id -> class offset of every tagger whose tags searches read
        self.sources = signal_sources(settings)
        # model id -> the signal's name ("classifier", "detector", "colours")
        self.signal_names = {m: n for n, m in signal_models(settings).items()}
        self._taggers = list(taggers) if taggers is not None else None
        self._engine = engine
        self.options = ScanOptions(settings.excludes, settings.index_hidden)
        self.matrix = TagMatrix()
        self.facts = FactsTable()  # when and where each photo was taken, beside the matrix
        self.vectors = VectorTable()  # each photo's embedding, for «похожие»
        self.texts = TextTable()  # the text read in photos, by photo and by word
        # the faces grouped into people, and the user's names for them
        self.people = PeopleRequests(paths.people_file, signal_models(settings).get("faces"),
                                     self._people_read)
        self._text_signal: TextSignal | None = None
        self._text_off = "" if settings.text else "turned off in settings (text = false)"
        self._text_due = True  # the later pass may have photos to read
        self._text_pending = 0
        self._facts_reader: FactsReader | None = None
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
        self._unreadable: dict[str, list[str]] = {}  # root -> folders below it we cannot list
        self._busy = ""  # what the writer is doing, for status
        self._pending = 0
        self._last_report: IndexReport | None = None
        self._failed = 0
        self._loading = True  # until the matrix is read from the index
        self._rebuilding = False  # the index was damaged and is being built again
        self._moved_aside: str | None = None
        self._cannot_index: str | None = None  # an index this program must not touch
        self._salvaged: dict[str, SalvagedPhoto] = {}  # from a damaged index, for a rebuild
        self._trouble: Problem | None = None  # writing is paused for this
        self._retry_seconds = settings.retry_seconds
        self._retry_delay = settings.retry_seconds  # grows while the trouble lasts
        self._settings_file = SettingsFile(paths.settings_file)
        self._settings_error = settings_error

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        """Load the models and start the writer and the watcher; returns at once, while
        the writer reads the index (status and search answer meanwhile)."""
        if self._engine is None:
            self._engine = build_query_engine(self.settings)
        # One gazetteer names the places of photos and of queries.
        gazetteer = self._engine.gazetteer or Gazetteer.load()
        self._facts_reader = FactsReader(gazetteer)
        if self._taggers is None:
            self._taggers = load_signals(self.settings, self.paths.cache_dir)
        self._load_later_signals()
        self._watcher = FolderWatcher(self._changes, self.options)
        self._settings_file.remember()
        for root in self.settings.folders:
            self._jobs.put(_Reconcile(root))
        self._writer = threading.Thread(target=self._write_loop, name="writer", daemon=True)
        self._writer.start()

    def _load_later_signals(self) -> None:
        for spec in later_specs(self.settings):
            try:
                signal = spec.build(self.settings, self.paths.cache_dir)
            except TextUnavailable as exc:
                self._text_off = str(exc)
                log.warning("text in photos: off (%s); to read it, %s", exc, HOW_TO_ENABLE)
                continue
            if isinstance(signal, TextSignal):
                one_thread()  # the pass runs beside everything else, at low priority
                self._text_signal = signal

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Block until the index is read (tests and benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._loading and not self._stopping.is_set():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return not self._loading

    def stop(self) -> None:
        """Finish the batch in hand, then close SQLite cleanly."""
        self._stopping.set()
        self._running.set()  # a paused writer must wake up to stop
        self._jobs.put(None)
        if self._writer is not None:
            self._writer.join(timeout=120)
        if self._watcher is not None:
            self._watcher.stop()

    # --- the writer thread ------------------------------------------------------------------
    def _gate(self) -> bool:
        while not self._running.is_set() and not self._stopping.is_set():
            self._running.wait(0.5)
        return not self._stopping.is_set()

    def _write_loop(self) -> None:
        """Open the index, serve jobs; on trouble with the index, deal with it and reopen.
        Nothing that happens to the index file ends this loop: only stop() does."""
        while not self._stopping.is_set():
            try:
                store = self._open_index()
            except _IndexTrouble as trouble:
                self._handle_trouble(trouble)
                continue
            except StoreError as exc:  # e.g. an index from a newer version: leave it be
                log.error("%s; not indexing", exc)
                with self._state_lock:
                    self._cannot_index = str(exc)
                self._loading = False
                return
            except Exception:  # noqa: BLE001 - a bug: say it, try again later, never exit
                log.exception("cannot open the index")
                self._stopping.wait(self._retry_seconds)
                continue
            try:
                self._serve_jobs(store)
            except _IndexTrouble as trouble:
                store.close()
                self._handle_trouble(trouble)
                # What was lost with the failed job is found again by reconciling.
                for root in self.settings.folders:
                    self._jobs.put(_Reconcile(root))
                continue
            try:  # a clean stop: the next start maps what the matrix holds now
                save_matrix_if_changed(self.matrix, store, matrix_file_for(self.paths.index_db))
            finally:
                store.close()
            return

    def _open_index(self) -> Store:
        """The writer's connection, after a quick check of the file; fills the matrix
        when it has not been read yet."""
        index = self.paths.index_db
        try:
            store = Store(index)
        except IndexDamaged as exc:
            raise _IndexTrouble(Problem.DAMAGED, str(exc)) from exc
        except IndexNotWritable as exc:
            raise _IndexTrouble(exc.problem, str(exc)) from exc
        try:
            damage = store.check()
            if damage is not None:
                raise _IndexTrouble(Problem.DAMAGED, f"quick_check: {damage}")
            if self._loading:
                started = time.monotonic()
                self.matrix = load_matrix(store, self.sources, matrix_file_for(index))
                self.facts = FactsTable.load(store)
                self.vectors = VectorTable.load(store, self.model)
                self.texts = self._load_texts(store)
                log.info("read %d photos from %s in %.1f s", len(self.matrix), index,
                         time.monotonic() - started)
                self.people.reset()  # grouped again from this index, off the writer's thread
                threading.Thread(target=self.people.warm_up, name="people",
                                 daemon=True).start()
            with self._state_lock:
                self._failed = len(store.failures())
        except sqlite3.DatabaseError as exc:
            store.close()
            raise self._trouble_of(exc) from exc
        except _IndexTrouble:
            store.close()
            raise
        self._loading = False
        return store

    def _trouble_of(self, exc: BaseException) -> BaseException:
        diagnosis = diagnose(exc, self.paths.index_db)
        if diagnosis is None:
            return exc
        return _IndexTrouble(diagnosis.problem, diagnosis.detail)

    def _handle_trouble(self, trouble: _IndexTrouble) -> None:
        if trouble.problem is Problem.DAMAGED:
            self._rebuild(str(trouble))
            return
        # Disk full or read-only: committed photos stay; wait, then try again.
        first = self._trouble is None
        self._trouble = trouble.problem
        message = user_message(trouble.problem, self.paths.index_db)
        if first:
            log.warning("indexing paused: %s (%s)", message, trouble)
        free_before = free_bytes(self.paths.index_db)
        folder = self.paths.index_db.parent
        writable_before = os.access(folder, os.W_OK)
        deadline = time.monotonic() + self._retry_delay
        # Each retry reconciles every folder: back off while the trouble lasts.
        self._retry_delay = min(self._retry_delay * 2, max(MAX_RETRY_SECONDS,
                                                           self._retry_seconds))
        while not self._stopping.is_set() and time.monotonic() < deadline:
            # Space freed or the folder writable again: try at once, not at the deadline.
            if trouble.problem is Problem.DISK_FULL and \
                    free_bytes(self.paths.index_db) > free_before + FREED_TO_RETRY:
                break
            if not writable_before and os.access(folder, os.W_OK):
                break
            time.sleep(min(0.25, self._retry_seconds))
        if self._loading:
            self._loading = not self._load_read_only()

    def _load_read_only(self) -> bool:
        """While the index cannot be written, searches still get what it holds."""
        for immutable in (False, True):  # a read-only file system needs immutable
            try:
                with Store(self.paths.index_db, readonly=True, immutable=immutable) as store:
                    self.matrix = load_matrix(store, self.sources,
                                              matrix_file_for(self.paths.index_db))
                    self.facts = FactsTable.load(store)
                    self.vectors = VectorTable.load(store, self.model)
                    self.texts = self._load_texts(store)
                return True
            except (StoreError, sqlite3.DatabaseError):
                continue
        return False

    def _rebuild(self, detail: str) -> None:
        """Move the damaged file aside, start from an empty index, reconcile every folder."""
        index = self.paths.index_db
        try:
            moved = move_aside(index)
        except OSError as exc:
            # Cannot even rename it: wait as for a read-only folder, then try again.
            log.error("the index %s is damaged (%s) and cannot be moved aside: %s",
                      index, detail, exc)
            self._handle_trouble(_IndexTrouble(Problem.NOT_WRITABLE, str(exc)))
            return
        log.error("the index was damaged (%s); moved it to %s and rebuilding from the "
                  "watched folders", detail, moved)
        matrix_file_for(index).unlink(missing_ok=True)  # it belongs to the damaged index
        # Photos whose tags can still be read are not tagged again (just read and hashed).
        self._salvaged = salvage(moved, self.sources)
        with self._state_lock:
            self._rebuilding = True
            self._moved_aside = str(moved)
            self._failed = 0
        self.people.reset()
        self.matrix = TagMatrix()  # searches answer what is rebuilt so far
        self.facts = FactsTable()
        self.vectors = VectorTable()
        self.texts = self._new_texts()
        self._loading = False
        for root in self.settings.folders:
            self._jobs.put(_Reconcile(root, force=False))

    def _new_texts(self) -> TextTable:
        return TextTable(self._engine.analyzer.key if self._engine is not None else None)

    def _load_texts(self, store: Store) -> TextTable:
        if self._text_signal is None:
            return self._new_texts()
        return TextTable.load(store, self._engine.analyzer.key if self._engine else None)

    def _serve_jobs(self, store: Store) -> None:
        assert self._taggers, "start() loads the taggers before the writer starts"
        # The rows of the later pass stay in a photo's matrix row when the first pass
        # rewrites it (a moved photo keeps what was read in it).
        later = {m: spec.concepts for spec in later_specs(self.settings)
                 if (m := spec.model_id(self.settings))}
        indexer = Indexer(store, self._taggers, self.settings.batch_size,
                          on_change=self._apply_change, gate=self._gate,
                          salvaged=self._salvaged, facts=self._facts_reader,
                          on_facts=self.facts_changed, also_combine=later)
        if not self.settings.faces:  # turned off: the faces found go (the book stays)
            forgotten = store.forget_model_family(FACES_FAMILY)
            if forgotten:
                log.info("faces are off: forgot the faces of %d photos", forgotten)
        if not self.settings.text:  # turned off: what was read goes (it is the user's text)
            forgotten = store.forget_texts(TEXT_MODEL_ID)
            if forgotten:
                log.info("text in photos is off: forgot the text of %d photos", forgotten)
        text_pass = None
        if self._text_signal is not None:
            text_pass = TextPass(store, self._text_signal,
                                 lambda pid, path, text: self._text_read(store, pid, path, text))
            self._text_pending = text_pass.pending()
        next_recheck = time.monotonic() + self.settings.rescan_seconds
        next_save = time.monotonic() + MATRIX_SAVE_SECONDS
        while not self._stopping.is_set():
            self._follow_settings()
            for root in self.settings.folders:
                self._ensure_watched(root)
            job = self._next_job(timeout=0.2)
            if job is None:
                if self._rebuilding and self._jobs.empty() and not self._changes.pending():
                    with self._state_lock:
                        self._rebuilding = False
                    log.info("the index is rebuilt: %d photos", len(self.matrix))
                    self._salvaged.clear()
                    indexer.salvaged = {}
                if time.monotonic() >= next_recheck:
                    next_recheck = time.monotonic() + self.settings.rescan_seconds
                    self._recheck_roots()
                elif time.monotonic() >= next_save:
                    next_save = time.monotonic() + MATRIX_SAVE_SECONDS
                    save_matrix_if_changed(self.matrix, store,
                                           matrix_file_for(self.paths.index_db),
                                           SAVE_AFTER_CHANGES)
                elif text_pass is not None and self._text_due and self._running.is_set():
                    job = _ReadText()  # nothing else to do: read the text of a few photos
                if job is None:
                    continue
            if isinstance(job, _CheckFailed):
                self._confirm_damage(job.detail)
                continue
            try:
                if isinstance(job, _ReadText):
                    assert text_pass is not None
                    self._read_text(text_pass)
                else:
                    self._run(job, indexer, store)
                self._writing_works()
            except sqlite3.DatabaseError as exc:
                trouble = self._trouble_of(exc)
                if isinstance(trouble, _IndexTrouble):
                    raise trouble from exc
                log.exception("job %r failed", job)
            except Exception:  # noqa: BLE001 - the daemon must outlive any one job
                log.exception("job %r failed", job)
                if isinstance(job, _ReadText):
                    self._text_due = False  # not again before the photos change
            finally:
                with self._state_lock:
                    self._busy = ""
                    self._pending = 0

    def _read_text(self, text_pass: TextPass) -> None:
        """A step of the later pass, while nothing else waits."""
        with self._state_lock:
            self._busy = "reading text"
        try:
            report = text_pass.run(LATER_PASS_STEP, keep_going=self._nothing_waits)
        finally:
            with self._state_lock:
                self._busy = ""
        if report.read + report.passed + report.copied == 0:
            self._text_due = False  # until the first pass changes something
        self._text_pending = text_pass.pending()

    def _nothing_waits(self) -> bool:
        return (self._jobs.empty() and not self._changes.pending()
                and self._running.is_set() and not self._stopping.is_set())

    def _text_read(self, store: Store, photo_id: int, path: str, text: str | None) -> None:
        """The later pass read a photo: its kinds join the matrix, its words the texts."""
        tags = combine((block.first, store.tags_of(path, model))
                       for model, block in self.sources.items())
        self.matrix.put(photo_id, path, tags)
        if text:
            self.texts.put(photo_id, text)
        else:
            self.texts.remove(photo_id)

    def _confirm_damage(self, detail: str) -> None:
        """A reader saw damage: look again on a fresh connection (the report may predate
        a rebuild), and rebuild if it is still there."""
        try:
            with Store(self.paths.index_db, readonly=True) as store:
                damage = store.check()
        except (StoreError, sqlite3.DatabaseError) as exc:
            damage = str(exc)
        if damage is not None:
            raise _IndexTrouble(Problem.DAMAGED, f"{detail}; quick_check: {damage}")

    def _writing_works(self) -> None:
        if self._trouble is not None:
            log.info("the index is writable again; indexing resumed")
        self._trouble = None
        self._retry_delay = self._retry_seconds

    def _follow_settings(self) -> None:
        """Apply the user's edits of settings.toml; a malformed file changes nothing."""
        if not self._settings_file.changed():
            return
        try:
            settings = self._settings_file.load()
        except SettingsError as exc:
            if str(exc) != self._settings_error:
                log.error("%s; keeping the settings in use", exc)
            self._settings_error = str(exc)
            return
        if self._settings_error:
            log.info("settings file fixed: %s", self.paths.settings_file)
        self._settings_error = None
        self._settings_file.keep_as_last_good(self.paths.last_good_settings)
        added = [f for f in settings.folders if f not in self.settings.folders]
        removed = [f for f in self.settings.folders if f not in settings.folders]
        restart = [name for name in ("model", "model_weights", "detector", "detector_size",
                                     "word_vectors", "fasttext_model", "threads", "text",
                                     "faces")
                   if getattr(settings, name) != getattr(self.settings, name)]
        if restart:
            log.warning("settings changed that take effect when the daemon restarts: %s",
                        ", ".join(restart))
        self.settings = replace(self.settings, folders=settings.folders,
                                excludes=settings.excludes, index_hidden=settings.index_hidden,
                                batch_size=settings.batch_size,
                                rescan_seconds=settings.rescan_seconds, extra=settings.extra)
        self.options = ScanOptions(settings.excludes, settings.index_hidden)
        for root in removed:
            self._forget_folder(root)
        for root in added:
            self._jobs.put(_Reconcile(root))
        if added or removed:
            log.info("settings file: folders added %s, removed %s", added, removed)

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
        # Photos a signal has not read yet (one added to an existing index), or without
        # their facts: read again, without a model run for what they have.
        retag = [self._identity(p) for p in sorted(indexer.incomplete_under(root))]
        files += [i for i in retag if i is not None]
        self._process(indexer, files, plan.gone, force=job.force)
        with self._state_lock:
            if plan.unreadable_dirs:
                self._unreadable[root] = plan.unreadable_dirs
            else:
                self._unreadable.pop(root, None)
        for folder in plan.unreadable_dirs:
            log.warning("cannot list %s (permission denied?): its photos are skipped", folder)
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
        if self._text_signal is not None:  # what the first pass added, the later one reads
            self._text_pending = indexer.store.count_unread_by(self._text_signal.model_id)

    def _progress(self, progress: Progress) -> None:
        with self._state_lock:
            self._pending = progress.total - progress.done

    def _apply_change(self, photo_id: int, path: str, tags: SparseTags | None) -> None:
        self._text_due = True
        self.people.changed(photo_id)
        if tags is None:
            self.matrix.remove(photo_id)
            self.facts.remove(photo_id)
            self.vectors.remove(photo_id)
            self.texts.remove(photo_id)
        else:
            if tags.vector is not None:
                self.vectors.put(photo_id, tags.vector)
            if not any(int(c) in TEXT_CONCEPTS for c in tags.classes):
                self.texts.remove(photo_id)  # new content: its text is to be read again
            self.matrix.put(photo_id, path, tags)

    def facts_changed(self, photo_id: int, facts: PhotoFacts) -> None:
        self.facts.put(photo_id, facts)

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
    def search(self, query: str, limit: int = 50, sort: str = "relevance") -> dict[str, object]:
        if not isinstance(query, str) or not query.strip():
            raise RequestError("query must be a non-empty string")
        if len(query) > MAX_QUERY_CHARS:
            raise RequestError(f"query must be at most {MAX_QUERY_CHARS} characters")
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise RequestError("limit must be an integer from 1 to 10000")
        if sort not in SORTS:
            raise RequestError(f"sort must be one of: {', '.join(SORTS)}")
        assert self._engine is not None
        try:
            people = self.people.for_search()
        except PeopleRequestError as exc:  # an unreadable index or people.json: no names
            log.warning("%s", exc)
            people = None
        return self._engine.search(query, self.matrix, limit=limit, facts=self.facts,
                                   sort=sort, texts=self.texts, people=people).to_json()

    def similar(self, path: str, limit: int = 50, query: str = "") -> dict[str, object]:
        """The photos most like this one (and matching the query, when one is given)."""
        target = self._folder_argument(path)
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise RequestError("limit must be an integer from 1 to 10000")
        if not isinstance(query, str):
            raise RequestError("query must be a string")
        photo = self._read(lambda store: store.photo_by_path(target))
        if photo is None:
            raise RequestError(f"{target} is not in the index")
        assert self._engine is not None
        try:
            response = self._engine.similar(photo.id, self.matrix, self.vectors, query,
                                            limit=limit, facts=self.facts, texts=self.texts)
        except KeyError:
            raise RequestError(f"{target} has no embedding yet: it is being tagged") from None
        return {**response.to_json(), "similar_to": target}

    def duplicates(self, path: str | None = None) -> dict[str, object]:
        """Groups of copies, most spare space first; with a path, only that photo's group.
        Nothing is deleted."""
        target = None if path is None else self._folder_argument(path)
        files, hashes = self._read(library_files)
        of = None
        if target is not None:
            of = next((f.photo_id for f in files if f.path == target), None)
            if of is None:
                raise RequestError(f"{target} is not in the index")
        assert self._engine is not None
        groups = find_duplicates(files, self.vectors, hashes, of)
        return {"groups": [group_json(g, self.facts, self._engine.place_label)
                           for g in groups], "photos": len(files)}

    def status(self) -> dict[str, object]:
        with self._state_lock:
            offline = set(self._offline)
            unwatched = dict(self._unwatched)
            unreadable = dict(self._unreadable)
            busy, pending, failed = self._busy, self._pending, self._failed
        pending += self._changes.pending() + self._jobs.qsize()
        folders = [{"path": root, "online": root not in offline,
                    "watched": root not in unwatched and root not in offline,
                    **({"rescans": unwatched[root]} if root in unwatched else {})}
                   for root in self.settings.folders]
        return {"indexed": len(self.matrix), "pending": pending, "failed": failed,
                "paused": not self._running.is_set(), "model": self.model,
                "detector": next((m for m, n in self.signal_names.items() if n == "detector"),
                                 None),
                "folders": folders, "busy": busy, "pid": os.getpid(),
                "watch_limit_reached": bool(unwatched),
                "unreadable_folders": sorted({d for dirs in unreadable.values() for d in dirs}),
                "text": self._text_state(), **self._index_state()}

    def _text_state(self) -> dict[str, object]:
        """How far the later pass is: on/off, photos still to read, photos with text."""
        if self._text_signal is None:
            return {"state": "off", "reason": self._text_off,
                    "how_to_enable": HOW_TO_ENABLE if self.settings.text else
                    "set text = true in settings.toml"}
        return {"state": "on", "pending": self._text_pending, "with_text": len(self.texts),
                "reader": self._text_signal.tesseract.model_id}

    def _index_state(self) -> dict[str, object]:
        """index_state: loading / rebuilding / disk_full / not_writable / ok; problem: the
        sentence the tray and popup show (None when all is well)."""
        with self._state_lock:
            rebuilding, moved = self._rebuilding, self._moved_aside
            cannot_index = self._cannot_index
        trouble = self._trouble
        state: dict[str, object] = {"index_state": "ok", "problem": None,
                                    "settings_error": self._settings_error}
        if cannot_index is not None:
            state.update(index_state="unusable", problem=f"Индекс не открывается: {cannot_index}")
        elif trouble is not None:
            state.update(index_state=trouble.value,
                         problem=user_message(trouble, self.paths.index_db))
        elif rebuilding:
            state.update(index_state="rebuilding",
                         problem=user_message(Problem.DAMAGED, self.paths.index_db))
        elif self._loading:
            state.update(index_state="loading", problem="Индекс загружается…")
        if moved:
            state["damaged_index_kept_at"] = moved
        return state

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
        self._forget_folder(root)
        return {"removed": root}

    def _forget_folder(self, root: str) -> None:
        if self._watcher is not None:
            self._watcher.unwatch(root)
        with self._state_lock:
            self._offline.discard(root)
            self._unwatched.pop(root, None)
            self._unreadable.pop(root, None)
        self._jobs.put(_Forget(root))

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
        assert self._engine is not None
        by_model, facts, text = self._read(lambda store: (
            {model: store.tags_of(target, model) for model in self.sources},
            store.facts_of(target), store.text_of(target)))
        if all(tags is None for tags in by_model.values()):
            raise RequestError(f"{target} is not in the index")
        vocabulary = self._engine.vocabulary
        answer: dict[str, object] = {"path": target, "tags": [], "detector": []}
        if facts is not None and self._facts_reader is not None:
            answer.update(describe_facts(facts, self._facts_reader.gazetteer))
        if text is not None:
            answer["text"] = text
        for model, tags in by_model.items():
            if tags is None:
                continue
            name = self.signal_names[model]
            answer["tags" if name == "classifier" else name] = describe_tags(
                vocabulary, self.sources[model].first, tags, limit)
            if name == "faces":
                answer["face_list"] = describe_faces(tags)
        return answer

    # --- helpers --------------------------------------------------------------------------
    def _people_read(self, question: Callable[[Store], T]) -> T:
        try:
            return self._read(question)
        except RequestError as exc:
            raise PeopleRequestError(str(exc)) from exc

    def _read(self, question: Callable[[Store], T]) -> T:
        """Ask the index on a connection of its own (a fresh one reads the file, not a
        cache); a damaged index is reported to the writer, which rebuilds it."""
        try:
            with Store(self.paths.index_db, readonly=True) as store:
                return question(store)
        except (IndexDamaged, sqlite3.DatabaseError) as exc:
            diagnosis = diagnose(exc, self.paths.index_db)
            if isinstance(exc, IndexDamaged) or (
                    diagnosis is not None and diagnosis.problem is Problem.DAMAGED):
                self._jobs.put(_CheckFailed(str(exc)))
                raise RequestError(user_message(Problem.DAMAGED,
                                                self.paths.index_db)) from exc
            raise RequestError(f"cannot read the index: {exc}") from exc
        except StoreError as exc:
            raise RequestError(str(exc)) from exc

    @staticmethod
    def _folder_argument(path: object) -> str:
        if not isinstance(path, str) or not path or "\0" in path:
            raise RequestError("path must be a non-empty string")
        return os.path.abspath(os.path.expanduser(path))

    def _save(self, settings: Settings) -> None:
        """Write the settings file, but never over a file the user is in the middle of
        fixing: their text would be lost."""
        try:
            self._settings_file.load()
        except SettingsError as exc:
            raise RequestError(f"{exc}; fix the file first, then try again") from None
        try:
            settings.save(self.paths.settings_file)
        except OSError as exc:
            raise RequestError(f"cannot write {self.paths.settings_file}: "
                               f"{exc.strerror or exc}") from None
        self._settings_file.remember()
        self._settings_file.keep_as_last_good(self.paths.last_good_settings)
        self.settings = settings


@dataclass(frozen=True)
class _Forget:
    root: str


def _under_any(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)

