"""The in-memory photo × class matrix that searches read.

Each photo keeps its top classes (sparse). Searches need Σ_c p(photo, c) · relevance(c)
for the few classes a query is about, so the matrix keeps a column-major copy (CSC):
the cost of a query grows with the photos of the relevant classes, not with the index.
The writer adds or replaces rows; the column copy is rebuilt lazily on the next query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from daemon.store import SparseTags, Store

NUM_CLASSES = 1000


@dataclass(frozen=True)
class _Columns:
    pointers: np.ndarray  # (NUM_CLASSES + 1,) start of each class's run
    rows: np.ndarray  # int32 row of each entry, grouped by class
    probs: np.ndarray  # float32


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
            self._columns = None

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
                self._columns = None

    def row_tags(self, row: int) -> SparseTags:
        return SparseTags(self._classes[row], self._probs[row])

    def is_alive(self, row: int) -> bool:
        return self._alive[row]

    @property
    def num_rows(self) -> int:
        """Rows including removed ones (score arrays have this length)."""
        return len(self.photo_ids)

    def _build_columns(self) -> _Columns:
        counts = np.fromiter((len(c) for c in self._classes), np.int64, len(self._classes))
        if counts.sum() == 0:
            return _Columns(np.zeros(NUM_CLASSES + 1, np.int64), np.empty(0, np.int32),
                            np.empty(0, np.float32))
        classes = np.concatenate(self._classes).astype(np.int32)
        probs = np.concatenate(self._probs).astype(np.float32)
        rows = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        order = np.argsort(classes, kind="stable")
        pointers = np.zeros(NUM_CLASSES + 1, np.int64)
        np.cumsum(np.bincount(classes, minlength=NUM_CLASSES), out=pointers[1:])
        return _Columns(pointers, rows[order], probs[order])

    def columns(self) -> _Columns:
        with self._lock:
            if self._columns is None:
                self._columns = self._build_columns()
            return self._columns

    def weighted_sum(self, relevance: np.ndarray) -> np.ndarray:
        """Per row: Σ over its classes of probability × relevance[class]."""
        columns = self.columns()
        n = self.num_rows
        classes = np.flatnonzero(relevance)
        if classes.size == 0 or n == 0:
            return np.zeros(n, np.float32)
        starts = columns.pointers[classes]
        lengths = columns.pointers[classes + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(n, np.float32)
        # Indices of every entry of the relevant columns, without a Python loop.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        entries = offsets + np.arange(total)
        weights = columns.probs[entries] * np.repeat(relevance[classes], lengths)
        return np.bincount(columns.rows[entries], weights=weights, minlength=n).astype(np.float32)

    def max_product(self, relevance: np.ndarray) -> np.ndarray:
        """Per row: max over its classes of probability × relevance[class] (the seed's rule)."""
        columns = self.columns()
        n = self.num_rows
        best = np.zeros(n, np.float32)
        for cls in np.flatnonzero(relevance):
            start, end = columns.pointers[cls], columns.pointers[cls + 1]
            np.maximum.at(best, columns.rows[start:end],
                          columns.probs[start:end] * relevance[cls])
        return best


def load_matrix(store: Store, model: str) -> TagMatrix:
    """Every photo the model has tagged, read from the index into memory."""
    matrix = TagMatrix()
    for photo_id, path, tags in store.iter_tags(model):
        matrix.put(photo_id, path, tags)
    return matrix
