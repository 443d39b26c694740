"""store: schema and migrations, per-model tags, moves keep ids, read-only access."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from daemon.index.store import SCHEMA_VERSION, FileIdentity, SparseTags, Store, StoreError


def _tags(*pairs: tuple[int, float]) -> SparseTags:
    return SparseTags(np.array([c for c, _ in pairs], np.uint16),
                      np.array([p for _, p in pairs], np.float32))


def test_new_index_has_current_schema_and_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        assert store.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "i.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_index_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    path.write_text("garbage" * 1000)
    with pytest.raises(StoreError):
        Store(path)


def test_tags_round_trip_in_float16(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        store.add_photo(FileIdentity("/p/a.jpg", 10, 1), "h1", 640, 480, "m",
                        _tags((281, 0.62), (285, 0.2)))
        tags = store.tags_of("/p/a.jpg", "m")
        assert tags is not None
        assert list(tags.classes) == [281, 285]
        np.testing.assert_allclose(tags.probs, [0.62, 0.2], atol=1e-3)
        assert store.tags_of("/p/a.jpg", "other-model") is None


def test_tags_are_kept_per_model(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        identity = FileIdentity("/p/a.jpg", 10, 1)
        store.add_photo(identity, "h1", 1, 1, "m1", _tags((1, 0.9)))
        store.add_photo(identity, "h1", 1, 1, "m2", _tags((2, 0.9)))
        assert store.tags_of("/p/a.jpg", "m1") is not None  # same content: both kept
        assert store.untagged_under("/p", "m3") == ["/p/a.jpg"]
        store.add_photo(identity, "h2", 1, 1, "m2", _tags((3, 0.9)))
        assert store.tags_of("/p/a.jpg", "m1") is None  # new content: old tags dropped
        assert store.count_photos() == 1


def test_move_keeps_id_and_tags(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        photo_id = store.add_photo(FileIdentity("/p/a.jpg", 10, 1), "h", 1, 1, "m",
                                   _tags((5, 0.5)))
        store.move_photo("/p/a.jpg", FileIdentity("/q/b.jpg", 10, 2))
        moved = store.photo_by_path("/q/b.jpg")
        assert moved is not None and moved.id == photo_id
        assert store.photo_by_path("/p/a.jpg") is None
        assert store.tags_of("/q/b.jpg", "m") is not None


def test_photos_under_is_a_folder_prefix_not_a_string_prefix(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        for path in ("/p/a.jpg", "/p/sub/b.jpg", "/p2/c.jpg", "/p-x/d.jpg"):
            store.add_photo(FileIdentity(path, 1, 1), path, 1, 1, "m", _tags((1, 1.0)))
        assert sorted(store.photos_under("/p")) == ["/p/a.jpg", "/p/sub/b.jpg"]


def test_failures_are_remembered_and_cleared_by_success(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        identity = FileIdentity("/p/bad.jpg", 3, 1)
        store.record_failure(identity, "truncated or corrupt image")
        assert store.failures_under("/p") == {"/p/bad.jpg": identity}
        store.add_photo(FileIdentity("/p/bad.jpg", 30, 2), "h", 1, 1, "m", _tags((1, 1.0)))
        assert store.failures() == []


def test_readonly_store_reads_but_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    with Store(path) as store:
        store.add_photo(FileIdentity("/p/a.jpg", 1, 1), "h", 1, 1, "m", _tags((1, 1.0)))
    with Store(path, readonly=True) as reader:
        assert reader.count_photos() == 1
        with pytest.raises(sqlite3.OperationalError):
            reader.remove_photos(["/p/a.jpg"])


def test_readonly_store_without_index(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="index a folder first"):
        Store(tmp_path / "none.sqlite3", readonly=True)


def test_detector_boxes_round_trip_beside_the_scores(tmp_path: Path) -> None:
    identity = FileIdentity("/p/люди.jpg", 10, 1)
    boxes = np.array([[0.1, 0.2, 0.5, 0.9], [0.0, 0.0, 1.0, 1.0]], np.float32)
    tags = SparseTags(np.array([0, 15], np.uint16), np.array([0.9, 0.4], np.float32), boxes)
    with Store(tmp_path / "i.sqlite3") as store:
        store.add_photo(identity, "h", 100, 80, "detector", tags)
        store.add_photo(identity, "h", 100, 80, "imagenet", _tags((281, 0.7)))
        back = store.tags_of(identity.path, "detector")
        assert back is not None and back.boxes is not None
        np.testing.assert_allclose(back.boxes, boxes, atol=1e-3)  # float16
        assert store.tags_of(identity.path, "imagenet").boxes is None


def test_an_index_of_schema_1_is_upgraded_and_keeps_its_tags(tmp_path: Path) -> None:
    """An index written before the detector (schema 1, no boxes column) opens, migrates,
    and keeps every photo's tags: nothing is re-tagged but what the detector adds."""
    from daemon.index.store import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO photos VALUES (1, '/p/кот.jpg', 10, 1, 'h', 64, 48, 0)")
    classes, probs, *_ = _tags((281, 0.75)).to_blobs()
    db.execute("INSERT INTO tags VALUES (1, 'efficientnet-lite0', ?, ?)", (classes, probs))
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        tags = store.tags_of("/p/кот.jpg", "efficientnet-lite0")
        assert tags is not None and tags.classes.tolist() == [281] and tags.boxes is None


