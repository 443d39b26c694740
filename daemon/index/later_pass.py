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
            progress: Callable[[int, int], None] | None = None) -> PassReport:
        """Read up to limit photos (None: all), asking keep_going before each."""
        started = time.perf_counter()
        report = PassReport()
        total = self.pending() if progress is not None else 0
        done = 0
        wrapped = self._cursor == 0
        while limit is None or done < limit:
            batch = self.store.unread_by(self.signal.model_id,
                                         16 if limit is None else min(16, limit - done),
                                         self._cursor)
            if not batch:
                self._cursor = 0
                if wrapped:
                    break
                wrapped = True
                continue
            for photo_id, path, content_hash in batch:
                self._cursor = photo_id
                if not keep_going():
                    report.seconds = time.perf_counter() - started
                    return report
                self._read_one(photo_id, path, content_hash, report)
                done += 1
                if progress is not None:
                    progress(done, total)
        report.seconds = time.perf_counter() - started
        return report

    def _read_one(self, photo_id: int, path: str, content_hash: str,
                  report: PassReport) -> None:
        twin = self.store.read_of_same_content(content_hash, self.signal.model_id)
        if twin is not None:
            tags, reader, text = twin
            self._write(photo_id, path, content_hash, tags, reader, text, report)
            report.copied += 1
            return
        try:
            data = read_file(Path(path))
            if hash_bytes(data) != content_hash:
                report.failed += 1  # edited since the first pass: it is tagged again first
                return
            photo = decode_bytes(data, content_hash, min_side=READ_MIN_SIDE)
        except DecodeError as exc:
            report.failed += 1
            if str(exc) == "file vanished":
                return  # the first pass will take it out of the index
            log.info("text pass: cannot read %s: %s", path, exc)
            self._write(photo_id, path, content_hash, _tags(TextReading({}, (), False)),
                        self.reader, None, report)  # read again when the file changes
            return
        found = {m: tags for m in self.signal.needs
                 if (tags := self.store.tags_of(path, m)) is not None}
        facts = self.store.facts_of(path)
        hints = FileHints(camera=facts.camera if facts is not None else "")
        ocr_started = time.perf_counter()
        try:
            reading = self.signal.read_text(photo, found, hints)
        except OcrError as exc:
            log.warning("text pass: %s: %s", path, exc)
            reading = TextReading({}, (), read=False)
        report.ocr_seconds += time.perf_counter() - ocr_started
        if reading.read:
            report.read += 1
        else:
            report.passed += 1
        self._write(photo_id, path, content_hash, _tags(reading), self.reader,
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
