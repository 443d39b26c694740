"""A Russian query -> per-class relevance -> ranked photos with explanations.

A photo's score for one concept of the query is its expected relevance,
Σ over its classes of p(class) × relevance(class, concept), so the 120 dog breeds add up
to «собака». Several concepts («кошка на диване») act as AND: the geometric mean of the
concept scores, which must reach the cut-off. Words are matched exactly
(lemmas, whole phrases first), then through typo correction, then through word vectors.

The COCO detector's classes (1000..1079) answer a concept by their best detection, and
the two sources are joined by a noisy-OR in which the ImageNet score counts for less
(measured on the COCO photos: see IMAGENET_WEIGHT_BESIDE_DETECTOR).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daemon.classes import DETECTOR_OFFSET, NUM_CLASSES
from daemon.config import Settings
from daemon.matrix import MatrixSnapshot, TagMatrix
from daemon.store import SparseTags
from daemon.text import (
    Analyzer,
    Token,
    TypoCorrector,
    WordVectors,
    load_word_vectors,
    phrase_vector,
    tokenize,
)
from daemon.vocab import Vocabulary, load_vocabulary

MAX_PHRASE_WORDS = 4
# Word-vector neighbours below this cosine are different things, not synonyms.
VECTOR_MATCH_MIN_COSINE = 0.7
# Nearest neighbours a word-vector match may use.
VECTOR_MATCH_TERMS = 3
# A photo must have at least this expected relevance (geometric mean over the concepts).
MIN_SCORE = 0.01
EXPLAIN_TOP = 3
EXPLAIN_MIN_EXTRA = 0.005
# How much an ImageNet score counts beside a detection of the same concept. Measured on the
# 899 COCO photos, detector at 384 px square (P@10 / AP, all and val2017): noisy-OR 0.3:
# 0.870 / 0.762 and 0.798 / 0.760; with 0.1 or 0.6 up to 0.007 less AP; the detection
# alone first and the ImageNet-ranked rest after it: 0.870 / 0.754 and 0.798 / 0.752.
IMAGENET_WEIGHT_BESIDE_DETECTOR = 0.3
# Weaker detections are noise that would pad the list: on the 899 COCO photos «кошка» gives
# 63 photos (30 of them cats) with this floor, 182 (33 cats) with 0.05, for 0.02 less AP.
DETECTION_FLOOR = 0.1


@dataclass(frozen=True)
class Concept:
    text: str  # the words as typed
    understood: str  # how the engine read them, for the user
    relevance: np.ndarray  # (NUM_CLASSES,) float32
    matched_terms: dict[int, str]  # class -> the vocabulary term that made it relevant


@dataclass(frozen=True)
class QueryPlan:
    query: str
    concepts: tuple[Concept, ...]
    unknown: tuple[str, ...]  # words that matched nothing

    def describe(self) -> str:
        parts = [c.understood for c in self.concepts]
        text = " и ".join(parts) if parts else "ничего"
        if self.unknown:
            text += f" (не понято: {', '.join(self.unknown)})"
        return text


@dataclass(frozen=True)
class SearchResult:
    path: str
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class SearchResponse:
    plan: QueryPlan
    results: tuple[SearchResult, ...]
    total: int = 0  # matches before the limit

    def to_json(self) -> dict[str, object]:
        """What `search --json` prints and the socket's `search` returns."""
        return {"query": self.plan.query, "understood": self.plan.describe(),
                "unknown": list(self.plan.unknown), "total": self.total,
                "results": [{"path": r.path, "score": round(r.score, 4), "why": list(r.why)}
                            for r in self.results]}


@dataclass
class _TermIndex:
    by_key: dict[tuple[str, ...], list[tuple[int, float, str]]] = field(default_factory=dict)
    keys: list[tuple[str, ...]] = field(default_factory=list)
    vectors: np.ndarray | None = None  # (len(keys), dim), unit rows; zero when unknown


