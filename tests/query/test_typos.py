"""typos: misspellings snap to the intended vocabulary word, real words stay, the English
layout is read as Russian."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from daemon.query.typos import (
    TypoCorrector,
    edit_cost,
    from_english_layout,
    looks_like_wrong_layout,
)

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_edits_people_make_cost_half() -> None:
    assert edit_cost("кошка", "кошка", 2) == 0
    assert edit_cost("сабака", "собака", 2) == 0.5  # unstressed о/а by ear
    assert edit_cost("пица", "пицца", 2) == 0.5  # a double letter typed once
    assert edit_cost("кошька", "кошка", 2) == 0.5  # a stray soft sign
    assert edit_cost("кшока", "кошка", 2) == 0.5  # two neighbours swapped
    assert edit_cost("кошеа", "кошка", 2) == 0.5  # е is next to к on the keyboard
    assert edit_cost("кошка", "мошка", 2) == 1.0  # к and м are far apart
    assert edit_cost("кошка", "собака", 1) == 2  # stops past the limit


def test_correction_prefers_the_common_word_and_never_guesses_short_words() -> None:
    corrector = TypoCorrector({"собака": 120, "кошка": 10, "автобус": 3, "велосипед": 2,
                               "пиво": 1, "пицца": 2})
    assert corrector.correct("сабака") == "собака"
    assert corrector.correct("сабаки") == "собака"  # a typo in an inflected form
    assert corrector.correct("велосипедд") == "велосипед"
    assert corrector.correct("автбоус") == "автобус"
    assert corrector.correct("пица") == "пицца"  # not «пиво»: that is two edits away
    assert corrector.correct("телескоп") is None
    assert corrector.correct("кот") is None  # too short to guess


def test_wrong_layout_is_read_in_the_russian_one() -> None:
    assert from_english_layout("rjirf") == "кошка"
    assert from_english_layout("cj,frf") == "собака"
    assert from_english_layout("[jkjlbkmybr") == "холодильник"
    assert looks_like_wrong_layout("cj,frf") and looks_like_wrong_layout("Rjirf")
    assert not looks_like_wrong_layout("кошка") and not looks_like_wrong_layout("2024")


@pytest.fixture(scope="module")
def reader(engine):
    return engine.reader


def test_at_least_fifty_real_typos_are_corrected_to_the_intended_word(reader,
                                                                     analyzer) -> None:
    rows = _rows("typos.tsv")
    assert len(rows) >= 50 and {r["kind"] for r in rows} >= {
        "phonetic", "keyboard", "missing", "doubled", "transposed", "extra"}
    wrong = []
    for row in rows:
        plan = reader.read(row["typo"])
        understood = plan.concepts[0].understood if plan.concepts else "nothing"
        # «сабака → собака», «горры → гора» (the same word as «горы»)
        corrected = understood.split(" → ")[1].split(" ← ")[0] if " → " in understood else ""
        if not corrected or analyzer.key(corrected) != analyzer.key(row["intended"]):
            wrong.append((row["typo"], row["intended"], understood))
    assert wrong == []


def test_real_words_are_never_turned_into_another_word(reader) -> None:
    rows = _rows("not_typos.tsv")
    assert len(rows) >= 30
    changed = [(row["word"], c.understood) for row in rows
               for c in reader.read(row["word"]).concepts if "→" in c.understood]
    assert changed == []
