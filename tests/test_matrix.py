"""matrix: the column index gives the same sums as a dense matrix, and follows updates."""

from __future__ import annotations

import numpy as np

from daemon.matrix import TagMatrix
from daemon.store import SparseTags


def _random_rows(rng: np.random.Generator, n: int) -> list[SparseTags]:
    rows = []
    for _ in range(n):
        k = int(rng.integers(1, 40))
        classes = rng.choice(1000, k, replace=False).astype(np.uint16)
        probs = rng.dirichlet(np.ones(k)).astype(np.float32)
        rows.append(SparseTags(classes, probs))
    return rows


def _dense(rows: list[SparseTags]) -> np.ndarray:
    dense = np.zeros((len(rows), 1000), np.float32)
    for i, tags in enumerate(rows):
        dense[i, tags.classes] = tags.probs
    return dense


def _matrix_of(rows: list[SparseTags]) -> TagMatrix:
    matrix = TagMatrix()
    for i, tags in enumerate(rows):
        matrix.put(i, f"/p/{i}.jpg", tags)
    return matrix


def test_weighted_sum_equals_dense_product() -> None:
    rng = np.random.default_rng(1)
    rows = _random_rows(rng, 300)
    matrix = _matrix_of(rows)
    relevance = np.zeros(1000, np.float32)
    relevance[rng.choice(1000, 150, replace=False)] = rng.random(150)
    np.testing.assert_allclose(matrix.weighted_sum(relevance), _dense(rows) @ relevance,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(matrix.max_product(relevance),
                               (_dense(rows) * relevance).max(axis=1), rtol=1e-6)


def test_updates_and_removals_are_seen_by_the_next_query() -> None:
    matrix = TagMatrix()
    cat = SparseTags(np.array([281], np.uint16), np.array([0.9], np.float32))
    dog = SparseTags(np.array([207], np.uint16), np.array([0.8], np.float32))
    matrix.put(1, "/a.jpg", cat)
    matrix.put(2, "/b.jpg", cat)
    relevance = np.zeros(1000, np.float32)
    relevance[281] = 1.0
    assert list(matrix.weighted_sum(relevance).round(3)) == [0.9, 0.9]
    matrix.put(2, "/b.jpg", dog)  # re-tagged
    matrix.remove(1)
    assert list(matrix.weighted_sum(relevance).round(3)) == [0.0, 0.0]
    assert len(matrix) == 1
    matrix.rename(2, "/c.jpg")
    assert matrix.paths[1] == "/c.jpg"


def test_empty_matrix_and_empty_relevance() -> None:
    matrix = TagMatrix()
    assert matrix.weighted_sum(np.ones(1000, np.float32)).shape == (0,)
    matrix.put(1, "/a.jpg", SparseTags(np.array([3], np.uint16), np.array([1.0], np.float32)))
    assert matrix.weighted_sum(np.zeros(1000, np.float32)).tolist() == [0.0]


def test_changes_after_the_column_copy_are_read_from_the_delta() -> None:
    from daemon import matrix as matrix_module

    rng = np.random.default_rng(2)
    rows = _random_rows(rng, 200)
    matrix = _matrix_of(rows)
    relevance = np.zeros(1000, np.float32)
    relevance[rng.choice(1000, 300, replace=False)] = 1.0
    matrix.snapshot()  # column copy of 200 rows
    replaced = _random_rows(rng, 10)
    for i, tags in zip(range(0, 100, 10), replaced, strict=True):
        rows[i] = tags
        matrix.put(i, f"/p/{i}.jpg", tags)
    for i, tags in enumerate(_random_rows(rng, 5), start=200):
        rows.append(tags)
        matrix.put(i, f"/p/{i}.jpg", tags)
    matrix.put(201, "/p/201.jpg", rows[201])  # appended after the copy, then changed again
    matrix.remove(7)
    rows[7] = SparseTags(np.empty(0, np.uint16), np.empty(0, np.float32))
    snapshot = matrix.snapshot()
    assert snapshot.columns.num_rows == 200 and snapshot.delta_rows.size > 0
    np.testing.assert_allclose(snapshot.weighted_sum(relevance), _dense(rows) @ relevance,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(snapshot.max_product(relevance),
                               (_dense(rows) * relevance).max(axis=1), rtol=1e-6)
    # once the delta is large, the next snapshot rebuilds the column copy
    original = matrix_module.MIN_DELTA_BEFORE_REBUILD
    matrix_module.MIN_DELTA_BEFORE_REBUILD = 5
    try:
        matrix.put(3, "/p/3.jpg", rows[3])
        assert matrix.snapshot().columns.num_rows == 205
    finally:
        matrix_module.MIN_DELTA_BEFORE_REBUILD = original


def test_tells_whether_any_photo_has_detector_classes() -> None:
    # Search weighs ImageNet scores differently when the index holds detections.
    matrix = _matrix_of(_random_rows(np.random.default_rng(3), 50))
    assert not matrix.has_classes_from(1000)
    matrix.snapshot()  # column copy without detections
    person = SparseTags(np.array([5, 1000], np.uint16), np.array([0.4, 0.9], np.float32))
    matrix.put(50, "/p/50.jpg", person)  # arrives after the copy: in the delta
    assert matrix.snapshot().delta_rows.size and matrix.has_classes_from(1000)
    matrix.remove(50)
    assert not matrix.has_classes_from(1000)
