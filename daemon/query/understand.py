"""A query's text -> what it asks for: concepts, each wanted or excluded, and how each was read.

A concept is a thing (relevance over the classes of both models), or a scene or activity
(a rule over things, daemon/query/vocab/rules.py). Words are read, in this order:
1. the longest run of words that is a vocabulary phrase («обеденный стол», «tennis court»);
2. a single word: a scene or activity word first (it takes over a class synonym of the
   same spelling), then a class term, then a kind of thing («голубь» → птица), then an
   English plural («dogs» → dog);
3. a misspelt word (one pymorphy3 does not know) corrected against the vocabulary;
4. a word the vocabulary lacks, matched by word vectors to its nearest terms.
A colour word («красную», «машина красного цвета», «в жёлтом») describes the thing next to
it, the one after it first; with no thing beside it, it means the photo's colour. Words of
light and of the photo as a whole («ночью», «закат», «чёрно-белое») are concepts of their
own (daemon/query/vocab/colours.py).
A chunk typed in the English layout that means nothing in English is read in the Russian
layout first («rjirf» → «кошка»). «без», «не», «кроме», «-» exclude what follows;
«только» excludes people from a query about something else.
Words in quotes («"ул. Ленина"», ««с днём рождения»») are a phrase to find in the text read
in photos (daemon/signals/text.py), word for word; a word the vocabulary lacks that the
text of some photo has («ИКЕА», «пароль») is found there, in any form, before a typo
correction or word vectors could turn it into something else.
Before all that, the words of time («летом 2023», «на Новый год», daemon/query/when.py) and
of places («в Турции», «из Москвы», daemon/query/where.py) are taken out as filters. A
single time word that the vocabulary itself lists («зима» the snowy scene, «ночью» the
light) stays the vocabulary's, and a place that is also a common word («Орёл») is a
place only when the library has photos from there.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from daemon.concepts import NUM_CONCEPTS
from daemon.index.facts import PlaceFilter
from daemon.places import Gazetteer
from daemon.query.text import (
    STOP_WORDS,
    Analyzer,
    Token,
    WordVectors,
    english_singulars,
    fold_yo,
    is_latin,
    phrase_vector,
    tokenize,
)
from daemon.query.typos import TypoCorrector, from_english_layout, looks_like_wrong_layout
from daemon.query.vocab import Vocabulary
from daemon.query.vocab.colours import PHOTO_NAMES, ColourWord, load_colour_words
from daemon.query.vocab.kinds import load_kinds
from daemon.query.vocab.rules import Rule, load_rules, things_named
from daemon.query.when import TimeMatch, find_time, without_spans
from daemon.query.where import PREPOSITIONS, PlaceMatch, find_places
from daemon.signals.colours import TERMS, photo_concept
from daemon.signals.detector import CONCEPTS as DETECTOR
from daemon.signals.faces import CONCEPTS as FACES

MAX_PHRASE_WORDS = 4
# Word-vector neighbours below this cosine are different things, not synonyms.
VECTOR_MATCH_MIN_COSINE = 0.7
# Nearest neighbours a word-vector match may use.
VECTOR_MATCH_TERMS = 3
PERSON = DETECTOR.first + 0  # COCO «person»: what «только» leaves out
ONLY_EXCLUDES = "человек"
# «много людей», «куча народу» mean a crowd; «много» alone is a stop word, which would leave
# «людей» (anyone).
MANY_PEOPLE = re.compile(r"\b(?:много|полно|куча|масса|тьма)\s+(?:людей|народу|народа)\b",
                         re.IGNORECASE)
# A number before a word for people counts them («две женщины», «трое детей», «пять
# человек»): the number's lemma -> the people concept it means. Before a thing («две
# собаки») it is left out: no signal counts things.
PEOPLE_COUNTS = {
    **dict.fromkeys(("один", "1"), "один человек"),
    **dict.fromkeys(("два", "двое", "пара", "оба", "2"), "двое"),
    **dict.fromkeys(("три", "трое", "3"), "трое"),
    **dict.fromkeys(("четыре", "пять", "шесть", "семь", "восемь", "девять", "десять",
                     "четверо", "пятеро", "шестеро", "семеро", "восьмеро", "девятеро",
                     "десятеро", *map(str, range(4, 21))), "групповое фото"),
}
# Words that say the query is about a photo as such («чёрно-белое фото кошки»).
PHOTO_WORDS = frozenset({"фото", "фотография", "фотографии", "фотографию", "фотку", "фотка",
                         "фотки", "снимок", "снимки", "кадр", "кадры", "картинка",
                         "photo", "photos", "picture", "pictures"})
# How much the detector's broader class counts for a kind only ImageNet classes answer.
KIND_SEEN_AS_BROADER = 0.5
# A phrase to find in photos' text: in straight, Russian or German quotes.
QUOTED = re.compile(r'"([^"]+)"|«([^«»]+)»|„([^„“”]+)[“”]')


@dataclass(frozen=True)
class Concept:
    text: str  # the words as typed
    understood: str  # how the engine read them, for the user
    relevance: np.ndarray  # (NUM_CONCEPTS,) float32; for a rule, every class it reads
    matched_terms: dict[int, str]  # class -> the vocabulary term that made it relevant
    rule: Rule | None = None  # a scene or activity, scored from its evidence
    negated: bool = False  # photos with it are left out
    # "thing", or "colour" / "light": what the photo as a whole is (relevance over the
    # colour signal's photo concepts)
    kind: str = "thing"
    colour: int | None = None  # the colour term the thing must have («красная машина»)
    second_colour: int | None = None  # and a second one («красно-белый автобус»)
    # kind "text": the word (any form) or the phrase (word for word) to find in the text
    # read in photos; for another kind, the word as typed when some photo's text has it
    # too (it then also answers, below the photos that show the thing: TEXT_BESIDE_SCORE)
    text_match: str = ""
    phrase: bool = False
    person: int | None = None  # kind "person": the id of a person the user named
    # kind "light": the things that rule it out where seen (a sunset: a toilet, a couch),
    # by name as colours.tsv writes them, and their classes
    ruled_out_by: tuple[str, ...] = ()
    unless: np.ndarray | None = None
    # kind "either" («кошка или собака»): a photo answers as the best of these
    alternatives: tuple[Concept, ...] = ()


@dataclass(frozen=True)
class QueryPlan:
    query: str
    concepts: tuple[Concept, ...]  # wanted and excluded, in the order typed
    unknown: tuple[str, ...]  # words that matched nothing
    read_as: str = ""  # the query as read, when it was typed in the English layout
    time: TimeMatch | None = None  # when the photos were taken
    places: tuple[PlaceMatch, ...] = ()  # where (any of them)

    @property
    def place_filter(self) -> PlaceFilter | None:
        return place_filter(self.places) if self.places else None

    @property
    def has_filters(self) -> bool:
        return self.time is not None or bool(self.places)

    @property
    def wanted(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if not c.negated)

    @property
    def excluded(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if c.negated)

    def describe(self) -> str:
        """«кухня ← плита, духовка, микроволновка; без: человек»."""
        wanted = [c.understood for c in self.wanted]
        excluded = [c.understood for c in self.excluded]
        text = " и ".join(wanted) if wanted else (
            "все фото" if excluded or self.has_filters else "ничего")
        if excluded:
            text += f"; без: {', '.join(excluded)}"
        if self.time is not None:
            text += f"; когда: {self.time.understood}"
        if self.places:
            text += f"; где: {' или '.join(m.understood for m in self.places)}"
        if self.read_as:
            text = f"«{self.read_as}»: {text}"
        if self.unknown:
            text += f" (не понято: {', '.join(self.unknown)})"
        return text


@dataclass
class _Entry:
    """What one vocabulary key answers."""

    classes: list[tuple[int, float, str]] = field(default_factory=list)  # class, weight, term
    rule: Rule | None = None


class QueryReader:
    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer,
                 vectors: WordVectors | None, gazetteer: Gazetteer | None = None) -> None:
        """gazetteer: the places a query can name (None: places are not read)."""
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.vectors = vectors
        self.gazetteer = gazetteer
        self.rules = load_rules(vocabulary)
        # A word the vocabulary names a thing by, alone, is read as such in a query even
        # where its part of speech would drop it («стоп», «мол», «тук-тук»).
        written = {t.text.lower() for e in (*vocabulary.classes, *vocabulary.others.values())
                   for t in e.terms} | {w.lower() for rule in self.rules for w in rule.words}
        self.analyzer = analyzer.with_naming_words(frozenset(
            w for w in written if " " not in w and analyzer.lemmatizer.is_stop_word(w)))
        self._entries: dict[tuple[str, ...], _Entry] = {}
        texts: dict[tuple[str, ...], str] = {}
        for entry in (*vocabulary.classes, *vocabulary.others.values()):
            for term in entry.terms:
                key = self._term_key(term.text)
                if key:
                    self._entries.setdefault(key, _Entry()).classes.append(
                        (entry.index, term.weight, term.text))
                    texts.setdefault(key, term.text)
        for rule in self.rules:
            for word in (*rule.words, *rule.english):
                key = self._term_key(word)
                if key:
                    self._entries.setdefault(key, _Entry()).rule = rule
                    texts[key] = rule.concept
        # A word is keyed by pymorphy's likeliest lemma, which is another word's at times:
        # «ехидна» is «ехидный», «банка» «банк», so «ехидне», «банкой» (lemma «ехидна»,
        # «банка») found nothing. The word as written answers too, where nothing else does.
        terms = [t.text for e in (*vocabulary.classes, *vocabulary.others.values())
                 for t in e.terms] + [w for rule in self.rules for w in rule.words]
        for term in terms:  # «воздушный змей» is «воздушный змея» too: «воздушных змеев»
            key = self._term_key(term)
            as_written = tuple(fold_yo(t.surface) for t in self.analyzer.tokens(term))
            if (len(as_written) == len(key) and as_written != key
                    and as_written not in self._entries and key in self._entries):
                self._entries[as_written] = self._entries[key]
                texts.setdefault(as_written, texts.get(key, term))
        known = {t.text for entry in (*vocabulary.classes, *vocabulary.others.values())
                 for t in entry.terms}
        known |= {w for rule in self.rules for w in rule.words}
        # Each COCO class's name -> the ImageNet classes that list it («птица»: every bird).
        self._detector_classes = [
            (entry.index, frozenset(e.index for e in vocabulary.classes if not e.detector
                                    and any(t.text == entry.name for t in e.terms)))
            for entry in vocabulary.classes if entry.detector]
        self._kinds: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {}
        for word, means in load_kinds(known, file_names=("kinds.tsv",)).items():
            key, target = self._term_key(word), self._term_key(means)
            if key and target in self._entries and key not in self._entries:
                self._kinds[key] = (target, means)
        # Common English words answer what their Russian term answers, beside the classes
        # whose English names they are («dog»: the COCO dog and every breed).
        for word, means in load_kinds(known, file_names=("english.tsv",)).items():
            key, target = self._term_key(word), self._entries.get(self._term_key(means))
            if key and target is not None:
                entry = self._entries.setdefault(key, _Entry())
                entry.classes.extend(target.classes)
                entry.rule = entry.rule or target.rule
        self._keys = list(self._entries)
        self._vectors = self._term_vectors(texts) if vectors is not None else None
        self._single_word_rows = np.array([len(key) == 1 for key in self._keys], bool)
        self._typos = TypoCorrector(self._word_counts())
        self._colours: dict[tuple[str, ...], ColourWord] = {}
        self._ruled_out: dict[tuple[str, ...], np.ndarray] = {
            terms: things_named(vocabulary, list(terms), "colours.tsv")
            for terms in {w.unless for w in load_colour_words() if w.unless}}
        for word in load_colour_words():
            key = self._term_key(word.text)
            if key:
                self._colours.setdefault(key, word)
        self._english_words = {w for key in self._entries for w in key if is_latin(w)}
        self._english_words |= {w for key in self._colours for w in key if is_latin(w)}
        # Words as the vocabulary writes them (not their lemmas): these stay the
        # vocabulary's when they alone look like a time («зима», «ночью»).
        self._written = {fold_yo(t.text.lower()) for e in vocabulary.classes for t in e.terms}
        self._written |= {fold_yo(w.lower()) for r in self.rules for w in r.words}
        self._written |= {fold_yo(w.text.lower()) for w in load_colour_words()}

    def _term_key(self, text: str) -> tuple[str, ...]:
        return self.analyzer.phrase_key(text)

    def _word_counts(self) -> dict[str, int]:
        """Every single word the vocabulary answers, with how many classes it answers (a
        rule or a kind counts as much as the classes it draws on)."""
        counts: dict[str, int] = {}
        for key, entry in self._entries.items():
            if len(key) == 1:
                weight = len(entry.classes) + (20 if entry.rule else 0)
                counts[key[0]] = max(counts.get(key[0], 0), weight)
        for key in self._kinds:
            if len(key) == 1:
                counts.setdefault(key[0], 5)
        return counts

    def _term_vectors(self, texts: dict[tuple[str, ...], str]) -> np.ndarray:
        assert self.vectors is not None
        matrix = np.zeros((len(self._keys), self.vectors.dim), np.float32)
        for row, key in enumerate(self._keys):
            vector = phrase_vector(self.vectors, tokenize(texts.get(key, " ".join(key))))
            if vector is not None:
                matrix[row] = vector
        return matrix

    # --- reading a query ---------------------------------------------------------------
    def read(self, query: str, today: date | None = None,
             has_place: Callable[[PlaceFilter], bool] | None = None,
             has_text_word: Callable[[str], bool] | None = None,
             names: Mapping[tuple[str, ...], tuple[int, str]] | None = None) -> QueryPlan:
        """today: what «вчера» counts from; has_place: whether the library has photos from
        a place (None: as if it had); has_text_word: whether some photo's text has a word
        (None: no text is read); names: the people the user named, by the key of the name
        (name_key) -> (person id, name as written)."""
        phrases, query_rest = _quoted(query)
        query_rest = MANY_PEOPLE.sub("толпа", query_rest)
        text, read_as = self._fix_layout(query_rest)
        names = names or {}
        time = find_time(text, today or date.today())
        if time is not None and (self._is_vocabulary_word(text, time)
                                 or self._is_name(text, time.spans, names)):
            time = None
        if time is not None:
            text = without_spans(text, time.spans)
        # A name the user gave is theirs before a town's («Катя», not the town of Кати).
        places = [m for m in self._places(text, has_place)
                  if not self._is_name(text, m.spans, names)]
        if has_text_word is not None and has_place is not None:
            # «билет до Сочи»: no photo was taken there, but a ticket says so
            places = [m for m in places if has_place(place_filter([m]))
                      or not self._written_in_photos(text, m, has_text_word)]
        if places:
            text = without_spans(text, [span for m in places for span in m.spans])
        plan = self._read_content(query, text, read_as, has_text_word, names)
        return replace(plan, time=time, places=tuple(places),
                       concepts=(*phrases, *plan.concepts))

    def _is_vocabulary_word(self, text: str, time: TimeMatch) -> bool:
        """The time is one word that the vocabulary lists as written («зима», «ночью»)."""
        if len(time.spans) != 1:
            return False
        start, end = time.spans[0]
        words = tokenize(text[start:end])
        return len(words) == 1 and fold_yo(words[0]) in self._written

    def _places(self, text: str,
                has_place: Callable[[PlaceFilter], bool] | None) -> list[PlaceMatch]:
        if self.gazetteer is None:
            return []
        found = find_places(text, self.gazetteer, self.analyzer.lemmatizer.lemmas)
        return [m for m in found if not (m.ambiguous or self._is_term(text, m))
                or (has_place is not None and has_place(place_filter([m])))]

    def _written_in_photos(self, text: str, match: PlaceMatch,
                           has_text_word: Callable[[str], bool]) -> bool:
        words = [w for start, end in match.spans for w in tokenize(text[start:end])
                 if w not in PREPOSITIONS]
        return bool(words) and all(has_text_word(w) for w in words)

    def _is_term(self, text: str, match: PlaceMatch) -> bool:
        """The place's name is also a vocabulary term: «йорк» the terrier, «малина»."""
        words = [w for start, end in match.spans for w in tokenize(text[start:end])
                 if w not in PREPOSITIONS]
        key = self._term_key(" ".join(words))
        return bool(key) and (key in self._entries or key in self._kinds
                              or key in self._colours)

    def name_key(self, name: str) -> tuple[str, ...]:
        """How a person's name is looked up: its words' lemmas («Мама», «с мамой» → мама)."""
        return tuple(self.analyzer.key(w) for w in tokenize(name))

    def _readings(self, word: str) -> set[str]:
        """The keys a word may be read as: «Любой» may be a less likely parse, «Серена» is
        «серить» to pymorphy first and «Сереной» «серена»."""
        return {self.analyzer.key(word), fold_yo(word.lower())} | {
            fold_yo(lemma) for lemma in self.analyzer.lemmatizer.lemmas(word)}

    def _name_readings(self, names: Mapping[tuple[str, ...], tuple[int, str]]
                       ) -> dict[tuple[str, ...], list[set[str]]]:
        """Each name's words, each as the keys it may be read as."""
        return {key: [self._readings(w) for w in tokenize(name)]
                for key, (_, name) in names.items()}

    def _is_name(self, text: str, spans: Sequence[tuple[int, int]],
                 names: Mapping[tuple[str, ...], tuple[int, str]]) -> bool:
        """The content words of these spans of text are all words of names the user gave."""
        words = [w for start, end in spans for w in tokenize(text[start:end])
                 if not self.analyzer.is_stop_word(w)]
        name_words = set().union(*(r for rs in self._name_readings(names).values() for r in rs))
        return bool(words) and all(self._readings(w) & name_words for w in words)

    def _person(self, tokens: list[Token], start: int,
                names: Mapping[tuple[str, ...], tuple[int, str]]) -> tuple[Concept | None, int]:
        """A name the user gave a person, at tokens[start:] (the longest first); or one
        word of names of several words («Серена» for «Серена Уильямс»), where the word means
        nothing else to the vocabulary («Тётя Маша» is not every «тётя»)."""
        def person(words: list[Token], person_id: int, name: str) -> Concept:
            return Concept(" ".join(t.surface for t in words), name,
                           np.zeros(NUM_CONCEPTS, np.float32), {}, kind="person",
                           person=person_id)

        written = self._name_readings(names)
        for length in range(min(MAX_PHRASE_WORDS, len(tokens) - start), 0, -1):
            words = tokens[start:start + length]
            candidates = [self._readings(t.surface) | {t.key} for t in words]
            for key, name_words in written.items():
                if len(name_words) == length and all(
                        c & n for c, n in zip(candidates, name_words, strict=True)):
                    concept = person(words, *names[key])
                    return (_negated(concept) if words[0].negated else concept), length
        token = tokens[start]
        if any((token.key,) in words for words in (self._entries, self._kinds, self._colours)):
            return None, 1
        readings = self._readings(token.surface) | {token.key}
        found = [person([token], *names[key]) for key, name_words in written.items()
                 if len(name_words) > 1 and any(readings & n for n in name_words)]
        if not found:
            return None, 1
        concept = functools.reduce(_either, found)  # two Sashas: either of them
        return (_negated(concept) if token.negated else concept), 1

    def _read_content(self, query: str, text: str, read_as: str,
                      has_text_word: Callable[[str], bool] | None = None,
                      names: Mapping[tuple[str, ...], tuple[int, str]] | None = None
                      ) -> QueryPlan:
        analyzer = self.analyzer
        if names:  # a name that is a pronoun to pymorphy («Я» for oneself) stays a word
            analyzer = analyzer.with_naming_words(frozenset(
                word for key in names for word in key if analyzer.is_stop_word(word)))
        tokens, only = analyzer.query_tokens(text)
        # What was read, in order: concepts, and colour words still to be placed.
        items: list[Concept | tuple[Token, ColourWord]] = []
        unknown: list[str] = []
        position = 0
        while position < len(tokens):
            counted = self._count(tokens, position)
            if counted is not None:  # «две женщины»: two people, and women
                if isinstance(counted, Concept):
                    items.append(counted)
                else:  # «две собаки»: the number of things is not read
                    unknown.append(counted)
                position += 1
                continue
            # a name the user gave comes before any word of the vocabulary («Мама»)
            concept, used = self._person(tokens, position, names) if names else (None, 1)
            if concept is None:
                concept, used = self._longest_phrase(tokens, position)
            colour, length = self._colour_at(tokens, position) if concept is None else (None, 1)
            if colour is not None and colour.is_filler and not self._beside_colour(tokens,
                                                                                  position):
                colour = None  # «фото цветов»: flowers; «красного цвета»: the colour's word
            if colour is not None:
                if not colour.is_filler:
                    items.append((tokens[position], colour))
                position += length
                continue
            if concept is None:
                concept, used = self._single_word(tokens[position], has_text_word), 1
            if concept is None:
                unknown.append(tokens[position].surface)
            elif (tokens[position].after_or and items and isinstance(items[-1], Concept)
                  and not items[-1].negated and not concept.negated):
                items.append(_either(items.pop(), concept))  # «кошка или собака»
            else:
                items.append(concept)
            position += used
        photo_words = any(w in PHOTO_WORDS for w in tokenize(text))
        concepts = [replace(c, unless=self._ruled_out[c.ruled_out_by])
                    if c.ruled_out_by else c for c in _place_colours(items, photo_words)]
        if only and not any(c.relevance[PERSON] > 0 for c in concepts if not c.negated):
            person = self._concept("только", (ONLY_EXCLUDES,), ONLY_EXCLUDES)
            if person is not None:
                concepts.append(_negated(person))
        return QueryPlan(query, tuple(concepts), tuple(unknown), read_as)

    def _colour_at(self, tokens: list[Token], position: int) -> tuple[ColourWord | None, int]:
        """The colour word at position, the longest first («light blue», «black and white»),
        and how many tokens it takes."""
        for length in (2, 1):
            key = tuple(t.key for t in tokens[position:position + length])
            if len(key) == length and key in self._colours:
                return self._colours[key], length
        # a less likely parse: «синей» is «синь» to pymorphy first, «белые» «белые»
        for lemma in self.analyzer.lemmatizer.lemmas(tokens[position].surface):
            if (colour := self._colours.get((fold_yo(lemma),))) is not None:
                return colour, 1
        return None, 1

    def _beside_colour(self, tokens: list[Token], position: int) -> bool:
        """A colour word right before or after tokens[position]."""
        for other in (position - 1, position + 1):
            if 0 <= other < len(tokens):
                colour, _ = self._colour_at(tokens, other)
                if colour is not None and not colour.is_filler:
                    return True
        return False

    def _count(self, tokens: list[Token], position: int) -> Concept | str | None:
        """A number before the next word: before people, the count concept; before a
        thing, the number as typed (left out); None when it is no such number."""
        token = tokens[position]
        count = PEOPLE_COUNTS.get(token.key)
        if count is None or token.negated or position + 1 >= len(tokens):
            return None
        following, _ = self._longest_phrase(tokens, position + 1)
        if following is None:
            following = self._single_word(tokens[position + 1])
        if following is None:
            return None
        if not (following.relevance[PERSON] > 0
                or following.relevance[FACES.first:FACES.end].any()):
            return token.surface
        understood = count if token.surface == count else f"{token.surface} → {count}"
        return self._concept(token.surface, self.analyzer.phrase_key(count), understood)

    def _fix_layout(self, query: str) -> tuple[str, str]:
        """Chunks typed in the English layout that mean nothing in English, read in the
        Russian one; returns the text to read and, when anything changed, that text."""
        chunks = query.split()
        changed = False
        for i, chunk in enumerate(chunks):
            if not looks_like_wrong_layout(chunk) or self._is_english(chunk):
                continue
            russian = from_english_layout(chunk)
            words = tokenize(russian)
            if words and all(self._is_russian(w) for w in words):
                chunks[i] = russian
                changed = True
        text = " ".join(chunks)
        return text, text if changed else ""

    def _is_english(self, chunk: str) -> bool:
        words = tokenize(chunk)
        return bool(words) and all(
            w in STOP_WORDS or w in self._english_words
            or any(s in self._english_words for s in english_singulars(w)) for w in words)

    def _is_russian(self, word: str) -> bool:
        lemmatizer = self.analyzer.lemmatizer
        return (lemmatizer.is_known(word) or (self.analyzer.key(word),) in self._entries
                or self._typos.correct(word) is not None)

    def _longest_phrase(self, tokens: list[Token], start: int) -> tuple[Concept | None, int]:
        for length in range(min(MAX_PHRASE_WORDS, len(tokens) - start), 1, -1):
            words = tokens[start:start + length]
            text = " ".join(t.surface for t in words)
            keys = [tuple(t.key for t in words)]
            if is_latin(words[-1].key):  # «tennis courts»: the last word's singular
                keys += [keys[0][:-1] + (s,) for s in english_singulars(words[-1].key)]
            # less likely parses («в микроволновой печи»: «микроволновой» before «-вый»)
            keys += list(itertools.islice(itertools.product(*(
                [t.key, *(k for k in map(fold_yo, self.analyzer.lemmatizer.lemmas(t.surface))
                          if k != t.key)] for t in words)), 1, 64))
            for key in keys:
                concept = self._concept(text, key, text)
                if concept is not None:
                    return _negated(concept) if words[0].negated else concept, length
        return None, 1

    def _single_word(self, token: Token,
                     has_text_word: Callable[[str], bool] | None = None) -> Concept | None:
        concept = self._concept(token.surface, (token.key,), token.surface)
        if concept is None and is_latin(token.key):
            for singular in english_singulars(token.key):
                concept = self._concept(token.surface, (singular,), token.surface)
                if concept is not None:
                    break
        if concept is None:  # a less likely parse («чеков»: the surname first, then «чек»)
            for lemma in self.analyzer.lemmatizer.lemmas(token.surface)[1:]:
                concept = self._concept(token.surface, (fold_yo(lemma),), token.surface)
                if concept is not None:
                    break
        if has_text_word is not None and has_text_word(token.surface):
            # «воду» is water to look at, and the word «вода» on a notice too
            concept = text_concept(token.surface) if concept is None else \
                replace(concept, text_match=token.surface)
        if concept is None and not self.analyzer.lemmatizer.is_known(token.surface):
            corrected = self._typos.correct(token.surface)
            if corrected:
                for key in ((self.analyzer.key(corrected),), (corrected,)):
                    concept = self._concept(token.surface, key, f"{token.surface} → {corrected}")
                    if concept is not None:
                        break
        if concept is None:
            concept = self._by_vectors(token)
        return _negated(concept) if concept is not None and token.negated else concept

    def _concept(self, text: str, key: tuple[str, ...], understood: str) -> Concept | None:
        """The concept a vocabulary key stands for, or None. `understood` is how the words
        were read so far («сабака → собака»); a kind of thing adds what it means."""
        entry = self._entries.get(key)
        kind = entry is None and key in self._kinds
        if kind:
            target, means = self._kinds[key]
            entry = self._entries[target]
            understood = f"{understood} → {means}"
        if entry is None:
            return None
        if entry.rule is not None:
            return rule_concept(text, entry.rule, understood)
        relevance = np.zeros(NUM_CONCEPTS, np.float32)
        matched: dict[int, str] = {}
        for cls, weight, term in entry.classes:
            if weight > relevance[cls]:
                relevance[cls] = weight
                matched[cls] = term
        if kind:
            self._seen_as_broader(relevance, matched)
        return Concept(text, understood, relevance, matched)

    def _seen_as_broader(self, relevance: np.ndarray, matched: dict[int, str]) -> None:
        """A kind that only ImageNet classes answer («чайка» → морская птица: albatross,
        pelican…) is, to the detector, its broader COCO class (a bird): any bird it sees
        may be a seagull, so that class counts at KIND_SEEN_AS_BROADER."""
        if relevance[DETECTOR.first:DETECTOR.end].any():
            return
        named = frozenset(np.flatnonzero(relevance[:DETECTOR.first] == 1.0).tolist())
        if not named:
            return
        for coco, members in self._detector_classes:
            if named <= members:
                relevance[coco] = KIND_SEEN_AS_BROADER
                matched[coco] = self.vocabulary[coco].name

    def _by_vectors(self, token: Token) -> Concept | None:
        if self.vectors is None or self._vectors is None:
            return None
        vector = self.vectors.vector(token.surface)
        if vector is None:
            vector = self.vectors.vector(token.key)
        if vector is None:
            return None
        # Single words only: a phrase's mean vector sits near each of its words, and
        # «красная» is not «красная рыба».
        cosines = np.where(self._single_word_rows, self._vectors @ vector, -1.0)
        best = [row for row in np.argsort(cosines)[::-1][:VECTOR_MATCH_TERMS]
                if cosines[row] >= VECTOR_MATCH_MIN_COSINE]
        if not best:
            return None
        top = self._entries[self._keys[best[0]]]
        if top.rule is not None:  # nearest to a scene or activity: read as that
            return rule_concept(token.surface, top.rule, f"{token.surface} ≈ {top.rule.concept}")
        relevance = np.zeros(NUM_CONCEPTS, np.float32)
        matched: dict[int, str] = {}
        names = []
        for row in best:
            cosine = float(cosines[row])
            entry = self._entries[self._keys[row]]
            if not entry.classes:
                continue
            names.append(entry.classes[0][2])
            for cls, weight, term in entry.classes:
                if weight * cosine > relevance[cls]:
                    relevance[cls] = weight * cosine
                    matched[cls] = term
        return Concept(token.surface, f"{token.surface} ≈ {', '.join(names)}", relevance, matched)


