"""The in-memory photo × class matrix that searches read.

Each photo keeps its top classes (sparse). Searches need Σ_c p(photo, c) · relevance(c)
for the few classes a query is about, so the matrix keeps a column-major copy (CSC): the
cost of a query grows with the photos of the relevant classes, not with the library.

The writer changes rows while searches run. Rows changed since the column copy was built
form a small delta that queries read row by row; the column copy is rebuilt once the
delta grows, so a search never waits for tagging and never pays a full rebuild per change.
Every query works on one snapshot, so all its parts see the same rows.

A large library starts from the matrix file (daemon/matrix_file.py): the rows as flat
arrays (daemon/matrix_rows.py), mapped rather than read, the column copy among them. The
file is a cache of the index: load_matrix uses it only if the index names it as its
current one (a token in the meta table), and reads again the photos the index's change
log (filled by triggers, see daemon/index/store.py) names after the file's last change; so a
file older than the index, left by a killed daemon, is a starting point and never wrong.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from daemon.concepts import NUM_CONCEPTS, ConceptBlock
from daemon.index.matrix_file import MatrixFileError, MatrixFileWriter, open_matrix_file
from daemon.index.matrix_rows import (
    Columns,
    RowArrays,
    RowsState,
    empty_rows,
    merged_columns,
    read_rows,
    rows_from_file,
    write_rows,
)
from daemon.index.store import SCHEMA_VERSION, SparseTags, Store

log = logging.getLogger(__name__)

MIN_DELTA_BEFORE_REBUILD = 2000
DELTA_SHARE_BEFORE_REBUILD = 0.05


@dataclass(frozen=True)
class MatrixSnapshot:
    """A consistent view for one query: the column copy plus the rows changed since."""

    columns: Columns
    num_rows: int
    stale_rows: np.ndarray  # rows whose column entries are out of date (zeroed)
    delta_rows: np.ndarray  # int32 row of each delta entry
    delta_classes: np.ndarray  # int32
    delta_probs: np.ndarray  # float32
    alive: np.ndarray  # (num_rows,) bool: rows of photos not removed
    photo_ids: np.ndarray  # (num_rows,) int64: the photo of each row

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
        if self.stale_rows.size or self.delta_rows.size:  # a removal alone has no entries
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
        if self.stale_rows.size or self.delta_rows.size:  # a removal alone has no entries
            best[self.stale_rows] = 0.0
            np.maximum.at(best, self.delta_rows,
                          relevance[self.delta_classes] * self.delta_probs)
        return best


class TagMatrix:
    """Rows of photos (a row stays with its photo, also once removed) over a base of flat
    arrays, mapped from the matrix file or read from the index; rows changed since the base
    are kept as small arrays each, laid over it."""

    def __init__(self, base: RowArrays | None = None, sources: Mapping[str, int] | None = None,
                 index_id: str | None = None, covered_seq: int = 0) -> None:
        self._lock = threading.Lock()
        self._base = base if base is not None else empty_rows()
        self._num_rows = self._base.num_rows
        self._alive = np.array(self._base.alive, bool)  # grows by doubling
        self._live = int(np.count_nonzero(self._alive))
        self._tags: dict[int, SparseTags] = {}  # rows whose tags are not the base's
        self._paths: dict[int, str] = {}  # rows whose path is not the base's
        self._new_ids: dict[int, int] = {}  # row -> photo id, rows after the base
        self._row_of: dict[int, int] = {}  # photo id -> row, photos not in the base
        self._columns = self._base.columns
        self._changed: set[int] = set()  # rows changed since the column copy was built
        self._snapshot: MatrixSnapshot | None = None
        self._version = 0  # counts changes: a save maps its file only over what it wrote
        self.paths = _Paths(self)
        self.photo_ids = _PhotoIds(self)
        # What the index was when the rows were read (see load_matrix / save_matrix).
        self.sources = dict(sources) if sources is not None else None
        self.index_id = index_id
        self.covered_seq = covered_seq
        self.loaded_from = "memory"  # or "index", "file": where load_matrix found the rows

    def __len__(self) -> int:
        return self._live

    def _find(self, photo_id: int) -> int | None:
        row = self._row_of.get(photo_id)
        return row if row is not None else self._base.row_of(photo_id)

    def put(self, photo_id: int, path: str, tags: SparseTags) -> None:
        with self._lock:
            row = self._find(photo_id)
            if row is None:
                row = self._num_rows
                self._num_rows += 1
                if row >= len(self._alive):
                    grown = np.zeros(max(16, 2 * len(self._alive)), bool)
                    grown[:row] = self._alive[:row]
                    self._alive = grown
                self._new_ids[row] = photo_id
                self._row_of[photo_id] = row
            else:
                self._changed.add(row)
            if not self._alive[row]:
                self._alive[row] = True
                self._live += 1
            self._paths[row] = path
            self._tags[row] = SparseTags(tags.classes, tags.probs)
            self._version += 1
            self._snapshot = None

    def rename(self, photo_id: int, path: str) -> None:
        with self._lock:
            row = self._find(photo_id)
            if row is not None:
                self._paths[row] = path
                self._version += 1

    def remove(self, photo_id: int) -> None:
        with self._lock:
            row = self._find(photo_id)
            if row is not None and self._alive[row]:
                self._alive[row] = False
                self._live -= 1
                self._tags[row] = _NO_TAGS
                self._changed.add(row)
                self._version += 1
                self._snapshot = None

    def file_size_estimate(self) -> int:
        """About the bytes of the matrix file of these rows."""
        entries = self._base.classes.size + sum(len(t.classes) for t in self._tags.values())
        paths = self._base.path_bytes.size + 100 * len(self._paths)
        return 14 * entries + 41 * self._num_rows + paths + 4096

    @property
    def unsaved_rows(self) -> int:
        """Rows changed since the base was read (a save would write them)."""
        return len(self._tags.keys() | self._paths.keys())

    def row_tags(self, row: int) -> SparseTags:
        # The overlay is read before the base: a save swaps the base first (_adopt).
        tags = self._tags.get(row)
        return tags if tags is not None else self._base.tags(row)

    def is_alive(self, row: int) -> bool:
        return bool(self._alive[row])

    @property
    def num_rows(self) -> int:
        """Rows including removed ones (score arrays have this length)."""
        return self._num_rows

    def snapshot(self) -> MatrixSnapshot:
        with self._lock:
            if self._snapshot is not None:
                return self._snapshot
            n = self._num_rows
            columns = self._columns
            delta = len(self._changed) + n - columns.num_rows
            if (columns.num_rows == 0 and n > 0) or delta > max(
                    MIN_DELTA_BEFORE_REBUILD, DELTA_SHARE_BEFORE_REBUILD * n):
                stale, entries = self._delta(columns, n)
                columns = self._columns = merged_columns(columns, n, stale, *entries)
                self._changed.clear()
            stale, entries = self._delta(columns, n)
            self._snapshot = MatrixSnapshot(columns, n, stale, *entries,
                                            alive=self._alive[:n].copy(),
                                            photo_ids=self._row_photo_ids(n))
            return self._snapshot

    def _row_photo_ids(self, n: int) -> np.ndarray:
        ids = np.zeros(n, np.int64)
        base = min(self._base.num_rows, n)
        ids[:base] = self._base.photo_ids[:base]
        count = len(self._new_ids)
        rows = np.fromiter(self._new_ids.keys(), np.int64, count)
        new_ids = np.fromiter(self._new_ids.values(), np.int64, count)
        inside = rows < n
        ids[rows[inside]] = new_ids[inside]
        return ids

    def _delta(self, columns: Columns, n: int,
               ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The rows the column copy has out of date, and the entries of those and of the
        rows added after it. Rows appended after the build are read from the delta whole;
        only older rows have column entries to ignore."""
        stale = np.array(sorted(r for r in self._changed if r < columns.num_rows), np.int64)
        rows = np.concatenate([stale, np.arange(columns.num_rows, n)]).astype(np.int64)
        return stale, self._rows_as_entries(rows)

    def _rows_as_entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if rows.size == 0:
            return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32)
        tags = [self.row_tags(int(r)) for r in rows]
        entry_rows = np.repeat(rows.astype(np.int32), [len(t.classes) for t in tags])
        classes = np.concatenate([t.classes for t in tags]).astype(np.int32)
        probs = np.concatenate([t.probs for t in tags]).astype(np.float32)
        return entry_rows, classes, probs

    def weighted_sum(self, relevance: np.ndarray) -> np.ndarray:
        return self.snapshot().weighted_sum(relevance)

    def has_classes_from(self, first: int) -> bool:
        return self.snapshot().has_classes_from(first)

    def max_product(self, relevance: np.ndarray) -> np.ndarray:
        return self.snapshot().max_product(relevance)

    # --- the matrix file --------------------------------------------------------------
    def save(self, cache_file: Path, meta: dict[str, object]) -> bool:
        """Write every row to the matrix file (atomically) and, if nothing changed while
        writing, map it as the new base: the rows read from it are the same, so searches
        running meanwhile are not disturbed, and the memory the overlay held is freed.
        meta: what the file must say about the index (see save_matrix). Returns whether the
        file is now the base."""
        with self._lock:
            state, version = self._state(), self._version
        writer = MatrixFileWriter(cache_file)
        try:
            write_rows(writer, state)
            writer.commit(meta)
        except BaseException:
            writer.abort()
            raise
        base = rows_from_file(open_matrix_file(cache_file, verify=False))
        with self._lock:
            if self._version != version:
                return False
            self._adopt(base)
            return True

    def _state(self) -> RowsState:
        n = self._num_rows
        stale, entries = self._delta(self._columns, n)
        return RowsState(self._base, n, self._alive[:n].copy(), dict(self._tags),
                         dict(self._paths), dict(self._new_ids), self._columns, stale, *entries)

    def _adopt(self, base: RowArrays) -> None:
        """base holds exactly what base + overlay held: swap the base first, so that a
        reader that misses the overlay finds the row in the new base."""
        self._base = base
        self._columns = base.columns
        self._tags, self._paths, self._new_ids, self._row_of = {}, {}, {}, {}
        self._changed = set()
        self._snapshot = None


