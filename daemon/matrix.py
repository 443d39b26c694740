"""The in-memory photo × class matrix that searches read.

Each photo keeps its top classes (sparse). Searches need Σ_c p(photo, c) · relevance(c)
for the few classes a query is about, so the matrix keeps a column-major copy (CSC): the
cost of a query grows with the photos of the relevant classes, not with the library.

The writer changes rows while searches run. Rows changed since the column copy was built
form a small delta that queries read row by row; the column copy is rebuilt once the
delta grows, so a search never waits for tagging and never pays a full rebuild per change.
Every query works on one snapshot, so all its parts see the same rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from daemon.classes import NUM_CLASSES
from daemon.store import SparseTags, Store

MIN_DELTA_BEFORE_REBUILD = 2000
DELTA_SHARE_BEFORE_REBUILD = 0.05


@dataclass(frozen=True)
class _Columns:
    pointers: np.ndarray  # (NUM_CLASSES + 1,) start of each class's run
    rows: np.ndarray  # int32 row of each entry, grouped by class
    probs: np.ndarray  # float32
    num_rows: int  # rows that existed when it was built


@dataclass(frozen=True)
class MatrixSnapshot:
    """A consistent view for one query: the column copy plus the rows changed since."""

    columns: _Columns
    num_rows: int
    stale_rows: np.ndarray  # rows whose column entries are out of date (zeroed)
    delta_rows: np.ndarray  # int32 row of each delta entry
    delta_classes: np.ndarray  # int32
    delta_probs: np.ndarray  # float32

    def _column_entries(self, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        columns = self.columns
        starts = columns.pointers[classes]
        lengths = columns.pointers[classes + 1] - starts
        total = int(lengths.sum())
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return offsets + np.arange(total), lengths

    def weighted_sum(self, relevance: np.ndarray) -> np.ndarray:
        """Per row: Σ over its classes of probability × relevance[class]."""
        n = self.num_rows
        classes = np.flatnonzero(relevance)
        if classes.size == 0 or n == 0:
            return np.zeros(n, np.float32)
        entries, lengths = self._column_entries(classes)
        weights = self.columns.probs[entries] * np.repeat(relevance[classes], lengths)
        # (bincount of nothing is int64 even with weights: ask for floats explicitly)
        scores = np.bincount(self.columns.rows[entries], weights=weights,
                             minlength=n).astype(np.float64)
        if self.delta_rows.size:
            scores[self.stale_rows] = 0.0
            scores += np.bincount(self.delta_rows,
                                  weights=relevance[self.delta_classes] * self.delta_probs,
                                  minlength=n)
        return scores.astype(np.float32)

    def has_classes_from(self, first: int) -> bool:
        """Whether any photo has a tag in classes first.. (e.g. from the detector)."""
        pointers = self.columns.pointers
        return bool(pointers[-1] > pointers[first] or (self.delta_classes >= first).any())

    def max_product(self, relevance: np.ndarray) -> np.ndarray:
        """Per row: max over its classes of probability × relevance[class] (the seed's rule)."""
        best = np.zeros(self.num_rows, np.float32)
        for cls in np.flatnonzero(relevance):
            start, end = self.columns.pointers[cls], self.columns.pointers[cls + 1]
            # A class holds each row at most once, so plain indexing is safe (and many
            # times faster than np.maximum.at, which «человек» on 100k photos felt).
            rows = self.columns.rows[start:end]
            best[rows] = np.maximum(best[rows], self.columns.probs[start:end] * relevance[cls])
        if self.delta_rows.size:
            best[self.stale_rows] = 0.0
            np.maximum.at(best, self.delta_rows,
                          relevance[self.delta_classes] * self.delta_probs)
        return best


class TagMatrix:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._row_of: dict[int, int] = {}
        self.photo_ids: list[int] = []
        self.paths: list[str] = []
        self._classes: list[np.ndarray] = []
        self._probs: list[np.ndarray] = []
        self._alive: list[bool] = []
        self._columns: _Columns | None = None
        self._changed: set[int] = set()  # rows changed since the column copy was built
        self._snapshot: MatrixSnapshot | None = None

    def __len__(self) -> int:
        return len(self._row_of)

    def put(self, photo_id: int, path: str, tags: SparseTags) -> None:
        with self._lock:
            row = self._row_of.get(photo_id)
            if row is None:
                row = len(self.photo_ids)
                self._row_of[photo_id] = row
                self.photo_ids.append(photo_id)
                self.paths.append(path)
                self._classes.append(tags.classes)
                self._probs.append(tags.probs)
                self._alive.append(True)
            else:
                self.paths[row] = path
                self._classes[row] = tags.classes
                self._probs[row] = tags.probs
                self._alive[row] = True
                self._changed.add(row)
            self._snapshot = None

    def rename(self, photo_id: int, path: str) -> None:
        with self._lock:
            row = self._row_of.get(photo_id)
            if row is not None:
                self.paths[row] = path

    def remove(self, photo_id: int) -> None:
        with self._lock:
            row = self._row_of.pop(photo_id, None)
            if row is not None:
                self._alive[row] = False
                self._classes[row] = np.empty(0, np.uint16)
                self._probs[row] = np.empty(0, np.float32)
                self._changed.add(row)
                self._snapshot = None

    def row_tags(self, row: int) -> SparseTags:
        return SparseTags(self._classes[row], self._probs[row])

    def is_alive(self, row: int) -> bool:
        return self._alive[row]

    @property
    def num_rows(self) -> int:
        """Rows including removed ones (score arrays have this length)."""
        return len(self.photo_ids)

    def snapshot(self) -> MatrixSnapshot:
        with self._lock:
            if self._snapshot is not None:
                return self._snapshot
            n = len(self.photo_ids)
            columns = self._columns
            delta = len(self._changed) + (n - columns.num_rows if columns else n)
            if columns is None or delta > max(MIN_DELTA_BEFORE_REBUILD,
                                              DELTA_SHARE_BEFORE_REBUILD * n):
                columns = self._columns = self._build_columns(n)
                self._changed.clear()
            # Rows appended after the build are read from the delta whole; only older rows
            # have column entries to ignore.
            stale = np.array(sorted(r for r in self._changed if r < columns.num_rows),
                             np.int64)
            rows = np.concatenate([stale, np.arange(columns.num_rows, n)]).astype(np.int64)
            self._snapshot = MatrixSnapshot(columns, n, stale, *self._rows_as_entries(rows))
            return self._snapshot

    def _rows_as_entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if rows.size == 0:
            return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32)
        counts = [len(self._classes[r]) for r in rows]
        entry_rows = np.repeat(rows.astype(np.int32), counts)
        classes = np.concatenate([self._classes[r] for r in rows]).astype(np.int32)
        probs = np.concatenate([self._probs[r] for r in rows]).astype(np.float32)
        return entry_rows, classes, probs

    def _build_columns(self, n: int) -> _Columns:
        counts = np.fromiter((len(c) for c in self._classes[:n]), np.int64, n)
        if n == 0 or counts.sum() == 0:
            return _Columns(np.zeros(NUM_CLASSES + 1, np.int64), np.empty(0, np.int32),
                            np.empty(0, np.float32), n)
        classes = np.concatenate(self._classes[:n]).astype(np.int32)
        probs = np.concatenate(self._probs[:n]).astype(np.float32)
        rows = np.repeat(np.arange(n, dtype=np.int32), counts)
        order = np.argsort(classes, kind="stable")
        pointers = np.zeros(NUM_CLASSES + 1, np.int64)
        np.cumsum(np.bincount(classes, minlength=NUM_CLASSES), out=pointers[1:])
        return _Columns(pointers, rows[order], probs[order], n)

    def weighted_sum(self, relevance: np.ndarray) -> np.ndarray:
        return self.snapshot().weighted_sum(relevance)

    def has_classes_from(self, first: int) -> bool:
        return self.snapshot().has_classes_from(first)

    def max_product(self, relevance: np.ndarray) -> np.ndarray:
        return self.snapshot().max_product(relevance)


