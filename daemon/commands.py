"""What each `smart-gallery` subcommand does; cli.py parses, this module acts."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from daemon.config import Paths, Settings, classifier_model_id
from daemon.index.indexer import IndexReport
from daemon.index.matrix import load_matrix, matrix_file_for
from daemon.index.salvage import SalvagedPhoto
from daemon.index.scan import ScanOptions
from daemon.index.store import Store
from daemon.places import Gazetteer
from daemon.query.format import describe_facts, format_taken
from daemon.query.vocab import describe_tags
from daemon.service.client import MAX_QUERY_CHARS, Client, DaemonNotRunning
from daemon.signals import load_signals, signal_models, signal_sources


def _print(*parts: object) -> None:
    print(*parts, flush=True)


def cmd_index(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    from daemon.cli import progress_printer
    from daemon.index.indexer import Indexer
    from daemon.signals.metadata import FactsReader

    folder = args.folder.expanduser()
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    folder = folder.resolve()
    if getattr(args, "db", None) is None:  # the daemon's own index: it alone writes it
        from daemon.service.lifecycle import running_daemon

        if (pid := running_daemon(paths.lock_file)) is not None:
            print(f"error: the daemon is running (pid {pid or '?'}) and keeps the index; it "
                  f"indexes the folders it watches: `smart-gallery folders add {folder}` (or "
                  "stop the daemon, and `index` indexes the folder once)", file=sys.stderr)
            return 2
    taggers = load_signals(settings, paths.cache_dir)
    options = ScanOptions(settings.excludes, settings.index_hidden)
    store, salvaged = open_for_writing(db, signal_sources(settings))
    with store:
        indexer = Indexer(store, taggers, settings.batch_size, salvaged=salvaged,
                          facts=FactsReader.load())
        report = indexer.index_folder(folder, options, progress_printer(not args.quiet))
        _print_index_report(folder, report, indexer.models)
        if not settings.faces:  # turned off: the faces found go (the names the user gave stay)
            from daemon.signals.faces import FAMILY

            if forgotten := store.forget_model_family(FAMILY):
                _print(f"faces are off (faces = false): forgot the faces of {forgotten} photos")
        if not settings.text:  # turned off: what was read goes (it is the user's text)
            from daemon.signals.text import MODEL_ID as TEXT_MODEL_ID

            if forgotten := store.forget_texts(TEXT_MODEL_ID):
                _print(f"text in photos is off (text = false): forgot the text of "
                       f"{forgotten} photos")
        elif not args.no_text:
            _read_text(settings, store, args.quiet)
    _print(f"index: {db}")
    return 0


def _print_index_report(folder: Path, report: IndexReport, models: tuple[str, ...]) -> None:
    _print(f"{folder}: tagged {report.tagged}, unchanged {report.unchanged}, "
           f"moved {report.moved}, copies {report.copied}, touched {report.touched}, "
           f"removed {report.removed}, skipped {len(report.failed) + len(report.known_broken)}"
           + (f", salvaged {report.salvaged}" if report.salvaged else ""))
    if report.tagged:
        _print(f"{report.photos_per_second:.1f} photos/s ({report.tagged} photos in "
               f"{report.seconds:.1f} s, models {', '.join(models)})")
    for failure in report.failed:
        _print(f"skipped {failure.path}: {failure.reason}")
    if report.known_broken:
        _print(f"skipped {len(report.known_broken)} files that failed before and have not "
               "changed (see `smart-gallery status`)")


def _read_text(settings: Settings, store: Store, quiet: bool) -> None:
    """The later pass over the whole index: the text in photos (where Tesseract is)."""
    from daemon.index.later_pass import TextPass
    from daemon.signals import later_specs
    from daemon.signals.ocr import one_thread
    from daemon.signals.text import HOW_TO_ENABLE, TextUnavailable

    one_thread()  # OpenMP threads make Tesseract 6-10 times slower on two cores

    for spec in later_specs(settings):
        try:
            signal = spec.build(settings, None)
        except TextUnavailable as exc:
            _print(f"text in photos: off ({exc}); to read it, {HOW_TO_ENABLE}")
            continue
        text_pass = TextPass(store, signal)  # type: ignore[arg-type]
        pending = text_pass.pending()
        if not pending:
            continue
        report = text_pass.run(progress=None if quiet or not sys.stderr.isatty()
                               else _pass_progress, workers=os.cpu_count() or 1)
        if not quiet and sys.stderr.isatty():
            print(file=sys.stderr)
        _print(f"text in photos: {report.read} of {pending} photos looked like text and were "
               f"read, text found in {report.with_text}, {report.seconds:.1f} s")


def _pass_progress(done: int, total: int) -> None:
    print(f"\rreading text: {done}/{total}", end="", file=sys.stderr, flush=True)


def open_for_writing(db: Path, sources: dict[str, int]
                     ) -> tuple[Store, dict[str, SalvagedPhoto]]:
    """The index for `index`; a damaged one is moved aside (kept) and started afresh,
    since the index is a cache of the photos — with the tags it still holds."""
    import sqlite3

    from daemon.index.health import move_aside
    from daemon.index.salvage import salvage
    from daemon.index.store import IndexDamaged

    try:
        store = Store(db)
        try:
            damage = store.check()
        except sqlite3.DatabaseError as exc:
            damage = str(exc)
        if damage is None:
            return store, {}
        store.close()
        reason = damage
    except IndexDamaged as exc:
        reason = str(exc)
    moved = move_aside(db)
    matrix_file_for(db).unlink(missing_ok=True)  # it belongs to the damaged index
    salvaged = salvage(moved, sources)
    print(f"note: the index was damaged ({reason}); kept it as {moved} and indexing into a "
          f"fresh one (the tags of {len(salvaged)} photos could be read back)",
          file=sys.stderr)
    return Store(db), salvaged


def cmd_search(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    if len(args.query) > MAX_QUERY_CHARS:
        print(f"error: the query must be at most {MAX_QUERY_CHARS} characters", file=sys.stderr)
        return 2
    answer = None
    if getattr(args, "db", None) is None:  # the daemon serves the default index only
        try:
            with Client(paths.socket) as client:
                answer = client.call("search", query=args.query, limit=args.limit,
                                     sort=args.sort)
        except DaemonNotRunning:
            answer = None
    if answer is None:
        answer = _search_on_disk(args.query, args.limit, settings, db, args.sort,
                                 paths.people_file)
        answer["daemon"] = "not running: answered read-only from the index on disk"
    if args.json:
        from daemon.cli import print_json

        print_json(answer)
        return 0
    if "daemon" in answer:
        print("note: the daemon is not running; searched the index on disk", file=sys.stderr)
    _print(f"Запрос: {answer['understood']}")
    return _print_results(answer)


def _print_results(answer: dict) -> int:
    if not answer["results"]:
        _print("Ничего не найдено.")
        return 0
    for rank, result in enumerate(answer["results"], start=1):
        _print(f"{rank:3d}. {result['score']:.3f}  {result['path']}")
        when_where = [format_taken(result.get("taken"), result.get("taken_guessed", False)),
                      result.get("place", "")]
        if any(when_where):
            _print(f"          {' · '.join(part for part in when_where if part)}")
        if result["why"]:
            _print(f"          {'; '.join(result['why'])}")
    if answer["total"] > len(answer["results"]):
        _print(f"… and {answer['total'] - len(answer['results'])} more (use --limit)")
    return 0


def _search_on_disk(query: str, limit: int, settings: Settings, db: Path,
                    sort: str = "relevance", people_file: Path | None = None
                    ) -> dict[str, object]:
    """people_file: the names the user gave (None: no name is known)."""
    from daemon.index.facts import FactsTable
    from daemon.index.texts import TextTable
    from daemon.query.search import build_query_engine
    from daemon.service.people_requests import PeopleRequestError, PeopleRequests

    engine = build_query_engine(settings)
    with Store(db, readonly=True) as store:  # maps the daemon's matrix file if it is current
        matrix = load_matrix(store, signal_sources(settings), matrix_file_for(db))
        facts = FactsTable.load(store)
        texts = TextTable.load(store, engine.analyzer.key) if settings.text else None
        people = None
        if people_file is not None:  # as the daemon would: «с Катей» finds her photos
            try:
                people = PeopleRequests(people_file, signal_models(settings).get("faces"),
                                        lambda question: question(store)).for_search()
            except PeopleRequestError as exc:  # an unreadable people.json: no names
                print(f"note: {exc}; searched without the names of people", file=sys.stderr)
        return engine.search(query, matrix, limit=limit, facts=facts, sort=sort,
                             texts=texts, people=people).to_json()


def cmd_similar(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    path = str(args.photo.expanduser().resolve())
    query = " ".join(args.query)
    answer = None
    if getattr(args, "db", None) is None:
        try:
            with Client(paths.socket) as client:
                answer = client.call("similar", path=path, limit=args.limit, query=query)
        except DaemonNotRunning:
            answer = None
    if answer is None:
        answer = _similar_on_disk(path, query, args.limit, settings, db)
        if answer is None:
            return 1
        answer["daemon"] = "not running: answered read-only from the index on disk"
    if args.json:
        from daemon.cli import print_json

        print_json(answer)
        return 0
    if "daemon" in answer:
        print("note: the daemon is not running; searched the index on disk", file=sys.stderr)
    _print(f"Похожие на {Path(path).name}" + (f": {answer['understood']}" if query else ""))
    return _print_results(answer)


def _similar_on_disk(path: str, query: str, limit: int, settings: Settings,
                     db: Path) -> dict[str, object] | None:
    from daemon.index.facts import FactsTable
    from daemon.index.texts import TextTable
    from daemon.index.vectors import VectorTable
    from daemon.query.search import build_query_engine

    engine = build_query_engine(settings)
    with Store(db, readonly=True) as store:
        photo = store.photo_by_path(path)
        if photo is None:
            print(f"error: {path} is not in the index", file=sys.stderr)
            return None
        matrix = load_matrix(store, signal_sources(settings), matrix_file_for(db))
        facts = FactsTable.load(store)
        vectors = VectorTable.load(store, classifier_model_id(settings))
        texts = TextTable.load(store, engine.analyzer.key) if settings.text else None
    if not vectors.has(photo.id):
        print(f"error: {path} has no embedding yet: index its folder again",
              file=sys.stderr)
        return None
    response = engine.similar(photo.id, matrix, vectors, query, limit=limit, facts=facts,
                              texts=texts)
    return {**response.to_json(), "similar_to": path}


def cmd_duplicates(args: argparse.Namespace, settings: Settings, db: Path,
                   paths: Paths) -> int:
    path = None if args.photo is None else str(args.photo.expanduser().resolve())
    answer = None
    if getattr(args, "db", None) is None:
        try:
            # every photo against every other: ~45 s for 100 000 (bench/similar_speed.py)
            with Client(paths.socket, timeout=900) as client:
                answer = client.call("duplicates", **({"path": path} if path else {}))
        except DaemonNotRunning:
            answer = None
    if answer is None:
        answer = _duplicates_on_disk(path, settings, db)
        if answer is None:
            return 1
    if args.json:
        from daemon.cli import print_json

        print_json(answer)
        return 0
    groups = answer["groups"]
    if not groups:
        _print("Копий не найдено." if path is None else f"Копий {Path(path).name} нет.")
        return 0
    spare = sum(g["spare_bytes"] for g in groups)
    _print(f"Групп копий: {len(groups)}; копии занимают {spare / 1e6:.1f} МБ "
           "(ничего не удалено)")
    for number, group in enumerate(groups, start=1):
        kind = "один и тот же файл" if group["kind"] == "exact" else "одна фотография"
        _print(f"{number:3d}. {kind}, {len(group['photos'])} шт., "
               f"{group['spare_bytes'] / 1e6:.1f} МБ сверх одной")
        for photo in group["photos"]:
            taken = format_taken(photo.get("taken"), photo.get("taken_guessed", False),
                                 with_time=False)
            _print(f"       {photo['size'] / 1e6:6.2f} МБ  {photo['path']}"
                   + (f"  ({taken})" if taken else ""))
    return 0


def _duplicates_on_disk(path: str | None, settings: Settings, db: Path
                        ) -> dict[str, object] | None:
    from daemon.index.facts import FactsTable
    from daemon.index.vectors import VectorTable
    from daemon.query.duplicates import find_duplicates, group_json, library_files

    with Store(db, readonly=True) as store:
        files, hashes = library_files(store)
        vectors = VectorTable.load(store, classifier_model_id(settings))
        facts = FactsTable.load(store)
    of = None
    if path is not None:
        of = next((f.photo_id for f in files if f.path == path), None)
        if of is None:
            print(f"error: {path} is not in the index", file=sys.stderr)
            return None
    gazetteer = Gazetteer.load()
    groups = find_duplicates(files, vectors, hashes, of)
    return {"groups": [group_json(g, facts, lambda k: gazetteer.label(
        k.city_id, k.region_key, k.country_code)) for g in groups], "photos": len(files),
        "daemon": "not running: answered read-only from the index on disk"}


def cmd_tags(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    from daemon.query.vocab import load_vocabulary
    from daemon.signals.faces import describe_faces

    path = str(args.photo.expanduser().resolve())
    with Store(db, readonly=True) as store:
        by_model = {model: store.tags_of(path, model) for model in signal_sources(settings)}
        failure = next((f for f in store.failures() if f.path == path), None)
        facts = store.facts_of(path)
        text = store.text_of(path)
    if all(tags is None for tags in by_model.values()):
        reason = f": {failure.reason}" if failure else ""
        print(f"error: {path} is not in the index{reason}", file=sys.stderr)
        return 1
    vocabulary = load_vocabulary()
    sources = signal_sources(settings)
    tables = {model: describe_tags(vocabulary, sources[model].first, tags, args.limit)
              for model, tags in by_model.items() if tags is not None}
    faces_model = signal_models(settings).get("faces")
    faces = describe_faces(by_model[faces_model]) if by_model.get(faces_model) else []
    when_where = describe_facts(facts, Gazetteer.load()) if facts is not None else {}
    if args.json:
        from daemon.cli import print_json

        names = {model: name for name, model in signal_models(settings).items()}
        print_json({"path": path, "tags": [], "detector": [],
                    **{"tags" if names[model] == "classifier" else names[model]: rows
                       for model, rows in tables.items()}, **when_where,
                    **({"face_list": faces} if faces else {}),
                    **({"text": text} if text is not None else {})})
        return 0
    _print(path)
    for label, key in (("taken", "taken_text"), ("place", "place"), ("gps", "gps"),
                       ("camera", "camera")):
        if when_where.get(key):
            _print(f" {label}: {when_where[key]}")
    for model, rows in tables.items():
        _print(f" {model}:")
        for row in rows:
            box = f"  at {row['box']}" if "box" in row else ""
            _print(f"  {row['prob']:.3f}  {row['russian']}  ({row['english']}){box}")
    for number, face in enumerate(faces, start=1):
        who = "мужчина" if face["male"] >= 0.5 else "женщина"
        _print(f" face {number}: {who} ({face['male']:.2f}), ~{face['age']} лет"
               f"  at {face['box']}")
    if text:
        _print(" text:")
        for line in text.splitlines():
            _print(f"  {line}")
    return 0


def cmd_export_tags(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    from daemon.query.vocab import load_vocabulary

    vocabulary = load_vocabulary()
    sources = signal_sources(settings)
    names = {model: name for name, model in signal_models(settings).items()}
    photos: dict[str, dict[str, object]] = {}
    with Store(db, readonly=True) as store:
        for model, block in sources.items():
            key = "tags" if names[model] == "classifier" else names[model]
            for _, path, tags in store.iter_tags(model):
                entry = photos.setdefault(path, {"path": path, "tags": []})
                entry[key] = describe_tags(vocabulary, block.first, tags)
        gazetteer = Gazetteer.load()
        for path, facts in store.iter_facts_by_path():
            if path in photos:
                photos[path].update(describe_facts(facts, gazetteer))
        for path, text in store.iter_texts_by_path():
            if path in photos:
                photos[path]["text"] = text
    document = {"model": classifier_model_id(settings), **{name: model for name, model in
                                                      signal_models(settings).items()
                                                      if name != "classifier"},
                "photos": list(photos.values())}
    if str(args.output) == "-":
        json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                               encoding="utf-8")
        _print(f"wrote tags of {len(photos)} photos to {args.output}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings, db: Path,
                paths: Paths) -> int:
    model = classifier_model_id(settings)
    detector = signal_models(settings).get("detector")
    daemon_status: dict[str, object] | None = None
    if getattr(args, "db", None) is None:
        try:
            with Client(paths.socket) as client:
                daemon_status = client.call("status")
        except DaemonNotRunning:
            daemon_status = None
    if db.exists():
        with Store(db, readonly=True) as store:
            failures = [{"path": f.path, "reason": f.reason} for f in store.failures()]
            indexed = store.count_tagged(model)
            detected = store.count_tagged(detector) if detector else 0
            text = None if daemon_status else _text_status(settings, store)
    else:
        failures, indexed, detected = [], 0, 0
        text = None if daemon_status else _text_status(settings, None)
    status: dict[str, object] = {
        "daemon": "running" if daemon_status else "not running", "index": str(db),
        "model": model, "indexed": indexed, "detector": detector,
        "detector_indexed": detected, "pending": 0, "failed": len(failures),
        "paused": False,
        "folders": [{"path": f, "online": Path(f).is_dir()} for f in settings.folders],
    }
    if daemon_status:
        status.update(daemon_status)
    elif text is not None:
        status["text"] = text
    status["failures"] = failures
    if args.json:
        from daemon.cli import print_json

        print_json(status)
        return 0
    _print(f"daemon: {status['daemon']}" + (" (paused)" if status["paused"] else ""))
    _print(f"index: {status['index']}; model {model}"
           + (f", detector {detector} ({detected} photos)" if detector else ""))
    _print(f"indexed {status['indexed']}, pending {status['pending']}, "
           f"failed {status['failed']}")
    text_state: dict = status.get("text") or {}  # type: ignore[assignment]
    if text_state.get("state") == "on":
        _print(f"text in photos: on ({text_state.get('reader', '')}), "
               f"{text_state.get('pending', 0)} photos still to read, text found in "
               f"{text_state.get('with_text', 0)}")
    elif text_state:
        _print(f"text in photos: off ({text_state.get('reason')}); to read it, "
               f"{text_state.get('how_to_enable')}")
    if status.get("problem"):
        _print(f"index: {status['index_state']}: {status['problem']}")
    if status.get("damaged_index_kept_at"):
        _print(f"  the damaged index is kept as {status['damaged_index_kept_at']}")
    if status.get("settings_error"):
        _print(f"settings: {status['settings_error']}; the daemon runs on the last good ones")
    for folder in status.get("unreadable_folders", []):  # type: ignore[union-attr]
        _print(f"  cannot list {folder} (permission denied?): its photos are skipped")
    for folder in status["folders"]:  # type: ignore[union-attr]
        state = "online" if folder["online"] else "OFFLINE (entries kept)"
        if folder.get("rescans"):
            state += "; not watched (inotify limit), rescanned periodically"
        _print(f"  folder {folder['path']}: {state}")
    for failure in failures:
        _print(f"  could not read {failure['path']}: {failure['reason']}")
    return 0


def _text_status(settings: Settings, store: Store | None) -> dict[str, object]:
    """The later pass's state as the index on disk tells it (the daemon is not running)."""
    from daemon.signals.ocr import find_tesseract
    from daemon.signals.text import HOW_TO_ENABLE, MODEL_ID

    if not settings.text:
        return {"state": "off", "reason": "turned off in settings (text = false)",
                "how_to_enable": "set text = true in settings.toml"}
    tesseract, why = find_tesseract()
    if tesseract is None:
        return {"state": "off", "reason": why, "how_to_enable": HOW_TO_ENABLE}
    return {"state": "on", "reader": tesseract.model_id,
            "pending": store.count_unread_by(MODEL_ID) if store else 0,
            "with_text": len(store.text_rows()) if store else 0}


