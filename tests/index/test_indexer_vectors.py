"""An index made before the classifier kept embeddings gets them: the classifier alone runs
again, once, and then the index is complete."""

from __future__ import annotations

from pathlib import Path

from conftest import Counting

from daemon.index.indexer import Indexer
from daemon.index.store import Store


def test_photos_tagged_without_an_embedding_get_one_and_only_once(
        tmp_path: Path, photo_dir: Path, tagger, fake_tagger) -> None:
    before = Counting(tagger)  # the batch path: classes, no embedding, as older versions
    other = Counting(fake_tagger)
    other.model_id = "other-signal"
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, [before, other]).index_folder(photo_dir)
        photos = sorted(str(p) for p in photo_dir.glob("*.jpg"))
        assert store.without_vectors_under(str(photo_dir), tagger.model_id) == photos
        classes = {p: store.tags_of(p, tagger.model_id).classes.tolist() for p in photos}
        ran_before = other.predicted

        report = Indexer(store, [tagger, other]).index_folder(photo_dir)
        assert report.tagged == len(photos)
        assert other.predicted == ran_before  # the other signal did not run again
        assert store.without_vectors_under(str(photo_dir), tagger.model_id) == []
        assert {p: store.tags_of(p, tagger.model_id).classes.tolist() for p in photos} == classes

        assert Indexer(store, [tagger, other]).index_folder(photo_dir).tagged == 0
