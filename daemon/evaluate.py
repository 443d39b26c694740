"""Search quality on labelled photos: ours against the seed's method, side by side.

Metrics as ../shared/data/coco/queries.json defines them: P@10 = relevant photos among
the first 10 results / min(10, relevant photos); FR = rank of the first relevant result
(None when none is found); AP = average precision over the whole result list, with the
relevant photos never returned counting as misses.

Two kinds of relevance:
- by COCO labels (queries.json): `any` / `all` of some categories, and `none` of others
  (negation: «собака без людей» wants dogs and no person);
- by COCO captions (captions.json, for scenes and activities): a photo is relevant when at
  least `min_captions` of its captions mention, for every group of `words`, one of the
  group's terms as whole words. Only the captioned photos are ranked for these queries.
A query with no relevant photo among those ranked is listed, not averaged.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from daemon.config import Settings
from daemon.index.facts import FactsTable
from daemon.index.indexer import Indexer
from daemon.index.matrix import TagMatrix, load_matrix
from daemon.index.scan import ScanOptions
from daemon.index.store import Store
from daemon.places import Gazetteer
from daemon.query.search import QueryEngine
from daemon.query.seed import SeedMethod
from daemon.query.text import Analyzer, load_word_vectors
from daemon.query.vocab import load_vocabulary
from daemon.signals import load_signals
from daemon.signals.metadata import FactsReader


@dataclass(frozen=True)
class QueryScore:
    q: str
    p10: float
    fr: int | None
    ap: float
    relevant: int
    kind: str = ""
    returned: int = 0  # photos the method returned


@dataclass
class MethodScore:
    queries: list[QueryScore] = field(default_factory=list)  # those with relevant photos
    no_relevant: list[str] = field(default_factory=list)  # queries nothing is relevant to

    def add(self, score: QueryScore) -> None:
        if score.relevant:
            self.queries.append(score)
        else:
            self.no_relevant.append(score.q)

    @property
    def returned_nothing(self) -> list[str]:
        return [q.q for q in self.queries if q.returned == 0]

    @property
    def mean_p10(self) -> float:
        return statistics.fmean(q.p10 for q in self.queries) if self.queries else 0.0

    @property
    def mean_ap(self) -> float:
        return statistics.fmean(q.ap for q in self.queries) if self.queries else 0.0

    @property
    def found(self) -> int:
        return sum(1 for q in self.queries if q.fr is not None)

    @property
    def median_fr(self) -> float | None:
        ranks = [q.fr for q in self.queries if q.fr is not None]
        return statistics.median(ranks) if ranks else None

    def by_kind(self) -> dict[str, MethodScore]:
        kinds: dict[str, MethodScore] = {}
        for q in self.queries:
            kinds.setdefault(q.kind, MethodScore()).queries.append(q)
        return kinds

    def as_json(self) -> dict[str, object]:
        return {"mean_p10": round(self.mean_p10, 4), "mean_ap": round(self.mean_ap, 4),
                "median_fr": self.median_fr, "found": self.found,
                "returned_nothing": self.returned_nothing,
                "queries": [{"q": q.q, "p10": round(q.p10, 4), "fr": q.fr, "ap": round(q.ap, 4),
                             "relevant": q.relevant, "returned": q.returned}
                            for q in self.queries]}


@dataclass
class EvalReport:
    ours: MethodScore
    seed: MethodScore
    photos: int  # photos ranked
    name: str = ""  # the queries file

    def as_json(self) -> dict[str, object]:
        return {"queries_file": self.name, "photos": self.photos, "ours": self.ours.as_json(),
                "seed": self.seed.as_json(), "no_relevant_photo": self.ours.no_relevant}

    def table(self) -> str:
        lines = [f"{'query':28s} {'rel':>4s} | {'P@10':>5s} {'FR':>4s} {'AP':>5s} | "
                 f"{'seed P@10':>9s} {'FR':>4s} {'AP':>5s}"]
        for ours, seed in zip(self.ours.queries, self.seed.queries, strict=True):
            lines.append(f"{ours.q[:28]:28s} {ours.relevant:4d} | {ours.p10:5.2f} "
                         f"{_rank(ours.fr):>4s} {ours.ap:5.2f} | {seed.p10:9.2f} "
                         f"{_rank(seed.fr):>4s} {seed.ap:5.2f}")
        ours, seed = self.ours, self.seed
        lines.append(
            f"{'MEAN over ' + str(len(ours.queries)) + ' queries':33s} | "
            f"{ours.mean_p10:5.3f} {_rank(ours.median_fr):>4s} {ours.mean_ap:5.3f} | "
            f"{seed.mean_p10:9.3f} {_rank(seed.median_fr):>4s} {seed.mean_ap:5.3f}")
        kinds = ours.by_kind()
        if len(kinds) > 1:
            seed_kinds = seed.by_kind()
            for kind, score in kinds.items():
                other = seed_kinds[kind]
                lines.append(f"{'  ' + (kind or '-') + ' (' + str(len(score.queries)) + ')':33s} | "
                             f"{score.mean_p10:5.3f} {_rank(score.median_fr):>4s} "
                             f"{score.mean_ap:5.3f} | {other.mean_p10:9.3f} "
                             f"{_rank(other.median_fr):>4s} {other.mean_ap:5.3f}")
        lines.append(f"photos: {self.photos}; queries with a relevant result: ours "
                     f"{self.ours.found}, seed {self.seed.found} (FR column of MEAN = median)")
        lines.append("returned nothing: ours "
                     f"{', '.join(ours.returned_nothing) or 'none'}; seed "
                     f"{', '.join(seed.returned_nothing) or 'none'}")
        if ours.no_relevant:
            lines.append(f"no relevant photo (not averaged): {', '.join(ours.no_relevant)}")
        return "\n".join(lines)


def _rank(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def score_ranking(query: str, ranking: list[str], relevant: set[str],
                  kind: str = "") -> QueryScore:
    hits = 0
    precision_sum = 0.0
    first: int | None = None
    for rank, name in enumerate(ranking, start=1):
        if name in relevant:
            hits += 1
            precision_sum += hits / rank
            if first is None:
                first = rank
    top10 = sum(1 for name in ranking[:10] if name in relevant)
    denominator = min(10, len(relevant))
    return QueryScore(query, top10 / denominator if denominator else 0.0, first,
                      precision_sum / len(relevant) if relevant else 0.0, len(relevant),
                      kind, len(ranking))


def relevant_photos(query: dict, labels: dict[str, list[str]]) -> set[str]:
    excluded = set(query.get("none", ()))
    if "all" in query:
        need = set(query["all"])
        found = {name for name, cats in labels.items() if need <= set(cats)}
    else:
        wanted = set(query["any"])
        found = {name for name, cats in labels.items() if wanted & set(cats)}
    return {name for name in found if not excluded & set(labels[name])}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())


def caption_mentions(caption: str, groups: list[list[str]]) -> bool:
    """Whether the caption has, for every group, one of its terms as whole words."""
    words = _words(caption)
    padded = " " + " ".join(words) + " "
    return all(any(" " + " ".join(_words(term)) + " " in padded for term in group)
               for group in groups)


def caption_relevant(query: dict, captions: dict[str, list[str]], min_captions: int) -> set[str]:
    return {name for name, texts in captions.items()
            if sum(caption_mentions(text, query["words"]) for text in texts) >= min_captions}


def evaluate(matrix: TagMatrix, engine: QueryEngine, seed: SeedMethod, queries: list[dict],
             labels: dict[str, list[str]], captions: dict[str, list[str]] | None = None,
             min_captions: int = 2, name: str = "",
             facts: FactsTable | None = None) -> EvalReport:
    """Label-judged queries rank every photo; caption-judged ones (with `words`) only the
    captioned photos, judged by `captions`."""
    names = [Path(p).name for p in matrix.paths]
    alive_labels = {n: labels.get(n, []) for n in names}
    captioned = {n: captions[n] for n in names if captions and n in captions}
    by_captions = any("words" in q for q in queries)
    if by_captions and not captioned:
        raise ValueError(f"{name or 'queries'}: caption-judged queries need --captions with "
                         "captions of the indexed photos")
    ranked = set(captioned) if by_captions else set(names)
    ours, baseline = MethodScore(), MethodScore()
    for query in queries:
        if "words" in query:
            relevant = caption_relevant(query, captioned, min_captions)
        else:
            relevant = relevant_photos(query, alive_labels)
        kind = query.get("kind", "")
        response = engine.search(query["q"], matrix, limit=None, facts=facts)
        ranking = [n for n in (Path(r.path).name for r in response.results) if n in ranked]
        ours.add(score_ranking(query["q"], ranking, relevant, kind))
        rows = seed.rank(query["q"], matrix)
        seed_ranking = [names[r] for r in rows if names[r] in ranked]
        baseline.add(score_ranking(query["q"], seed_ranking, relevant, kind))
    return EvalReport(ours, baseline, len(ranked), name)


def run_eval(photos: Path, labels_file: Path, queries_file: Path, settings: Settings,
             db: Path | None = None, only: Path | None = None,
             captions_file: Path | None = None) -> EvalReport:
    return run_evals(photos, labels_file, [queries_file], settings, db, only, captions_file)[0]


def run_evals(photos: Path, labels_file: Path, queries_files: list[Path], settings: Settings,
              db: Path | None = None, only: Path | None = None,
              captions_file: Path | None = None) -> list[EvalReport]:
    """Index the photos once, then one report per queries file."""
    labels: dict[str, list[str]] = json.loads(labels_file.read_text(encoding="utf-8"))
    captions = (json.loads(captions_file.read_text(encoding="utf-8"))
                if captions_file else None)
    query_sets = [json.loads(path.read_text(encoding="utf-8")) for path in queries_files]
    with tempfile.TemporaryDirectory(prefix="smart-gallery-eval-") as tmp:
        index_file = db or Path(tmp) / "eval.sqlite3"
        taggers = load_signals(settings)
        gazetteer = Gazetteer.load()
        with Store(index_file) as store:
            Indexer(store, taggers, settings.batch_size,
                    facts=FactsReader(gazetteer)).index_folder(
                photos.resolve(), ScanOptions(include_hidden=True))
            matrix = load_matrix(store, {t.model_id: t.concepts for t in taggers})
            facts = FactsTable.load(store)
    if only is not None:
        keep = set(only.read_text(encoding="utf-8").split())
        kept = TagMatrix()
        for row, path in enumerate(matrix.paths):
            if Path(path).name in keep and matrix.is_alive(row):
                kept.put(matrix.photo_ids[row], path, matrix.row_tags(row))
        matrix = kept
    vocabulary = load_vocabulary()
    analyzer = Analyzer()
    vectors = load_word_vectors(settings.word_vectors, settings.fasttext_model)
    # As the daemon reads queries: with the places, so that a place name that is also a
    # word the queries use would show here.
    engine = QueryEngine(vocabulary, analyzer, vectors, gazetteer)
    seed = SeedMethod(vocabulary, analyzer, vectors)
    return [evaluate(matrix, engine, seed, data["queries"], labels, captions,
                     int(data.get("min_captions", 2)), path.name, facts)
            for path, data in zip(queries_files, query_sets, strict=True)]
