"""The daemon's people: grouped from the index, kept up to date photo by photo, and what
clients may ask and say of them (`people.*` over the socket).

The grouping (daemon/index/people.py) is built from the index the first time it is
needed. After that a photo the writer tagged, changed or removed is noted, and before the
next question its faces leave their people and the new ones join (no regrouping of the
rest). What the user says goes to the book (daemon/people_book.py) at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from daemon.index.people import People, Person, faces_of
from daemon.index.store import Store
from daemon.people_book import PeopleBook, PeopleBookError

T = TypeVar("T")
log = logging.getLogger("smart_gallery.people")
MAX_NAME = 100


class PeopleRequestError(Exception):
    """A request about people cannot be done; the message says why (for the client)."""


class PeopleRequests:
    def __init__(self, book_file: Path, model: str | None,
                 read: Callable[[Callable[[Store], object]], object]) -> None:
        """model: the faces signal's model id (None: faces are off); read: asks the index
        on a connection of its own."""
        self.book_file = book_file
        self.model = model
        self._read = read
        self._lock = threading.Lock()
        self._people: People | None = None
        self._changed: set[int] = set()

    # --- kept up to date ----------------------------------------------------------------------
    def changed(self, photo_id: int) -> None:
        """The writer tagged, changed or removed this photo."""
        with self._lock:
            self._changed.add(photo_id)

    def reset(self) -> None:
        """The index was replaced (rebuilt): group again from it when next asked."""
        with self._lock:
            self._people = None
            self._changed.clear()

    def current(self) -> People | None:
        """The people as the index has them now (None: faces are off)."""
        if self.model is None:
            return None
        with self._lock:
            return self._current_locked()

    def for_search(self) -> People | None:
        """The people, when a search may need them: only once the user has named someone
        (grouping a large library's faces takes seconds; a search need not wait for it)."""
        if self.model is None:
            return None
        with self._lock:
            if self._people is None and not self._book_has_names():
                return None
            return self._current_locked()

    def warm_up(self) -> None:
        """Group the faces now (in a thread of its own, after the index is loaded)."""
        try:
            self.current()
        except PeopleRequestError as exc:
            log.warning("%s", exc)

    def _book_has_names(self) -> bool:
        try:
            return bool(PeopleBook.load(self.book_file).named())
        except PeopleBookError as exc:
            log.warning("%s", exc)
            return False

    def _current_locked(self) -> People:
        assert self.model is not None
        model = self.model
        if self._people is None:
            book = self._load_book()
            self._changed.clear()
            self._people = self._read(lambda store: People.build(store, model, book))  # type: ignore[assignment]
        elif self._changed:
            ids = sorted(self._changed)
            self._changed.clear()
            rows = self._read(lambda store: [(i, store.faces_tags_of(i, model)) for i in ids])
            for photo_id, row in rows:  # type: ignore[attr-defined]
                self._people.remove_photo(photo_id)
                if row is not None:
                    for face in faces_of(photo_id, *row):
                        self._people.add(face)
        assert self._people is not None
        return self._people

    def _load_book(self) -> PeopleBook:
        try:
            return PeopleBook.load(self.book_file)
        except PeopleBookError as exc:
            raise PeopleRequestError(str(exc)) from exc

    # --- what clients ask -------------------------------------------------------------------
    def list(self, min_photos: int = 1) -> dict[str, object]:
        """Everyone in at least min_photos photos (the named always), named first, then by
        how many photos; `fewer` says how many were left out."""
        if not isinstance(min_photos, int) or isinstance(min_photos, bool) or min_photos < 1:
            raise PeopleRequestError("min_photos must be a positive integer")
        if self.model is None:
            return {"state": "off", "people": [], "fewer": 0,
                    "how_to_enable": "set faces = true in settings.toml"}
        with self._lock:
            everyone = self._current_locked().all()
            shown = [p for p in everyone if p.name or len(p.photo_ids) >= min_photos]
            paths = self._paths({f.photo_id for p in shown if (f := p.sample())})
            return {"state": "on", "people": [p.to_json(paths) for p in shown],
                    "fewer": len(everyone) - len(shown)}

    def photos(self, person: int | str) -> dict[str, object]:
        with self._lock:
            found = self._find(person)
            paths = self._paths(set(found.photo_ids))
            return {**found.to_json(paths),
                    "paths": [paths[i] for i in found.photo_ids if i in paths]}

    def of_photo(self, path: str) -> dict[str, object]:
        """The people in one photo (the clearest face first)."""
        if not isinstance(path, str):
            raise PeopleRequestError("path must be a string")
        if self.model is None:
            return {"people": []}
        with self._lock:
            people = self._current_locked()
            photo = self._read(lambda store: store.photo_by_path(path))
            if photo is None:
                raise PeopleRequestError(f"{path} is not in the index")
            return {"people": [p.to_json() for p in people.people_in(photo.id)]}  # type: ignore[attr-defined]

    def name(self, person: int | str, name: str) -> dict[str, object]:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise PeopleRequestError(f"name must be a non-empty string of at most {MAX_NAME} "
                                     "characters")
        with self._lock:
            found = self._find(person)
            other = self._people.find(name) if self._people else None
            if other is not None and other.id != found.id:
                raise PeopleRequestError(
                    f"{name.strip()!r} is the name of person {other.id}; merge them instead "
                    f"(people merge {other.id} {found.id})")
            return self._saved(lambda people: people.name(found.id, name)).to_json()

    def merge(self, person: int | str, other: int | str) -> dict[str, object]:
        with self._lock:
            keep, gone = self._find(person), self._find(other)
            if keep.id == gone.id:
                raise PeopleRequestError(f"{person} and {other} are one person already: "
                                         "merge two people")
            return self._saved(lambda people: people.merge(keep.id, gone.id)).to_json()

    def split(self, person: int | str, paths: list[str]) -> dict[str, object]:
        if not isinstance(paths, list) or not paths or \
                not all(isinstance(p, str) for p in paths):
            raise PeopleRequestError("paths must be a non-empty list of photo paths")
        with self._lock:
            found = self._find(person)
            ids = self._read(lambda store: [store.photo_by_path(p) for p in paths])
            photo_ids = [photo.id for photo in ids if photo is not None]  # type: ignore[attr-defined]
            if not photo_ids:
                raise PeopleRequestError("none of these photos is in the index")
            try:
                new = self._saved(lambda people: people.split(found.id, photo_ids))
            except KeyError as exc:
                raise PeopleRequestError(str(exc.args[0])) from None
            kept = self._people.get(found.id) if self._people else None
            return {"person": kept.to_json() if kept else None,
                    "new_person": new.to_json() if new else None}

    def forget(self, person: int | str) -> dict[str, object]:
        with self._lock:
            found = self._find(person)
            self._saved(lambda people: people.forget(found.id))
            return {"forgotten": found.id}

    # --- helpers ---------------------------------------------------------------------------
    def _find(self, person: int | str) -> Person:
        if self.model is None:
            raise PeopleRequestError("faces are off (faces = false in settings.toml)")
        if not isinstance(person, int | str) or isinstance(person, bool):
            raise PeopleRequestError("person must be an id or a name")
        found = self._current_locked().find(str(person))
        if found is None:
            raise PeopleRequestError(f"no person {person!r}")
        return found

    def _saved(self, change: Callable[[People], T]) -> T:
        """Do a change that writes the book; a book that cannot be written is an error for
        the client, and the grouping is made again from the book as it is on disk."""
        assert self._people is not None
        try:
            return change(self._people)
        except PeopleBookError as exc:
            self._people = None
            raise PeopleRequestError(str(exc)) from exc

    def _paths(self, photo_ids: set[int]) -> dict[int, str]:
        if not photo_ids:
            return {}
        return self._read(lambda store: store.paths_of(sorted(photo_ids)))  # type: ignore[return-value]
