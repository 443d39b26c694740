"""A query's concepts (daemon/query/understand.py) -> per-photo scores -> ranked photos and why.

A photo's score for a thing is its expected relevance, Σ over its classes of p(class) ×
relevance(class, thing), so the 120 dog breeds add up to «собака». A scene or activity is
scored from the things that imply it (rule_scores). Several concepts («кошка на диване»)
act as AND: the geometric mean of the concept scores, which must reach the cut-off.
Excluded concepts («без людей») take out every photo where they reach NEGATION_FLOOR.

The COCO detector's classes (1000..1079) answer a concept by their best detection, and
the two sources are joined by a noisy-OR in which the ImageNet score counts for less
(measured on the COCO photos: see IMAGENET_WEIGHT_BESIDE_DETECTOR).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np

from daemon.concepts import NUM_CONCEPTS
from daemon.config import Settings
from daemon.index.facts import FactsTable, WhenWhere
from daemon.index.matrix import MatrixSnapshot, TagMatrix
from daemon.index.people import People
from daemon.index.store import SparseTags
from daemon.index.texts import TextTable
from daemon.index.vectors import VectorTable
from daemon.places import Gazetteer
from daemon.query.text import Analyzer, WordVectors, load_word_vectors
from daemon.query.understand import Concept, QueryPlan, QueryReader
from daemon.query.vocab import Vocabulary, load_vocabulary
from daemon.query.vocab.rules import Rule
from daemon.signals.colours import TERMS, object_concept, photo_concept
from daemon.signals.detector import CONCEPTS as DETECTOR
from daemon.signals.faces import CONCEPTS as FACES
from daemon.signals.faces import photo_concept as face_concept

SORTS = ("relevance", "date")
# Below this cosine of embeddings a photo is not alike: on the 899 COCO photos the 10th
# nearest has a median cosine of 0.46 and 9 in 10 photos have it above 0.31; at 0.5, 142
# photos would have no similar photo at all (bench/similar_eval.py).
SIMILAR_FLOOR = 0.3
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
# A scene or activity counts only when its evidence adds up to this: the noisy-OR of
# weight × how clearly each thing is seen (below). A strong thing (weight 1) seen at a
# third of a clear sighting is enough, a hint (0.5) seen fairly clearly too; weak hints
# weigh at most 0.25, so one of them is never enough (two seen clearly are). Measured on
# the caption-judged queries (P@10 / AP): floor 0.3: 0.592 / 0.403; 0.4: 0.561 / 0.394,
# and «лес» finds nothing; 0.5: 0.537 / 0.370. The clear sightings below at 0.3 / 0.1
# instead move it by at most 0.01.
RULE_FLOOR = 0.3
# How clearly a thing is seen, for rules: a detection at 0.5 or a classifier probability of
# 0.25 (among its top few of 1000 classes) is a clear sighting; weaker ones count in
# proportion. Confidences themselves are low for small things (a phone, a cup).
CLEAR_DETECTION = 0.5
CLEAR_CLASSIFIER = 0.25
# What a rule needs («человек» for «кататься») must be seen at least this clearly.
NEED_FLOOR = 0.2
# A colour counts for the photo from this share of its pixels, for an object from this
# share of its box (weighted to the centre); a thing the detector did not place is matched
# by the photo's colour, counted for this much (the colour may belong to something else).
PHOTO_COLOUR_FLOOR = 0.05
OBJECT_COLOUR_FLOOR = 0.1
PHOTO_SHARE_WEIGHT = 0.5
# What a photo as a whole is (black-and-white, night, sunset…) counts from this score.
LIGHT_FLOOR = 0.5
# An excluded concept («без людей») at or above this score takes the photo out: where it is
# seen at least faintly but surely, as a person counts for a count of people from 0.2
# (daemon/signals/faces.py, BODY_SURE). Fainter detections are the noise every photo has:
# a tenth of a person in an empty street. The 10 negation queries of
# bench/queries/negation_english_kinds.json (P@10 / AP): 0.1 0.676 / 0.383, 0.15 0.764 /
# 0.530, 0.2 0.858 / 0.643, 0.25 0.848 / 0.633, 0.3 0.798 / 0.639.
NEGATION_FLOOR = 0.2
# A word that names a thing and is also written in a photo («вода» on a notice) scores the
# photo this much for it: found, but after the photos that show the thing (a detection of
# 0.3 alone scores as much).
TEXT_BESIDE_SCORE = 0.3
# A word for people («женщина», «дети», «двое») answers by the faces read in the photo; a
# photo with a person but no face the signal could read (a back, a far figure) answers by
# the person, counted for this much: after the photos whose faces say so.
PEOPLE_FALLBACK = 0.3


@dataclass(frozen=True)
class SearchResult:
    path: str
    score: float
    why: tuple[str, ...]
    taken: datetime | None = None  # local time the photo was taken
    guessed: bool = False  # `taken` is the file's date: the photo has no EXIF date
    place: str = ""  # «Сочи, Краснодарский край, Россия»

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "score": round(self.score, 4), "why": list(self.why),
                "taken": self.taken.isoformat(timespec="seconds") if self.taken else None,
                "taken_guessed": self.guessed, "place": self.place}


@dataclass(frozen=True)
class SearchResponse:
    plan: QueryPlan
    results: tuple[SearchResult, ...]
    total: int = 0  # matches before the limit
    excluded: tuple[tuple[str, int], ...] = ()  # (concept, photos it took out)
    sort: str = "relevance"  # or "date": newest first

    def to_json(self) -> dict[str, object]:
        """What `search --json` prints and the socket's `search` returns."""
        return {"query": self.plan.query, "understood": self.plan.describe(),
                "read_as": self.plan.read_as,
                "concepts": [{"text": c.text, "understood": c.understood,
                              "kind": c.rule.kind if c.rule else c.kind,
                              **({"colour": TERMS[c.colour]} if c.colour is not None else {}),
                              "excluded": c.negated} for c in self.plan.concepts],
                "unknown": list(self.plan.unknown), "total": self.total,
                "excluded": [{"concept": name, "photos": count}
                             for name, count in self.excluded],
                **({"time": self.plan.time.understood} if self.plan.time else {}),
                **({"places": [m.understood for m in self.plan.places]}
                   if self.plan.places else {}),
                "sort": self.sort,
                "results": [r.to_json() for r in self.results]}