def cmd_daemon(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    from daemon.service.runner import run_daemon

    if getattr(args, "db", None) is not None:
        print("error: the daemon always uses the default index (set SMART_GALLERY_HOME "
              "to move it)", file=sys.stderr)
        return 2
    return run_daemon(paths, settings, low_priority=not args.no_nice,
                      settings_error=getattr(args, "settings_error", None))


def _call(paths: Paths, method: str, **params: object) -> object:
    with Client(paths.socket) as client:
        return client.call(method, **params)


def cmd_folders(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    if args.folders_command == "list":
        try:
            folders = _call(paths, "folders.list")
        except DaemonNotRunning:
            folders = [{"path": f, "online": Path(f).is_dir()} for f in settings.folders]
        if getattr(args, "json", False):
            from daemon.cli import print_json

            print_json(folders)
        else:
            for folder in folders:  # type: ignore[union-attr]
                _print(f"{folder['path']}" + ("" if folder["online"] else "  (offline)"))
        return 0
    path = str(args.folder.expanduser().resolve())
    method = "folders.add" if args.folders_command == "add" else "folders.remove"
    result = _call(paths, method, path=path)
    assert isinstance(result, dict)
    if "added" in result:
        _print(f"watching {result['added']}; its photos are being indexed "
               "(`smart-gallery status` shows how far)")
    else:
        _print(f"no longer watching {result['removed']}; its photos left the index")
    return 0


def cmd_pause(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    _call(paths, "pause")
    _print("paused")
    return 0


def cmd_resume(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    _call(paths, "resume")
    _print("resumed")
    return 0


def cmd_reindex(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    params = {"path": str(args.path.expanduser().resolve())} if args.path else {}
    result = _call(paths, "reindex", **params)
    _print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings, db: Path | None,
             paths: Paths) -> int:
    from daemon.evaluate import run_evals

    reports = run_evals(args.photos, args.labels, args.queries, settings,
                        db=args.db, only=args.only, captions_file=args.captions)
    for report in reports:
        _print(f"== {report.name}")
        _print(report.table())
    if args.json_out:
        data = reports[0].as_json() if len(reports) == 1 else [r.as_json() for r in reports]
        args.json_out.write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
        _print(f"wrote {args.json_out}")
    return 0


def cmd_service(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    from daemon.service import autostart as service

    if args.action == "status":
        report = service.status(paths)
        if args.json:
            from daemon.cli import print_json

            print_json(report)
            return 0
        _print(f"installed: {'yes' if report['installed'] else 'no'}")
        for path in report["files"]:  # type: ignore[union-attr]
            _print(f"  {path}")
        running = report["running"]
        _print(f"running: {'pid ' + str(running['pid']) if running else 'no'}")  # type: ignore[index]
        _print(f"logs: {report['logs']}")
        _print(f"index: {report['index']}; settings: {report['settings']}")
        return 0
    if args.action == "install":
        plan = service.plan_install(service.current_system())
    else:
        plan, _ = service.plan_uninstall(paths)
        if not plan.files and not plan.registry:
            _print("nothing to uninstall: `service install` has not written anything here")
            return 0
    if args.dry_run:
        verb = "write" if args.action == "install" else "remove"
        for item in plan.files:
            _print(f"would {verb} {item.path}" + (f"  ({item.role})" if item.role else ""))
            if item.content:
                for line in item.content.splitlines():
                    _print(f"    {line}")
        if plan.registry:
            _print(f"would {verb} HKCU\\{service.RUN_KEY} values: {', '.join(plan.registry)}")
            if args.action == "install":
                _print(service.render_windows_reg(plan))
        for command in plan.commands:
            _print(f"would run: {' '.join(command)}")
        for command in plan.background:
            _print(f"would start: {' '.join(command)} (in the background)")
        for note in plan.notes:
            _print(f"note: {note}")
        return 0
    outcome = service.install(plan, paths) if args.action == "install" else service.uninstall(paths)
    for path in outcome.written:
        _print(f"wrote {path}")
    for path in outcome.removed:
        _print(f"removed {path}")
    for command in outcome.ran:
        _print(f"ran {command}")
    for note in plan.notes:
        _print(f"note: {note}")
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_tray(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    from tray.icon import TrayApp

    TrayApp(paths).run()
    return 0


def cmd_popup(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    from tray.popup import main

    return main([args.query] if args.query else [])


def cmd_people(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    from daemon import people_cli

    return people_cli.run(args, settings, db, paths)
