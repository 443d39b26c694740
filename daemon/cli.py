"""`smart-gallery` command line: index, search, tags, export-tags, eval."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from daemon.client import DaemonError, DaemonNotRunning
from daemon.config import Paths, Settings, SettingsError
from daemon.lifecycle import AlreadyRunning
from daemon.store import StoreError

log = logging.getLogger("smart_gallery")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="index file (default: the user's data dir)")
    parser.add_argument("--model", help="tagger: efficientnet-lite0 (default) or resnet50")
    parser.add_argument("--weights", help="weights file for the model (ResNet50)")
    parser.add_argument("--word-vectors", choices=("navec", "fasttext"),
                        help="word vector backend (default navec)")
    parser.add_argument("--fasttext-model", help="fastText .bin model for --word-vectors fasttext")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smart-gallery",
        description="Private, local, Russian-language photo search.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="tag the photos of a folder into the index")
    index.add_argument("folder", type=Path)
    index.add_argument("--quiet", action="store_true", help="no progress line")
    _add_common(index)

    search = sub.add_parser("search", help="search the index with a Russian query")
    search.add_argument("query")
    search.add_argument("-n", "--limit", type=int, default=20, help="results to show (20)")
    search.add_argument("--json", action="store_true", help="print JSON")
    _add_common(search)

    tags = sub.add_parser("tags", help="show a photo's tags in Russian and English")
    tags.add_argument("photo", type=Path)
    tags.add_argument("-n", "--limit", type=int, default=10)
    tags.add_argument("--json", action="store_true")
    _add_common(tags)

    export = sub.add_parser("export-tags", help="write every photo's tags as JSON")
    export.add_argument("output", type=Path, help="file to write, or - for stdout")
    _add_common(export)

    status = sub.add_parser("status", help="what the daemon is doing and the index holds")
    status.add_argument("--json", action="store_true")
    _add_common(status)

    run = sub.add_parser("daemon", help="run the background daemon in the foreground")
    run.add_argument("--no-nice", action="store_true", help="keep normal CPU priority")
    run.add_argument("--log-file", type=Path, help="log here instead of stderr")
    _add_common(run)

    folders = sub.add_parser("folders", help="the folders the daemon watches")
    folders_sub = folders.add_subparsers(dest="folders_command", required=True)
    folders_sub.add_parser("list", help="list watched folders").add_argument(
        "--json", action="store_true")
    folders_sub.add_parser("add", help="watch and index a folder").add_argument(
        "folder", type=Path)
    folders_sub.add_parser("remove", help="stop watching; its photos leave the index"
                           ).add_argument("folder", type=Path)

    service = sub.add_parser("service", help="start at login: install, uninstall, status")
    service.add_argument("action", choices=("install", "uninstall", "status"))
    service.add_argument("--dry-run", action="store_true",
                         help="print the files and commands, change nothing")
    service.add_argument("--json", action="store_true")

    sub.add_parser("tray", help="show the tray icon (menu in Russian)")
    popup = sub.add_parser("popup", help="open the search window")
    popup.add_argument("query", nargs="?", default="")

    sub.add_parser("pause", help="pause indexing")
    sub.add_parser("resume", help="resume indexing")
    reindex = sub.add_parser("reindex", help="tag again (all folders, one folder or a photo)")
    reindex.add_argument("path", type=Path, nargs="?")

    evaluate = sub.add_parser("eval", help="measure search quality on labelled photos")
    evaluate.add_argument("--photos", type=Path, required=True)
    evaluate.add_argument("--labels", type=Path, required=True)
    evaluate.add_argument("--queries", type=Path, required=True, action="append",
                          help="queries file (repeat for several: the photos are indexed once)")
    evaluate.add_argument("--captions", type=Path,
                          help="captions.json, for queries judged by captions")
    evaluate.add_argument("--json", type=Path, dest="json_out", help="write the figures here")
    evaluate.add_argument("--only", type=Path,
                          help="a list of photo file names (one per line) to evaluate on")
    _add_common(evaluate)
    return parser


def _settings(args: argparse.Namespace, paths: Paths) -> Settings:
    settings = Settings.load(paths.settings_file)
    overrides = {}
    if getattr(args, "model", None):
        overrides["model"] = args.model
    if getattr(args, "weights", None):
        overrides["model_weights"] = args.weights
    if getattr(args, "word_vectors", None):
        overrides["word_vectors"] = args.word_vectors
    if getattr(args, "fasttext_model", None):
        overrides["fasttext_model"] = args.fasttext_model
        overrides.setdefault("word_vectors", "fasttext")
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    default_level = logging.INFO if args.command == "daemon" else logging.WARNING
    log_file = getattr(args, "log_file", None)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.DEBUG if args.verbose else default_level,
                        filename=log_file,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if log_file
                        else "%(levelname)s %(name)s: %(message)s")
    paths = Paths.default()
    try:
        settings = _settings(args, paths)
        db = getattr(args, "db", None) or paths.index_db
        from daemon import commands

        handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
        return handler(args, settings, db, paths)
    except (SettingsError, StoreError, AlreadyRunning, DaemonError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DaemonNotRunning as exc:
        print(f"error: {exc}; start it with `smart-gallery daemon` "
              "(or `smart-gallery service install`)", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from daemon.tagger import ModelUnavailable

        if isinstance(exc, ModelUnavailable | FileNotFoundError | ValueError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def progress_printer(enabled: bool):  # noqa: ANN201 - returns a Progress callback or None
    if not enabled or not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(progress) -> None:  # noqa: ANN001
        now = time.monotonic()
        if now - last[0] < 0.2 and progress.done != progress.total:
            return
        last[0] = now
        width = 30
        filled = int(width * progress.done / max(1, progress.total))
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total}"
            f"  {progress.photos_per_second:.1f} photos/s  failed {progress.failed}")
        if progress.done == progress.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


if __name__ == "__main__":
    sys.exit(main())
