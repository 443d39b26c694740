"""The matrix's rows as a few flat arrays: read from the index, written to and mapped from
the matrix file (daemon/matrix_file.py).

No object per photo: a million photos are a dozen numpy arrays, whether they sit in memory
(just read from SQLite) or in a mapped file. The TagMatrix (daemon/index/matrix.py) lays the
rows changed since over them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from daemon.concepts import NUM_CONCEPTS
from daemon.index.matrix_file import MatrixFile, MatrixFileError, MatrixFileWriter
from daemon.index.store import SparseTags, Store


@dataclass(frozen=True)
class Columns:
    """The column-major copy (CSC) of rows 0..num_rows-1."""

    pointers: np.ndarray  # (NUM_CONCEPTS + 1,) int64 start of each class's run
    rows: np.ndarray  # int32 row of each entry, grouped by class
    probs: np.ndarray  # float32
    num_rows: int  # rows that existed when it was built


@dataclass(frozen=True)
class RowArrays:
    """Rows 0..n-1: their photos, tags (row-major, CSR) and the column copy of them."""

    photo_ids: np.ndarray  # (n,) int64, each photo once
    alive: np.ndarray  # (n,) bool; a removed photo keeps its row, without tags
    row_pointers: np.ndarray  # (n + 1,) int64 start of each row's entries
    classes: np.ndarray  # uint16
    probs: np.ndarray  # float32
    path_pointers: np.ndarray  # (n + 1,) int64 start of each row's path in path_bytes
    path_bytes: np.ndarray  # uint8: the paths in UTF-8, one after the other
    ids_sorted: np.ndarray  # (n,) int64 photo ids ascending ...
    ids_rows: np.ndarray  # (n,) int64 ... and their rows
    columns: Columns

    @property
    def num_rows(self) -> int:
        return len(self.photo_ids)

    def tags(self, row: int) -> SparseTags:
        start, end = self.row_pointers[row], self.row_pointers[row + 1]
        return SparseTags(self.classes[start:end], self.probs[start:end])

    def path(self, row: int) -> str:
        start, end = self.path_pointers[row], self.path_pointers[row + 1]
        return self.path_bytes[start:end].tobytes().decode("utf-8", "surrogateescape")

    def row_of(self, photo_id: int) -> int | None:
        at = int(np.searchsorted(self.ids_sorted, photo_id))
        if at < len(self.ids_sorted) and self.ids_sorted[at] == photo_id:
            return int(self.ids_rows[at])
        return None


def empty_rows() -> RowArrays:
    none = np.empty(0, np.int64)
    return RowArrays(none, np.empty(0, bool), np.zeros(1, np.int64), np.empty(0, np.uint16),
                     np.empty(0, np.float32), np.zeros(1, np.int64), np.empty(0, np.uint8),
                     none, none, empty_columns(0))


def empty_columns(num_rows: int) -> Columns:
    return Columns(np.zeros(NUM_CONCEPTS + 1, np.int64), np.empty(0, np.int32),
                   np.empty(0, np.float32), num_rows)


def columns_of(classes: np.ndarray, probs: np.ndarray, counts: np.ndarray) -> Columns:
    """The column copy of rows given row-major (counts: entries per row)."""
    n = len(counts)
    if classes.size == 0:
        return empty_columns(n)
    # A stable sort on 16-bit keys is a radix sort: linear, and it keeps rows ascending.
    order = np.argsort(classes.astype(np.uint16, copy=False), kind="stable")
    rows = np.repeat(np.arange(n, dtype=np.int32), counts)[order]
    pointers = np.zeros(NUM_CONCEPTS + 1, np.int64)
    np.cumsum(np.bincount(classes, minlength=NUM_CONCEPTS), out=pointers[1:])
    return Columns(pointers, rows, probs[order].astype(np.float32, copy=False), n)


def merged_column_runs(columns: Columns, stale: np.ndarray, delta_rows: np.ndarray,
                       delta_classes: np.ndarray, delta_probs: np.ndarray,
                       ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per class: the entries of the old copy whose row has not changed (rows, probs), then
    the class's entries of the changed and new rows. One class at a time, so merging
    needs no memory beyond the result (and no sort of the old copy). Within a class the
    rows need no order: a row appears there once."""
    stale_mask = None
    if stale.size:
        stale_mask = np.zeros(columns.num_rows, bool)
        stale_mask[stale] = True
    order = np.argsort(delta_classes, kind="stable")
    rows, classes, probs = delta_rows[order], delta_classes[order], delta_probs[order]
    bounds = np.searchsorted(classes, np.arange(NUM_CONCEPTS + 1))
    for cls in range(NUM_CONCEPTS):
        start, end = columns.pointers[cls], columns.pointers[cls + 1]
        old_rows, old_probs = columns.rows[start:end], columns.probs[start:end]
        if stale_mask is not None and old_rows.size:
            keep = ~stale_mask[old_rows]
            old_rows, old_probs = old_rows[keep], old_probs[keep]
        new = slice(bounds[cls], bounds[cls + 1])
        yield old_rows, old_probs, rows[new], probs[new]