_NO_TAGS = SparseTags(np.empty(0, np.uint16), np.empty(0, np.float32))


class _Paths(Sequence[str]):
    """matrix.paths[row]: decoded on demand, not a million strings."""

    def __init__(self, matrix: TagMatrix) -> None:
        self._matrix = matrix

    def __len__(self) -> int:
        return self._matrix.num_rows

    def __getitem__(self, row: int) -> str:  # type: ignore[override]
        matrix = self._matrix
        if not 0 <= row < matrix.num_rows:
            raise IndexError(row)
        path = matrix._paths.get(row)
        return path if path is not None else matrix._base.path(row)

    def __iter__(self) -> Iterator[str]:
        return (self[row] for row in range(len(self)))


class _PhotoIds(Sequence[int]):
    def __init__(self, matrix: TagMatrix) -> None:
        self._matrix = matrix

    def __len__(self) -> int:
        return self._matrix.num_rows

    def __getitem__(self, row: int) -> int:  # type: ignore[override]
        matrix = self._matrix
        if not 0 <= row < matrix.num_rows:
            raise IndexError(row)
        photo_id = matrix._new_ids.get(row)
        return photo_id if photo_id is not None else int(matrix._base.photo_ids[row])

    def __iter__(self) -> Iterator[int]:
        return (self[row] for row in range(len(self)))