class QueryEngine:
    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer,
                 vectors: WordVectors | None, gazetteer: Gazetteer | None = None) -> None:
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.vectors = vectors
        self.gazetteer = gazetteer
        self.reader = QueryReader(vocabulary, analyzer, vectors, gazetteer)

    def understand(self, query: str, today: date | None = None,
                   facts: FactsTable | None = None,
                   texts: TextTable | None = None,
                   people: People | None = None) -> QueryPlan:
        names = None
        if people is not None:
            names = {self.reader.name_key(name): (person_id, name)
                     for person_id, name in people.names().items()}
        return self.reader.read(query, today, facts.has_place if facts is not None else None,
                                texts.has_word if texts is not None and len(texts) else None,
                                names)

    # --- ranking ----------------------------------------------------------------------
    def search(self, query: str, matrix: TagMatrix, limit: int | None = 50,
               min_score: float = MIN_SCORE, facts: FactsTable | None = None,
               sort: str = "relevance", today: date | None = None,
               texts: TextTable | None = None, people: People | None = None
               ) -> SearchResponse:
        """facts: the photos' dates and places (None: a query about them finds nothing);
        texts: the text read in photos (None: a phrase in quotes finds nothing);
        people: the library's people (None: no name is known);
        sort: "relevance", or "date" (newest first), which a query of only a time or a
        place («июль 2023», «в Турции») gets anyway."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        plan = self.understand(query, today, facts, texts, people)
        if not plan.wanted:
            sort = "date"
        if (not plan.concepts and not plan.has_filters) or len(matrix) == 0:
            return SearchResponse(plan, (), sort=sort)
        snapshot = matrix.snapshot()  # one consistent view while the writer goes on
        combined, keep, excluded = self._matches(plan, snapshot, facts, min_score, texts,
                                                 people)
        candidates = np.flatnonzero(keep)
        order = candidates[self._order(plan, sort, facts, snapshot.photo_ids[candidates],
                                       combined[candidates])][:limit]
        results = tuple(self._result(matrix, snapshot, facts, plan, row, float(combined[row]),
                                     texts) for row in order.tolist())
        return SearchResponse(plan, results, len(candidates), tuple(excluded), sort)

    def _matches(self, plan: QueryPlan, snapshot: MatrixSnapshot, facts: FactsTable | None,
                 min_score: float, texts: TextTable | None = None,
                 people: People | None = None
                 ) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int]]]:
        """Each row's score, whether it matches, and what each exclusion took out."""

        def scores_of(concept: Concept) -> np.ndarray:
            if concept.alternatives:  # «кошка или собака»: the better of them
                return np.max([scores_of(c) for c in concept.alternatives], axis=0)
            if concept.kind == "text":
                return text_scores(snapshot, concept, texts)
            if concept.kind == "person":
                return person_scores(snapshot, concept, people)
            scores = concept_scores(snapshot, concept)
            if concept.text_match and texts is not None:  # the word written in a photo
                in_text = text_scores(snapshot, concept, texts) * TEXT_BESIDE_SCORE
                scores = np.maximum(scores, in_text)
            return scores

        if plan.wanted:
            per_concept = [scores_of(c) for c in plan.wanted]
            # AND: the geometric mean is zero when any concept is missing from the photo.
            combined = np.exp(np.mean([np.log(np.maximum(s, 1e-12)) for s in per_concept],
                                      axis=0))
            keep = combined >= min_score
        else:  # «без людей» alone: every photo without them
            combined = np.ones(snapshot.num_rows, np.float32)
            keep = snapshot.alive.copy()
        excluded = []
        for concept in plan.excluded:
            present = scores_of(concept) >= NEGATION_FLOOR
            excluded.append((concept.understood, int(np.count_nonzero(keep & present))))
            keep &= ~present
        if plan.has_filters:
            if facts is None:
                keep[:] = False
            else:
                keep &= facts.mask(snapshot.photo_ids, plan.time.spec if plan.time else None,
                                   plan.place_filter)
        return combined, keep, excluded

    def similar(self, photo_id: int, matrix: TagMatrix, vectors: VectorTable,
                query: str = "", limit: int | None = 50, facts: FactsTable | None = None,
                today: date | None = None, texts: TextTable | None = None) -> SearchResponse:
        """The photos nearest this one by the classifier's embedding, most alike first;
        with a query, only those that match it («похожие, но летом»: `similar X летом`).
        Raises KeyError when the photo has no embedding."""
        cosines = vectors.similarity_to(photo_id)
        plan = self.understand(query, today, facts, texts)
        snapshot = matrix.snapshot()
        ids = snapshot.photo_ids
        inside = ids < len(cosines)
        scores = np.full(len(ids), np.nan, np.float32)
        scores[inside] = cosines[ids[inside]]
        keep = snapshot.alive & ~np.isnan(scores) & (scores >= SIMILAR_FLOOR)
        excluded: list[tuple[str, int]] = []
        if plan.concepts or plan.has_filters:
            _, matching, excluded = self._matches(plan, snapshot, facts, MIN_SCORE, texts)
            keep &= matching
        candidates = np.flatnonzero(keep)
        if limit is not None and len(candidates) > limit:  # the best few, not a full sort
            candidates_best = np.argpartition(-scores[candidates], limit - 1)[:limit]
            best = candidates[candidates_best]
        else:
            best = candidates
        order = best[np.argsort(-scores[best], kind="stable")]
        results = tuple(self._similar_result(matrix, snapshot, facts, plan, row,
                                             float(scores[row])) for row in order.tolist())
        return SearchResponse(plan, results, len(candidates), tuple(excluded))

    def _similar_result(self, matrix: TagMatrix, snapshot: MatrixSnapshot,
                        facts: FactsTable | None, plan: QueryPlan, row: int,
                        score: float) -> SearchResult:
        result = self._result(matrix, snapshot, facts, plan, row, score)
        return replace(result, why=(f"похоже: {score:.2f}", *result.why))

    @staticmethod
    def _order(plan: QueryPlan, sort: str, facts: FactsTable | None, photo_ids: np.ndarray,
               scores: np.ndarray) -> np.ndarray:
        """The candidates' order: best or newest first; for a time, the photos whose date
        is only their file's (a copy's or a download's date, often) after those the camera
        dated."""
        keys = [-scores]  # np.lexsort: the last key sorts first
        if facts is not None:
            if sort == "date":
                keys.append(facts.newest_first_key(photo_ids))
            if plan.time is not None:
                keys.append(facts.guessed_of(photo_ids))
        return np.lexsort(keys)

    def _result(self, matrix: TagMatrix, snapshot: MatrixSnapshot, facts: FactsTable | None,
                plan: QueryPlan, row: int, score: float,
                texts: TextTable | None = None) -> SearchResult:
        why = self.explain(plan, matrix.row_tags(row))
        photo_id = int(snapshot.photo_ids[row])
        if texts is not None:  # «текст: „…чек ИКЕА Дыбенко…“»
            quotes = [texts.quote(photo_id, () if c.phrase else (c.text_match,),
                                  c.text_match if c.phrase else "")
                      for c in plan.wanted if c.text_match]
            why = tuple(f"текст: „{q}“" for q in quotes if q) + why
        known = facts.of(photo_id) if facts is not None else None
        if known is None:
            return SearchResult(matrix.paths[row], score, why)
        return SearchResult(matrix.paths[row], score, why, known.taken, known.guessed,
                            self.place_label(known))

    def place_label(self, known: WhenWhere) -> str:
        """«Сочи, Краснодарский край, Россия», or what of it is known."""
        if self.gazetteer is None:
            return ""
        return self.gazetteer.label(known.city_id, known.region_key, known.country_code)

    def explain(self, plan: QueryPlan, tags: SparseTags) -> tuple[str, ...]:
        """«кошка ← tabby cat 0.62»: which classes of the photo made it match; the best
        reason of every concept first (an AND query shows why each part matched)."""
        per_concept = [sorted((r for c in (concept.alternatives or (concept,))
                               for r in self._reasons(c, tags)), key=lambda item: -item[0])
                       for concept in plan.wanted]
        firsts = [reasons[0] for reasons in per_concept if reasons]
        # Extra reasons that round to 0.00 say nothing («человек ← knee pad 0.00»).
        rest = sorted((r for reasons in per_concept for r in reasons[1:]
                       if r[0] >= EXPLAIN_MIN_EXTRA), key=lambda item: -item[0])
        chosen = firsts + rest[:max(0, EXPLAIN_TOP - len(firsts))]
        return tuple(text for _, text in chosen)

    def _reasons(self, concept: Concept, tags: SparseTags) -> list[tuple[float, str]]:
        """Why the photo answers one concept, the best reason first."""
        if concept.kind == "person":  # «Мама: её лицо»
            return [(1.0, f"{concept.understood}: лицо на фото")]
        reasons: list[tuple[float, str]] = []
        for cls, prob in zip(tags.classes, tags.probs, strict=True):
            weight = concept.relevance[int(cls)]
            if weight > 0 and concept.kind == "colour":  # «красный ← 32 % фото»
                reasons.append((float(prob), f"{self.vocabulary[int(cls)].name} ←"
                                             f" {float(prob):.0%} фото".replace("%", " %")))
            elif weight > 0 and concept.kind == "light":  # «ночь ← night 0.84»
                entry = self.vocabulary[int(cls)]
                reasons.append((float(prob), f"{entry.name} ← {entry.english}"
                                             f" {float(prob):.2f}"))
            elif weight > 0:
                entry = self.vocabulary[int(cls)]
                term = concept.matched_terms.get(int(cls), entry.name)
                if concept.rule is not None:  # «кухня ← oven, детектор 0.80»
                    term = concept.rule.concept
                source = f"{entry.english}, детектор" if entry.detector else entry.english
                reasons.append((float(prob) * float(weight),
                                f"{term} ← {source} {float(prob):.2f}"))
        reasons.sort(key=lambda item: -item[0])
        if concept.colour is not None and reasons:
            why = colour_reason(concept, tags)
            if concept.second_colour is not None:
                why += ", " + colour_reason(replace(
                    concept, colour=concept.second_colour, second_colour=None), tags)
            reasons[0] = (reasons[0][0], f"{reasons[0][1]}, {why}")
        return reasons


