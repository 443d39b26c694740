"""Search quality for queries of content joined with time and place («кошка летом 2023»).

    python bench/when_where_eval.py [--queries bench/queries/when_where.json] [--json OUT]

The 899 COCO photos carry no EXIF, so this writes copies of them that do: each photo gets,
from a seeded random generator (the same every run), a date between 2019 and the eval's
"today" with an hour of the day, and the GPS position of one of a dozen cities (near its
centre); a tenth get no EXIF date (they are dated by the file, today) and a fifth no GPS.
The copies are indexed with the defaults (models, colours, facts) and every query of the
file is judged by the photos' COCO labels and the EXIF written (see the file's "about").

Printed beside ours, as evaluate.py does: the seed's method, and ours reading the content
words alone — what the search did before it read time and place (those words were
unknown to it and left out).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from common import COCO, ROOT, coco_photos

sys.path.insert(0, str(ROOT / "tests"))
from photo_files import write_photo  # noqa: E402 - the test helper that writes real EXIF

from daemon.config import Settings  # noqa: E402
from daemon.evaluate import EvalReport, MethodScore, score_ranking  # noqa: E402
from daemon.index.facts import FactsTable  # noqa: E402
from daemon.index.indexer import Indexer  # noqa: E402
from daemon.index.matrix import load_matrix  # noqa: E402
from daemon.index.scan import ScanOptions  # noqa: E402
from daemon.index.store import Store  # noqa: E402
from daemon.query.search import QueryEngine, build_query_engine  # noqa: E402
from daemon.query.seed import SeedMethod  # noqa: E402
from daemon.query.when import find_time, without_spans  # noqa: E402
from daemon.signals import load_signals, signal_sources  # noqa: E402
from daemon.signals.metadata import FactsReader  # noqa: E402

# (Russian name, country, latitude, longitude): where the photos are placed.
CITIES = (("Москва", "RU", 55.7558, 37.6173), ("Санкт-Петербург", "RU", 59.9343, 30.3351),
          ("Сочи", "RU", 43.5855, 39.7231), ("Казань", "RU", 55.7961, 49.1064),
          ("Минск", "BY", 53.9006, 27.5590), ("Париж", "FR", 48.8566, 2.3522),
          ("Рим", "IT", 41.9028, 12.4964), ("Анталья", "TR", 36.8969, 30.7133),
          ("Стамбул", "TR", 41.0082, 28.9784), ("Нью-Йорк", "US", 40.7128, -74.0060),
          ("Тбилиси", "GE", 41.7151, 44.8271), ("Хургада", "EG", 27.2579, 33.8116))
SEED = 2025
NO_DATE_SHARE = 0.1
NO_GPS_SHARE = 0.2


@dataclass(frozen=True)
class Truth:
    taken: datetime | None  # None: written without an EXIF date
    city: int | None  # index into CITIES, None: no GPS


def library(photos: list[Path], today: date, rng: random.Random) -> dict[str, Truth]:
    first = datetime(2019, 1, 1)
    span = (datetime.combine(today, datetime.min.time()) - first).total_seconds()
    truth = {}
    for photo in photos:
        taken = first + timedelta(seconds=rng.uniform(0, span))
        taken = None if rng.random() < NO_DATE_SHARE else taken
        city = None if rng.random() < NO_GPS_SHARE else rng.randrange(len(CITIES))
        truth[photo.name] = Truth(taken, city)
    return truth


def write_library(photos: list[Path], truth: dict[str, Truth], folder: Path,
                  rng: random.Random) -> None:
    for photo in photos:
        fact = truth[photo.name]
        gps = None
        if fact.city is not None:
            _, _, lat, lon = CITIES[fact.city]
            gps = (lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03))
        write_photo(folder / photo.name, source=photo, taken=fact.taken, gps=gps,
                    make="Apple" if fact.taken else "", model="iPhone 12" if fact.taken else "")


def relevant(query: dict, truth: dict[str, Truth], labels: dict[str, list[str]]) -> set[str]:
    found = set()
    for name, fact in truth.items():
        if "any" in query and not set(query["any"]) & set(labels.get(name, ())):
            continue
        if not _time_holds(query, fact.taken) or not _place_holds(query, fact.city):
            continue
        found.add(name)
    return found


def _time_holds(query: dict, taken: datetime | None) -> bool:
    asks = {"years", "months", "days", "range", "range_every_year", "hours"} & set(query)
    if not asks:
        return True
    if taken is None:
        return False
    day = taken.date()
    if "years" in query and taken.year not in query["years"]:
        return False
    if "months" in query and taken.month not in query["months"]:
        return False
    if "days" in query and [taken.month, taken.day] not in query["days"]:
        return False
    if "range" in query:
        first, last = (date.fromisoformat(d) for d in query["range"])
        if not first <= day <= last:
            return False
    if "range_every_year" in query:
        (m1, d1), (m2, d2) = query["range_every_year"]
        if not (m1, d1) <= (taken.month, taken.day) <= (m2, d2):
            return False
    if "hours" in query:
        start, end = query["hours"]
        inside = start <= taken.hour < end if start < end else (
            taken.hour >= start or taken.hour < end)
        if not inside:
            return False
    return True


def _place_holds(query: dict, city: int | None) -> bool:
    if "city" not in query and "country" not in query:
        return True
    if city is None:
        return False
    name, country, _, _ = CITIES[city]
    return query.get("city", name) == name and query.get("country", country) == country


def content_only(query: str, today: date) -> str:
    """The query without its time words: what the search read before (they were unknown)."""
    time = find_time(query, today)
    return without_spans(query, time.spans) if time else query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=ROOT / "bench/queries/when_where.json")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    data = json.loads(args.queries.read_text(encoding="utf-8"))
    today = date.fromisoformat(data["today"])
    labels = json.loads((COCO / "labels.json").read_text(encoding="utf-8"))
    photos = coco_photos()
    rng = random.Random(SEED)
    truth = library(photos, today, rng)
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="smart-gallery-when-where-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        write_library(photos, truth, folder, rng)
        signals = load_signals(settings)
        with Store(Path(tmp) / "index.sqlite3") as store:
            Indexer(store, signals, settings.batch_size, facts=FactsReader.load()).index_folder(
                folder, ScanOptions(include_hidden=True))
            matrix = load_matrix(store, signal_sources(settings))
            facts = FactsTable.load(store)
    engine = build_query_engine(settings)
    without_places = QueryEngine(engine.vocabulary, engine.analyzer, engine.vectors)
    seed = SeedMethod(engine.vocabulary, engine.analyzer, engine.vectors)
    names = [Path(p).name for p in matrix.paths]
    ours, before, baseline = MethodScore(), MethodScore(), MethodScore()
    for query in data["queries"]:
        wanted = relevant(query, truth, labels)
        q = query["q"]
        response = engine.search(q, matrix, limit=None, facts=facts, today=today)
        ours.add(score_ranking(q, [Path(r.path).name for r in response.results], wanted))
        earlier = without_places.search(content_only(q, today), matrix, limit=None)
        before.add(score_ranking(q, [Path(r.path).name for r in earlier.results], wanted))
        baseline.add(score_ranking(q, [names[r] for r in seed.rank(q, matrix)], wanted))
    report = EvalReport(ours, baseline, len(names), args.queries.name)
    print(report.table())
    print(f"content words alone (the search before time and place): P@10 "
          f"{before.mean_p10:.3f}, AP {before.mean_ap:.3f}")
    if args.json:
        figures = report.as_json() | {"content_only": before.as_json()}
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