def combine(parts: Iterable[tuple[int, SparseTags]]) -> SparseTags:
    """The tags of several taggers in the shared class space: (class offset, tags) each."""
    parts = [(offset, tags) for offset, tags in parts if tags is not None]
    if not parts:
        return SparseTags(np.empty(0, np.uint16), np.empty(0, np.float32))
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    classes = np.concatenate([tags.classes.astype(np.int32) + offset for offset, tags in parts])
    probs = np.concatenate([tags.probs for _, tags in parts]).astype(np.float32)
    # the photo's embedding is the classifier's (block 0); other signals' vectors (the
    # faces' descriptors) are theirs alone
    vector = next((tags.vector for offset, tags in parts if offset == 0), None)
    return SparseTags(classes.astype(np.uint16), probs, vector=vector)


# --- loading and saving -------------------------------------------------------------------
# A file that lags this far behind the index is rebuilt from it rather than patched, and
# one whose removed photos take this share of its rows too (a rebuild leaves them out).
MAX_CHANGED_SHARE = 0.25
MAX_REMOVED_SHARE = 0.1
# Writing the file costs about a second and 650 MB of disk writes per million photos, and
# reading a few thousand changed photos at start a fraction of a second: save once this
# many rows changed (a clean stop saves whatever changed).
SAVE_AFTER_CHANGES = 5000


