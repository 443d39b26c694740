"""The words the popup shows for a photo: its likeliest tags, what its text is and the text's
beginning, in Russian."""

from __future__ import annotations

from tray.captions import TEXT_SHOWN, tag_lines


def test_a_receipt_shows_its_kind_and_the_beginning_of_its_text() -> None:
    answer = {"tags": [{"russian": "меню", "prob": 0.12}],
              "detector": [],
              "text_kinds": [{"russian": "чек", "prob": 0.9}, {"russian": "меню", "prob": 0.2},
                             {"russian": "текст", "prob": 1.0}],
              "text": "ООО «ИКЕА ДОМ»\nКассовый чек № 1234\n" + "Стул 2 999,00\n" * 20}
    lines = tag_lines(answer)
    assert lines[:3] == ["текст 100 %", "чек 90 %", "меню 12 %"]
    assert lines[-1].startswith("Текст: «ООО «ИКЕА ДОМ» Кассовый чек № 1234 Стул")
    assert lines[-1].endswith("…»") and len(lines[-1]) == len("Текст: «…»") + TEXT_SHOWN


def test_a_photo_without_text_shows_only_its_tags() -> None:
    answer = {"tags": [{"russian": "кошка", "prob": 0.8}],
              "detector": [{"russian": "кошка", "prob": 0.9}]}
    assert tag_lines(answer) == ["кошка 80 %"]
