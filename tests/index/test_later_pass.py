"""The later pass reads the text in photos after the first pass, with the real Tesseract: once
per content, only where the gate sees a chance of text, and never over a photo that changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import clear_photo
from text_images import RECEIPT, TESSERACT, WIFI_SCREEN, draw_lines, needs_tesseract

from daemon.index.indexer import Indexer
from daemon.index.later_pass import TextPass
from daemon.index.store import FileIdentity, Store
from daemon.query.text import Lemmatizer
from daemon.signals.metadata import FactsReader
from daemon.signals.ocr import Tesseract
from daemon.signals.text import MODEL_ID, TextSignal

pytestmark = needs_tesseract


@pytest.fixture(scope="module")
def lemma():
    return Lemmatizer().lemma


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "Фото и сканы"
    draw_lines(folder / "чек икеа.png", RECEIPT, size=(700, 900))
    draw_lines(folder / "Screenshot wifi 🔑.png", WIFI_SCREEN, size=(1280, 720))
    shutil.copy(clear_photo("cat"), folder / "кот.jpg")
    return folder


def _index(store: Store, folder: Path, tagger, gazetteer) -> None:
    Indexer(store, tagger, facts=FactsReader(gazetteer)).index_folder(folder)


def test_text_is_read_after_the_first_pass_and_kept_with_its_kinds(
        tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        read = []
        text_pass = TextPass(store, TextSignal(TESSERACT, lemma, fake_tagger.model_id, None),
                             on_read=lambda pid, path, text: read.append(Path(path).name))
        assert text_pass.pending() == 3
        report = text_pass.run()
        assert text_pass.pending() == 0
        # the PNGs look like screenshots; the cat photo has nothing that carries text
        assert report.read == 2 and report.passed == 1 and report.with_text == 2
        assert sorted(read) == sorted(p.name for p in library.iterdir())
        receipt = store.text_of(str(library / "чек икеа.png"))
        assert "ИКЕА" in receipt and "Кассовый чек" in receipt
        assert "Пароль" in store.text_of(str(library / "Screenshot wifi 🔑.png"))
        assert store.text_of(str(library / "кот.jpg")) is None
        kinds = store.tags_of(str(library / "чек икеа.png"), MODEL_ID)
        # 0 «текст», 3 «чек» (daemon/signals/text.py KINDS)
        assert {0, 3} <= set(kinds.classes.tolist())


def test_a_copy_takes_its_twins_reading_without_ocr(
        tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        signal = TextSignal(TESSERACT, lemma, fake_tagger.model_id, None)
        TextPass(store, signal).run()
        shutil.copy(library / "чек икеа.png", library / "копия чека.png")
        _index(store, library, fake_tagger, gazetteer)
        report = TextPass(store, signal).run()
        assert report.copied == 1 and report.read == 0
        assert "ИКЕА" in store.text_of(str(library / "копия чека.png"))


def test_an_edited_photo_loses_its_text_and_is_read_again(
        tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        signal = TextSignal(TESSERACT, lemma, fake_tagger.model_id, None)
        TextPass(store, signal).run()
        draw_lines(library / "чек икеа.png", ["Билет на поезд", "Вагон 5 Место 12"],
                   size=(700, 900))
        _index(store, library, fake_tagger, gazetteer)
        path = str(library / "чек икеа.png")
        assert store.text_of(path) is None and store.tags_of(path, MODEL_ID) is None
        assert TextPass(store, signal).run().read == 1
        assert "Вагон" in store.text_of(path)


def test_a_photo_that_changed_or_left_meanwhile_is_skipped_not_misread(
        tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        (library / "Screenshot wifi 🔑.png").unlink()  # gone before the pass came to it
        draw_lines(library / "чек икеа.png", ["Другой текст"])  # edited, not yet re-tagged
        report = TextPass(store, TextSignal(TESSERACT, lemma, fake_tagger.model_id, None)).run()
        assert report.failed == 2 and report.read == 0
        assert store.text_of(str(library / "чек икеа.png")) is None


def test_a_moved_photo_keeps_its_text(tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        TextPass(store, TextSignal(TESSERACT, lemma, fake_tagger.model_id, None)).run()
        old, new = library / "чек икеа.png", library / "Сканы" / "чек.png"
        new.parent.mkdir()
        old.rename(new)
        stat = new.stat()
        store.move_photo(str(old), FileIdentity(str(new), stat.st_size, stat.st_mtime_ns))
        assert "ИКЕА" in store.text_of(str(new))


def test_two_workers_read_the_same_as_one(tmp_path, library, fake_tagger, gazetteer,
                                          lemma) -> None:
    texts = []
    for workers in (1, 2):
        with Store(tmp_path / f"index-{workers}.sqlite3") as store:
            _index(store, library, fake_tagger, gazetteer)
            signal = TextSignal(TESSERACT, lemma, fake_tagger.model_id, None)
            report = TextPass(store, signal).run(workers=workers)
            assert (report.read, report.passed, report.with_text) == (2, 1, 2)
            texts.append({p.name: store.text_of(str(p)) for p in library.iterdir()})
    assert texts[0] == texts[1]


def test_a_failing_tesseract_leaves_the_photo_to_be_read_another_time(
        tmp_path, library, fake_tagger, gazetteer, lemma) -> None:
    with Store(tmp_path / "index.sqlite3") as store:
        _index(store, library, fake_tagger, gazetteer)
        broken = Tesseract(TESSERACT.version, ("no-such-language",))  # fails on any image
        report = TextPass(store, TextSignal(broken, lemma, fake_tagger.model_id, None)).run()
        assert report.failed == 2 and report.read == 0  # the two PNGs; the cat is passed by
        text_pass = TextPass(store, TextSignal(TESSERACT, lemma, fake_tagger.model_id, None))
        assert text_pass.pending() == 2
        assert text_pass.run().read == 2
        assert "ИКЕА" in store.text_of(str(library / "чек икеа.png"))
