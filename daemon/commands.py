"""What each `smart-gallery` subcommand does; cli.py parses, this module acts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from daemon.config import Settings, model_id
from daemon.matrix import load_matrix
from daemon.scan import ScanOptions
from daemon.store import Store


def _print(*parts: object) -> None:
    print(*parts, flush=True)


def cmd_index(args: argparse.Namespace, settings: Settings, db: Path) -> int:
    from daemon.cli import progress_printer
    from daemon.indexer import Indexer
    from daemon.vision import load_tagger

    folder = args.folder.expanduser()
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    folder = folder.resolve()
    tagger = load_tagger(settings.model, settings.model_weights, settings.threads)
    options = ScanOptions(settings.excludes, settings.index_hidden)
    with Store(db) as store:
        indexer = Indexer(store, tagger, settings.batch_size)
        report = indexer.index_folder(folder, options, progress_printer(not args.quiet))
    _print(f"{folder}: tagged {report.tagged}, unchanged {report.unchanged}, "
           f"moved {report.moved}, copies {report.copied}, touched {report.touched}, "
           f"removed {report.removed}, skipped {len(report.failed) + len(report.known_broken)}")
    if report.tagged:
        _print(f"{report.photos_per_second:.1f} photos/s ({report.tagged} photos in "
               f"{report.seconds:.1f} s, model {tagger.model_id})")
    for failure in report.failed:
        _print(f"skipped {failure.path}: {failure.reason}")
    if report.known_broken:
        _print(f"skipped {len(report.known_broken)} files that failed before and have not "
               "changed (see `smart-gallery status`)")
    _print(f"index: {db}")
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings, db: Path) -> int:
    from daemon.search import build_query_engine

    with Store(db, readonly=True) as store:
        matrix = load_matrix(store, model_id(settings.model))
    engine = build_query_engine(settings)
    response = engine.search(args.query, matrix, limit=args.limit)
    if args.json:
        from daemon.cli import print_json

        print_json({
            "query": args.query,
            "understood": response.plan.describe(),
            "unknown": list(response.plan.unknown),
            "total": response.total,
            "results": [{"path": r.path, "score": round(r.score, 4), "why": list(r.why)}
                        for r in response.results],
        })
        return 0
    _print(f"Запрос: {response.plan.describe()}")
    if not response.results:
        _print("Ничего не найдено.")
        return 0
    for rank, result in enumerate(response.results, start=1):
        _print(f"{rank:3d}. {result.score:.3f}  {result.path}")
        if result.why:
            _print(f"          {'; '.join(result.why)}")
    if response.total > len(response.results):
        _print(f"… and {response.total - len(response.results)} more (use --limit)")
    return 0


def cmd_tags(args: argparse.Namespace, settings: Settings, db: Path) -> int:
    from daemon.vocab import load_vocabulary

    path = str(args.photo.expanduser().resolve())
    with Store(db, readonly=True) as store:
        tags = store.tags_of(path, model_id(settings.model))
        failure = next((f for f in store.failures() if f.path == path), None)
    if tags is None:
        reason = f": {failure.reason}" if failure else ""
        print(f"error: {path} is not in the index{reason}", file=sys.stderr)
        return 1
    vocabulary = load_vocabulary()
    rows = [{"class": int(c), "russian": vocabulary[int(c)].name,
             "english": vocabulary[int(c)].english, "prob": round(float(p), 4)}
            for c, p in list(zip(tags.classes, tags.probs, strict=True))[:args.limit]]
    if args.json:
        from daemon.cli import print_json

        print_json({"path": path, "tags": rows})
        return 0
    _print(path)
    for row in rows:
        _print(f"  {row['prob']:.3f}  {row['russian']}  ({row['english']})")
    return 0


def cmd_export_tags(args: argparse.Namespace, settings: Settings, db: Path) -> int:
    from daemon.vocab import load_vocabulary

    vocabulary = load_vocabulary()
    model = model_id(settings.model)
    photos = []
    with Store(db, readonly=True) as store:
        for _, path, tags in store.iter_tags(model):
            photos.append({"path": path, "tags": [
                {"class": int(c), "russian": vocabulary[int(c)].name,
                 "english": vocabulary[int(c)].english, "prob": round(float(p), 5)}
                for c, p in zip(tags.classes, tags.probs, strict=True)]})
    document = {"model": model, "photos": photos}
    if str(args.output) == "-":
        json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                               encoding="utf-8")
        _print(f"wrote tags of {len(photos)} photos to {args.output}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings, db: Path) -> int:

    model = model_id(settings.model)
    with Store(db, readonly=True) as store:
        status = {"index": str(db), "model": model, "photos": store.count_photos(),
                  "indexed": store.count_tagged(model),
                  "failed": [{"path": f.path, "reason": f.reason} for f in store.failures()]}
    if args.json:
        from daemon.cli import print_json

        print_json(status)
        return 0
    _print(f"index: {status['index']}")
    _print(f"model: {model}; photos indexed: {status['indexed']} of {status['photos']}")
    _print(f"files that could not be read: {len(status['failed'])}")
    for failure in status["failed"]:
        _print(f"  {failure['path']}: {failure['reason']}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings, db: Path | None) -> int:
    from daemon.evaluate import run_eval

    report = run_eval(args.photos, args.labels, args.queries, settings,
                      db=args.db, only=args.only)
    _print(report.table())
    if args.json_out:
        args.json_out.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=1),
                                 encoding="utf-8")
        _print(f"wrote {args.json_out}")
    return 0
