"""«похожие»: the photos nearest a photo by the classifier's embedding, optionally only those
that match words too; real photos through the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.index.indexer import Indexer
from daemon.index.matrix import load_matrix
from daemon.index.store import Store
from daemon.index.vectors import VectorTable
from daemon.signals.classifier import CONCEPTS


@pytest.fixture
def library(tmp_path: Path, photo_dir: Path, tagger):
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, tagger).index_folder(photo_dir)
        matrix = load_matrix(store, {tagger.model_id: CONCEPTS})
        vectors = VectorTable.load(store, tagger.model_id)
        ids = {Path(path).name: photo_id for photo_id, path in
               store.paths_of_tagged([tagger.model_id])}
    return matrix, vectors, ids


def _names(response) -> list[str]:
    return [Path(r.path).name for r in response.results]


def test_the_nearest_photo_to_a_pizza_is_the_other_pizza(engine, library) -> None:
    # The embedding is of the whole photo: two pizzas on tables are alike (cosine 0.56),
    # while this test's two cats, one on a car outdoors and one on a bed, are 0.21 apart,
    # below SIMILAR_FLOOR.
    matrix, vectors, ids = library
    response = engine.similar(ids["pizza_0.jpg"], matrix, vectors)
    assert _names(response)[0] == "pizza_1.jpg"
    assert "pizza_0.jpg" not in _names(response)  # not itself
    assert response.results[0].why[0].startswith("похоже: ")
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)


def test_words_keep_only_the_similar_photos_that_match_them(engine, library) -> None:
    matrix, vectors, ids = library
    assert _names(engine.similar(ids["pizza_0.jpg"], matrix, vectors, "пицца")) == [
        "pizza_1.jpg"]
    # a bus is not like a pizza: nothing is both
    assert engine.similar(ids["pizza_0.jpg"], matrix, vectors, "автобус").results == ()


def test_a_photo_without_an_embedding_is_a_key_error(engine, library) -> None:
    matrix, vectors, _ = library
    with pytest.raises(KeyError):
        engine.similar(10_000, matrix, vectors)
