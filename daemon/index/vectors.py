"""Each photo's embedding in memory, for «похожие»: rows of int8 indexed by photo id.

The classifier keeps a 128-byte embedding per photo (daemon/signals/classifier.py); this
table holds them as one array, so the photos nearest a photo are one matrix-vector product
over the library (100 000 photos: 12.8 MB, a few milliseconds, bench/similar_speed.py).
As in daemon/index/facts.py, the writer puts and removes rows and the array only grows by
being replaced whole.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from daemon.index.store import Store

CHUNK = 16384  # rows converted to float at once: 8 MB


@dataclass(frozen=True)
class _Rows:
    known: np.ndarray  # bool by photo id
    vectors: np.ndarray  # (size, dim) int8
    norms: np.ndarray  # float32, 0 where unknown


class VectorTable:
    def __init__(self, dim: int = 0) -> None:
        self._lock = threading.Lock()
        self.dim = dim
        self._rows = _Rows(np.zeros(0, bool), np.zeros((0, dim), np.int8),
                           np.zeros(0, np.float32))

    @classmethod
    def load(cls, store: Store, model: str) -> VectorTable:
        rows = store.vector_rows(model)
        if not rows:
            return cls()
        dim = len(rows[0][1])
        rows = [(i, v) for i, v in rows if len(v) == dim]
        ids = np.array([i for i, _ in rows], np.int64)
        size = max(1024, int(ids.max()) + 1)
        vectors = np.zeros((size, dim), np.int8)
        vectors[ids] = np.frombuffer(b"".join(v for _, v in rows), np.int8).reshape(-1, dim)
        known = np.zeros(size, bool)
        known[ids] = True
        table = cls(dim)
        table._rows = _Rows(known, vectors, _norms(vectors))
        return table

    def __len__(self) -> int:
        return int(np.count_nonzero(self._rows.known))

    def put(self, photo_id: int, vector: np.ndarray) -> None:
        vector = np.asarray(vector, np.int8)
        with self._lock:
            if self.dim == 0:
                self.dim = len(vector)
                self._rows = _Rows(np.zeros(0, bool), np.zeros((0, self.dim), np.int8),
                                   np.zeros(0, np.float32))
            if len(vector) != self.dim:
                return  # another model's embedding: it joins when the index is read again
            rows = self._room_for(photo_id)
            rows.vectors[photo_id] = vector
            rows.norms[photo_id] = float(np.linalg.norm(vector.astype(np.float32)))
            rows.known[photo_id] = True

    def remove(self, photo_id: int) -> None:
        with self._lock:
            rows = self._rows
            if 0 <= photo_id < len(rows.known):
                rows.known[photo_id] = False
                rows.norms[photo_id] = 0.0

    def _room_for(self, photo_id: int) -> _Rows:
        rows = self._rows
        if photo_id < len(rows.known):
            return rows
        size = max(1024, 2 * len(rows.known), photo_id + 1)
        grown = _Rows(np.zeros(size, bool), np.zeros((size, self.dim), np.int8),
                      np.zeros(size, np.float32))
        n = len(rows.known)
        grown.known[:n], grown.vectors[:n], grown.norms[:n] = rows.known, rows.vectors, rows.norms
        self._rows = grown
        return grown

    def has(self, photo_id: int) -> bool:
        rows = self._rows
        return 0 <= photo_id < len(rows.known) and bool(rows.known[photo_id])

    def units(self, photo_ids: np.ndarray) -> np.ndarray:
        """The embeddings of these photos as float unit vectors (zeros where none)."""
        rows = self._rows
        ids = np.asarray(photo_ids, np.int64)
        norms = rows.norms[ids]
        with np.errstate(invalid="ignore", divide="ignore"):
            units = rows.vectors[ids].astype(np.float32) / norms[:, None]
        units[norms == 0] = 0.0
        return units

    def unit(self, photo_id: int) -> np.ndarray:
        """The photo's embedding as a float unit vector."""
        rows = self._rows
        if not self.has(photo_id) or rows.norms[photo_id] == 0:
            return np.zeros(self.dim, np.float32)
        return rows.vectors[photo_id].astype(np.float32) / rows.norms[photo_id]

    def similarity_to(self, photo_id: int) -> np.ndarray:
        """The cosine of every photo id's embedding with this photo's (NaN where a photo
        has none, the photo itself included)."""
        rows = self._rows
        if not self.has(photo_id):
            raise KeyError(photo_id)
        target = rows.vectors[photo_id].astype(np.float32)
        dots = np.empty(len(rows.known), np.float32)
        for start in range(0, len(dots), CHUNK):  # a float copy of a chunk at a time
            dots[start:start + CHUNK] = rows.vectors[start:start + CHUNK].astype(np.float32) \
                @ target
        with np.errstate(invalid="ignore", divide="ignore"):
            cosines = dots / (rows.norms * rows.norms[photo_id])
        cosines[~rows.known] = np.nan
        cosines[photo_id] = np.nan
        return cosines


def _norms(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(vectors.astype(np.float32), axis=1).astype(np.float32)