def colour_reason(concept: Concept, tags: SparseTags) -> str:
    """«красный 64 % рамки» (the thing's box) or «красный 20 % фото» (the whole photo)."""
    term = concept.colour
    assert term is not None
    rows = dict(zip(tags.classes.tolist(), tags.probs.tolist(), strict=True))
    detected = np.flatnonzero(concept.relevance[DETECTOR.first:DETECTOR.end])
    in_box = [rows.get(object_concept(int(c), term), 0.0) for c in detected]
    if concept.rule is None and in_box and max(in_box) > 0:
        return f"{TERMS[term]} {max(in_box):.0%} рамки".replace("%", " %")
    return f"{TERMS[term]} {rows.get(photo_concept(term), 0.0):.0%} фото".replace("%", " %")


def person_scores(snapshot: MatrixSnapshot, concept: Concept,
                  people: People | None) -> np.ndarray:
    """1 for the photos with a face of the person, else 0."""
    if people is None or concept.person is None:
        return np.zeros(snapshot.num_rows, np.float32)
    ids = np.fromiter(people.photos_of(concept.person), np.int64)
    return (np.isin(snapshot.photo_ids, ids) & snapshot.alive).astype(np.float32)


def text_scores(snapshot: MatrixSnapshot, concept: Concept,
                texts: TextTable | None) -> np.ndarray:
    """1 for the photos whose text has the word (any form) or the phrase, else 0."""
    if texts is None:
        return np.zeros(snapshot.num_rows, np.float32)
    ids = snapshot.photo_ids
    found = (texts.phrase_mask(ids, concept.text_match) if concept.phrase
             else texts.word_mask(ids, concept.text_match))
    return (found & snapshot.alive).astype(np.float32)


