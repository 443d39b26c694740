"""How a query reaches the text read in photos: a phrase in quotes is found word for word, a
word the vocabulary lacks is looked for in the library's text before anything corrects it,
and the kinds of text («скрин», «квитанция», «receipt») are concepts of the text signal."""

from __future__ import annotations

import numpy as np

from daemon.signals.text import CONCEPTS, KINDS


def _library_has(*words: str):
    return lambda word: word.lower() in words


def test_a_phrase_in_quotes_is_found_word_for_word(engine) -> None:
    for query in ('"ул. Ленина"', "«ул. Ленина»", "„ул. Ленина“"):
        plan = engine.reader.read(query)
        (concept,) = plan.concepts
        assert concept.kind == "text" and concept.phrase and concept.text_match == "ул. Ленина"
        assert plan.describe() == "«ул. Ленина» в тексте"


def test_a_phrase_joins_the_rest_of_the_query_and_can_be_excluded(engine) -> None:
    plan = engine.reader.read('чек "ИКЕА" без "возврат"')
    assert [(c.kind, c.text_match, c.negated) for c in plan.concepts] == [
        ("text", "ИКЕА", False), ("text", "возврат", True), ("thing", "", False)]
    assert plan.describe() == "«ИКЕА» в тексте и чек; без: «возврат» в тексте"


def test_a_word_the_vocabulary_lacks_is_looked_for_in_the_text(engine) -> None:
    plan = engine.reader.read("скриншот с паролем", has_text_word=_library_has("паролем"))
    assert [c.kind for c in plan.concepts] == ["thing", "text"]
    assert plan.concepts[1].text_match == "паролем" and not plan.concepts[1].phrase


def test_the_text_comes_before_a_correction_that_would_change_the_word(engine) -> None:
    # «икеа» is no Russian word: without text it is corrected or left unknown, never «ИКЕА»
    without = engine.reader.read("икеа")
    assert all(c.kind != "text" for c in without.concepts)
    with_text = engine.reader.read("икеа", has_text_word=_library_has("икеа"))
    assert [(c.kind, c.text_match) for c in with_text.concepts] == [("text", "икеа")]


def test_vocabulary_words_stay_concepts_and_answer_from_the_text_too(engine) -> None:
    # «кошка» is the cat; a photo whose text says «кошка» answers too, after the cats
    plan = engine.reader.read("кошка", has_text_word=_library_has("кошка"))
    assert [(c.kind, c.text_match) for c in plan.concepts] == [("thing", "кошка")]


def test_the_kinds_of_text_answer_their_words_in_russian_and_english(engine) -> None:
    for query, kind in (("скрин", "скриншот"), ("квитанции", "чек"), ("receipt", "чек"),
                        ("посадочный талон", "билет"), ("загранпаспорт", "паспорт"),
                        ("визитную карточку", "визитка"), ("презентация", "слайд"),
                        ("надписи", "текст"), ("screenshots", "скриншот")):
        (concept,) = engine.reader.read(query).concepts
        concept_id = CONCEPTS.first + KINDS.index(kind)
        assert concept.relevance[concept_id] == 1.0, query
        assert np.count_nonzero(concept.relevance[CONCEPTS.first:CONCEPTS.end]) == 1, query


def test_a_less_likely_parse_finds_the_word_the_first_misses(engine) -> None:
    # pymorphy3 reads «чеков» first as the surname Чеков; the query means receipts
    (concept,) = engine.reader.read("без чеков").concepts
    assert concept.negated and concept.relevance[CONCEPTS.first + KINDS.index("чек")] == 1.0


def test_a_place_no_photo_was_taken_in_is_looked_for_in_the_text(engine) -> None:
    nowhere = lambda place: False  # noqa: E731 - the library has no photos from any place
    plan = engine.reader.read("билет до Сочи", has_place=nowhere,
                              has_text_word=_library_has("сочи"))
    assert plan.places == () and [(c.kind, c.text_match) for c in plan.concepts] == [
        ("thing", ""), ("text", "сочи")]
    # with photos taken there, it is the place
    there = engine.reader.read("билет до Сочи", has_place=lambda place: True,
                               has_text_word=_library_has("сочи"))
    assert [m.understood for m in there.places] == ["Сочи"]
