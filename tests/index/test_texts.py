"""The text read in photos, kept beside the matrix: any form of a word finds any form, a phrase
is matched word for word, and an explanation quotes the text as it was read."""

from __future__ import annotations

import numpy as np
import pytest

from daemon.index.texts import TextTable, normalise

IDS = np.array([1, 2, 3], np.int64)


@pytest.fixture(scope="module")
def table(analyzer) -> TextTable:
    table = TextTable(analyzer.key)
    table.put(1, "ООО «ИКЕА ДОМ»\nКассовый чек № 1234\nИТОГО 4 298,00")
    table.put(2, "Настройки Wi-Fi\nПароль: qwerty12345")
    table.put(3, "г. Москва, ул. Ленина, д. 5")
    return table


def test_a_word_in_any_form_finds_the_photos_whose_text_has_it(table) -> None:
    assert table.word_mask(IDS, "чека").tolist() == [True, False, False]
    assert table.word_mask(IDS, "Чеки").tolist() == [True, False, False]
    assert table.word_mask(IDS, "паролем").tolist() == [False, True, False]
    assert table.word_mask(IDS, "икеа").tolist() == [True, False, False]
    assert table.has_word("ленину") and not table.has_word("кошка")


def test_a_hyphenated_word_answers_as_people_type_it(table) -> None:
    assert table.word_mask(IDS, "wifi").tolist() == [False, True, False]
    assert table.word_mask(IDS, "wi").tolist() == [False, True, False]


def test_a_phrase_matches_word_for_word_with_case_and_punctuation_folded(table) -> None:
    assert table.phrase_mask(IDS, "ул. Ленина").tolist() == [False, False, True]
    assert table.phrase_mask(IDS, "УЛ ЛЕНИНА Д 5").tolist() == [False, False, True]
    # the words in another order, or another form, are not the phrase
    assert not table.phrase_mask(IDS, "Ленина ул").any()
    assert not table.phrase_mask(IDS, "улица Ленина").any()
    assert not table.phrase_mask(IDS, "...").any()


def test_an_explanation_quotes_the_text_as_read_around_the_match(table) -> None:
    assert table.quote(1, words=("икеа",)).startswith("ООО «ИКЕА ДОМ» Кассовый")
    assert table.quote(3, phrase="ул ленина") == "г. Москва, ул. Ленина, д. 5"
    assert table.quote(2, words=("кошка",)) == ""


def test_removed_and_replaced_texts_leave_the_word_index() -> None:
    table = TextTable()
    table.put(7, "Билет на поезд")
    table.put(7, "Меню ресторана")  # the photo was edited and read again
    assert not table.has_word("поезд") and table.has_word("меню")
    table.remove(7)
    assert len(table) == 0 and not table.has_word("меню")
    table.put(8, "  — | ")  # no letters: nothing to keep
    assert len(table) == 0


def test_normalise_folds_case_yo_and_punctuation() -> None:
    assert normalise("Ёлка, «ЁЖ»!  ул.Ленина") == "елка еж ул ленина"


def test_a_phrase_with_one_letter_words_matches_the_text_as_ocr_keeps_it() -> None:
    table = TextTable()
    table.put(1, "Добро пожаловать Москву")  # OCR keeps no one-letter words: «в» is gone
    assert table.phrase_mask(np.array([1]), "добро пожаловать в Москву").tolist() == [True]
    assert table.quote(1, phrase="пожаловать в москву") == "Добро пожаловать Москву"
