"""salvage: a rebuild after damage reads back the tags the damaged index still holds, so
only the photos on damaged pages meet the models again — and nothing implausible returns."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
from conftest import COCO_IMAGES, Counting
from index_damage import damage_all_but_header, damage_middle

from daemon.index.health import move_aside
from daemon.index.indexer import Indexer
from daemon.index.salvage import salvage
from daemon.index.store import Store


def tagged_library(tmp_path: Path, taggers: list, count: int = 40) -> tuple[Path, Path]:
    photos = tmp_path / "Фото"
    photos.mkdir()
    for source in sorted(COCO_IMAGES.glob("*.jpg"))[:count]:
        shutil.copy(source, photos / source.name)
    index = tmp_path / "index.sqlite3"
    with Store(index) as store:
        Indexer(store, taggers).index_folder(photos)
    return photos, index


def all_tags(index: Path, models: list[str]) -> dict[tuple[str, str], tuple]:
    with Store(index, readonly=True) as store:
        return {(Path(path).name, model): (tags.classes.tolist(), tags.probs.tolist())
                for model in models for _, path, tags in store.iter_tags(model)}


def test_a_rebuild_tags_again_only_what_the_damaged_index_lost(
        tmp_path: Path, tagger, detector) -> None:
    photos, index = tagged_library(tmp_path, [tagger, detector])
    models = {tagger.model_id: tagger.concepts, detector.model_id: detector.concepts}
    before = all_tags(index, list(models))
    damage_middle(index)
    moved = move_aside(index)

    found = salvage(moved, models)
    assert 0 < len(found) <= 40
    counting = [Counting(tagger), Counting(detector)]
    with Store(index) as store:
        report = Indexer(store, counting, salvaged=found).index_folder(photos)
    for tagger_, model in zip(counting, models, strict=True):
        kept = sum(model in photo.tags for photo in found.values())
        assert tagger_.predicted == 40 - kept  # the model ran only where tags were lost
    assert report.salvaged == sum(len(p.tags) == 2 for p in found.values())
    after = all_tags(index, list(models))
    assert after.keys() == before.keys()
    for key, (classes, probs) in before.items():
        assert after[key][0] == classes and np.allclose(after[key][1], probs, atol=1e-3)


def test_tags_that_do_not_look_like_tags_are_not_brought_back(tmp_path: Path, tagger) -> None:
    _, index = tagged_library(tmp_path, [tagger], count=5)
    db = sqlite3.connect(index)
    ids = [row[0] for row in db.execute("SELECT id FROM photos ORDER BY id")]
    impossible_class = np.array([5000, 1], np.uint16).tobytes()
    db.execute("UPDATE tags SET classes = ?, probs = ? WHERE photo_id = ?",
               (impossible_class, np.array([0.5, 0.1], np.float16).tobytes(), ids[0]))
    db.execute("UPDATE tags SET probs = ? WHERE photo_id = ?", (b"\x00\x7c" * 1, ids[1]))
    db.commit()
    db.close()
    found = salvage(index, {tagger.model_id: tagger.concepts})
    assert len(found) == 3  # two rows were not what the indexer writes


def test_nothing_readable_is_nothing_salvaged(tmp_path: Path, tagger) -> None:
    _, index = tagged_library(tmp_path, [tagger], count=5)
    damage_all_but_header(index)
    assert salvage(index, {tagger.model_id: tagger.concepts}) == {}
    (tmp_path / "garbage.sqlite3").write_bytes(b"no database here" * 64)
    assert salvage(tmp_path / "garbage.sqlite3", {tagger.model_id: tagger.concepts}) == {}
