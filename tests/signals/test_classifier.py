"""The classifier keeps each photo's embedding beside its classes: 128 int8 on the model's own
principal directions, alike for alike photos."""

from __future__ import annotations

import numpy as np
from conftest import clear_photo

from daemon.signals.classifier import VECTOR_DIM, embedding
from daemon.signals.decode import decode_photo


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float32), b.astype(np.float32)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_each_photo_gets_its_classes_and_an_int8_embedding(tagger) -> None:
    assert tagger.makes_vectors
    tags = tagger.read(decode_photo(clear_photo("cat")), {})
    assert tags.vector is not None and tags.vector.dtype == np.int8
    assert len(tags.vector) == VECTOR_DIM and np.abs(tags.vector).max() == 127
    # the same classes as the batch path that benchmarks use
    batch = tagger.to_tags(tagger.predict([tagger.preprocess(decode_photo(
        clear_photo("cat")).image)])[0])
    assert tags.classes.tolist() == batch.classes.tolist()


def test_two_cats_are_nearer_each_other_than_a_cat_and_a_bus(tagger) -> None:
    cat, other_cat, bus = (tagger.read(decode_photo(p), {}).vector for p in (
        clear_photo("cat"), clear_photo("cat", 1), clear_photo("bus")))
    assert _cosine(cat, other_cat) > _cosine(cat, bus)


def test_an_all_zero_projection_stays_zero() -> None:
    assert not embedding(np.zeros(8, np.float32), np.ones((8, 4), np.float32)).any()