def rule_concept(text: str, rule: Rule, understood: str) -> Concept:
    """A scene or activity: «кухня ← плита, духовка, микроволновка»."""
    relevance = np.zeros(NUM_CONCEPTS, np.float32)
    matched: dict[int, str] = {}
    for evidence in (*rule.evidence, *(alt for need in rule.needs for alt in need)):
        for cls in np.flatnonzero(evidence.relevance):
            if evidence.weight > relevance[cls]:
                relevance[cls] = evidence.weight
                matched[int(cls)] = evidence.term
    if understood == text and understood != rule.concept:
        understood = f"{text} ({rule.concept})"
    if rule.evidence:
        understood = f"{understood} ← {', '.join(rule.strongest())}"
    return Concept(text, understood, relevance, matched, rule)


def text_concept(words: str, phrase: bool = False, negated: bool = False) -> Concept:
    """Words to find in the text read in photos: ««ИКЕА» в тексте»."""
    return Concept(words, f"«{words}» в тексте", np.zeros(NUM_CONCEPTS, np.float32), {},
                   negated=negated, kind="text", text_match=words, phrase=phrase)


def _quoted(query: str) -> tuple[list[Concept], str]:
    """The phrases in quotes (with a «-» or «без» right before: excluded), and the query
    without them."""
    phrases = []
    for match in QUOTED.finditer(query):
        words = next(g for g in match.groups() if g is not None).strip()
        before = query[:match.start()].split()[-1:]
        negated = bool(before) and before[0].lower() in ("-", "без", "не", "кроме")
        if words:
            phrases.append(text_concept(words, phrase=True, negated=negated))
    rest = QUOTED.sub(" ", query)
    if phrases:  # a negation word left before a phrase has nothing to negate any more
        rest = re.sub(r"(?:^|\s)(?:-|без|не|кроме)\s*$", " ", rest)
    return phrases, rest