def concept_scores(snapshot: MatrixSnapshot, concept: Concept) -> np.ndarray:
    """One concept's score per photo, in [0, 1]."""
    if concept.kind == "light":
        scores = snapshot.weighted_sum(concept.relevance)
        scores[scores < LIGHT_FLOOR] = 0
        if concept.unless is not None:  # a sunset on a bathroom's warm walls is none
            scores[thing_scores(snapshot, concept.unless) >= NEGATION_FLOOR] = 0
        return scores
    if concept.kind == "colour":  # the colour's share of the photo
        scores = snapshot.weighted_sum(concept.relevance)
        scores[scores < PHOTO_COLOUR_FLOOR] = 0
        return scores
    if concept.rule is not None:
        scores = rule_scores(snapshot, concept.rule)
    elif concept.relevance[FACES.first:FACES.end].any():
        scores = people_scores(snapshot, concept.relevance)
    else:
        scores = thing_scores(snapshot, concept.relevance)
    if concept.colour is None:
        return scores
    # «красная машина»: the thing, and its colour; both must be there (a geometric mean).
    match = colour_match(snapshot, concept)
    if concept.second_colour is not None:  # «красно-белый автобус»: both colours
        match = np.sqrt(match * colour_match(snapshot, replace(
            concept, colour=concept.second_colour, second_colour=None)))
    return np.sqrt(scores * match).astype(np.float32)


