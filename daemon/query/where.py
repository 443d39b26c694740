"""The places a Russian query names: «в Париже», «из Москвы», «в Нижнем Новгороде», «Питер».

A name is matched word by word against the query's words, each compared by its spelling
and its normal forms (the caller's `lemmas`: pymorphy3 normal forms of every parse), so
every case form matches («Москвы», «Москве» → Москва; «Краснодарском крае» → Краснодарский
край; «Набережных Челнах» → Набережные Челны), indeclinable names match as typed («в
Сочи»), and ё and е are one letter. A hyphen and a space are the same between the words of
a name («Нью Йорк» is «Нью-Йорк»). At each word the longest name wins («Нижний Новгород»,
not «Новгород»), and a name never begins or ends inside a hyphenated word. A preposition
just before a name («в», «из», «под»…) is part of its span.

A name's own normal forms are used only when it ends like a plural or an adjective that is
not its own normal form («Набережные», «Московская»), so «Сочи» does not match a form of
the verb «сочить», «Шахты» matches «в Шахтах» but not «шахта», and a foreign name is
taken as it is written. A name that is an adjective matches only forms of its own gender
and number («в Лесном», not «лесная чаща»).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from daemon.places.gazetteer import Gazetteer, PlaceName, PlaceRef, name_prefix

WORD_RE = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*")
# Words before a name that belong to its span: «в Москве», «из Турции», «под Питером».
PREPOSITIONS = frozenset({"в", "во", "из", "под", "у", "на", "по", "около", "возле", "близ",
                          "с", "со", "от", "до"})
# Words that never begin a name, though a form of one may look like them («из» and Изу).
FUNCTION_WORDS = PREPOSITIONS | frozenset({
    "и", "или", "а", "но", "не", "ни", "без", "для", "за", "при", "про", "об", "о", "к",
    "ко", "же", "ли", "бы", "вот", "это", "где", "как", "что", "там", "тут", "мой", "мы",
})
# Only a name word with the ending of a plural or of a feminine, neuter or plural adjective
# is looked up in its normal forms (Набережные → набережный, Московская → московский);
# other names are their own normal form, whatever pymorphy3 guesses for a foreign word.
INFLECTED_NAME_WORD = re.compile(r"(ая|яя|ое|ее|ые|ие|ы|и)$")
# An adjective names a town in one gender and number: «в Лесном» is Лесной, «лесная чаща»
# is not; the query word must have an ending of that gender (or number).
ADJECTIVE_ENDINGS = (
    (re.compile(r"(ий|ый|ой)$"), ("ий", "ый", "ой", "ого", "его", "ому", "ему", "им", "ым",
                                  "ом", "ем")),
    (re.compile(r"(ое|ее)$"), ("ое", "ее", "ого", "его", "ому", "ему", "им", "ым", "ом", "ем")),
    (re.compile(r"(ая|яя)$"), ("ая", "яя", "ой", "ей", "ую", "юю")),
    (re.compile(r"(ые|ие)$"), ("ые", "ие", "ых", "их", "ым", "им", "ыми", "ими")),
)


@dataclass(frozen=True)
class PlaceMatch:
    refs: tuple[PlaceRef, ...]  # every place the query names (Paris FR and Paris TX)
    understood: str  # Russian, for the user: «Париж», «Турция»
    # [start, end) character spans of the query read as places, with their preposition
    spans: tuple[tuple[int, int], ...]
    ambiguous: bool  # the name is also a common Russian word (Орёл, Луга): the caller decides


@dataclass(frozen=True)
class _Part:
    """One word of the query, or one part of a hyphenated word."""

    text: str  # lower case, ё as е
    start: int
    end: int
    token: int  # which word of the query
    first: bool  # the first part of its word
    last: bool  # the last part of its word
    whole: str  # the whole hyphenated word ('' for a plain word)
    position: int  # its place in that word


def _fold(text: str) -> str:
    return text.replace("ё", "е")


def _lower_same_length(text: str) -> str:
    """Lower case with the offsets kept (a few letters lower to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _parts(query: str) -> tuple[list[_Part], list[tuple[int, int]], list[str]]:
    """The query's parts, its words' spans and the words themselves."""
    text = _lower_same_length(query)
    parts: list[_Part] = []
    spans: list[tuple[int, int]] = []
    words: list[str] = []
    for token, match in enumerate(WORD_RE.finditer(text)):
        word = match.group()
        spans.append(match.span())
        words.append(_fold(word))
        pieces = word.split("-")
        offset = match.start()
        for position, piece in enumerate(pieces):
            parts.append(_Part(_fold(piece), offset, offset + len(piece), token,
                               position == 0, position == len(pieces) - 1,
                               _fold(word) if len(pieces) > 1 else "", position))
            offset += len(piece) + 1
    return parts, spans, words


class _Matcher:
    """One query's matching, with the lemmas it asks for remembered."""

    def __init__(self, query: str, gazetteer: Gazetteer,
                 lemmas: Callable[[str], Iterable[str]]) -> None:
        self.query = query
        self.index = gazetteer.names()
        self.lemmas = lemmas
        self.parts, self.token_spans, self.words = _parts(query)
        self._lemma_cache: dict[str, frozenset[str]] = {}
        self._part_keys: dict[int, frozenset[str]] = {}
        self._name_keys: dict[str, frozenset[str]] = {}

    def _lemmas(self, word: str) -> frozenset[str]:
        found = self._lemma_cache.get(word)
        if found is None:
            found = frozenset(_fold(lemma.lower()) for lemma in self.lemmas(word))
            self._lemma_cache[word] = found
        return found

    def part_keys(self, i: int) -> frozenset[str]:
        """A query part's spelling and normal forms; a part of a hyphenated word also gets
        the matching part of the whole word's normal forms («нью-йорке» → нью-йорк)."""
        keys = self._part_keys.get(i)
        if keys is None:
            part = self.parts[i]
            found = {part.text} | self._lemmas(part.text)
            if part.whole:
                for lemma in self._lemmas(part.whole):
                    pieces = lemma.split("-")
                    if len(pieces) == part.whole.count("-") + 1:
                        found.add(pieces[part.position])
            keys = self._part_keys[i] = frozenset(found)
        return keys

    def name_keys(self, word: str) -> frozenset[str]:
        keys = self._name_keys.get(word)
        if keys is None:
            keys = frozenset({word})
            if INFLECTED_NAME_WORD.search(word):
                lemmas = self._lemmas(word)
                if word not in lemmas:
                    # a normal form much shorter is another word's (Китами is not кит)
                    keys |= {lemma for lemma in lemmas if len(lemma) >= len(word) - 1}
            self._name_keys[word] = keys
        return keys

    def word_matches(self, name_word: str, i: int) -> bool:
        text = self.parts[i].text
        if text == name_word:
            return True
        for name_ending, endings in ADJECTIVE_ENDINGS:
            if name_ending.search(name_word) and not text.endswith(endings):
                return False
        keys = self.part_keys(i)
        if name_word in keys:  # «тайланде» → таиланд
            return True
        # Case endings change the last letters only (Орёл, Орла; Набережные, Набережных):
        # the name's own normal forms are looked up only when the spellings are that close.
        if abs(len(text) - len(name_word)) > 3:
            return False
        shorter = min(len(text), len(name_word))
        k = 1 if shorter < 3 else max(2, shorter - 2)
        return text[:k] == name_word[:k] and bool(keys & self.name_keys(name_word))

    def joined(self, i: int) -> bool:
        """Part i and part i + 1 are one name's neighbours: one hyphenated word, or words
        with only spaces or a dash between them."""
        a, b = self.parts[i], self.parts[i + 1]
        if a.token == b.token:
            return True
        gap = self.query[self.token_spans[a.token][1]:self.token_spans[b.token][0]]
        return not gap.strip(" \t-–—")

    def names_at(self, i: int) -> tuple[int, list[PlaceName]]:
        """The longest names that begin at part i: how many parts they take, and them."""
        part = self.parts[i]
        best_length, best = 0, []
        if not part.first or part.text in FUNCTION_WORDS:
            return best_length, best
        prefixes = {name_prefix(part.text)} | {name_prefix(k) for k in self.part_keys(i)}
        candidates = [name for prefix in prefixes for name in self.index.get(prefix, ())]
        for name in candidates:
            length = len(name.words)
            if length < best_length or i + length > len(self.parts):
                continue
            if not self.parts[i + length - 1].last:
                continue
            if all((j == 0 or self.joined(i + j - 1)) and self.word_matches(w, i + j)
                   for j, w in enumerate(name.words)):
                if length > best_length:
                    best_length, best = length, [name]
                else:
                    best.append(name)
        return best_length, best

    def preposition_before(self, token: int) -> int | None:
        """The start of a preposition right before word `token`, if there is one."""
        if token == 0 or self.words[token - 1] not in PREPOSITIONS:
            return None
        gap = self.query[self.token_spans[token - 1][1]:self.token_spans[token][0]]
        return self.token_spans[token - 1][0] if not gap.strip() else None

    def run(self) -> list[PlaceMatch]:
        matches: list[PlaceMatch] = []
        i = 0
        while i < len(self.parts):
            length, names = self.names_at(i)
            if not length:
                i += 1
                continue
            first, last = self.parts[i], self.parts[i + length - 1]
            start = self.preposition_before(first.token)
            span = (first.start if start is None else start, last.end)
            matches.append(_place_match(names, span))
            i += length
        return matches


def _place_match(names: list[PlaceName], span: tuple[int, int]) -> PlaceMatch:
    refs: list[PlaceRef] = []
    for name in names:
        refs += [ref for ref in name.refs if ref not in refs]
    shown = {ref.name for ref in refs}
    # One name for all («Москва»: the city, the region, Moscow in Idaho); else the name as
    # the data writes it («Кавказ», «Крым»).
    understood = refs[0].name if len(shown) == 1 else names[0].text
    return PlaceMatch(tuple(refs), understood, (span,), all(n.ambiguous for n in names))


def find_places(query: str, gazetteer: Gazetteer,
                lemmas: Callable[[str], Iterable[str]]) -> list[PlaceMatch]:
    """Every place named in the query, in order."""
    return _Matcher(query, gazetteer, lemmas).run()
