"""Misspelt words and the wrong keyboard layout, corrected against the vocabulary.

A correction must never turn a word into an unrelated known word, so only words that
neither pymorphy3's dictionary nor the vocabulary knows are corrected (the caller decides),
and edits are priced by how people really mistype Russian:
- a vowel or sibilant confused by ear (сабака, жыраф, телифон, мотацикл) or a neighbouring
  key of the ЙЦУКЕН layout (кошеа) costs half an edit;
- a doubled or dropped double letter (пица, соббака) and a lost or added soft/hard sign
  (кошька) cost half an edit; two neighbouring letters swapped cost half an edit too;
- any other edit costs one.
Among equally good candidates the more common word wins (a word that more classes answer:
«собака» before a rare breed name), then the one with the same first letter.

A query typed in the English layout («rjirf») is read in the Russian one («кошка»).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from daemon.query.text import fold_yo

_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
LAYOUT_TO_RUSSIAN = str.maketrans(_LATIN, _CYRILLIC)
LAYOUT_CHARS = frozenset(_LATIN)

_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
# Sounds a Russian speaker confuses in writing (unstressed vowels, жи/ши, voiced/voiceless).
_BY_EAR = ("оа", "ео", "еи", "ея", "иы", "ая", "юу", "ёо", "её", "шщ", "сз", "дт", "бп", "вф",
           "гк", "жш", "цс", "ий", "эе")
SOFT_SIGNS = "ьъ"


def _neighbours() -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for row_index, row in enumerate(_ROWS):
        for i, char in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            for other_row in (row_index - 1, row_index + 1):
                if 0 <= other_row < len(_ROWS):
                    near += [_ROWS[other_row][j] for j in (i - 1, i, i + 1)
                             if 0 <= j < len(_ROWS[other_row])]
            pairs.update((char, other) for other in near)
    for a, b in _BY_EAR:
        pairs.update({(a, b), (b, a)})
    return frozenset(pairs)


CHEAP_SUBSTITUTIONS = _neighbours()
CHEAP = 0.5


def _substitution(a: str, b: str) -> float:
    return 0.0 if a == b else CHEAP if (a, b) in CHEAP_SUBSTITUTIONS else 1.0


def _indel(word: str, i: int) -> float:
    """Cost of inserting or deleting word[i]: cheap for a doubled letter or a soft sign."""
    char = word[i]
    doubled = (i > 0 and word[i - 1] == char) or (i + 1 < len(word) and word[i + 1] == char)
    return CHEAP if doubled or char in SOFT_SIGNS else 1.0


def edit_cost(a: str, b: str, limit: float) -> float:
    """Weighted Damerau-Levenshtein distance from a to b; anything above limit is returned
    as limit + 1 as soon as it is certain."""
    if abs(len(a) - len(b)) > 2 * limit:
        return limit + 1
    previous2: list[float] = []
    previous = [0.0]
    for j in range(len(b)):
        previous.append(previous[-1] + _indel(b, j))
    for i in range(1, len(a) + 1):
        current = [previous[0] + _indel(a, i - 1)]
        for j in range(1, len(b) + 1):
            cost = min(previous[j] + _indel(a, i - 1),
                       current[j - 1] + _indel(b, j - 1),
                       previous[j - 1] + _substitution(a[i - 1], b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, previous2[j - 2] + CHEAP)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_cost(word: str) -> float:
    """Short words allow one cheap edit, longer ones one full edit, long ones two."""
    if len(word) <= 4:
        return CHEAP
    return 1.0 if len(word) <= 7 else 2.0


# A typo in an inflected word («сабаки»): also try it with the case ending of a lemma.
_ENDINGS = {"и": ("а", "я", "ь", "й", ""), "ы": ("а", ""), "у": ("а", ""), "ю": ("я", "ь"),
            "е": ("а", "я", "", "ь"), "ой": ("а",), "ом": ("",), "ов": ("",), "ей": ("ь", "я")}


def lemma_guesses(word: str) -> list[tuple[str, float]]:
    guesses = [(word, 0.0)]
    for ending, replacements in _ENDINGS.items():
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            guesses += [(stem + r, 0.25) for r in replacements]
    return guesses


class TypoCorrector:
    """Snap a misspelt word to the best word of the vocabulary («сабака» → «собака»)."""

    def __init__(self, words: Iterable[str] | Mapping[str, int]) -> None:
        # word -> how many classes answer it (commonness); plain iterables count 1 each
        counts = dict(words) if isinstance(words, Mapping) else dict.fromkeys(words, 1)
        self._counts: dict[str, int] = {}
        for word, count in counts.items():
            word = fold_yo(word)
            if len(word) >= 3:
                self._counts[word] = max(count, self._counts.get(word, 0))
        self._by_length: dict[int, list[str]] = {}
        for word in self._counts:
            self._by_length.setdefault(len(word), []).append(word)
        self.correct = lru_cache(maxsize=4096)(self._correct)

    def _correct(self, word: str) -> str | None:
        word = fold_yo(word)
        if len(word) < 4 or word in self._counts:
            return None
        best: tuple[float, int, int, str] | None = None
        for guess, extra in lemma_guesses(word):
            limit = allowed_cost(guess) - extra
            if limit <= 0:
                continue
            spread = int(2 * limit)
            for length in range(len(guess) - spread, len(guess) + spread + 1):
                for candidate in self._by_length.get(length, ()):
                    cost = edit_cost(guess, candidate, limit)
                    if cost > limit:
                        continue
                    key = (cost + extra, -self._counts[candidate],
                           0 if candidate[0] == word[0] else 1, candidate)
                    if best is None or key < best:
                        best = key
        return best[3] if best else None


def from_english_layout(text: str) -> str:
    """«rjirf» → «кошка»: the same keys read in the Russian layout."""
    return text.lower().translate(LAYOUT_TO_RUSSIAN)


def looks_like_wrong_layout(chunk: str) -> bool:
    """A chunk of latin letters (and the keys , . ; ' [ ] `) that may be Russian typed in
    the English layout."""
    chunk = chunk.lower()
    return any(c.isalpha() for c in chunk) and all(c in LAYOUT_CHARS for c in chunk)
