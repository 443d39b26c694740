"""How far better object detection could take the caption-judged queries: the eval's query
sets run twice on the same index, once as indexed and once with the detector's rows
replaced by COCO's own labels of each photo (the objects really there).

    python bench/objects_oracle.py [--db INDEX]

In the oracle run a labelled class gets the score 0.5 + 0.5 × the detector's own score for
it (0 where the detector missed it), so every object that is there counts as clearly seen
and the detector's confidence still orders the photos; a class the detector saw but the
labels do not list is removed, with its box and the colours read in it. The classifier,
colour, face and text rows stay as indexed. What the oracle does not reach, no detector
of the 80 COCO classes could: it is what the query words need beyond which objects are in
the photo (issue 17: scenes and activities, issue 13: colours, issue 14: people).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from pathlib import Path

import numpy as np
from common import COCO, ROOT

from daemon.config import Settings
from daemon.evaluate import EvalReport, evaluate
from daemon.index.facts import FactsTable
from daemon.index.indexer import Indexer
from daemon.index.matrix import TagMatrix, load_matrix
from daemon.index.scan import ScanOptions
from daemon.index.store import SparseTags, Store
from daemon.places.gazetteer import Gazetteer
from daemon.query.search import QueryEngine
from daemon.query.seed import SeedMethod
from daemon.query.text import Analyzer, load_word_vectors
from daemon.query.vocab import load_vocabulary
from daemon.signals import load_signals
from daemon.signals.colours import CONCEPTS as COLOURS
from daemon.signals.colours import OBJECT_FIRST, TERMS
from daemon.signals.detector import CONCEPTS as DETECTOR
from daemon.signals.metadata import FactsReader

QUERY_SETS = ("scenes_activities.json", "colours.json", "people.json")


def coco_class_numbers() -> dict[str, int]:
    table = ROOT / "daemon" / "query" / "vocab" / "data" / "coco80.tsv"
    with table.open(encoding="utf-8") as rows:
        return {row["english"]: int(row["idx"]) for row in csv.DictReader(rows, delimiter="\t")}


def with_true_objects(tags: SparseTags, present: set[int]) -> SparseTags:
    """The photo's rows with the detector's replaced by the classes really there."""
    classes, probs = tags.classes.astype(np.int64), tags.probs
    detected = {int(c) - DETECTOR.first: float(p) for c, p in zip(classes, probs, strict=True)
                if DETECTOR.first <= c < DETECTOR.end}
    in_colour_objects = (classes >= COLOURS.first + OBJECT_FIRST) & (classes < COLOURS.end)
    object_class = (classes - COLOURS.first - OBJECT_FIRST) // len(TERMS)
    keep = ~((classes >= DETECTOR.first) & (classes < DETECTOR.end))
    keep &= ~(in_colour_objects & ~np.isin(object_class, list(present)))
    kept_classes = list(classes[keep])
    kept_probs = list(probs[keep])
    for coco in sorted(present):
        kept_classes.append(DETECTOR.first + coco)
        kept_probs.append(0.5 + 0.5 * detected.get(coco, 0.0))
    order = np.argsort(kept_classes, kind="stable")
    return SparseTags(np.array(kept_classes, np.uint16)[order],
                      np.array(kept_probs, np.float32)[order], vector=tags.vector)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an index of the COCO photos to reuse")
    args = parser.parse_args()

    labels: dict[str, list[str]] = json.loads((COCO / "labels.json").read_text("utf-8"))
    captions: dict[str, list[str]] = json.loads((COCO / "captions.json").read_text("utf-8"))
    numbers = coco_class_numbers()
    settings = Settings()
    signals = load_signals(settings)
    gazetteer = Gazetteer.load()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "index.sqlite3"
        with Store(db) as store:
            Indexer(store, signals, settings.batch_size,
                    facts=FactsReader(gazetteer)).index_folder(
                (COCO / "images").resolve(), ScanOptions(include_hidden=True))
            matrix = load_matrix(store, {s.model_id: s.concepts for s in signals})
            facts = FactsTable.load(store)
    oracle = TagMatrix()
    for row, path in enumerate(matrix.paths):
        if matrix.is_alive(row):
            present = {numbers[label] for label in labels.get(Path(path).name, [])}
            oracle.put(matrix.photo_ids[row], path, with_true_objects(matrix.row_tags(row),
                                                                      present))
    vocabulary, analyzer = load_vocabulary(), Analyzer()
    vectors = load_word_vectors(settings.word_vectors, settings.fasttext_model)
    engine = QueryEngine(vocabulary, analyzer, vectors, gazetteer)
    seed = SeedMethod(vocabulary, analyzer, vectors)
    print(f"{'query set':28} | as indexed P@10 / AP | true objects P@10 / AP")
    for name in QUERY_SETS:
        data = json.loads((ROOT / "bench" / "queries" / name).read_text("utf-8"))
        reports: list[EvalReport] = [
            evaluate(m, engine, seed, data["queries"], labels, captions,
                     int(data.get("min_captions", 2)), name, facts)
            for m in (matrix, oracle)]
        ours, best = (r.ours for r in reports)
        print(f"{name:28} | {ours.mean_p10:.3f} / {ours.mean_ap:.3f}"
              f"        | {best.mean_p10:.3f} / {best.mean_ap:.3f}")
        for kind, score in sorted(best.by_kind().items()):
            indexed = ours.by_kind()[kind]
            print(f"  {kind:26} | {indexed.mean_p10:.3f} / {indexed.mean_ap:.3f}"
                  f"        | {score.mean_p10:.3f} / {score.mean_ap:.3f}")


if __name__ == "__main__":
    main()
