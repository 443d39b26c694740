"""The embeddings in memory: rows by photo id, nearest by cosine, read back from the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from daemon.index.store import FileIdentity, SparseTags, Store
from daemon.index.vectors import VectorTable


def _vector(*values: int) -> np.ndarray:
    return np.array(values, np.int8)


def test_the_most_alike_photo_has_the_highest_cosine_and_itself_is_left_out() -> None:
    table = VectorTable()
    table.put(1, _vector(100, 0, 0))
    table.put(2, _vector(90, 10, 0))
    table.put(3, _vector(0, 0, 100))
    cosines = table.similarity_to(1)
    assert np.isnan(cosines[1]) and cosines[2] > 0.99 and abs(cosines[3]) < 1e-6
    assert np.isnan(cosines[4])  # no such photo
    table.remove(2)
    assert np.isnan(table.similarity_to(1)[2])
    with pytest.raises(KeyError):
        table.similarity_to(2)


def test_embeddings_kept_in_the_index_load_back(tmp_path: Path) -> None:
    tags = SparseTags(np.array([1], np.uint16), np.array([0.9], np.float32),
                      vector=_vector(*range(-64, 64)))
    plain = SparseTags(np.array([1], np.uint16), np.array([0.9], np.float32))
    with Store(tmp_path / "index.sqlite3") as store:
        with_vector = store.put_photo(FileIdentity("/p/a.jpg", 1, 1), "a", 1, 1, {"m": tags})
        store.put_photo(FileIdentity("/p/b.jpg", 1, 1), "b", 1, 1, {"m": plain})
        assert store.tags_of("/p/a.jpg", "m").vector.tolist() == list(range(-64, 64))
        assert store.without_vectors_under("/p", "m") == ["/p/b.jpg"]
        table = VectorTable.load(store, "m")
    assert len(table) == 1 and table.has(with_vector) and table.dim == 128
