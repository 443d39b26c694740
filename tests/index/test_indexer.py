"""indexer: tags what changed, keeps tags across renames, reports every file it skips.

Most tests use FakeTagger (a test double for the slow model) to count model runs; the
last ones run the real EfficientNet on real COCO photos and broken files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
from badfiles import make_bad_corpus
from conftest import clear_photo, coco_with, solid_photo

from daemon.index.indexer import MAX_K, MIN_K, Indexer, sparsify
from daemon.index.store import Store


def test_sparsify_keeps_the_mass_within_bounds() -> None:
    peaked = np.zeros(1000, np.float32)
    peaked[7] = 0.999
    peaked[8:20] = 0.001 / 12
    assert len(sparsify(peaked).classes) == MIN_K
    assert sparsify(peaked).classes[0] == 7
    flat = np.full(1000, 1 / 1000, np.float32)
    assert len(sparsify(flat).classes) == MAX_K


def test_index_then_reindex_only_tags_what_changed(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    for shade in range(5):
        solid_photo(root / f"p{shade}.jpg", (shade * 50,) * 3)
    with Store(tmp_path / "i.sqlite3") as store:
        first = Indexer(store, fake_tagger).index_folder(root)
        assert first.tagged == 5 and fake_tagger.predicted == 5
        second = Indexer(store, fake_tagger).index_folder(root)
        assert (second.tagged, second.unchanged) == (0, 5)
        assert fake_tagger.predicted == 5


def test_rename_and_move_keep_tags_without_the_model(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    photo = solid_photo(root / "a.jpg", (200, 10, 10))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        old = store.photo_by_path(str(photo))
        os.rename(photo, root / "переименовано.jpg")
        (root / "sub").mkdir()
        report = Indexer(store, fake_tagger).index_folder(root)
        assert (report.moved, report.tagged, report.removed) == (1, 0, 0)
        new = store.photo_by_path(str(root / "переименовано.jpg"))
        assert new is not None and old is not None and new.id == old.id
        os.rename(root / "переименовано.jpg", root / "sub" / "a.jpg")
        report = Indexer(store, fake_tagger).index_folder(root)
        assert (report.moved, report.tagged) == (1, 0)
        assert store.count_photos() == 1
    assert fake_tagger.predicted == 1


def test_copy_reuses_tags_and_edit_retags(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    photo = solid_photo(root / "a.jpg", (0, 0, 0))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        shutil.copy(photo, root / "copy.jpg")
        report = Indexer(store, fake_tagger).index_folder(root)
        assert (report.copied, report.tagged) == (1, 0)
        solid_photo(photo, (255, 255, 255))  # edited in place
        os.utime(photo, ns=(1, 1))
        report = Indexer(store, fake_tagger).index_folder(root)
        assert report.tagged == 1
        tags = store.tags_of(str(photo), fake_tagger.model_id)
        assert tags is not None and tags.classes[0] == 999
        assert store.count_photos() == 2


def test_touch_without_change_does_not_retag(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    photo = solid_photo(root / "a.jpg", (0, 0, 0))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        os.utime(photo, ns=(5, 5))
        report = Indexer(store, fake_tagger).index_folder(root)
        assert (report.touched, report.tagged) == (1, 0)


def test_deleted_photo_leaves_the_index(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    photo = solid_photo(root / "a.jpg", (0, 0, 0))
    solid_photo(root / "b.jpg", (90, 0, 0))
    changes = []
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        photo.unlink()
        indexer = Indexer(store, fake_tagger, on_change=lambda *c: changes.append(c))
        report = indexer.index_folder(root)
        assert report.removed == 1
        assert store.photo_by_path(str(photo)) is None
        assert store.count_photos() == 1
    assert changes[-1][1:] == (str(photo), None)


def test_switching_model_retags_without_losing_photos(tmp_path: Path, fake_tagger) -> None:
    from conftest import FakeTagger

    class OtherModel(FakeTagger):
        model_id = "other-model"

    root = tmp_path / "photos"
    solid_photo(root / "a.jpg", (0, 0, 0))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        other = OtherModel()
        report = Indexer(store, other).index_folder(root)
        assert report.tagged == 1 and other.predicted == 1
        assert store.count_tagged("other-model") == 1
        assert store.count_tagged(fake_tagger.model_id) == 1


def test_a_new_way_of_reading_retags_every_photo_and_its_old_rows_go(
        tmp_path: Path, fake_tagger) -> None:
    """The classifier read a centre crop under one id and reads the whole photo under
    another: the next index reads every photo again and deletes the old rows."""
    from conftest import FakeTagger

    class WholeFrame(FakeTagger):
        model_id = "fake-tagger-frame"
        retired = (fake_tagger.model_id,)

    root = tmp_path / "photos"
    solid_photo(root / "a.jpg", (0, 0, 0))
    solid_photo(root / "b" / "кот на диване.jpg", (250, 250, 250))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        assert store.count_tagged(fake_tagger.model_id) == 2
        frame = WholeFrame()
        report = Indexer(store, frame).index_folder(root)
        assert report.tagged == 2 and frame.predicted == 2
        assert store.count_tagged("fake-tagger-frame") == 2
        assert store.count_tagged(fake_tagger.model_id) == 0
        # and nothing more to do the time after
        assert Indexer(store, WholeFrame()).index_folder(root).tagged == 0


def test_content_a_tagger_knew_from_a_deleted_photo_is_tagged_again(
        tmp_path: Path, fake_tagger) -> None:
    """A second tagger is added; before its pass reaches a photo, the photo is deleted
    and a copy of it appears: the copy gets both taggers' tags, not just the new one's."""
    from conftest import FakeTagger

    class SecondTagger(FakeTagger):
        model_id = "second-tagger"

    root = tmp_path / "photos"
    original = solid_photo(root / "a.jpg", (200, 10, 10))
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, fake_tagger).index_folder(root)
        both = Indexer(store, [fake_tagger, SecondTagger()])  # the first knows the content
        copy = root / "b.jpg"
        copy.write_bytes(original.read_bytes())
        original.unlink()
        both.process([], gone=[str(original)])
        both.index_folder(root)
        assert store.tags_of(str(copy), fake_tagger.model_id) is not None
        assert store.tags_of(str(copy), "second-tagger") is not None


def test_broken_files_are_reported_and_not_retried(tmp_path: Path, fake_tagger) -> None:
    root = tmp_path / "photos"
    expected = make_bad_corpus(root, coco_with("cat", alone=True)[0])
    with Store(tmp_path / "i.sqlite3") as store:
        report = Indexer(store, fake_tagger).index_folder(root)
        failed = {Path(f.path).name: f.reason for f in report.failed}
        assert set(failed) == {name for name, ok in expected.items() if not ok}
        assert all(failed.values())
        again = Indexer(store, fake_tagger).index_folder(root)
        assert again.failed == [] and len(again.known_broken) == len(failed)
        indexed = {Path(p).name for p in store.photos_under(str(root))}
        assert indexed == {name for name, ok in expected.items() if ok}


def test_real_model_makes_broken_corpus_searchable(tmp_path: Path, tagger, engine) -> None:
    from daemon.index.matrix import load_matrix

    root = tmp_path / "photos"
    make_bad_corpus(root, clear_photo("cat"))
    shutil.copy(clear_photo("bus"), root / "автобус.jpg")
    with Store(tmp_path / "i.sqlite3") as store:
        report = Indexer(store, tagger).index_folder(root)
        assert report.tagged == 8
        matrix = load_matrix(store, tagger.model_id)
    found = [Path(r.path).name for r in engine.search("кошка", matrix).results]
    assert "кошка на диване 🐱.jpg" in found
    assert "автобус.jpg" not in found
    assert [Path(r.path).name for r in engine.search("автобус", matrix).results][0] == "автобус.jpg"


def test_adding_the_detector_runs_the_detector_alone(tmp_path: Path, tagger, detector) -> None:
    """An index made before the detector existed gets the detector pass, not a re-run of
    the ImageNet tagger; copies then reuse both taggers' tags."""
    from conftest import Counting

    from daemon.index.matrix import load_matrix

    root = tmp_path / "photos"
    root.mkdir()
    photos = coco_with("person", alone=True, count=2) + [clear_photo("cat")]
    for photo in photos:
        shutil.copy(photo, root / photo.name)
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, tagger).index_folder(root)
        imagenet, coco = Counting(tagger), Counting(detector)
        report = Indexer(store, [imagenet, coco]).index_folder(root)
        assert (report.tagged, imagenet.predicted, coco.predicted) == (3, 0, 3)
        assert store.count_tagged(detector.model_id) == 3

        shutil.copy(clear_photo("cat"), root / "копия кошки.jpg")
        again = Indexer(store, [imagenet, coco]).index_folder(root)
        assert (again.copied, again.tagged, imagenet.predicted, coco.predicted) == (1, 0, 0, 3)
        copy = str(root / "копия кошки.jpg")
        assert store.tags_of(copy, tagger.model_id) is not None
        assert store.tags_of(copy, detector.model_id) is not None

        matrix = load_matrix(store, {tagger.model_id: 0, detector.model_id: 1000})
    by_name = {Path(p).name: matrix.row_tags(row) for row, p in enumerate(matrix.paths)}
    person = by_name[photos[0].name]
    assert 1000 in person.classes.tolist()  # COCO "person", in the shared class space
    assert person.classes.min() < 1000  # beside the ImageNet classes


