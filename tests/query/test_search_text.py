"""Searching the text read in photos: words and phrases find the photos that say them, a word
that names a thing finds the thing first and the photos that merely say it after, and the
answer quotes the text."""

from __future__ import annotations

import numpy as np

from daemon.index.matrix import TagMatrix
from daemon.index.store import SparseTags
from daemon.index.texts import TextTable
from daemon.signals.text import CONCEPTS, KINDS

TABBY = 281  # ImageNet «tabby cat»
COCO_CAT = 1015  # the detector's «cat»
RECEIPT = CONCEPTS.first + KINDS.index("чек")


def _library(analyzer) -> tuple[TagMatrix, TextTable]:
    matrix, texts = TagMatrix(), TextTable(analyzer.key)
    rows = {1: ("/фото/кот.jpg", {TABBY: 0.9, COCO_CAT: 0.8}),
            2: ("/фото/вывеска «Кошкин дом».jpg", {RECEIPT: 0.0}),
            3: ("/фото/чек ашан.png", {RECEIPT: 0.9}),
            4: ("/фото/чек пятёрочка.png", {RECEIPT: 0.9})}
    for photo_id, (path, tags) in rows.items():
        classes = np.array(list(tags), np.uint16)
        matrix.put(photo_id, path, SparseTags(classes, np.array(list(tags.values()),
                                                                np.float32)))
    texts.put(2, "Зоомагазин\nВсё для вашей кошки")
    texts.put(3, "АШАН\nКассовый чек\nИТОГО 1 299,00")
    texts.put(4, "Пятёрочка\nКассовый чек\nИТОГО 99,90")
    return matrix, texts


def _names(response) -> list[str]:
    return [r.path.rsplit("/", 1)[1] for r in response.results]


def test_a_word_of_the_text_finds_the_photo_and_is_quoted(engine, analyzer) -> None:
    matrix, texts = _library(analyzer)
    answer = engine.search("чек из Ашана", matrix, texts=texts)
    assert _names(answer) == ["чек ашан.png"]
    assert answer.results[0].why[0] == "текст: „АШАН Кассовый чек ИТОГО 1 299,00“"


def test_a_phrase_finds_the_photos_that_say_it_word_for_word(engine, analyzer) -> None:
    matrix, texts = _library(analyzer)
    assert sorted(_names(engine.search('"кассовый чек"', matrix, texts=texts))) == [
        "чек ашан.png", "чек пятёрочка.png"]
    assert _names(engine.search('"чек кассовый"', matrix, texts=texts)) == []
    assert _names(engine.search('чек -"ашан"', matrix, texts=texts)) == ["чек пятёрочка.png"]


def test_a_thing_written_in_a_photo_comes_after_the_photos_that_show_it(engine,
                                                                        analyzer) -> None:
    matrix, texts = _library(analyzer)
    answer = engine.search("кошка", matrix, texts=texts)
    assert _names(answer)[:2] == ["кот.jpg", "вывеска «Кошкин дом».jpg"]
    assert answer.results[1].score < answer.results[0].score
    # without the text, only the cat
    assert _names(engine.search("кошка", matrix)) == ["кот.jpg"]