class QueryEngine:
    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer,
                 vectors: WordVectors | None) -> None:
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.vectors = vectors
        self._index = self._build_index()
        words = {w for entry in vocabulary.classes for term in entry.terms
                 for w in tokenize(term.text)}
        words |= {k for key in self._index.keys for k in key}
        self._typos = TypoCorrector(words)
        self._known_words = words

    def _build_index(self) -> _TermIndex:
        index = _TermIndex()
        texts: dict[tuple[str, ...], str] = {}
        for entry in self.vocabulary.classes:
            for term in entry.terms:
                key = self.analyzer.phrase_key(term.text)
                if not key:
                    continue
                index.by_key.setdefault(key, []).append((entry.index, term.weight, term.text))
                texts.setdefault(key, term.text)
        index.keys = list(index.by_key)
        if self.vectors is not None:
            matrix = np.zeros((len(index.keys), self.vectors.dim), np.float32)
            for row, key in enumerate(index.keys):
                vector = phrase_vector(self.vectors, tokenize(texts[key]))
                if vector is not None:
                    matrix[row] = vector
            index.vectors = matrix
        return index

    # --- understanding a query ------------------------------------------------------------
    def understand(self, query: str) -> QueryPlan:
        tokens = self.analyzer.tokens(query)
        concepts: list[Concept] = []
        unknown: list[str] = []
        position = 0
        while position < len(tokens):
            concept, used = self._longest_phrase(tokens, position)
            if concept is None:
                concept = self._single_word(tokens[position])
                used = 1
            if concept is None:
                unknown.append(tokens[position].surface)
            else:
                concepts.append(concept)
            position += used
        return QueryPlan(query, tuple(concepts), tuple(unknown))

    def _longest_phrase(self, tokens: list[Token], start: int) -> tuple[Concept | None, int]:
        for length in range(min(MAX_PHRASE_WORDS, len(tokens) - start), 1, -1):
            words = tokens[start:start + length]
            key = tuple(t.key for t in words)
            if key in self._index.by_key:
                text = " ".join(t.surface for t in words)
                return self._exact(text, key, text), length
        return None, 1

    def _single_word(self, token: Token) -> Concept | None:
        key = (token.key,)
        if key in self._index.by_key:
            return self._exact(token.surface, key, token.surface)
        if self._looks_misspelt(token.surface):
            corrected = self._typos.correct(token.surface)
            if corrected:
                corrected_key = (self.analyzer.key(corrected),)
                for candidate in (corrected_key, (corrected,)):
                    if candidate in self._index.by_key:
                        return self._exact(token.surface, candidate,
                                           f"{token.surface} → {corrected}")
        return self._by_vectors(token)

    def _looks_misspelt(self, word: str) -> bool:
        lemmatizer = self.analyzer.lemmatizer
        in_vectors = self.vectors is not None and word in self.vectors  # type: ignore[operator]
        return not lemmatizer.is_known(word) and not in_vectors

    def _exact(self, text: str, key: tuple[str, ...], understood: str) -> Concept:
        relevance = np.zeros(NUM_CLASSES, np.float32)
        matched: dict[int, str] = {}
        for cls, weight, term in self._index.by_key[key]:
            if weight > relevance[cls]:
                relevance[cls] = weight
                matched[cls] = term
        return Concept(text, understood, relevance, matched)

    def _by_vectors(self, token: Token) -> Concept | None:
        if self.vectors is None or self._index.vectors is None:
            return None
        vector = self.vectors.vector(token.surface)
        if vector is None:
            vector = self.vectors.vector(token.key)
        if vector is None:
            return None
        cosines = self._index.vectors @ vector
        best = np.argsort(cosines)[::-1][:VECTOR_MATCH_TERMS]
        best = [row for row in best if cosines[row] >= VECTOR_MATCH_MIN_COSINE]
        if not best:
            return None
        relevance = np.zeros(NUM_CLASSES, np.float32)
        matched: dict[int, str] = {}
        names = []
        for row in best:
            cosine = float(cosines[row])
            entries = self._index.by_key[self._index.keys[row]]
            names.append(entries[0][2])
            for cls, weight, term in entries:
                if weight * cosine > relevance[cls]:
                    relevance[cls] = weight * cosine
                    matched[cls] = term
        return Concept(token.surface, f"{token.surface} ≈ {', '.join(names)}", relevance, matched)

    # --- ranking ----------------------------------------------------------------------
    def search(self, query: str, matrix: TagMatrix, limit: int | None = 50,
               min_score: float = MIN_SCORE) -> SearchResponse:
        plan = self.understand(query)
        if not plan.concepts or len(matrix) == 0:
            return SearchResponse(plan, ())
        snapshot = matrix.snapshot()  # one consistent view while the writer goes on
        per_concept = [concept_scores(snapshot, c.relevance) for c in plan.concepts]
        # AND: the geometric mean is zero when any concept is missing from the photo.
        combined = np.exp(np.mean([np.log(np.maximum(s, 1e-12)) for s in per_concept], axis=0))
        candidates = np.flatnonzero(combined >= min_score)
        order = candidates[np.argsort(-combined[candidates], kind="stable")]
        total = len(order)
        if limit is not None:
            order = order[:limit]
        results = tuple(
            SearchResult(matrix.paths[row], float(combined[row]),
                         self.explain(plan, matrix.row_tags(row)))
            for row in order)
        return SearchResponse(plan, results, total)

    def explain(self, plan: QueryPlan, tags: SparseTags) -> tuple[str, ...]:
        """«кошка ← tabby cat 0.62»: which classes of the photo made it match; the best
        reason of every concept first (an AND query shows why each part matched)."""
        per_concept: list[list[tuple[float, str]]] = []
        for concept in plan.concepts:
            reasons = []
            for cls, prob in zip(tags.classes, tags.probs, strict=True):
                weight = concept.relevance[int(cls)]
                if weight > 0:
                    entry = self.vocabulary[int(cls)]
                    term = concept.matched_terms.get(int(cls), entry.name)
                    source = f"{entry.english}, детектор" if entry.detector else entry.english
                    reasons.append((float(prob) * float(weight),
                                    f"{term} ← {source} {float(prob):.2f}"))
            per_concept.append(sorted(reasons, key=lambda item: -item[0]))
        firsts = [reasons[0] for reasons in per_concept if reasons]
        # Extra reasons that round to 0.00 say nothing («человек ← knee pad 0.00»).
        rest = sorted((r for reasons in per_concept for r in reasons[1:]
                       if r[0] >= EXPLAIN_MIN_EXTRA), key=lambda item: -item[0])
        chosen = firsts + rest[:max(0, EXPLAIN_TOP - len(firsts))]
        return tuple(text for _, text in chosen)


def concept_scores(snapshot: MatrixSnapshot, relevance: np.ndarray) -> np.ndarray:
    """One concept's score per photo, in [0, 1]: expected relevance over the ImageNet
    classes; where the concept has detector classes, the noisy-OR of the best detection
    and the (down-weighted) ImageNet score."""
    imagenet = relevance.copy()
    imagenet[DETECTOR_OFFSET:] = 0
    scores = snapshot.weighted_sum(imagenet)
    detector = relevance.copy()
    detector[:DETECTOR_OFFSET] = 0
    if not detector.any() or not snapshot.has_classes_from(DETECTOR_OFFSET):
        return scores  # no detector in this index (detector = false): ImageNet counts in full
    found = snapshot.max_product(detector)
    found[found < DETECTION_FLOOR] = 0.0
    weighted = IMAGENET_WEIGHT_BESIDE_DETECTOR * np.minimum(scores, 1.0)
    return (1.0 - (1.0 - found) * (1.0 - weighted)).astype(np.float32)


def build_query_engine(settings: Settings) -> QueryEngine:
    vectors = load_word_vectors(settings.word_vectors, settings.fasttext_model)
    return QueryEngine(load_vocabulary(), Analyzer(), vectors)