def test_add_tags_puts_a_second_model_beside_the_first(tmp_path: Path) -> None:
    with Store(tmp_path / "i.sqlite3") as store:
        store.add_new_photos([(FileIdentity("/p/a.jpg", 1, 1), "h", 1, 1, _tags((281, 0.9)))],
                             "imagenet")
        store.add_tags("detector", [("/p/a.jpg", _tags((15, 0.8))), ("/p/absent.jpg",
                                                                     _tags((0, 0.5)))])
        assert store.tags_of("/p/a.jpg", "detector").classes.tolist() == [15]
        assert store.tags_of("/p/a.jpg", "imagenet").classes.tolist() == [281]
        assert store.count_tagged("detector") == 1  # no tags for a photo not in the index


def test_every_change_of_tags_or_paths_is_logged_and_seq_only_grows(tmp_path: Path) -> None:
    """The matrix file's change log (filled by triggers): every write path that changes
    what a search sees names its photo; touching a file does not."""
    with Store(tmp_path / "i.sqlite3") as store:
        store.add_new_photos([(FileIdentity(f"/p/{n}.jpg", 1, 1), f"h{n}", 1, 1,
                               _tags((281, 0.9))) for n in "abc"], "imagenet")
        ids = {p: store.photo_by_path(p).id for p in ("/p/a.jpg", "/p/b.jpg", "/p/c.jpg")}
        assert store.changed_photos_since(0) == sorted(ids.values())
        mark = store.last_change_seq()
        store.touch_photo(FileIdentity("/p/a.jpg", 2, 2))
        assert store.changed_photos_since(mark) == []
        store.add_tags("detector", [("/p/a.jpg", _tags((15, 0.8)))])
        assert store.changed_photos_since(mark) == [ids["/p/a.jpg"]]
        mark = store.last_change_seq()
        store.move_photo("/p/b.jpg", FileIdentity("/p/b2.jpg", 1, 1))
        assert store.changed_photos_since(mark) == [ids["/p/b.jpg"]]
        mark = store.last_change_seq()
        store.put_photo(FileIdentity("/p/c.jpg", 1, 1), "new", 1, 1,
                        {"imagenet": _tags((207, 0.5))})
        assert store.changed_photos_since(mark) == [ids["/p/c.jpg"]]
        mark = store.last_change_seq()
        store.remove_photos(["/p/a.jpg"])
        assert store.changed_photos_since(mark) == [ids["/p/a.jpg"]]
        last = store.last_change_seq()
        store.matrix_file_written("token", last)
        assert store.matrix_file_token() == "token"
        assert store.changed_photos_since(0) == [ids["/p/a.jpg"]]  # the newest row stays
        store.remove_photos(["/p/b2.jpg"])
        assert store.last_change_seq() > last
        assert store.changed_photos_since(last) == [ids["/p/b.jpg"]]