def load_matrix(store: Store, sources: Mapping[str, int | ConceptBlock] | str,
                cache_file: Path | None = None) -> TagMatrix:
    """Every tagged photo of the index, for searches.

    sources: model id -> its block of the concept space, or the block's first concept (a
    single model id means 0). A photo
    appears once with the tags of all the models that have tagged it.
    cache_file: the matrix file of this index. If it is usable (this index's last one, of
    these sources) it is mapped and the photos changed since it was written are read from
    the index; otherwise the matrix is read from the index and, unless the store is read
    only, the file is written anew. None: read from the index, no file."""
    if isinstance(sources, str):
        sources = {sources: 0}
    sources = {model: block.first if isinstance(block, ConceptBlock) else block
               for model, block in sources.items()}
    if cache_file is not None:
        matrix = _from_file(store, sources, cache_file)
        if matrix is not None:
            return matrix
    with store.read_transaction():
        index_id, seq = store.index_id(), store.last_change_seq()
        base = read_rows(store, sources)
    matrix = TagMatrix(base, sources, index_id, seq)
    matrix.loaded_from = "index"
    if cache_file is not None and not store.readonly:
        try:
            save_matrix(matrix, store, cache_file)
        except Exception:  # noqa: BLE001 - a cache must not keep the daemon from starting
            log.exception("cannot write the matrix file %s", cache_file)
    return matrix


def matrix_file_for(index_db: Path) -> Path:
    """Where the matrix file of an index lives: beside it."""
    return index_db.with_suffix(".matrix")


def save_matrix_if_changed(matrix: TagMatrix, store: Store, cache_file: Path,
                           min_changes: int = 1) -> bool:
    """save_matrix once at least min_changes rows changed since the file was written (in
    the matrix or the index); a failure is logged, not raised (the file is only a cache).
    The daemon's writer calls it every few minutes with SAVE_AFTER_CHANGES and, with the
    default, when it stops. Returns whether it wrote the file."""
    if matrix.sources is None:
        return False
    try:
        changes = max(matrix.unsaved_rows, store.last_change_seq() - matrix.covered_seq)
        if changes < max(min_changes, 1) and cache_file.exists():
            return False
        # The index must not be the one that runs out of space because of its cache.
        if shutil.disk_usage(cache_file.parent).free < 2 * matrix.file_size_estimate():
            log.warning("not writing the matrix file %s: little free space", cache_file)
            return False
        save_matrix(matrix, store, cache_file)
    except OSError as exc:  # a full disk, say
        log.warning("cannot write the matrix file %s: %s", cache_file, exc)
        return False
    except Exception:  # noqa: BLE001 - a cache must not stop the writer thread
        log.exception("cannot write the matrix file %s", cache_file)
        return False
    return True


