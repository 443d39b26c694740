"""text: lemmas, ё, stop words, typos, navec and a real fastText model trained here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from daemon.text import (
    FastTextVectors,
    TypoCorrector,
    damerau_levenshtein,
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


def test_phrase_key_of_a_vocabulary_term(analyzer) -> None:
    assert analyzer.phrase_key("доска для серфинга") == ("доска", "серфинг")


def test_typo_correction_snaps_to_vocabulary() -> None:
    corrector = TypoCorrector(["собака", "кошка", "автобус", "велосипед"])
    assert corrector.correct("сабака") == "собака"
    assert corrector.correct("велосипедд") == "велосипед"
    assert corrector.correct("автбоус") == "автобус"  # transposition + deletion
    assert corrector.correct("телескоп") is None
    assert corrector.correct("кот") is None  # too short to guess


def test_damerau_levenshtein() -> None:
    assert damerau_levenshtein("кошка", "кошка", 2) == 0
    assert damerau_levenshtein("кошка", "кшока", 2) == 1
    assert damerau_levenshtein("кошка", "собака", 1) == 2  # stops past the limit


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
