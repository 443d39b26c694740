"""Russian words -> normalised keys and vectors.

Tokenise, drop stop words, mark negations («без людей»), lemmatise with pymorphy3
(«котиков» → «котик»), fold ё to е in keys, guess English singulars, and look words up in a
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
# In a query a dash before a word negates it («кошка -человек»).
QUERY_TOKEN_RE = re.compile(r"(?:(?<=\s)|^)-(?=[0-9a-zа-яё])|[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*")

# Parts of speech that carry no object: prepositions, conjunctions, particles, pronouns.
STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
# Words people add to photo queries that name no object in the photo.
STOP_WORDS = frozenset({
    "фото", "фотка", "фотография", "фоточка", "снимок", "картинка", "изображение", "кадр",
    "мой", "наш", "твой", "свой", "этот", "тот", "весь", "где", "быть", "который",
    "какой", "много", "несколько", "очень", "photo", "picture", "image", "the", "a", "an",
    "of", "with", "on", "in", "at", "and", "or", "to", "is", "are", "some", "by", "near",
    # «солнечный день», «летний день»: the day says nothing the light or the season does
    # not (alone, its word vector is nearest «день рождения»)
    "день",
    # what people say to the search itself: «покажи кошку», «найди фото собаки», «хочу море»
    "показать", "найти", "искать", "поискать", "отыскать", "хотеть",
})
# «есть» alone is "there is" («где есть кошка»); its other forms (едят, ест) mean "to eat",
# so it is a stop word as typed, not as a lemma.
STOP_SURFACES = frozenset({"есть", "это", "вот"})
# A preposition that turns a word into its opposite: (preposition, lemma) -> the lemma read.
PREPOSITION_MEANS = {("за", "город"): "загород"}
# Words that exclude what follows («собака без людей», «не на улице», «кошка -человек»).
NEGATIONS = frozenset({"без", "кроме", "не", "нет", "ни", "-", "without", "no", "not",
                       "except"})
# «только собака»: the photo shows the thing and no people.
ONLY_WORDS = frozenset({"только", "лишь", "only", "alone"})
# «безлюдная улица», «пустой пляж»: a place with nobody there, in any form (lemmas).
NOBODY_THERE = frozenset({"безлюдный", "пустой"})
# Words that keep a negation going («без людей и машин»).
CONTINUE_NEGATION = frozenset({"и", "или", "либо", "ни", "and", "or", "nor"})
# «кошка или собака»: either.
OR_WORDS = frozenset({"или", "либо", "or"})

# English irregular plurals the vocabulary's English names need.
_IRREGULAR_PLURALS = {"people": "person", "men": "man", "women": "woman",
                      "children": "child", "mice": "mouse", "geese": "goose",
                      "teeth": "tooth", "feet": "foot", "knives": "knife", "leaves": "leaf",
                      "wolves": "wolf", "shelves": "shelf", "loaves": "loaf"}


def english_singulars(word: str) -> list[str]:
    """Candidate singulars of an English word, most likely first («dogs» → dog; «buses» →
    buse, bus; «berries» → berry). The caller keeps the first the vocabulary knows."""
    if word in _IRREGULAR_PLURALS:
        return [_IRREGULAR_PLURALS[word]]
    candidates = []
    if word.endswith("ies") and len(word) > 4:
        candidates.append(word[:-3] + "y")
    if word.endswith("ves") and len(word) > 4:
        candidates += [word[:-3] + "f", word[:-3] + "fe"]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        candidates.append(word[:-1])
    if word.endswith("es") and len(word) > 4:
        candidates.append(word[:-2])
    return candidates


def is_latin(word: str) -> bool:
    return word.isascii()


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

    @lru_cache(maxsize=20_000)  # noqa: B019 - one lemmatizer lives as long as the process
    def lemmas(self, word: str) -> tuple[str, ...]:
        """The normal forms of every parse: «орле» is «орёл» the bird and «орёл» the city,
        «париже» only «париж»; place names need them all."""
        return tuple(dict.fromkeys(p.normal_form for p in self._morph.parse(word)))

    def is_stop_word(self, word: str) -> bool:
        return self.is_listed_stop_word(word) or self._parse(word)[1] in STOP_POS

    def is_listed_stop_word(self, word: str) -> bool:
        """A stop word by STOP_WORDS or STOP_SURFACES, not by its part of speech alone."""
        return word in STOP_WORDS or word in STOP_SURFACES or self._parse(word)[0] in STOP_WORDS

    def is_known(self, word: str) -> bool:
        return self._parse(word)[2]


def tokenize(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


@dataclass(frozen=True)
class Token:
    surface: str  # as typed, lowercased
    key: str  # lemma with ё folded: what vocabulary lookups use
    negated: bool = False  # excluded by «без», «не», «-» before it
    after_or: bool = False  # «или» before it: either this or the thing before


class Analyzer:
    """Text -> content tokens with lookup keys."""

    def __init__(self, lemmatizer: Lemmatizer | None = None,
                 naming_words: frozenset[str] = frozenset()) -> None:
        self.lemmatizer = lemmatizer or Lemmatizer()
        # Words that name a thing although pymorphy reads them first as a particle or an
        # interjection («стоп»: the sign, «мол»: the pier); see with_naming_words.
        self.naming_words = naming_words

    def with_naming_words(self, words: frozenset[str]) -> Analyzer:
        """This analyzer (its lemmatizer shared), reading these words as content words
        unless STOP_WORDS lists them."""
        naming = frozenset(w for w in words if not self.lemmatizer.is_listed_stop_word(w))
        return Analyzer(self.lemmatizer, self.naming_words | naming)

    def key(self, word: str) -> str:
        return fold_yo(self.lemmatizer.lemma(word))

    def is_stop_word(self, word: str) -> bool:
        return word not in self.naming_words and self.lemmatizer.is_stop_word(word)

    def tokens(self, text: str, keep_stop_words: bool = False) -> list[Token]:
        words = tokenize(text)
        return [Token(w, self.key(w)) for w in words
                if keep_stop_words or not self.is_stop_word(w)]

    def query_tokens(self, text: str) -> tuple[list[Token], bool]:
        """A query's content tokens, each marked when a negation covers it, and whether the
        query says «только» (only). A negation covers the next content word and the words
        joined to it by «и»/«или» («без людей и машин»); any other word ends it."""
        tokens: list[Token] = []
        only = False
        negating = False
        covered = False  # the negation has reached a content word
        previous = ""
        after_or = False
        for word in QUERY_TOKEN_RE.findall(text.lower()):
            previous, before = word, previous
            if word in OR_WORDS and tokens:
                after_or = True
            if word in NEGATIONS:
                negating, covered = True, False
            elif word in ONLY_WORDS or self.key(word) in NOBODY_THERE:
                only = True
            elif word in CONTINUE_NEGATION:
                continue
            elif self.is_stop_word(word):
                if covered:
                    negating = False
            else:
                key = self.key(word)
                joined = PREPOSITION_MEANS.get((before, key))
                if joined is not None:  # «за городом»: out of town, not the town
                    word, key = f"{before} {word}", joined
                tokens.append(Token(word, key, negating, after_or))
                covered = negating
                after_or = False
        return tokens, only

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
