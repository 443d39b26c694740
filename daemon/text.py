"""Russian words -> normalised keys and vectors.

Tokenise, drop stop words, lemmatise with pymorphy3 («котиков» → «котик»), fold ё to е in
keys, correct typos against the vocabulary («сабака» → «собака»), and look words up in a
word-vector model: navec (shipped inside the `natasha` package) by default, a fastText
`.bin` model when configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

TOKEN_RE = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*")

# Parts of speech that carry no object: prepositions, conjunctions, particles, pronouns.
STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
# Words people add to photo queries that name no object in the photo.
STOP_WORDS = frozenset({
    "фото", "фотка", "фотография", "фоточка", "снимок", "картинка", "изображение", "кадр",
    "мой", "наш", "твой", "свой", "этот", "тот", "весь", "где", "есть", "быть", "который",
    "какой", "много", "несколько", "очень", "photo", "picture", "the", "a", "of", "with",
})


def fold_yo(word: str) -> str:
    return word.replace("ё", "е")


class Lemmatizer:
    """pymorphy3 normal forms, cached; the first (most probable) parse wins."""

    def __init__(self) -> None:
        import pymorphy3

        self._morph = pymorphy3.MorphAnalyzer()
        self._parse = lru_cache(maxsize=200_000)(self._parse_uncached)

    def _parse_uncached(self, word: str) -> tuple[str, str | None, bool]:
        parse = self._morph.parse(word)[0]
        return parse.normal_form, parse.tag.POS, self._morph.word_is_known(word)

    def lemma(self, word: str) -> str:
        return self._parse(word)[0]

    def is_stop_word(self, word: str) -> bool:
        lemma, pos, _ = self._parse(word)
        return word in STOP_WORDS or lemma in STOP_WORDS or pos in STOP_POS

    def is_known(self, word: str) -> bool:
        return self._parse(word)[2]


def tokenize(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


@dataclass(frozen=True)
class Token:
    surface: str  # as typed, lowercased
    key: str  # lemma with ё folded: what vocabulary lookups use


class Analyzer:
    """Text -> content tokens with lookup keys."""

    def __init__(self, lemmatizer: Lemmatizer | None = None) -> None:
        self.lemmatizer = lemmatizer or Lemmatizer()

    def key(self, word: str) -> str:
        return fold_yo(self.lemmatizer.lemma(word))

    def tokens(self, text: str, keep_stop_words: bool = False) -> list[Token]:
        words = tokenize(text)
        return [Token(w, self.key(w)) for w in words
                if keep_stop_words or not self.lemmatizer.is_stop_word(w)]

    def phrase_key(self, text: str) -> tuple[str, ...]:
        """A vocabulary term's key: its content words' lemmas («обеденный стол»)."""
        tokens = self.tokens(text) or self.tokens(text, keep_stop_words=True)
        return tuple(t.key for t in tokens)


class WordVectors(Protocol):
    dim: int

    def vector(self, word: str) -> np.ndarray | None:
        """Unit vector for a word, or None when the model does not know it."""
        ...


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else None


class NavecVectors:
    """The navec news embedding (250K words, 300d) that the natasha package ships."""

    def __init__(self, path: Path | None = None) -> None:
        from navec import Navec

        if path is None:
            from natasha.data import NEWS_EMBEDDING

            path = Path(NEWS_EMBEDDING)
        self._navec = Navec.load(str(path))
        self.dim = 300
        self.model_id = f"navec:{path.name}"

    def vector(self, word: str) -> np.ndarray | None:
        for candidate in (word, fold_yo(word)):
            if candidate in self._navec:
                return _unit(np.asarray(self._navec[candidate], dtype=np.float32))
        return None

    def __contains__(self, word: str) -> bool:
        return word in self._navec or fold_yo(word) in self._navec


class FastTextVectors:
    """A fastText .bin model (e.g. cc.ru.300.bin): knows every word through subwords."""

    def __init__(self, path: Path) -> None:
        import fasttext

        if not Path(path).is_file():
            raise FileNotFoundError(f"fastText model not found: {path}")
        fasttext.FastText.eprint = lambda *_: None  # silence its deprecation banner
        self._model = fasttext.load_model(str(path))
        self.dim = self._model.get_dimension()
        self.model_id = f"fasttext:{Path(path).name}"
        self._words = set(self._model.get_words())

    def vector(self, word: str) -> np.ndarray | None:
        return _unit(np.asarray(self._model.get_word_vector(word), dtype=np.float32))

    def __contains__(self, word: str) -> bool:
        return word in self._words


def load_word_vectors(backend: str = "navec", fasttext_model: str | None = None) -> WordVectors:
    if backend == "navec":
        return NavecVectors()
    if backend == "fasttext":
        if not fasttext_model:
            raise ValueError("word_vectors = 'fasttext' needs fasttext_model = PATH to a .bin")
        return FastTextVectors(Path(fasttext_model).expanduser())
    raise ValueError(f"unknown word vector backend {backend!r} (navec or fasttext)")


def phrase_vector(vectors: WordVectors, words: Iterable[str]) -> np.ndarray | None:
    """Mean of the words' unit vectors, normalised; None if no word is known."""
    found = [v for v in (vectors.vector(w) for w in words) if v is not None]
    if not found:
        return None
    return _unit(np.mean(found, axis=0))


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions; returns limit + 1 as soon as it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b):
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class TypoCorrector:
    """Snap a misspelt word to the nearest word of the vocabulary («сабака» → «собака»)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._words = sorted({fold_yo(w) for w in words if len(w) >= 3})

    def correct(self, word: str) -> str | None:
        word = fold_yo(word)
        if len(word) < 4:
            return None
        limit = 1 if len(word) <= 6 else 2
        best: tuple[int, str] | None = None
        for candidate in self._words:
            distance = damerau_levenshtein(word, candidate, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
                if distance == 1 and limit == 1:
                    break
        return best[1] if best else None
