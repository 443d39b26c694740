"""matrix: the column index gives the same sums as a dense matrix, and follows updates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from daemon.index.matrix import TagMatrix, load_matrix, save_matrix, save_matrix_if_changed
from daemon.index.matrix_file import MatrixFileError, open_matrix_file
from daemon.index.matrix_rows import rows_from_file
from daemon.index.store import FileIdentity, SparseTags, Store


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
    from daemon.index import matrix as matrix_module

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


# --- the matrix file: a cache of the index, mapped at start -------------------------------
SOURCES = {"imagenet": 0, "detector": 1000}
QUERIES = ("кошка", "собака", "люди", "кошка на диване", "без людей", "собака без людей",
           "кошка или собака")


def _imagenet_tags(rng: np.random.Generator) -> SparseTags:
    k = int(rng.integers(3, 30))
    classes = rng.choice(1000, k, replace=False)
    classes[0] = rng.choice([281, 284, 207, 208, 831, 779])  # cats, dogs, couch, bus
    return SparseTags(classes.astype(np.uint16), rng.dirichlet(np.full(k, 0.3)).astype(np.float32))


def _detector_tags(rng: np.random.Generator) -> SparseTags:
    k = int(rng.integers(1, 5))
    classes = rng.choice(80, k, replace=False)
    if rng.random() < 0.5:
        classes[0] = 0  # person
    boxes = np.tile(np.array([0.1, 0.1, 0.6, 0.6], np.float32), (k, 1))
    return SparseTags(classes.astype(np.uint16), rng.uniform(0.05, 0.95, k).astype(np.float32),
                      boxes)


def _fill(store: Store, count: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    store.add_new_photos(((FileIdentity(f"/p/{i:04d}.jpg", 1, 1), f"h{i}", 64, 48,
                           _imagenet_tags(rng)) for i in range(count)), "imagenet")
    store.add_tags("detector", ((f"/p/{i:04d}.jpg", _detector_tags(rng))
                                for i in range(0, count, 2)))


def _change(store: Store, seed: int) -> None:
    """What the daemon does to an index: new photos, new content, removals, moves, and a
    second model's tags for photos that had none."""
    rng = np.random.default_rng(seed)
    paths = sorted(store.photos_under("/p"))
    for i in range(15):
        path = f"/p/new-{seed}-{i}.jpg"
        store.put_photo(FileIdentity(path, 1, 1), f"n{seed}-{i}", 64, 48,
                        {"imagenet": _imagenet_tags(rng), "detector": _detector_tags(rng)})
    for path in paths[1:40:4]:  # edited: new content, new tags
        store.put_photo(FileIdentity(path, 2, 2), f"e{seed}-{path}", 64, 48,
                        {"imagenet": _imagenet_tags(rng)})
    store.remove_photos(paths[3:60:5])
    for path in paths[5:80:9]:
        store.move_photo(path, FileIdentity(path.replace("/p/", f"/p/moved-{seed}-"), 1, 1))
    store.add_tags("detector", ((path, _detector_tags(rng)) for path in paths[61:90:2]))


def _answers(matrix: TagMatrix, engine) -> tuple:
    """Everything a search can learn from the matrix, keyed by photo (not by row: a file
    and the index may number the rows differently)."""
    rng = np.random.default_rng(7)
    relevances = []
    for _ in range(3):
        relevance = np.zeros(1080, np.float32)
        relevance[rng.choice(1080, 200, replace=False)] = rng.random(200)
        relevances.append(relevance)
    scores = [matrix.weighted_sum(r) for r in relevances] + [
        matrix.max_product(r) for r in relevances]
    alive = np.array([matrix.is_alive(row) for row in range(matrix.num_rows)], bool)
    assert all(not s[~alive].any() for s in scores), "a removed photo scores"
    photos = {}
    for row in np.flatnonzero(alive):
        tags = matrix.row_tags(row)
        photos[matrix.photo_ids[row]] = (
            matrix.paths[row], tags.classes.tolist(), tags.probs.tolist(),
            [round(float(s[row]), 5) for s in scores])
    searches = {}
    for query in QUERIES:
        answer = engine.search(query, matrix, limit=None).to_json()
        searches[query] = (answer["total"], answer["excluded"], sorted(
            (r["path"], r["score"], tuple(r["why"])) for r in answer["results"]))
    return len(matrix), photos, searches