def merged_columns(columns: Columns, num_rows: int, stale: np.ndarray, delta_rows: np.ndarray,
                   delta_classes: np.ndarray, delta_probs: np.ndarray) -> Columns:
    """A new column copy of rows 0..num_rows-1 in memory, from the old one and the delta."""
    capacity = columns.rows.size + delta_rows.size
    rows, probs = np.empty(capacity, np.int32), np.empty(capacity, np.float32)
    pointers = np.zeros(NUM_CONCEPTS + 1, np.int64)
    at = 0
    for cls, runs in enumerate(merged_column_runs(columns, stale, delta_rows, delta_classes,
                                                  delta_probs)):
        old_rows, old_probs, new_rows, new_probs = runs
        for part_rows, part_probs in ((old_rows, old_probs), (new_rows, new_probs)):
            rows[at:at + part_rows.size] = part_rows
            probs[at:at + part_rows.size] = part_probs
            at += part_rows.size
        pointers[cls + 1] = at
    return Columns(pointers, rows[:at], probs[:at], num_rows)


# --- from the index -------------------------------------------------------------------
def read_rows(store: Store, sources: Mapping[str, int]) -> RowArrays:
    """Every photo any source tagged, by id, with the tags of all sources (in the order of
    sources, each shifted by its class offset). Call inside store.read_transaction()."""
    parts = [_model_entries(store, model, offset) for model, offset in sources.items()]
    id_paths = list(store.paths_of_tagged(sources))
    ids = np.fromiter((photo_id for photo_id, _ in id_paths), np.int64, len(id_paths))
    encoded = [path.encode("utf-8", "surrogateescape") for _, path in id_paths]
    del id_paths
    path_pointers = np.zeros(len(ids) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=path_pointers[1:])
    path_bytes = np.frombuffer(b"".join(encoded), np.uint8)
    del encoded
    n = len(ids)
    counts = np.zeros(n, np.int64)
    rows_of_part = []
    for part_ids, part_counts, _, _ in parts:
        rows = np.searchsorted(ids, part_ids)
        if rows.size and (rows.max() >= n or (ids[rows] != part_ids).any()):
            raise RuntimeError("tags of a photo that is not in the index")
        counts[rows] += part_counts
        rows_of_part.append(rows)
    row_pointers = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=row_pointers[1:])
    total = int(row_pointers[-1])
    classes, probs = np.empty(total, np.uint16), np.empty(total, np.float32)
    filled = row_pointers[:-1].copy()  # where each row's next source's entries go
    for rows, (_, part_counts, part_classes, part_probs) in zip(rows_of_part, parts,
                                                                 strict=True):
        part_starts = np.cumsum(part_counts) - part_counts
        target = (np.repeat(filled[rows] - part_starts, part_counts)
                  + np.arange(part_classes.size))
        classes[target] = part_classes
        probs[target] = part_probs
        filled[rows] += part_counts
    columns = columns_of(classes, probs, counts)
    return RowArrays(ids, np.ones(n, bool), row_pointers, classes, probs, path_pointers,
                     path_bytes, ids, np.arange(n, dtype=np.int64), columns)


