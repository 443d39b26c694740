"""`smart-gallery people`: list the people found in the photos, name, merge, split, forget.

Through the daemon when it runs (it holds the grouping and writes the book); otherwise
from the index on disk, read-only, with the book written here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from daemon.config import Paths, Settings
from daemon.index.store import Store
from daemon.service.client import Client, DaemonError, DaemonNotRunning
from daemon.service.people_requests import PeopleRequestError, PeopleRequests
from daemon.signals import signal_models


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # noqa: SLF001
    people = sub.add_parser("people", help="the people in the photos: list, show, name, "
                                           "merge, split, forget")
    people.add_argument("--json", action="store_true", help="print JSON")
    actions = people.add_subparsers(dest="people_command")
    listing = actions.add_parser("list", help="every person: id, name, photos, a sample photo")
    for parser in (people, listing):
        # on `people` and on `people list` alike (the latter only when given)
        parser.add_argument("--min-photos", type=int,
                            default=2 if parser is people else argparse.SUPPRESS,
                            help="leave out those seen in fewer photos (default 2; the named "
                                 "are always listed)")
    show = actions.add_parser("show", help="the photos of a person")
    show.add_argument("person", help="id or name")
    name = actions.add_parser("name", help="give a person a name («Мама»)")
    name.add_argument("person", help="id or name")
    name.add_argument("name")
    merge = actions.add_parser("merge", help="two people are one: B's faces become A's")
    merge.add_argument("person", help="id or name (keeps its id)")
    merge.add_argument("other", help="id or name")
    split = actions.add_parser("split", help="these photos do not show this person")
    split.add_argument("person", help="id or name")
    split.add_argument("photos", nargs="+", type=Path)
    forget = actions.add_parser("forget", help="forget a person's name and what you said "
                                               "of their faces")
    forget.add_argument("person", help="id or name")
    for action in actions.choices.values():
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                            help="print JSON")
    return people


def run(args: argparse.Namespace, settings: Settings, db: Path, paths: Paths) -> int:
    action = args.people_command or "list"
    method, params = _request(action, args)
    try:
        answer = _ask(method, params, settings, db, paths, getattr(args, "db", None))
    except (PeopleRequestError, DaemonError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        from daemon.cli import print_json

        print_json(answer)
        return 0
    _show(action, answer)
    return 0


def _request(action: str, args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    person = _person(getattr(args, "person", ""))
    if action == "list":
        return "people.list", {"min_photos": args.min_photos}
    if action == "show":
        return "people.photos", {"person": person}
    if action == "name":
        return "people.name", {"person": person, "name": args.name}
    if action == "merge":
        return "people.merge", {"person": person, "other": _person(args.other)}
    if action == "split":
        return "people.split", {"person": person,
                                "paths": [str(p.expanduser().resolve()) for p in args.photos]}
    return "people.forget", {"person": person}


def _person(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _ask(method: str, params: dict[str, object], settings: Settings, db: Path, paths: Paths,
         own_db: Path | None) -> dict[str, object]:
    if own_db is None:  # the daemon serves the default index only
        try:
            with Client(paths.socket) as client:
                return client.call(method, **params)
        except DaemonNotRunning:
            pass
    if not db.exists():
        raise PeopleRequestError(f"no index at {db}: index a folder first")

    def read(question):  # noqa: ANN001, ANN202
        with Store(db, readonly=True) as store:
            return question(store)

    requests = PeopleRequests(paths.people_file, signal_models(settings).get("faces"), read)
    handler = {"people.list": requests.list, "people.photos": requests.photos,
               "people.name": requests.name, "people.merge": requests.merge,
               "people.split": requests.split, "people.forget": requests.forget}[method]
    return handler(**params)  # type: ignore[arg-type]


def _show(action: str, answer: dict) -> None:
    if action == "list":
        if answer.get("state") == "off":
            print(f"Лица не ищутся: {answer.get('how_to_enable', '')}")
            return
        if not answer["people"]:
            more = f" (реже: {answer['fewer']}; --min-photos 1: все)" if answer.get("fewer") \
                else ""
            print(f"Людей пока не найдено{more}.")
            return
        print(f"Людей: {len(answer['people'])}")
        for person in answer["people"]:
            name = person["name"] or "(без имени)"
            print(f"{person['id']:>8}  {name:<20} фото: {person['photos']:<5} {person['sample']}")
        if answer.get("fewer"):
            print(f"… и ещё {answer['fewer']}, кто реже (--min-photos 1: все)")
        return
    if action == "show":
        print(f"{answer['id']} {answer['name'] or '(без имени)'}: фото {answer['photos']}")
        for path in answer["paths"]:
            print(f"  {path}")
        return
    if action == "split":
        new = answer.get("new_person")
        print("Готово." + (f" Эти фото теперь у человека {new['id']}." if new else ""))
        return
    if action == "forget":
        print(f"Забыт человек {answer['forgotten']}: имя и то, что вы о нём сказали.")
        return
    print(f"{answer['id']} {answer['name'] or '(без имени)'}: фото {answer['photos']}")