def _from_index(store: Store) -> TagMatrix:
    return load_matrix(store, SOURCES)


def test_the_file_is_written_then_mapped_and_answers_like_the_index(tmp_path: Path,
                                                                     engine) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 300)
        first = load_matrix(store, SOURCES, cache)
        assert first.loaded_from == "index" and cache.exists()
        mapped = load_matrix(store, SOURCES, cache)
        assert mapped.loaded_from == "file"
        expected = _answers(_from_index(store), engine)
        assert _answers(mapped, engine) == expected
        assert _answers(first, engine) == expected  # first runs on the file it wrote
        assert expected[0] == 300 and any(expected[2][q][2] for q in QUERIES)


def test_after_a_kill_the_file_and_the_change_log_give_the_index(tmp_path: Path,
                                                                  engine) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 300)
        load_matrix(store, SOURCES, cache)
        _change(store, seed=1)  # ... and the daemon is killed before it saves
        stale = load_matrix(store, SOURCES, cache)
        assert stale.loaded_from == "file"
        assert _answers(stale, engine) == _answers(_from_index(store), engine)
        _change(store, seed=2)  # killed again: the same old file, more changes
        again = load_matrix(store, SOURCES, cache)
        assert again.loaded_from == "file"
        assert _answers(again, engine) == _answers(_from_index(store), engine)


def test_a_saved_matrix_runs_on_its_file_and_the_log_is_pruned(tmp_path: Path,
                                                                 engine) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 300)
        matrix = load_matrix(store, SOURCES, cache)
        _change(store, seed=1)
        # the daemon's writer has applied some of the changes already (as the index has them)
        from daemon.index import matrix as matrix_module

        with store.read_transaction():
            applied = matrix_module._changes_since(store, SOURCES, matrix.covered_seq)
        matrix_module._apply(matrix, applied[::2])
        ids_before = list(matrix.photo_ids)
        save_matrix(matrix, store, cache)  # reads the index's changes again, then writes
        assert _answers(matrix, engine) == _answers(_from_index(store), engine)
        # the rows keep their numbers: a search running meanwhile finds its rows
        assert list(matrix.photo_ids)[:len(ids_before)] == ids_before
        assert len(store.changed_photos_since(0)) <= 1  # the newest change stays (seq)
        _change(store, seed=2)
        reloaded = load_matrix(store, SOURCES, cache)
        assert reloaded.loaded_from == "file"
        assert _answers(reloaded, engine) == _answers(_from_index(store), engine)


def test_puts_removes_renames_over_a_mapped_base(tmp_path: Path, engine, monkeypatch) -> None:
    """The overlay and the merged column copy over a mapped base, then that state written
    and mapped again, answer like a matrix that got the same changes row by row."""
    from daemon.index import matrix as matrix_module

    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 300)
        load_matrix(store, SOURCES, cache)
        mapped = load_matrix(store, SOURCES, cache)
        plain = TagMatrix()
        reference = _from_index(store)
        for row in range(reference.num_rows):
            plain.put(reference.photo_ids[row], reference.paths[row], reference.row_tags(row))
    rng = np.random.default_rng(5)
    mapped.snapshot()
    monkeypatch.setattr(matrix_module, "MIN_DELTA_BEFORE_REBUILD", 20)
    for step in range(120):
        photo_id = int(rng.integers(1, 340))
        for matrix in (mapped, plain):
            if step % 4 == 0:
                matrix.remove(photo_id)
            elif step % 4 == 1:
                matrix.rename(photo_id, f"/renamed/{photo_id}.jpg")
            else:
                matrix.put(photo_id, f"/p/{photo_id}.jpg", _imagenet_tags(np.random.default_rng(
                    step)))
        if step % 10 == 0:
            assert _answers(mapped, engine) == _answers(plain, engine)
    assert mapped.snapshot().columns.num_rows > 300  # the column copy was merged anew
    assert _answers(mapped, engine) == _answers(plain, engine)
    meta = {"index_id": "x", "token": "y", "seq": 0}
    assert mapped.save(tmp_path / "other.matrix", meta)
    assert _answers(mapped, engine) == _answers(plain, engine)
    reopened = TagMatrix(rows_from_file(open_matrix_file(tmp_path / "other.matrix")))
    assert _answers(reopened, engine) == _answers(plain, engine)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _flip_a_data_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00" * 10)