def _model_entries(store: Store, model: str, offset: int,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(photo ids, entries per photo, classes + offset, probs) of one model, from the blobs
    joined: no array per photo."""
    ids, class_blobs, prob_blobs = [], [], []
    for photo_id, classes, probs in store.tag_blobs(model):
        ids.append(photo_id)
        class_blobs.append(classes)
        prob_blobs.append(probs)
    counts = np.fromiter(map(len, class_blobs), np.int64, len(class_blobs)) // 2
    classes = np.frombuffer(b"".join(class_blobs), "<u2").astype(np.uint16)
    probs = np.frombuffer(b"".join(prob_blobs), "<f2").astype(np.float32)
    if classes.size != probs.size:
        raise RuntimeError(f"tags of {model}: classes and probabilities differ in number")
    classes += np.uint16(offset)
    return np.array(ids, np.int64), counts, classes, probs


# --- the matrix file ----------------------------------------------------------------
_DTYPES = {"photo_ids": "<i8", "alive": "|b1", "row_pointers": "<i8", "classes": "<u2",
           "probs": "<f4", "path_pointers": "<i8", "path_bytes": "|u1", "ids_sorted": "<i8",
           "ids_rows": "<i8", "column_pointers": "<i8", "column_rows": "<i4",
           "column_probs": "<f4"}


def rows_from_file(opened: MatrixFile) -> RowArrays:
    """The rows of an opened matrix file, as views of its mapping (nothing is read)."""
    arrays = opened.arrays
    for name, dtype in _DTYPES.items():
        if name not in arrays or arrays[name].dtype != np.dtype(dtype) \
                or arrays[name].ndim != 1:
            raise MatrixFileError(f"array {name} is missing or not {dtype}")
    n = len(arrays["photo_ids"])
    entries = len(arrays["classes"])
    sizes = {"alive": n, "row_pointers": n + 1, "probs": entries, "path_pointers": n + 1,
             "ids_sorted": n, "ids_rows": n, "column_pointers": NUM_CONCEPTS + 1,
             "column_rows": entries, "column_probs": entries}
    for name, size in sizes.items():
        if len(arrays[name]) != size:
            raise MatrixFileError(f"array {name} has {len(arrays[name])} values, not {size}")
    ends = {"row_pointers": entries, "path_pointers": len(arrays["path_bytes"]),
            "column_pointers": entries}
    for name, end in ends.items():
        if arrays[name][0] != 0 or arrays[name][-1] != end:
            raise MatrixFileError(f"array {name} does not span its data")
    columns = Columns(arrays["column_pointers"], arrays["column_rows"], arrays["column_probs"],
                      n)
    return RowArrays(arrays["photo_ids"], arrays["alive"], arrays["row_pointers"],
                     arrays["classes"], arrays["probs"], arrays["path_pointers"],
                     arrays["path_bytes"], arrays["ids_sorted"], arrays["ids_rows"], columns)


@dataclass(frozen=True)
class RowsState:
    """What a matrix holds at one moment: its base rows and what is laid over them."""

    base: RowArrays
    num_rows: int
    alive: np.ndarray  # (num_rows,)
    tags: Mapping[int, SparseTags]  # every row whose tags are not the base's
    paths: Mapping[int, str]  # every row whose path is not the base's
    new_ids: Mapping[int, int]  # row -> photo id of the rows after the base
    columns: Columns  # the column copy ...
    stale: np.ndarray  # ... its rows that changed since ...
    delta_rows: np.ndarray  # ... and the entries of the changed and the new rows
    delta_classes: np.ndarray
    delta_probs: np.ndarray


def write_rows(writer: MatrixFileWriter, state: RowsState) -> None:
    """The state, merged into the arrays rows_from_file reads, piece by piece."""
    base, n = state.base, state.num_rows
    photo_ids = np.empty(n, np.int64)
    photo_ids[:base.num_rows] = base.photo_ids
    for row, photo_id in state.new_ids.items():
        photo_ids[row] = photo_id
    writer.add_array("photo_ids", photo_ids)
    writer.add_array("alive", np.ascontiguousarray(state.alive[:n], bool))
    counts = np.zeros(n, np.int64)
    counts[:base.num_rows] = np.diff(base.row_pointers)
    for row, tags in state.tags.items():
        counts[row] = len(tags.classes)
    writer.add_array("row_pointers", np.concatenate([[0], np.cumsum(counts)]))
    changed = sorted(state.tags)
    writer.add("classes", "<u2", _laid_over(base.classes, base.row_pointers, changed,
                                            lambda row: state.tags[row].classes, n))
    writer.add("probs", "<f4", _laid_over(base.probs, base.row_pointers, changed,
                                          lambda row: state.tags[row].probs, n))
    encoded = {row: np.frombuffer(path.encode("utf-8", "surrogateescape"), np.uint8)
               for row, path in state.paths.items()}
    lengths = np.zeros(n, np.int64)
    lengths[:base.num_rows] = np.diff(base.path_pointers)
    for row, path in encoded.items():
        lengths[row] = len(path)
    writer.add_array("path_pointers", np.concatenate([[0], np.cumsum(lengths)]))
    writer.add("path_bytes", "|u1", _laid_over(base.path_bytes, base.path_pointers,
                                               sorted(encoded), encoded.__getitem__, n))
    order = np.argsort(photo_ids, kind="stable")
    writer.add_array("ids_sorted", photo_ids[order])
    writer.add_array("ids_rows", order.astype(np.int64))
    # Two passes over the merge (rows, then probs) rather than one that would hold a copy of
    # every class at once; the pointers come last, when the sizes are known.
    def runs() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        return merged_column_runs(state.columns, state.stale, state.delta_rows,
                                  state.delta_classes, state.delta_probs)

    sizes: list[int] = []

    def rows_counted() -> Iterator[np.ndarray]:
        for old_rows, _, new_rows, _ in runs():
            sizes.append(old_rows.size + new_rows.size)
            yield old_rows
            yield new_rows

    writer.add("column_rows", "<i4", rows_counted())
    writer.add("column_probs", "<f4", (part for _, old, _, new in runs() for part in (old, new)))
    writer.add_array("column_pointers", np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))


def _laid_over(values: np.ndarray, pointers: np.ndarray, changed: list[int], new_value,
               num_rows: int) -> Iterator[np.ndarray]:
    """Rows 0..num_rows-1 of a CSR array, the changed rows (sorted) taken from new_value.
    Every row past the base is a changed one, so the gaps between lie in the base."""
    start = 0
    for row in changed:
        if row > start:
            yield values[pointers[start]:pointers[row]]
        yield new_value(row)
        start = row + 1
    if start < num_rows:
        yield values[pointers[start]:pointers[num_rows]]