def combine(parts: Iterable[tuple[int, SparseTags]]) -> SparseTags:
    """The tags of several taggers in the shared class space: (class offset, tags) each."""
    parts = [(offset, tags) for offset, tags in parts if tags is not None]
    if not parts:
        return SparseTags(np.empty(0, np.uint16), np.empty(0, np.float32))
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    classes = np.concatenate([tags.classes.astype(np.int32) + offset for offset, tags in parts])
    probs = np.concatenate([tags.probs for _, tags in parts]).astype(np.float32)
    return SparseTags(classes.astype(np.uint16), probs)


def load_matrix(store: Store, sources: Mapping[str, int] | str) -> TagMatrix:
    """Every tagged photo, read from the index into memory.

    sources: model id -> its class offset (a single model id means offset 0). A photo
    appears once with the tags of all the models that have tagged it."""
    if isinstance(sources, str):
        sources = {sources: 0}
    paths: dict[int, str] = {}
    parts: dict[int, list[tuple[int, SparseTags]]] = {}
    for model, offset in sources.items():
        for photo_id, path, tags in store.iter_tags(model):
            paths[photo_id] = path
            parts.setdefault(photo_id, []).append((offset, tags))
    matrix = TagMatrix()
    for photo_id in sorted(paths):
        matrix.put(photo_id, paths[photo_id], combine(parts[photo_id]))
    return matrix
