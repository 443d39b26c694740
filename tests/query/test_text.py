"""text: lemmas, ё, stop words, negations, English plurals, navec and a real fastText
model trained here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from daemon.query.text import (
    FastTextVectors,
    english_singulars,
    load_word_vectors,
    phrase_vector,
    tokenize,
)


def test_tokenize_keeps_hyphenated_words_and_drops_punctuation() -> None:
    assert tokenize("Хот-дог, кошка!! и «ЁЖИК» 2024") == ["хот-дог", "кошка", "и", "ёжик", "2024"]


def test_inflected_forms_share_a_key(analyzer) -> None:
    assert analyzer.key("котиков") == analyzer.key("котик")
    assert analyzer.key("собаками") == analyzer.key("собака")
    assert analyzer.key("диване") == "диван"


def test_yo_is_folded_in_keys(analyzer) -> None:
    assert analyzer.key("ёжик") == analyzer.key("ежик")
    assert analyzer.key("пёс") == analyzer.key("пес")


def test_stop_words_are_dropped(analyzer) -> None:
    assert [t.surface for t in analyzer.tokens("фото кошки на диване")] == ["кошки", "диване"]
    for query in ("покажи кошку", "найдите кошку", "ищу кошку", "хочу кошку"):
        assert [t.key for t in analyzer.tokens(query)] == ["кошка"], query


def test_phrase_key_of_a_vocabulary_term(analyzer) -> None:
    assert analyzer.phrase_key("доска для серфинга") == ("доска", "серфинг")


def test_negations_mark_what_follows(analyzer) -> None:
    def read(query: str) -> list[tuple[str, bool]]:
        return [(t.key, t.negated) for t in analyzer.query_tokens(query)[0]]

    assert read("собака без людей") == [("собака", False), ("человек", True)]
    assert read("кошка -человек") == [("кошка", False), ("человек", True)]
    # «и» carries the negation on, a preposition ends it
    assert read("без людей и машин на пляже") == [
        ("человек", True), ("машина", True), ("пляж", False)]
    assert read("не на улице") == [("улица", True)]
    assert read("кошка-робот") == [("кошка-робот", False)]  # a hyphen inside is no minus
    assert analyzer.query_tokens("только собака") == ([analyzer.query_tokens("собака")[0][0]],
                                                      True)
    for query in ("пустой пляж", "на пустом пляже", "безлюдная улица"):
        tokens, only = analyzer.query_tokens(query)
        assert only and len(tokens) == 1, query


def test_eat_is_a_verb_but_there_is_is_a_stop_word(analyzer) -> None:
    assert [t.key for t in analyzer.tokens("где есть кошка")] == ["кошка"]
    assert [t.key for t in analyzer.tokens("едят пиццу")] == ["есть", "пицца"]


def test_a_word_that_names_a_thing_is_kept_though_pymorphy_reads_an_interjection(
        analyzer) -> None:
    # «стоп» is first an interjection to pymorphy, «мол» a particle: dropped, unless the
    # vocabulary names a thing by them; a listed stop word («есть») stays one.
    assert analyzer.tokens("знак стоп") == analyzer.tokens("знак")
    naming = analyzer.with_naming_words(frozenset({"стоп", "мол", "есть"}))
    assert [t.surface for t in naming.tokens("знак стоп у мола")] == ["знак", "стоп", "мола"]
    assert [t.key for t in naming.query_tokens("без стоп и есть кошка")[0]] == ["стоп", "кошка"]
    assert naming.query_tokens("без стоп")[0][0].negated
    assert naming.lemmatizer is analyzer.lemmatizer


def test_english_singulars() -> None:
    assert english_singulars("dogs") == ["dog"]
    assert "bus" in english_singulars("buses") and "horse" in english_singulars("horses")
    assert english_singulars("berries")[0] == "berry"
    assert english_singulars("people") == ["person"]
    assert english_singulars("glass") == []


def test_navec_vectors_are_unit_and_related(word_vectors) -> None:
    cat, kitty, bus = (word_vectors.vector(w) for w in ("кошка", "кот", "автобус"))
    assert cat is not None and abs(float(np.linalg.norm(cat)) - 1) < 1e-5
    assert float(cat @ kitty) > float(cat @ bus)
    assert word_vectors.vector("ёж") is not None
    assert word_vectors.vector("zzqqxx") is None


@pytest.fixture(scope="module")
def tiny_fasttext(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import fasttext

    folder = tmp_path_factory.mktemp("fasttext")
    corpus = folder / "corpus.txt"
    sentences = ["кошка спит на диване", "котик играет с кошкой", "собака лает во дворе",
                 "пёс бежит за собакой", "автобус едет по улице", "машина стоит у дома"]
    corpus.write_text("\n".join(sentences * 200), encoding="utf-8")
    model = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=16, epoch=5,
                                        minCount=1, thread=1, verbose=0)
    path = folder / "tiny.bin"
    model.save_model(str(path))
    return path


def test_fasttext_backend_loads_a_real_bin(tiny_fasttext: Path) -> None:
    vectors = load_word_vectors("fasttext", str(tiny_fasttext))
    assert isinstance(vectors, FastTextVectors)
    assert vectors.dim == 16
    known = vectors.vector("кошка")
    unseen = vectors.vector("кошечками")  # subwords: fastText has a vector for any word
    assert known is not None and unseen is not None
    assert "кошка" in vectors and "кошечками" not in vectors
    assert phrase_vector(vectors, ["кошка", "диване"]) is not None


def test_fasttext_backend_needs_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fasttext_model"):
        load_word_vectors("fasttext", None)
    with pytest.raises(FileNotFoundError):
        load_word_vectors("fasttext", str(tmp_path / "missing.bin"))