def save_matrix(matrix: TagMatrix, store: Store, cache_file: Path) -> None:
    """Write the matrix file and forget the index's changes it covers; then the matrix
    runs on the file. The photos changed in the index since the matrix was read are read
    again first, so the file holds what the index held at one moment whoever wrote to it.
    The daemon calls it from the writer thread (the store is the writer's)."""
    if matrix.sources is None or matrix.index_id is None:
        raise ValueError("only a matrix from load_matrix can be saved")
    with store.read_transaction():
        if store.index_id() != matrix.index_id:
            raise ValueError(f"the matrix is not of the index {store.path}")
        seq = store.last_change_seq()
        changes = _changes_since(store, matrix.sources, matrix.covered_seq)
    _apply(matrix, changes)
    matrix.covered_seq = seq
    token = secrets.token_hex(8)
    started = time.perf_counter()
    matrix.save(cache_file, {"index_id": matrix.index_id, "token": token, "seq": seq,
                             **_identity(matrix.sources)})
    store.matrix_file_written(token, seq)
    log.info("matrix file %s written (%d photos) in %.1f s", cache_file, len(matrix),
             time.perf_counter() - started)


def _identity(sources: Mapping[str, int]) -> dict[str, object]:
    """What must be equal for a file to be read by this program with these sources."""
    return {"schema": SCHEMA_VERSION, "num_classes": NUM_CONCEPTS,
            "sources": [[model, offset] for model, offset in sources.items()]}


def _from_file(store: Store, sources: Mapping[str, int], cache_file: Path) -> TagMatrix | None:
    if not cache_file.exists():
        return None
    try:
        opened = open_matrix_file(cache_file)
        base = rows_from_file(opened)
    except MatrixFileError as exc:
        log.warning("matrix file not used: %s", exc)
        return None
    meta = opened.meta
    with store.read_transaction():
        index_id, token = store.index_id(), store.matrix_file_token()
        if meta.get("index_id") != index_id or meta.get("token") != token \
                or not token or any(meta.get(k) != v for k, v in _identity(sources).items()):
            # another index's, an older file of this one (its changes are gone), or other
            # sources or another version of the program
            log.info("matrix file %s is not this index's current one", cache_file)
            return None
        seq, file_seq = store.last_change_seq(), int(meta["seq"])
        changed = store.changed_photos_since(file_seq)
        if len(changed) > MAX_CHANGED_SHARE * max(base.num_rows, 1000):
            log.info("matrix file %s is %d photos behind: reading the index", cache_file,
                     len(changed))
            return None
        changes = _changes_since(store, sources, file_seq)
    removed = base.num_rows - int(np.count_nonzero(base.alive))
    if removed > MAX_REMOVED_SHARE * max(base.num_rows, 1000):
        return None
    matrix = TagMatrix(base, sources, index_id, seq)
    matrix.loaded_from = "file"
    _apply(matrix, changes)
    log.info("matrix file %s mapped; %d photos changed since it was written", cache_file,
             len(changes))
    return matrix


@dataclass(frozen=True)
class _Change:
    photo_id: int
    path: str | None  # None: no longer a tagged photo
    tags: SparseTags | None


def _changes_since(store: Store, sources: Mapping[str, int], seq: int) -> list[_Change]:
    """The photos the log names after seq as the index holds them now (read in the same
    transaction as seq, so that nothing falls between)."""
    changed = store.changed_photos_since(seq)
    if not changed:
        return []
    found: dict[int, tuple[str, dict[str, SparseTags]]] = {}
    for photo_id, path, model, tags in store.tags_of_changed_since(seq, sources):
        found.setdefault(photo_id, (path, {}))[1][model] = tags
    changes = []
    for photo_id in changed:
        if photo_id not in found:
            changes.append(_Change(photo_id, None, None))
            continue
        path, by_model = found[photo_id]
        # the order of sources, as load_matrix combines them
        changes.append(_Change(photo_id, path, combine(
            (offset, by_model.get(model)) for model, offset in sources.items())))
    return changes


def _apply(matrix: TagMatrix, changes: list[_Change]) -> None:
    for change in changes:
        if change.tags is None:
            matrix.remove(change.photo_id)
        else:
            assert change.path is not None
            matrix.put(change.photo_id, change.path, change.tags)
