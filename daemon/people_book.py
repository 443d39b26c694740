"""What the user said about people: names, which faces belong together, which do not.

This is the user's data, not a cache: it lives beside settings.toml (people.json) and
survives re-indexing, a model change and a rebuilt index. It names faces by what does not
change when the index is rebuilt: the photo's content hash and the face's box (fractions
of the photo), so a person is found again whatever photo ids and descriptors the new index
gives (daemon/index/people.py). It is written whole to a temporary file and renamed over
the old one, so a crash leaves either the old or the new book.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1


class PeopleBookError(Exception):
    """The book cannot be read or written; the message says why."""


@dataclass(frozen=True)
class FaceKey:
    """A face as the book names it: which content, where in it."""

    content_hash: str
    box: tuple[float, float, float, float]

    def to_json(self) -> list[object]:
        return [self.content_hash, *self.box]

    @classmethod
    def from_json(cls, value: list[object]) -> FaceKey:
        content_hash, *box = value
        if not isinstance(content_hash, str) or len(box) != 4:
            raise ValueError(f"not a face: {value!r}")
        return cls(content_hash, tuple(round(float(v), 4) for v in box))  # type: ignore[arg-type]


@dataclass
class BookPerson:
    id: int
    name: str = ""
    faces: list[FaceKey] = field(default_factory=list)  # theirs, by the user's word
    apart: list[FaceKey] = field(default_factory=list)  # not theirs, by the user's word

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "faces": [f.to_json() for f in self.faces],
                "apart": [f.to_json() for f in self.apart]}


@dataclass
class PeopleBook:
    path: Path
    people: list[BookPerson] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> PeopleBook:
        """The book at path (an empty one when there is no file yet)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise PeopleBookError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            raw = json.loads(text)
            people = [BookPerson(int(p["id"]), str(p.get("name", "")),
                                 [FaceKey.from_json(f) for f in p.get("faces", [])],
                                 [FaceKey.from_json(f) for f in p.get("apart", [])])
                      for p in raw["people"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise PeopleBookError(f"{path} is not a people file this program can read "
                                  f"({exc}); it was left as it is") from exc
        return cls(path, people)

    def save(self) -> None:
        data = json.dumps({"version": VERSION, "people": [p.to_json() for p in self.people]},
                          ensure_ascii=False, indent=1)
        temporary = self.path.with_suffix(".json.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(data + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(self.path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise PeopleBookError(f"cannot write {self.path}: {exc.strerror}") from exc

    def get(self, person_id: int) -> BookPerson | None:
        return next((p for p in self.people if p.id == person_id), None)

    def named(self) -> dict[int, str]:
        return {p.id: p.name for p in self.people if p.name}