def test_both_taggers_run_on_new_photos(tmp_path: Path, tagger, detector) -> None:
    from conftest import Counting

    root = tmp_path / "photos"
    root.mkdir()
    shutil.copy(clear_photo("dog"), root / "собака.jpg")
    imagenet, coco = Counting(tagger), Counting(detector)
    changes: list = []
    with Store(tmp_path / "i.sqlite3") as store:
        report = Indexer(store, [imagenet, coco],
                         on_change=lambda *change: changes.append(change)).index_folder(root)
    assert (report.tagged, imagenet.predicted, coco.predicted) == (1, 1, 1)
    (_, _, tags), = changes
    assert 1000 + 16 in tags.classes.tolist()  # COCO "dog" reached the search's matrix


def test_adding_the_colours_runs_no_model_and_reads_the_stored_boxes(
        tmp_path: Path, tagger, detector) -> None:
    """An index made before the colour signal existed gets colours for every photo from one
    decode each, without a model run: the colour of each object comes from the detector's
    boxes already in the index."""
    from conftest import Counting

    from daemon.signals.colours import Colours, object_concept

    root = tmp_path / "photos"
    root.mkdir()
    photos = coco_with("person", alone=True, count=2) + [clear_photo("cat")]
    for photo in photos:
        shutil.copy(photo, root / photo.name)
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, [tagger, detector]).index_folder(root)
        imagenet, coco = Counting(tagger), Counting(detector)
        colours = Colours(detector.model_id)
        report = Indexer(store, [imagenet, coco, colours]).index_folder(root)
        assert (report.tagged, imagenet.predicted, coco.predicted) == (3, 0, 0)
        assert store.count_tagged(colours.model_id) == 3
        person = store.tags_of(str(root / photos[0].name), colours.model_id)
    person_colours = [object_concept(0, term) - colours.concepts.first for term in range(12)]
    assert set(person.classes.tolist()) & set(person_colours)  # the person's box was read


def test_a_signal_that_reads_another_runs_after_it_on_new_photos(
        tmp_path: Path, tagger, detector) -> None:
    from daemon.signals.colours import Colours, object_concept

    root = tmp_path / "photos"
    root.mkdir()
    shutil.copy(clear_photo("dog"), root / "собака.jpg")
    colours = Colours(detector.model_id)
    with Store(tmp_path / "i.sqlite3") as store:
        Indexer(store, [tagger, detector, colours]).index_folder(root)
        tags = store.tags_of(str(root / "собака.jpg"), colours.model_id)
    dog = {object_concept(16, term) - colours.concepts.first for term in range(12)}
    assert dog & set(tags.classes.tolist())
