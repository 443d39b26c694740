"""Search quality on labelled photos: ours against the seed's method, side by side.

Metrics as ../shared/data/coco/queries.json defines them: P@10 = relevant photos among
the first 10 results / min(10, relevant photos); FR = rank of the first relevant result
(None when none is found); AP = average precision over the whole result list, with the
relevant photos never returned counting as misses.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from daemon.config import Settings
from daemon.indexer import Indexer
from daemon.matrix import TagMatrix, load_matrix
from daemon.scan import ScanOptions
from daemon.search import QueryEngine
from daemon.seed import SeedMethod
from daemon.store import Store
from daemon.tagger import load_taggers
from daemon.text import Analyzer, load_word_vectors
from daemon.vocab import load_vocabulary


@dataclass(frozen=True)
class QueryScore:
    q: str
    p10: float
    fr: int | None
    ap: float
    relevant: int


@dataclass
class MethodScore:
    queries: list[QueryScore] = field(default_factory=list)

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

    def as_json(self) -> dict[str, object]:
        return {"mean_p10": round(self.mean_p10, 4), "mean_ap": round(self.mean_ap, 4),
                "median_fr": self.median_fr, "found": self.found,
                "queries": [{"q": q.q, "p10": round(q.p10, 4), "fr": q.fr, "ap": round(q.ap, 4)}
                            for q in self.queries]}


@dataclass
class EvalReport:
    ours: MethodScore
    seed: MethodScore
    photos: int

    def as_json(self) -> dict[str, object]:
        return {"photos": self.photos, "ours": self.ours.as_json(), "seed": self.seed.as_json()}

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
        lines.append(f"photos: {self.photos}; queries with a relevant result: ours "
                     f"{self.ours.found}, seed {self.seed.found} (FR column of MEAN = median)")
        return "\n".join(lines)


def _rank(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def score_ranking(query: str, ranking: list[str], relevant: set[str]) -> QueryScore:
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
                      precision_sum / len(relevant) if relevant else 0.0, len(relevant))


def relevant_photos(query: dict, labels: dict[str, list[str]]) -> set[str]:
    if "all" in query:
        need = set(query["all"])
        return {name for name, cats in labels.items() if need <= set(cats)}
    wanted = set(query["any"])
    return {name for name, cats in labels.items() if wanted & set(cats)}


def evaluate(matrix: TagMatrix, engine: QueryEngine, seed: SeedMethod, queries: list[dict],
             labels: dict[str, list[str]]) -> EvalReport:
    names = [Path(p).name for p in matrix.paths]
    alive_labels = {n: labels.get(n, []) for n in names}
    ours, baseline = MethodScore(), MethodScore()
    for query in queries:
        relevant = relevant_photos(query, alive_labels)
        response = engine.search(query["q"], matrix, limit=None)
        ours.queries.append(
            score_ranking(query["q"], [Path(r.path).name for r in response.results], relevant))
        rows = seed.rank(query["q"], matrix)
        baseline.queries.append(score_ranking(query["q"], [names[r] for r in rows], relevant))
    return EvalReport(ours, baseline, len(names))


def run_eval(photos: Path, labels_file: Path, queries_file: Path, settings: Settings,
             db: Path | None = None, only: Path | None = None) -> EvalReport:
    labels: dict[str, list[str]] = json.loads(labels_file.read_text(encoding="utf-8"))
    queries = json.loads(queries_file.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory(prefix="smart-gallery-eval-") as tmp:
        index_file = db or Path(tmp) / "eval.sqlite3"
        taggers = load_taggers(settings)
        with Store(index_file) as store:
            Indexer(store, taggers, settings.batch_size).index_folder(
                photos.resolve(), ScanOptions(include_hidden=True))
            matrix = load_matrix(store, {t.model_id: t.class_offset for t in taggers})
    if only is not None:
        keep = set(only.read_text(encoding="utf-8").split())
        kept = TagMatrix()
        for row, path in enumerate(matrix.paths):
            if Path(path).name in keep and matrix.is_alive(row):
                kept.put(matrix.photo_ids[row], path, matrix.row_tags(row))
        matrix = kept
    labels = {name: cats for name, cats in labels.items()}
    vocabulary = load_vocabulary()
    analyzer = Analyzer()
    vectors = load_word_vectors(settings.word_vectors, settings.fasttext_model)
    engine = QueryEngine(vocabulary, analyzer, vectors)
    seed = SeedMethod(vocabulary, analyzer, vectors)
    return evaluate(matrix, engine, seed, queries, labels)