@pytest.mark.parametrize("damage", [_truncate, _flip_a_data_byte, _garbage])
def test_a_damaged_file_is_rebuilt_from_the_index(tmp_path: Path, engine, damage) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 200)
        load_matrix(store, SOURCES, cache)
        _change(store, seed=1)
        damage(cache)
        with pytest.raises(MatrixFileError):
            open_matrix_file(cache)
        rebuilt = load_matrix(store, SOURCES, cache)
        assert rebuilt.loaded_from == "index"
        assert _answers(rebuilt, engine) == _answers(_from_index(store), engine)
        assert load_matrix(store, SOURCES, cache).loaded_from == "file"  # written anew


def test_a_file_of_another_index_or_an_older_one_is_not_used(tmp_path: Path, engine) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        _fill(a, 200)
        _fill(b, 200)  # the same photos: only the index id tells the files apart
        load_matrix(a, SOURCES, cache)
        assert load_matrix(b, SOURCES, cache).loaded_from == "index"
        assert load_matrix(a, SOURCES, cache).loaded_from == "index"  # b's now
        older = cache.read_bytes()
        _change(a, seed=1)
        save_matrix(load_matrix(a, SOURCES, cache), a, cache)  # a newer file prunes the log
        _change(a, seed=2)
        cache.write_bytes(older)  # e.g. restored from a backup
        reloaded = load_matrix(a, SOURCES, cache)
        assert reloaded.loaded_from == "index"
        assert _answers(reloaded, engine) == _answers(_from_index(a), engine)
        # other sources (the detector switched off) read other rows
        assert load_matrix(a, {"imagenet": 0}, cache).loaded_from == "index"


def test_a_read_only_store_uses_the_file_and_never_writes_it(tmp_path: Path) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 100)
        load_matrix(store, SOURCES, cache)
        _change(store, seed=1)
    written = cache.stat().st_mtime_ns
    with Store(tmp_path / "index.sqlite3", readonly=True) as reader:
        assert load_matrix(reader, SOURCES, cache).loaded_from == "file"
        cache.unlink()
        assert load_matrix(reader, SOURCES, cache).loaded_from == "index"
    assert not cache.exists() and written


def test_a_removal_alone_takes_the_photo_out_of_the_column_copy() -> None:
    matrix = _matrix_of(_random_rows(np.random.default_rng(4), 20))
    relevance = np.ones(1000, np.float32)
    assert matrix.weighted_sum(relevance)[3] > 0
    matrix.remove(3)  # no other change: the delta has no entries, only a stale row
    assert matrix.weighted_sum(relevance)[3] == 0 and matrix.max_product(relevance)[3] == 0


def test_save_if_changed_writes_only_after_enough_changes(tmp_path: Path) -> None:
    cache = tmp_path / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 100)
        matrix = load_matrix(store, SOURCES, cache)
        written = cache.stat().st_mtime_ns
        assert not save_matrix_if_changed(matrix, store, cache)  # nothing changed
        _change(store, seed=1)
        assert not save_matrix_if_changed(matrix, store, cache, min_changes=1000)
        assert cache.stat().st_mtime_ns == written
        assert save_matrix_if_changed(matrix, store, cache)
        assert load_matrix(store, SOURCES, cache).loaded_from == "file"
        assert store.changed_photos_since(matrix.covered_seq) == []


def test_a_file_that_cannot_be_written_does_not_stop_the_load(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    cache = tmp_path / "not-a-folder" / "index.matrix"
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 50)
        matrix = load_matrix(store, SOURCES, cache)
        assert matrix.loaded_from == "index" and len(matrix) == 50
        _change(store, seed=1)
        assert not save_matrix_if_changed(matrix, store, cache)
        assert not cache.exists()


def test_a_temporary_file_left_by_a_killed_writer_is_removed(tmp_path: Path) -> None:
    cache = tmp_path / "index.matrix"
    left = tmp_path / ".index.matrix.12345.tmp"
    left.write_bytes(b"half a matrix")
    with Store(tmp_path / "index.sqlite3") as store:
        _fill(store, 20)
        load_matrix(store, SOURCES, cache)
    assert cache.exists() and not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.matrix", "index.sqlite3"]
