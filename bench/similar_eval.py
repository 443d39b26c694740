"""How alike «похожие» are: on the 899 COCO photos, the share of each photo's 10 nearest (by
the stored embedding) that share a COCO category with it, averaged over the photos.

    python bench/similar_eval.py [--db INDEX]

Indexes the photos with the defaults (or reuses --db, adding what it lacks), then reads the
embeddings as the daemon does (VectorTable) and ranks as QueryEngine.similar does. Also
printed: the same for the full float features the embedding is made from, for a random
projection of the same size (what the choice of the classifier's own principal directions
is measured against), and the cosines of the 1st and 10th nearest, which SIMILAR_FLOOR is
chosen from. Target (issue 16): >= 0.80.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
from common import COCO, coco_photos

from daemon.config import Settings
from daemon.index.indexer import Indexer
from daemon.index.scan import ScanOptions
from daemon.index.store import Store
from daemon.index.vectors import VectorTable
from daemon.query.search import SIMILAR_FLOOR
from daemon.signals import load_signals
from daemon.signals.classifier import VECTOR_DIM
from daemon.signals.decode import decode_photo

NEAREST = 10


def shared_category_share(order: list[list[str]], names: list[str],
                          labels: dict[str, list[str]]) -> float:
    shares = []
    for name, nearest in zip(names, order, strict=True):
        own = set(labels.get(name, ()))
        if own:
            shares.append(statistics.fmean(bool(own & set(labels.get(n, ()))) for n in nearest))
    return statistics.fmean(shares)


def nearest_by(matrix: np.ndarray, names: list[str]) -> list[list[str]]:
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, -np.inf)
    return [[names[j] for j in np.argsort(-row)[:NEAREST]] for row in cosines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an index of the COCO photos to reuse")
    args = parser.parse_args()

    labels = json.loads((COCO / "labels.json").read_text(encoding="utf-8"))
    settings = Settings()
    signals = load_signals(settings)
    classifier = signals[0]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "index.sqlite3"
        with Store(db) as store:
            Indexer(store, signals, settings.batch_size).index_folder(
                (COCO / "images").resolve(), ScanOptions(include_hidden=True))
            table = VectorTable.load(store, classifier.model_id)
            ids = {Path(p).name: i for i, p in store.paths_of_tagged([classifier.model_id])}
    names = sorted(n for n, i in ids.items() if table.has(i))
    order, first, tenth = [], [], []
    for name in names:
        cosines = table.similarity_to(ids[name])
        ranked = [j for j in np.argsort(-np.nan_to_num(cosines, nan=-2.0))[:NEAREST]]
        by_id = {i: n for n, i in ids.items()}
        order.append([by_id[j] for j in ranked])
        first.append(float(cosines[ranked[0]]))
        tenth.append(float(cosines[ranked[-1]]))
    ours = shared_category_share(order, names, labels)
    session, basis = classifier._session, classifier._basis  # the model the index used
    features = np.stack([session.run(None, {classifier._input: classifier.preprocess(
        decode_photo(COCO / "images" / n).image)[None]})[1][0] for n in names])
    rng = np.random.default_rng(0)
    random_basis = np.linalg.qr(rng.standard_normal((features.shape[1], VECTOR_DIM)))[0]
    print(f"photos: {len(names)} (of {len(coco_photos())}); {NEAREST} nearest")
    print(f"stored embedding ({VECTOR_DIM} int8 on the classifier's principal directions): "
          f"{ours:.3f}")
    print(f"full features ({features.shape[1]} float32): "
          f"{shared_category_share(nearest_by(features, names), names, labels):.3f}")
    print(f"random projection to {VECTOR_DIM}: "
          f"{shared_category_share(nearest_by(features @ random_basis, names), names, labels):.3f}")
    print(f"principal directions, float: "
          f"{shared_category_share(nearest_by(features @ basis, names), names, labels):.3f}")
    for label, values in (("1st nearest", first), ("10th nearest", tenth)):
        print(f"cosine of the {label}: median {statistics.median(values):.2f}, 10th percentile "
              f"{np.percentile(values, 10):.2f}, 90th {np.percentile(values, 90):.2f}")
    print(f"SIMILAR_FLOOR {SIMILAR_FLOOR}: photos with no neighbour above it: "
          f"{sum(v < SIMILAR_FLOOR for v in first)}")


if __name__ == "__main__":
    main()
