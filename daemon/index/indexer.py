"""Decode -> tag -> write, pipelined.

Worker threads read, hash, decode, preprocess and tag files, one photo each at a time
(Pillow, numpy and ONNX Runtime release the GIL); the calling thread is the only one that
writes to the store. A file whose content the index already knows (renamed, moved, copied,
touched) keeps or reuses its tags without a decode or a model run.

Several signals (daemon/signals: the ImageNet classifier, the COCO detector, the colours)
share one decode per photo; each runs only on the photos it has not read yet, so adding a
signal to an existing index runs that signal alone. A signal that reads another's rows (the
colours read the detector's boxes) gets them from this run or from the index.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from daemon.concepts import ConceptBlock
from daemon.index.hash_set import HashSet
from daemon.index.matrix import combine
from daemon.index.salvage import SalvagedPhoto
from daemon.index.scan import ScanOptions, plan_scan
from daemon.index.store import Failure, FileIdentity, PhotoFacts, SparseTags, Store
from daemon.signals import Signal
from daemon.signals.classifier import MAX_K, MIN_K, sparsify
from daemon.signals.decode import DecodedPhoto, DecodeError, decode_bytes, hash_bytes, read_file
from daemon.signals.metadata import FactsReader

__all__ = ["MAX_K", "MIN_K", "Indexer", "IndexReport", "Progress", "sparsify"]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    tagged: int
    failed: int
    photos_per_second: float


@dataclass
class IndexReport:
    tagged: int = 0  # ran the model
    moved: int = 0  # renamed or moved: kept their tags
    copied: int = 0  # same content as another photo: reused its tags
    touched: int = 0  # same content, new mtime
    salvaged: int = 0  # tags found in a damaged index that was moved aside
    removed: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    known_broken: list[str] = field(default_factory=list)
    seconds: float = 0.0
    model_seconds: float = 0.0
    stopped: bool = False  # the gate stopped it before the end

    @property
    def photos_per_second(self) -> float:
        return self.tagged / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Prepared:
    identity: FileIdentity
    # what the index holds at this path: (content hash, model id -> rows), for the signals
    # that read another's rows when that one need not run again
    stored: tuple[str, dict[str, SparseTags]] | None = None
    content_hash: str = ""
    # model id -> the tags of the signals that ran on it; empty: the tags can be reused
    tags: dict[str, SparseTags] = field(default_factory=dict)
    model_seconds: float = 0.0
    width: int = 0
    height: int = 0
    error: str | None = None
    facts: PhotoFacts | None = None  # when and where, read from the bytes


ProgressCallback = Callable[[Progress], None]
# Called for each photo the store gained or changed: (photo id, path, its tags or None);
# the tags of all signals, in the shared class space (daemon.concepts).
ChangeCallback = Callable[[int, str, SparseTags | None], None]
# Called for each photo whose facts (date, place) the store gained or changed.
FactsCallback = Callable[[int, PhotoFacts], None]


class Indexer:
    def __init__(self, store: Store, signals: Signal | Sequence[Signal], batch_size: int = 16,
                 workers: int = 2, on_change: ChangeCallback | None = None,
                 gate: Callable[[], bool] | None = None,
                 salvaged: Mapping[str, SalvagedPhoto] | None = None,
                 facts: FactsReader | None = None,
                 on_facts: FactsCallback | None = None,
                 also_combine: Mapping[str, ConceptBlock] | None = None) -> None:
        """facts: reads each photo's date and place from its bytes (None: not kept);
        also_combine: the later pass's model ids -> their blocks, whose rows a photo's
        combined tags (on_change) keep."""
        self.also_combine = dict(also_combine or {})
        self.store = store
        self.facts = facts
        self.on_facts = on_facts
        self.signals: tuple[Signal, ...] = (
            tuple(signals) if isinstance(signals, Sequence) else (signals,))
        self.batch_size = batch_size
        self.workers = workers
        self.on_change = on_change
        # Called between batches: blocks while paused, returns False to stop early.
        self.gate = gate or (lambda: True)
        self._force = False
        # content hash -> tags read back from a damaged index (a rebuild reuses them)
        self.salvaged: Mapping[str, SalvagedPhoto] = salvaged or {}
        # A signal that keeps embeddings knows only the content it kept one for: photos
        # tagged before it kept them are tagged again (by it alone).
        self._known_hashes = {t.model_id: HashSet(store.hashes_tagged_by(
            t.model_id, with_vector=_makes_vectors(t))) for t in self.signals}
        # The ids of rows that a signal's own rows replace (an earlier way of reading
        # photos): a photo's go when it gets the new ones.
        self.retired: tuple[str, ...] = tuple(
            model for t in self.signals for model in getattr(t, "retired", ()))

    @property
    def model(self) -> str:
        """The main (ImageNet) signal's model id."""
        return self.signals[0].model_id

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(t.model_id for t in self.signals)

    def index_folder(self, root: Path, options: ScanOptions | None = None,
                     progress: ProgressCallback | None = None) -> IndexReport:
        started = time.perf_counter()
        plan = plan_scan(root, self.store, options or ScanOptions())
        retag = []
        for path in sorted(self.incomplete_under(str(root))):
            try:
                stat = os.stat(path)
            except OSError:
                continue
            retag.append(FileIdentity(path, stat.st_size, stat.st_mtime_ns))
        report = self.process(plan.to_check + retag, plan.gone, progress)
        report.unchanged = plan.unchanged
        report.known_broken = plan.known_broken
        report.seconds = time.perf_counter() - started
        return report

    def incomplete_under(self, root: str) -> set[str]:
        """Photos below root that a signal has not read yet (one added to an existing
        index, or one that keeps embeddings now), or whose facts are missing or older than
        the reader."""
        paths = {path for model in self.models for path in self.store.untagged_under(root, model)}
        for signal in self.signals:
            if _makes_vectors(signal):
                paths.update(self.store.without_vectors_under(root, signal.model_id))
        if self.facts is not None:
            paths.update(self.store.without_facts_under(root, self.facts.version))
        return paths

    def process(self, files: list[FileIdentity], gone: Iterable[str] = (),
                progress: ProgressCallback | None = None, force: bool = False) -> IndexReport:
        """Tag files (force: even when their content is known) and drop gone paths.

        Stops early, leaving the rest for the next reconcile, when the gate says so."""
        started = time.perf_counter()
        report = IndexReport()
        gone_set = set(gone)
        done = 0
        self._force = force
        with ThreadPoolExecutor(self.workers, thread_name_prefix="decode") as pool:
            for prepared in self._prepare_all(pool, files):
                if prepared is None:  # stopped by the gate
                    report.stopped = True
                    break
                done += 1
                if prepared.error is not None:
                    self._fail(prepared, report)
                elif not prepared.tags:
                    self._reuse(prepared, gone_set, report)
                else:
                    self._write(prepared, report)
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    progress(Progress(done, len(files), report.tagged, len(report.failed),
                                      report.tagged / elapsed if elapsed > 0 else 0.0))
        if not report.stopped:
            self._remove(gone_set, report)
        report.seconds = time.perf_counter() - started
        return report

    # --- worker side -----------------------------------------------------------------
    def _prepare_all(self, pool: ThreadPoolExecutor,
                     files: list[FileIdentity]) -> Iterator[_Prepared | None]:
        """Results in order, the workers up to two batches ahead of the writer; the gate is
        asked once per batch.

        Each worker decodes and tags whole photos, so both cores stay busy however the
        work splits between decoding and the models (bench/index_speed.py)."""
        window = max(4, self.batch_size * 2)
        pending: deque[Future[_Prepared]] = deque()
        for index, identity in enumerate(files):
            if index % self.batch_size == 0 and not self.gate():
                for future in pending:
                    future.cancel()
                yield None
                return
            pending.append(pool.submit(self._prepare, _Prepared(identity,
                                                                stored=self._stored(identity))))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _stored(self, identity: FileIdentity) -> tuple[str, dict[str, SparseTags]] | None:
        """The rows the signals that read other signals' rows may need (writer thread)."""
        needed = {model for s in self.signals for model in s.needs}
        if not needed:
            return None
        photo = self.store.photo_by_path(identity.path)
        if photo is None:
            return None
        rows = {m: tags for m in needed if (tags := self.store.tags_of(identity.path, m))}
        return photo.content_hash, rows

    def _prepare(self, prepared: _Prepared) -> _Prepared:
        identity = prepared.identity
        try:
            data = read_file(Path(identity.path))
            prepared.content_hash = hash_bytes(data)
            if self.facts is not None:
                prepared.facts = self.facts.read(data, identity.mtime_ns)
            missing = self._missing_signals(prepared.content_hash)
            if not missing:
                return prepared  # tags can be reused: no decode needed
            self._tag(prepared, decode_bytes(data, prepared.content_hash),
                      self._with_needs(missing, prepared))
        except DecodeError as exc:
            prepared.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad photo must not stop the index
            prepared.error = f"unexpected error: {type(exc).__name__}: {exc}"
        return prepared

    def _missing_signals(self, content_hash: str) -> list[Signal]:
        """The signals that must run on this content (all of them when forced)."""
        salvaged = self.salvaged.get(content_hash)
        return [t for t in self.signals
                if self._force or (content_hash not in self._known_hashes[t.model_id]
                                   and (salvaged is None or t.model_id not in salvaged.tags))]

    def _with_needs(self, missing: list[Signal], prepared: _Prepared) -> list[Signal]:
        """The missing signals and those whose rows they read but cannot get from the index
        (a copy of a photo made before the reading signal existed), in running order."""
        known = set()
        if prepared.stored is not None and prepared.stored[0] == prepared.content_hash:
            known = set(prepared.stored[1])
        wanted = {s.model_id for s in missing}
        for signal in reversed(self.signals):
            if signal.model_id in wanted:
                wanted |= {m for m in signal.needs if m not in known}
        return [s for s in self.signals if s.model_id in wanted]

    @staticmethod
    def _tag(prepared: _Prepared, decoded: DecodedPhoto, signals: list[Signal],
             known: Mapping[str, SparseTags] | None = None) -> None:
        """Run the signals on one decoded photo (one decode serves them all), in order, each
        seeing the rows of those before it and the stored rows of the others."""
        prepared.width, prepared.height = decoded.width, decoded.height
        found: dict[str, SparseTags] = {}
        if prepared.stored is not None and prepared.stored[0] == decoded.content_hash:
            found.update(prepared.stored[1])
        found.update(known or {})
        for signal in signals:
            started = time.perf_counter()
            tags = signal.read(decoded, found)
            prepared.model_seconds += time.perf_counter() - started
            prepared.tags[signal.model_id] = found[signal.model_id] = tags

    # --- writer side -----------------------------------------------------------------
    def _fail(self, prepared: _Prepared, report: IndexReport) -> None:
        identity = prepared.identity
        if prepared.error == "file vanished":
            self._remove({identity.path}, report)
            return
        old = self.store.photo_by_path(identity.path)
        self.store.record_failure(identity, prepared.error or "unknown error")
        if old is not None and self.on_change:
            self.on_change(old.id, identity.path, None)
        report.failed.append(Failure(identity.path, prepared.error or "unknown error"))

    def _reuse(self, prepared: _Prepared, gone: set[str], report: IndexReport) -> None:
        identity = prepared.identity
        same = self.store.photos_by_hash(prepared.content_hash)
        here = next((p for p in same if p.path == identity.path), None)
        if here is not None and all(self.store.tags_of(identity.path, m) is not None
                                    for m in self.models):
            self.store.touch_photo(identity)
            self._keep_facts(prepared)
            report.touched += 1
            return
        if here is not None:  # its content was known, but not every signal's tags are here
            self._tag_now(prepared, report)
            return
        moved_from = next((p for p in same if p.path in gone or not os.path.exists(p.path)),
                          None)
        if moved_from is not None:
            old = self.store.photo_by_path(identity.path)
            self.store.move_photo(moved_from.path, identity)
            self._keep_facts(prepared)
            gone.discard(moved_from.path)
            report.moved += 1
            if self.on_change:
                if old is not None and old.id != moved_from.id:
                    self.on_change(old.id, identity.path, None)
                self.on_change(moved_from.id, identity.path, self._combined(identity.path))
            return
        for source in same:
            tags = {model: self.store.tags_of(source.path, model) for model in self.models}
            if all(t is not None for t in tags.values()):
                break
        else:
            if self._put_salvaged(prepared, report):
                return
            # the hash was known a moment ago but its photo left: decode
            self._tag_now(prepared, report)
            return
        photo_id = self.store.put_photo(identity, prepared.content_hash, source.width,
                                        source.height, tags,  # type: ignore[arg-type]
                                        prepared.facts, self.retired)
        self._facts_kept(photo_id, prepared)
        report.copied += 1
        if self.on_change:
            self.on_change(photo_id, identity.path, self._combined(identity.path))

    def _put_salvaged(self, prepared: _Prepared, report: IndexReport) -> bool:
        salvaged = self.salvaged.get(prepared.content_hash)
        if salvaged is None or any(m not in salvaged.tags for m in self.models):
            return False
        identity = prepared.identity
        tags = {m: salvaged.tags[m] for m in self.models}
        photo_id = self.store.put_photo(identity, prepared.content_hash, salvaged.width,
                                        salvaged.height, tags, prepared.facts, self.retired)
        self._facts_kept(photo_id, prepared)
        for model in tags:
            self._known_hashes[model].add(prepared.content_hash)
        report.salvaged += 1
        if self.on_change:
            self.on_change(photo_id, identity.path, self._combined(identity.path))
        return True

    def _tag_now(self, prepared: _Prepared, report: IndexReport) -> None:
        try:
            decoded = decode_bytes(read_file(Path(prepared.identity.path)))
        except DecodeError as exc:
            prepared.error = str(exc)
            self._fail(prepared, report)
            return
        self._tag(prepared, decoded, list(self.signals))
        self._write(prepared, report)

    def _write(self, prepared: _Prepared, report: IndexReport) -> None:
        tags = self._with_known_tags(prepared, dict(prepared.tags))
        lacking = [t for t in self.signals if t.model_id not in tags]
        if lacking:
            # A signal knew this content, but no photo holds its tags any more (removed
            # since, or two hashes sharing a HashSet key): run it now.
            try:
                decoded = decode_bytes(read_file(Path(prepared.identity.path)))
            except DecodeError as exc:
                prepared.error = str(exc)
                self._fail(prepared, report)
                return
            self._tag(prepared, decoded, lacking, known=tags)
            tags.update({t.model_id: prepared.tags[t.model_id] for t in lacking})
        photo_id = self.store.put_photo(prepared.identity, prepared.content_hash,
                                        prepared.width, prepared.height, tags, prepared.facts,
                                        self.retired)
        self._facts_kept(photo_id, prepared)
        for model in tags:
            self._known_hashes[model].add(prepared.content_hash)
        report.tagged += 1
        report.model_seconds += prepared.model_seconds
        if self.on_change:
            self.on_change(photo_id, prepared.identity.path,
                           self._combined(prepared.identity.path))

    def _with_known_tags(self, prepared: _Prepared,
                         tags: dict[str, SparseTags]) -> dict[str, SparseTags]:
        """Add the tags of the signals that did not run (this content is known to them):
        from the photo itself, or from a copy with the same content."""
        known = [m for m in self.models if m not in tags]
        if not known:
            return tags
        same = self.store.photos_by_hash(prepared.content_hash)
        same.sort(key=lambda p: p.path != prepared.identity.path)  # the photo itself first
        salvaged = self.salvaged.get(prepared.content_hash)
        for model in known:
            for photo in same:
                found = self.store.tags_of(photo.path, model)
                if found is not None:
                    tags[model] = found
                    break
            else:
                if salvaged is not None and model in salvaged.tags:
                    tags[model] = salvaged.tags[model]
        return tags

    def _keep_facts(self, prepared: _Prepared) -> None:
        """Write the facts of a photo whose tags stayed (touched, moved)."""
        if prepared.facts is None:
            return
        path = prepared.identity.path
        self.store.put_facts([(path, prepared.facts)])
        photo = self.store.photo_by_path(path) if self.on_facts else None
        if photo is not None:
            self._facts_kept(photo.id, prepared)

    def _facts_kept(self, photo_id: int, prepared: _Prepared) -> None:
        if prepared.facts is not None and self.on_facts is not None:
            self.on_facts(photo_id, prepared.facts)

    def _combined(self, path: str) -> SparseTags:
        """The photo's tags from every signal, in the search's class space."""
        blocks = [(t.model_id, t.concepts.first) for t in self.signals]
        blocks += [(model, block.first) for model, block in self.also_combine.items()]
        return combine((first, self.store.tags_of(path, model)) for model, first in blocks)

    def _remove(self, paths: set[str], report: IndexReport) -> None:
        if not paths:
            return
        for path in sorted(paths):
            old = self.store.photo_by_path(path)
            if old is None:
                continue
            self.store.remove_photos([path])
            report.removed += 1
            if self.on_change:
                self.on_change(old.id, path, None)
        paths.clear()


def _makes_vectors(signal: Signal) -> bool:
    return bool(getattr(signal, "makes_vectors", False))
