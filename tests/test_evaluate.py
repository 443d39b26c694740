"""evaluate: the metrics as queries.json defines them, on rankings worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CLEAR_PHOTOS, COCO, COCO_IMAGES

from daemon.config import Settings
from daemon.evaluate import relevant_photos, run_eval, score_ranking


def test_precision_first_rank_and_average_precision() -> None:
    score = score_ranking("q", ["x", "a", "y", "b"], {"a", "b", "c"})
    assert score.fr == 2
    assert score.p10 == pytest.approx(2 / 3)
    assert score.ap == pytest.approx((1 / 2 + 2 / 4) / 3)


def test_nothing_found() -> None:
    score = score_ranking("q", ["x"], {"a"})
    assert (score.fr, score.p10, score.ap) == (None, 0.0, 0.0)


def test_p10_denominator_is_capped_at_ten() -> None:
    relevant = {f"r{i}" for i in range(30)}
    score = score_ranking("q", [f"r{i}" for i in range(10)], relevant)
    assert score.p10 == 1.0


def test_any_and_all_queries() -> None:
    labels = {"1.jpg": ["cat", "couch"], "2.jpg": ["cat"], "3.jpg": ["dog"]}
    assert relevant_photos({"q": "", "any": ["cat", "dog"]}, labels) == {"1.jpg", "2.jpg", "3.jpg"}
    assert relevant_photos({"q": "", "all": ["cat", "couch"]}, labels) == {"1.jpg"}


def test_eval_runs_end_to_end_on_real_photos(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for names in CLEAR_PHOTOS.values():
        for name in names:
            (photos / name).write_bytes((COCO_IMAGES / name).read_bytes())
    labels = json.loads((COCO / "labels.json").read_text(encoding="utf-8"))
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps({"queries": [
        {"q": "кошка", "any": ["cat"]}, {"q": "пицца", "any": ["pizza"]},
        {"q": "автобус", "any": ["bus"]}]}, ensure_ascii=False), encoding="utf-8")
    labels_file = tmp_path / "labels.json"
    labels_file.write_text(json.dumps(labels), encoding="utf-8")
    report = run_eval(photos, labels_file, queries, Settings())
    assert report.photos == 7
    assert report.ours.mean_p10 == 1.0
    assert [q.fr for q in report.ours.queries] == [1, 1, 1]
    data = report.as_json()
    assert set(data["ours"]) == {"mean_p10", "mean_ap", "median_fr", "found",
                                 "returned_nothing", "queries"}
    assert data["seed"]["queries"][0]["q"] == "кошка"
    assert "MEAN over 3 queries" in report.table()