def colour_match(snapshot: MatrixSnapshot, concept: Concept) -> np.ndarray:
    """How much the thing of a concept has its colour, per photo, in [0, 1]: the colour's
    share in the box of the thing's best detection; where the detector saw none of it (a
    thing only the classifier knows, a scene), the colour's share in the whole photo,
    counted for less."""
    term = concept.colour
    assert term is not None
    photo = np.zeros(NUM_CONCEPTS, np.float32)
    photo[photo_concept(term)] = 1.0
    photo_share = snapshot.weighted_sum(photo)
    photo_share[photo_share < PHOTO_COLOUR_FLOOR] = 0.0
    detected = np.flatnonzero(concept.relevance[DETECTOR.first:DETECTOR.end])
    if concept.rule is not None or detected.size == 0:
        return photo_share
    wanted = np.zeros(NUM_CONCEPTS, np.float32)
    any_colour = np.zeros(NUM_CONCEPTS, np.float32)
    for coco in detected:
        weight = concept.relevance[DETECTOR.first + coco]
        wanted[object_concept(int(coco), term)] = weight
        for other in range(len(TERMS)):
            any_colour[object_concept(int(coco), other)] = 1.0
    in_box = snapshot.max_product(wanted)
    in_box[in_box < OBJECT_COLOUR_FLOOR] = 0.0
    seen = snapshot.max_product(any_colour) > 0
    return np.where(seen, in_box, PHOTO_SHARE_WEIGHT * photo_share).astype(np.float32)


def rule_scores(snapshot: MatrixSnapshot, rule: Rule) -> np.ndarray:
    """A scene or activity per photo: the noisy-OR of its evidence (weight × how clearly
    the thing is seen), zero below RULE_FLOOR; with what it needs, the geometric mean."""
    parts = []
    if rule.evidence:
        missing = np.ones(snapshot.num_rows, np.float32)
        missing_raw = np.ones(snapshot.num_rows, np.float32)
        for evidence in rule.evidence:
            seen, raw = clarity(snapshot, evidence.relevance)
            missing *= 1.0 - evidence.weight * seen
            missing_raw *= 1.0 - evidence.weight * raw
        found = 1.0 - missing
        # Clear sightings saturate; the models' own confidence orders what they leave tied.
        found = np.where(found >= RULE_FLOOR, (found + 1.0 - missing_raw) / 2, 0.0)
        parts.append(found.astype(np.float32))
    for need in rule.needs:
        seen, _ = clarity(snapshot, np.max([alt.relevance for alt in need], axis=0))
        seen[seen < NEED_FLOOR] = 0.0
        parts.append(seen)
    if len(parts) == 1:
        return parts[0]
    return np.exp(np.mean([np.log(np.maximum(p, 1e-12)) for p in parts], axis=0)).astype(
        np.float32)


