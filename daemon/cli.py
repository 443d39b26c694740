"""`smart-gallery` command line: index, search, tags, export-tags, eval."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from daemon.config import Paths, Settings, SettingsError, load_for_daemon
from daemon.index.store import StoreError
from daemon.service.client import DaemonError, DaemonNotRunning
from daemon.service.lifecycle import AlreadyRunning

log = logging.getLogger("smart_gallery")


def _count(text: str) -> int:
    """A --limit: a whole number of results, at least one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


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
    index.add_argument("--no-text", action="store_true",
                       help="skip reading the text in photos (OCR) this time")
    _add_common(index)

    search = sub.add_parser("search", help="search the index with a Russian query")
    search.add_argument("query")
    search.add_argument("-n", "--limit", type=_count, default=20, help="results to show (20)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--sort", choices=("relevance", "date"), default="relevance",
                        help="best matches first (default) or newest first; a query of only "
                             "a time or a place («июль 2023») is always by date")
    _add_common(search)

    similar = sub.add_parser("similar", help="the photos most like a photo (by its embedding)")
    similar.add_argument("photo", type=Path)
    similar.add_argument("query", nargs="*",
                         help="keep only the similar photos that match these words too")
    similar.add_argument("-n", "--limit", type=_count, default=20, help="results to show (20)")
    similar.add_argument("--json", action="store_true", help="print JSON")
    _add_common(similar)

    duplicates = sub.add_parser(
        "duplicates", help="list copies: the same file, or the same photo resized, re-encoded, "
                           "cropped or shot again (nothing is deleted)")
    duplicates.add_argument("photo", type=Path, nargs="?",
                            help="only the copies of this photo")
    duplicates.add_argument("--json", action="store_true", help="print JSON")
    _add_common(duplicates)

    tags = sub.add_parser("tags", help="show a photo's tags in Russian and English")
    tags.add_argument("photo", type=Path)
    tags.add_argument("-n", "--limit", type=_count, default=10)
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

    from daemon.people_cli import add_parser as add_people_parser

    _add_common(add_people_parser(sub))
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
    return _with_overrides(args, Settings.load(paths.settings_file))


def _with_overrides(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings file's values, with the command line's --model and friends on top."""
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


# Exit codes (README, "Exit codes"): one line on stderr says what happened.
EXIT_OK = 0
EXIT_NOT_FOUND = 1  # `tags`: the photo is not in the index
EXIT_USAGE = 2  # a bad argument: not a folder, unknown model, missing file, daemon refused
EXIT_NO_DAEMON = 3  # the command needs the daemon and it is not running
EXIT_BAD_SETTINGS = 4  # settings.toml is malformed (the message names the line)
EXIT_INDEX_DAMAGED = 5  # the index file is damaged (the daemon or `index` rebuild it)
EXIT_CANNOT_WRITE = 6  # no space left, or the index's folder is read-only
EXIT_ALREADY_RUNNING = 7  # `daemon`: another daemon is running
EXIT_INTERNAL = 70  # a bug: the message says so; --verbose adds the traceback
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # what a program killed by SIGPIPE returns

# Commands that run without settings (the tray must start even when the file is broken,
# to say so).
_NO_SETTINGS_NEEDED = {"tray", "popup", "pause", "resume", "service"}


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
    db = getattr(args, "db", None) or paths.index_db
    try:
        settings = _command_settings(args, paths)
        from daemon import commands

        handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
        return handler(args, settings, db, paths)
    except SystemExit:
        raise
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly, as others do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the last flush
        return EXIT_BROKEN_PIPE
    except BaseException as exc:  # noqa: BLE001 - every failure ends in one line
        code, message = explain_failure(exc, db)
        if args.verbose:
            traceback.print_exc()
        print(f"error: {message}", file=sys.stderr)
        return code


def _command_settings(args: argparse.Namespace, paths: Paths) -> Settings:
    if args.command == "daemon":
        settings, args.settings_error = load_for_daemon(paths)
        return _with_overrides(args, settings)
    try:
        return _settings(args, paths)
    except SettingsError:
        if args.command in _NO_SETTINGS_NEEDED:
            return Settings()
        raise


def explain_failure(exc: BaseException, db: Path) -> tuple[int, str]:
    """An exception -> (exit code, the one line that explains it)."""
    from daemon.index.health import Problem, diagnose, format_megabytes, free_bytes
    from daemon.index.store import IndexDamaged, IndexNotWritable
    from daemon.signals.classifier import ModelUnavailable

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted"
    if isinstance(exc, SettingsError):
        return EXIT_BAD_SETTINGS, str(exc)
    if isinstance(exc, DaemonNotRunning):
        return EXIT_NO_DAEMON, (f"{exc}; start it with `smart-gallery daemon` "
                                "(or `smart-gallery service install`)")
    if isinstance(exc, AlreadyRunning):
        return EXIT_ALREADY_RUNNING, str(exc)
    diagnosis = None if isinstance(exc, IndexNotWritable | IndexDamaged) else diagnose(exc, db)
    if isinstance(exc, IndexDamaged) or (diagnosis and diagnosis.problem is Problem.DAMAGED):
        detail = str(exc) if isinstance(exc, IndexDamaged) else f"index {db}: {exc}"
        return EXIT_INDEX_DAMAGED, (
            f"{detail}. The index is a cache of your photos: the daemon moves the file "
            "aside and rebuilds it when it starts, and so does `smart-gallery index FOLDER`")
    problem = exc.problem if isinstance(exc, IndexNotWritable) else (
        diagnosis.problem if diagnosis else None)
    if problem is Problem.DISK_FULL:
        return EXIT_CANNOT_WRITE, (
            f"no space left for the index {db} (free {format_megabytes(free_bytes(db))}); "
            "the photos indexed so far are kept: free some space and run it again")
    if problem is Problem.NOT_WRITABLE:
        return EXIT_CANNOT_WRITE, (f"cannot write the index {db}: {exc}; check the "
                                   f"permissions of {db.parent}")
    if isinstance(exc, StoreError | DaemonError | ModelUnavailable | FileNotFoundError
                  | ValueError | NotADirectoryError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError):
        return EXIT_USAGE, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return EXIT_INTERNAL, (f"unexpected failure ({type(exc).__name__}: {exc}); this is a bug "
                           "— run again with --verbose for the details to report it")


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