def place_filter(places: tuple[PlaceMatch, ...] | list[PlaceMatch]) -> PlaceFilter:
    """The photos of any of the places named."""
    refs = [ref for match in places for ref in match.refs]
    return PlaceFilter(cities=frozenset(int(r.key) for r in refs if r.kind == "city"),
                       regions=frozenset(r.key for r in refs if r.kind == "region"),
                       countries=frozenset(r.key for r in refs if r.kind == "country"))


def _negated(concept: Concept) -> Concept:
    return replace(concept, negated=True)


def _either(first: Concept, second: Concept) -> Concept:
    """«кошка или собака»: one concept that a photo answers as the better of the two."""
    alternatives = (*(first.alternatives or (first,)), *(second.alternatives or (second,)))
    return Concept(f"{first.text} или {second.text}",
                   " или ".join(c.understood for c in alternatives),
                   np.max([c.relevance for c in alternatives], axis=0),
                   {k: v for c in alternatives for k, v in c.matched_terms.items()},
                   kind="either", alternatives=alternatives)


def _place_colours(items: list[Concept | tuple[Token, ColourWord]],
                   photo_words: bool = False) -> list[Concept]:
    """Give each colour word to the thing it describes: the wanted concept right after it
    («красная машина»), else the one right before it («машина красного цвета», «девушка
    в жёлтом»), if that one has no colour yet; else it means the photo's colour. Words of
    light and of the photo as a whole stand alone, except «чёрно-белый» beside a thing
    when the query does not speak of a photo («чёрно-белая кошка», not «чёрно-белое фото
    кошки»): black and white, like «красно-белый»."""
    concepts: list[Concept | None] = [c if isinstance(c, Concept) else None for c in items]
    extra: list[Concept] = []
    for i, item in enumerate(items):
        if isinstance(item, Concept):
            continue
        token, word = item
        term, also = word.term, word.also_term
        if word.concept == "bw" and not photo_words:
            term, also = TERMS.index("чёрный"), TERMS.index("белый")
        if term is not None and not token.negated:
            for j in (i + 1, i - 1):
                target = concepts[j] if 0 <= j < len(items) else None
                if target is not None and target.colour is None and not target.negated \
                        and target.kind == "thing":
                    named = TERMS[term] + (f" и {TERMS[also]}" if also is not None else "")
                    concepts[j] = replace(target, colour=term, second_colour=also, text=(
                        f"{token.surface} {target.text}" if j > i
                        else f"{target.text} {token.surface}"),
                        understood=f"{target.understood} ({named})")
                    break
            else:
                if word.concept == "bw":  # «чёрно-белое» alone: the photo has no colour
                    concepts[i] = _photo_concept(token, word)
                    continue
                concepts[i] = _photo_concept(token, replace(word, concept=TERMS[term]))
                if also is not None:  # «красно-белое»: both colours are the photo's
                    extra.append(_photo_concept(token, replace(word, concept=TERMS[also])))
            continue
        concepts[i] = _photo_concept(token, word)
    return [c for c in concepts if c is not None] + extra


def _photo_concept(token: Token, word: ColourWord) -> Concept:
    """A colour with no thing (the photo's colour), or what the photo as a whole is."""
    relevance = np.zeros(NUM_CONCEPTS, np.float32)
    term = word.term
    concept_id = photo_concept(term if term is not None else word.concept)
    relevance[concept_id] = 1.0
    if term is not None:
        name = TERMS[term]
        same = token.key == name.replace("ё", "е")
        understood = f"{name if same else token.surface + ' → ' + name} (цвет фото)"
    else:
        name = PHOTO_NAMES[word.concept]
        understood = name if token.surface == name else f"{token.surface} ({name})"
    return Concept(token.surface, understood, relevance, {concept_id: name},
                   negated=token.negated, kind="colour" if term is not None else "light",
                   ruled_out_by=word.unless)