def clarity(snapshot: MatrixSnapshot, relevance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How clearly a thing is seen per photo, in [0, 1]: the better of its best detection
    and its classifier probability, each relative to a clear sighting; and the better of
    the two confidences themselves."""
    classifier, detection = _thing_parts(snapshot, relevance)
    classifier = np.minimum(classifier, 1.0)
    seen = np.minimum(classifier / CLEAR_CLASSIFIER, 1.0)
    raw = classifier
    if detection is not None:
        seen = np.maximum(seen, np.minimum(detection / CLEAR_DETECTION, 1.0))
        raw = np.maximum(raw, detection)
    return seen.astype(np.float32), raw.astype(np.float32)


def _thing_parts(snapshot: MatrixSnapshot,
                 relevance: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(expected relevance over the ImageNet classes, best detection above the floor or
    None when the thing has no detector class or the index no detections)."""
    imagenet = relevance.copy()  # and any signal's shares (a colour as a rule's evidence)
    imagenet[DETECTOR.first:DETECTOR.end] = 0
    scores = snapshot.weighted_sum(imagenet)
    detector = np.zeros_like(relevance)
    detector[DETECTOR.first:DETECTOR.end] = relevance[DETECTOR.first:DETECTOR.end]
    if not detector.any() or not snapshot.has_classes_from(DETECTOR.first):
        return scores, None
    found = snapshot.max_product(detector)
    found[found < DETECTION_FLOOR] = 0.0
    return scores, found


def thing_scores(snapshot: MatrixSnapshot, relevance: np.ndarray) -> np.ndarray:
    """A thing's score per photo, in [0, 1]: expected relevance over the ImageNet
    classes; where the thing has detector classes, the noisy-OR of the best detection
    and the (down-weighted) ImageNet score."""
    scores, found = _thing_parts(snapshot, relevance)
    if found is None:
        return scores  # no detector in this index (detector = false): ImageNet counts in full
    weighted = IMAGENET_WEIGHT_BESIDE_DETECTOR * np.minimum(scores, 1.0)
    return (1.0 - (1.0 - found) * (1.0 - weighted)).astype(np.float32)


COUNT_CONCEPTS = [face_concept(name) for name in ("one", "two", "three", "group", "crowd")]


def people_scores(snapshot: MatrixSnapshot, relevance: np.ndarray) -> np.ndarray:
    """A word for people per photo: what the photo's faces say where the faces signal saw
    any; elsewhere the person (and the other things the word names) at PEOPLE_FALLBACK.
    In an index without faces (faces = false), the things alone, as before."""
    faces = np.zeros_like(relevance)
    faces[FACES.first:FACES.end] = relevance[FACES.first:FACES.end]
    rest = relevance.copy()
    rest[FACES.first:FACES.end] = 0
    others = thing_scores(snapshot, rest) if rest.any() else \
        np.zeros(snapshot.num_rows, np.float32)
    if not snapshot.has_classes_from(FACES.first):
        return others
    # How many people the photo shows is known from the people the detector saw as well as
    # from faces (skiers from behind): those rows hold with no face found.
    counts = np.zeros_like(faces)
    counts[COUNT_CONCEPTS] = faces[COUNT_CONCEPTS]
    faces[COUNT_CONCEPTS] = 0
    counted = np.minimum(snapshot.max_product(counts), 1.0) if counts.any() else 0.0
    said = np.minimum(snapshot.max_product(faces), 1.0)
    seen = np.zeros(NUM_CONCEPTS, np.float32)
    seen[face_concept("face")] = 1.0
    has_face = snapshot.max_product(seen) > 0
    if faces.any():
        described = np.where(has_face, said, PEOPLE_FALLBACK * others)
    else:  # a count alone: the person, where the faces signal has not read the photo yet
        read = np.zeros(NUM_CONCEPTS, np.float32)
        read[FACES.first:FACES.end] = 1.0
        described = np.where(snapshot.max_product(read) > 0, 0.0, PEOPLE_FALLBACK * others)
    return np.maximum(counted, described).astype(np.float32)


def build_query_engine(settings: Settings) -> QueryEngine:
    vectors = load_word_vectors(settings.word_vectors, settings.fasttext_model)
    return QueryEngine(load_vocabulary(), Analyzer(), vectors, Gazetteer.load())
