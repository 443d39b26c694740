"""The later pass: the text in photos, read after the first pass has made them searchable.

The daemon's writer runs a few photos of it whenever it has nothing else to do, so a new
photo is tagged first and read later, and `status` tells how far the reading is; `index`
runs it after the first pass. Each photo is read once per content: a copy takes the
reading of its twin, an edited photo loses its reading with its tags (store.put_photo)
and is read again. A photo that changed or left while it was being read is skipped; the
next round finds it in its new state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from daemon.index.store import SparseTags, Store
from daemon.signals.decode import DecodeError, decode_bytes, hash_bytes, read_file
from daemon.signals.ocr import OcrError
from daemon.signals.text import READ_MIN_SIDE, FileHints, TextReading, TextSignal

log = logging.getLogger(__name__)

# Called for each photo read: (photo id, path, its text or None when it has none).
ReadCallback = Callable[[int, str, str | None], None]


@dataclass
class _Job:
    """One photo on its way through the pass."""

    photo_id: int
    path: str
    content_hash: str
    found: dict[str, SparseTags]  # the rows of the signals the gate and the kinds read
    hints: FileHints
    outcome: str = ""  # "read", "changed", "vanished", "unreadable" or "ocr failed"
    reading: TextReading | None = None
    error: str = ""
    ocr_seconds: float = 0.0


@dataclass
class PassReport:
    read: int = 0  # the OCR ran
    passed: int = 0  # the gate found nothing worth reading
    copied: int = 0  # a copy's reading reused
    with_text: int = 0
    failed: int = 0  # the file vanished, changed, or could not be read
    seconds: float = 0.0
    ocr_seconds: float = 0.0


class TextPass:
    def __init__(self, store: Store, signal: TextSignal,
                 on_read: ReadCallback | None = None) -> None:
        self.store = store
        self.signal = signal
        self.on_read = on_read
        # Where the last run stopped, by photo id: the next goes on from there, so a photo
        # that cannot be read now (edited, not yet tagged again) does not stop the rest.
        self._cursor = 0

    @property
    def reader(self) -> str:
        return self.signal.tesseract.model_id

    def pending(self) -> int:
        return self.store.count_unread_by(self.signal.model_id)

    def run(self, limit: int | None = None, keep_going: Callable[[], bool] = lambda: True,
            progress: Callable[[int, int], None] | None = None,
            workers: int = 1) -> PassReport:
        """Read up to limit photos (None: all), asking keep_going before each; workers:
        photos read at once (Tesseract is a process of its own, so threads use the cores;
        the daemon reads one at a time, `index` one per core)."""
        started = time.perf_counter()
        report = PassReport()
        total = self.pending() if progress is not None else 0
        done = 0
        wrapped = self._cursor == 0
        stopped = False
        with ThreadPoolExecutor(workers, thread_name_prefix="text") as pool:
            while not stopped and (limit is None or done < limit):
                size = 4 * workers if limit is None else min(4 * workers, limit - done)
                batch = self.store.unread_by(self.signal.model_id, size, self._cursor)
                if not batch:
                    self._cursor = 0
                    if wrapped:
                        break
                    wrapped = True
                    continue
                jobs = []
                for photo_id, path, content_hash in batch:
                    if not keep_going():
                        stopped = True
                        break
                    self._cursor = photo_id
                    if self._copy_twin(photo_id, path, content_hash, report):
                        done += 1
                    else:
                        jobs.append(self._job(photo_id, path, content_hash))
                for job in pool.map(self._work, jobs):  # in order; the store is ours alone
                    self._finish(job, report)
                    done += 1
                    if progress is not None:
                        progress(done, total)
        report.seconds = time.perf_counter() - started
        return report

    def _copy_twin(self, photo_id: int, path: str, content_hash: str,
                   report: PassReport) -> bool:
        twin = self.store.read_of_same_content(content_hash, self.signal.model_id)
        if twin is None:
            return False
        tags, reader, text = twin
        self._write(photo_id, path, content_hash, tags, reader, text, report)
        report.copied += 1
        return True

    def _job(self, photo_id: int, path: str, content_hash: str) -> _Job:
        """What reading a photo needs from the index (read here, in the store's thread)."""
        found = {m: tags for m in self.signal.needs
                 if (tags := self.store.tags_of(path, m)) is not None}
        facts = self.store.facts_of(path)
        return _Job(photo_id, path, content_hash, found,
                    FileHints(camera=facts.camera if facts is not None else ""))

    def _work(self, job: _Job) -> _Job:
        """Read, check, decode, gate and OCR one photo (in a worker thread)."""
        try:
            data = read_file(Path(job.path))
            if hash_bytes(data) != job.content_hash:
                job.outcome = "changed"  # edited since the first pass: it is tagged first
                return job
            photo = decode_bytes(data, job.content_hash, min_side=READ_MIN_SIDE)
        except DecodeError as exc:
            job.outcome = "vanished" if str(exc) == "file vanished" else "unreadable"
            job.error = str(exc)
            return job
        started = time.perf_counter()
        try:
            job.reading = self.signal.read_text(photo, job.found, job.hints)
            job.outcome = "read"
        except OcrError as exc:  # a full /tmp, a killed tesseract: try again another time
            job.error = str(exc)
            job.outcome = "ocr failed"
        job.ocr_seconds = time.perf_counter() - started
        return job

    def _finish(self, job: _Job, report: PassReport) -> None:
        if job.outcome in ("changed", "vanished"):
            report.failed += 1  # the first pass takes it up (again, or out of the index)
            return
        if job.outcome == "unreadable":
            report.failed += 1
            log.info("text pass: cannot read %s: %s", job.path, job.error)
            self._write(job.photo_id, job.path, job.content_hash,
                        _tags(TextReading({}, (), False)), self.reader, None,
                        report)  # read again when the file changes
            return
        if job.outcome == "ocr failed":
            # Not written down as read: the next round (the daemon's, after the photos
            # change next; the next `index`) tries again.
            report.failed += 1
            log.warning("text pass: %s: %s", job.path, job.error)
            return
        reading = job.reading
        assert reading is not None
        report.ocr_seconds += job.ocr_seconds
        if reading.read:
            report.read += 1
        else:
            report.passed += 1
        self._write(job.photo_id, job.path, job.content_hash, _tags(reading), self.reader,
                    reading.text if reading.read else None, report)

    def _write(self, photo_id: int, path: str, content_hash: str, tags: SparseTags,
               reader: str, text: str | None, report: PassReport) -> None:
        if not self.store.put_text(photo_id, content_hash, self.signal.model_id, tags,
                                   reader, text):
            return  # changed or gone meanwhile
        if text:
            report.with_text += 1
        if self.on_read is not None:
            self.on_read(photo_id, path, text or None)


def _tags(reading: TextReading) -> SparseTags:
    classes, scores = reading.concepts()
    return SparseTags(classes, scores)
