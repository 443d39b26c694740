"""The faces of the library grouped into people, and the user's names for them.

A face joins the person whose mean descriptor is nearest, when it is nearer than
SAME_PERSON (dlib's descriptors: Euclidean); otherwise it starts a new person. Faces are
taken in the order of their photos' ids, so a photo indexed later joins the people there
are (`add`: no regrouping per photo) and a grouping built again from the index is the
same. What the user said (daemon/people_book.py) comes first: the faces they put with a
person are that person's before any other face is placed, and a face they took away from
a person never joins it again.

A person's id is the book's for a person the user named or edited, else made from its
first face (photo id × 10 + the face's number + 1), so it stays while that photo stays.
The grouping is a cache, made again from the index and the book whenever needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from daemon.index.store import SparseTags, Store
from daemon.people_book import BookPerson, FaceKey, PeopleBook
from daemon.signals.faces import stored_faces

# A face joins a person when its mean distance to their faces is below this (dlib's own
# rule is 0.6 between two faces). On the labelled faces of ../shared/data/faces
# (bench/face_identity.py): 0.48 groups them with pairwise precision 0.97 and recall 0.76,
# 0.50 with 0.97 / 0.81, 0.52 with 0.81 / 0.86 (two pairs of people merge).
SAME_PERSON = 0.5
# Children's faces lie nearer each other in dlib's space (it was trained on few): a child
# joins a person, or anyone a person who was once a child, only this near. In the 899 COCO
# photos at 0.42 three different children still made one person.
SAME_CHILD = 0.36
CHILD_UNTIL = 12
SAME_BOX = 0.5  # a face of the book is the index's face whose box overlaps it this much
MEMBERS_COMPARED = 32  # a new face is compared with this many faces of each person
ID_BASE = 10_000_000  # ids made from faces that meet a book id move up by this


@dataclass(frozen=True)
class IndexedFace:
    photo_id: int
    index: int  # its number in the photo
    content_hash: str
    box: tuple[float, float, float, float]
    descriptor: np.ndarray  # (128,) float32
    male: float
    age: float

    @property
    def key(self) -> FaceKey:
        # rounded as the book writes it, so a key read back equals the key made here
        return FaceKey(self.content_hash, tuple(round(v, 4) for v in self.box))  # type: ignore[arg-type]


@dataclass
class Person:
    id: int
    name: str
    faces: list[IndexedFace] = field(default_factory=list)
    total: np.ndarray = field(default_factory=lambda: np.zeros(128, np.float64))

    @property
    def centre(self) -> np.ndarray:
        """The mean of the faces a new face is compared with (the first MEMBERS_COMPARED)."""
        compared = self.faces[:MEMBERS_COMPARED]
        if len(self.faces) <= MEMBERS_COMPARED:
            return self.total / max(1, len(self.faces))
        return np.mean([f.descriptor for f in compared], axis=0)

    @property
    def youngest(self) -> float:
        """The youngest age any of their faces looks."""
        return min((f.age for f in self.faces), default=200.0)

    @property
    def photo_ids(self) -> list[int]:
        return sorted({f.photo_id for f in self.faces})

    def sample(self) -> IndexedFace | None:
        """The face to show: the largest."""
        return max(self.faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]),
                   default=None)

    def to_json(self, paths: dict[int, str] | None = None) -> dict[str, object]:
        sample = self.sample()
        return {"id": self.id, "name": self.name, "photos": len(self.photo_ids),
                "faces": len(self.faces),
                "sample": (paths or {}).get(sample.photo_id, "") if sample else "",
                "sample_box": [round(v, 3) for v in sample.box] if sample else None}


def faces_of(photo_id: int, content_hash: str, tags: SparseTags) -> list[IndexedFace]:
    """The faces with a descriptor in one photo's rows of the faces signal."""
    return [IndexedFace(photo_id, f.index, content_hash, f.box, f.descriptor, f.male, f.age)
            for f in stored_faces(tags) if f.descriptor is not None]


def same_box(a: Sequence[float], b: Sequence[float]) -> bool:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return False
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return union > 0 and inter / union >= SAME_BOX


class People:
    """The library's people: built from the index's faces and the user's book."""

    def __init__(self, book: PeopleBook, threshold: float = SAME_PERSON) -> None:
        self.book = book
        self.threshold = threshold
        self._people: dict[int, Person] = {}
        self._of_face: dict[tuple[int, int], int] = {}  # (photo id, face) -> person id
        self._faces_in: dict[int, list[int]] = {}  # photo id -> its grouped faces' numbers
        self._centres = np.zeros((0, 128), np.float32)
        self._order: list[int] = []  # person ids in the rows of _centres
        self._row: dict[int, int] = {}  # person id -> its row of _centres
        self._centre_norms = np.zeros(0, np.float32)  # |centre|² by row
        # the faces each person is compared by (the first MEMBERS_COMPARED) and their rows
        self._members = np.zeros((0, 128), np.float32)
        self._member_rows = np.zeros(0, np.int64)
        self._member_count = 0
        self._read_book()

    def _read_book(self) -> None:
        """The book's faces by content hash, for finding them among the index's."""
        self._owners: dict[str, list[tuple[BookPerson, tuple[float, ...]]]] = {}
        self._apart: dict[tuple[int, str], list[tuple[float, ...]]] = {}
        for person in self.book.people:
            for key in person.faces:
                self._owners.setdefault(key.content_hash, []).append((person, key.box))
            for key in person.apart:
                self._apart.setdefault((person.id, key.content_hash), []).append(key.box)

    @classmethod
    def build(cls, store: Store, model: str, book: PeopleBook,
              threshold: float = SAME_PERSON) -> People:
        people = cls(book, threshold)
        people.add_all(face for photo_id, content_hash, tags in
                       store.iter_tags_with_hashes(model)
                       for face in faces_of(photo_id, content_hash, tags))
        return people

    # --- grouping -------------------------------------------------------------------------
    def add_all(self, faces: Iterable[IndexedFace]) -> None:
        """Group these faces: the book's first, then the rest in order."""
        faces = list(faces)
        rest = []
        for face in faces:
            owner = self._book_owner(face)
            if owner is not None:
                self._join(face, owner.id, owner.name)
            else:
                rest.append(face)
        for face in rest:
            self.add(face)

    def add(self, face: IndexedFace) -> int:
        """Group one new face; the id of the person it joined or started."""
        owner = self._book_owner(face)
        if owner is not None:
            return self._join(face, owner.id, owner.name)
        if self._order:
            distances = self._distances(face.descriptor)
            for row in np.argsort(distances):
                if distances[row] >= self.threshold:
                    break
                person_id = self._order[row]
                # a child on either side: only when surely the same
                if distances[row] >= SAME_CHILD and (
                        face.age <= CHILD_UNTIL or self._people[person_id].youngest <= CHILD_UNTIL):
                    continue
                if not self._kept_apart(face, person_id):
                    return self._join(face, person_id, self._people[person_id].name)
        return self._join(face, self._new_id(face), "")

    def _distances(self, descriptor: np.ndarray) -> np.ndarray:
        """The face's mean distance to each person's faces (the first MEMBERS_COMPARED of
        them), by row of _order: average linkage, which a few far faces of a person do not
        pull apart and one near face of another does not pull together. Only for the
        people whose compared faces' mean is nearer than the threshold (the mean distance
        to points is never below the distance to their mean); the rest are left at inf."""
        people = len(self._order)
        centres = self._centres[:people]
        near = (self._centre_norms[:people] - 2 * (centres @ descriptor)
                + float(descriptor @ descriptor)) < self.threshold ** 2
        distances = np.full(people, np.inf)
        if not near.any():
            return distances
        owners = self._member_rows[:self._member_count]
        compared = near[owners]
        rows = owners[compared]
        gaps = np.linalg.norm(self._members[:self._member_count][compared] - descriptor, axis=1)
        sums = np.bincount(rows, weights=gaps, minlength=people)
        counts = np.bincount(rows, minlength=people)
        distances[near] = sums[near] / np.maximum(counts[near], 1)
        return distances

    def remove_photo(self, photo_id: int) -> None:
        """The photo left the index (or changed): its faces leave their people."""
        indexes = self._faces_in.pop(photo_id, [])
        if not indexes:  # a new photo, or one without faces: nothing to undo
            return
        touched = {self._of_face.pop((photo_id, index)) for index in indexes}
        for person_id in touched:
            person = self._people[person_id]
            person.faces = [f for f in person.faces if f.photo_id != photo_id]
            person.total = np.sum([f.descriptor for f in person.faces], axis=0,
                                  dtype=np.float64) if person.faces else np.zeros(128)
            if not person.faces:
                del self._people[person_id]
        self._refresh_centres()

    def _book_owner(self, face: IndexedFace) -> BookPerson | None:
        for person, box in self._owners.get(face.content_hash, ()):
            if same_box(box, face.box):
                return person
        return None

    def _kept_apart(self, face: IndexedFace, person_id: int) -> bool:
        return any(same_box(box, face.box)
                   for box in self._apart.get((person_id, face.content_hash), ()))

    def _new_id(self, face: IndexedFace) -> int:
        person_id = face.photo_id * 10 + face.index + 1
        while person_id in self._people or self.book.get(person_id) is not None:
            person_id += ID_BASE
        return person_id

    def _join(self, face: IndexedFace, person_id: int, name: str) -> int:
        person = self._people.get(person_id)
        if person is None:
            person = self._people[person_id] = Person(person_id, name)
            self._row[person_id] = len(self._order)
            self._order.append(person_id)
            if len(self._order) > len(self._centres):  # room for more, doubling
                grown = np.zeros((max(16, 2 * len(self._centres)), 128), np.float32)
                grown[:len(self._centres)] = self._centres
                norms = np.zeros(len(grown), np.float32)
                norms[:len(self._centre_norms)] = self._centre_norms
                self._centres, self._centre_norms = grown, norms
        person.faces.append(face)
        person.total = person.total + face.descriptor
        if len(person.faces) <= MEMBERS_COMPARED:  # the compared faces' mean moves
            row = self._row[person_id]
            self._centres[row] = person.total / len(person.faces)
            self._centre_norms[row] = float(self._centres[row] @ self._centres[row])
            if self._member_count == len(self._members):
                grown = np.zeros((max(64, 2 * len(self._members)), 128), np.float32)
                grown[:self._member_count] = self._members
                rows = np.zeros(len(grown), np.int64)
                rows[:self._member_count] = self._member_rows
                self._members, self._member_rows = grown, rows
            self._members[self._member_count] = face.descriptor
            self._member_rows[self._member_count] = self._row[person_id]
            self._member_count += 1
        self._of_face[(face.photo_id, face.index)] = person_id
        self._faces_in.setdefault(face.photo_id, []).append(face.index)
        return person_id

    def _refresh_centres(self) -> None:
        self._order = [pid for pid in self._order if pid in self._people]
        self._row = {pid: row for row, pid in enumerate(self._order)}
        self._centres = np.array([self._people[pid].centre for pid in self._order],
                                 np.float32).reshape(-1, 128)
        self._centre_norms = np.einsum("ij,ij->i", self._centres, self._centres)
        kept = [(row, f.descriptor) for row, pid in enumerate(self._order)
                for f in self._people[pid].faces[:MEMBERS_COMPARED]]
        self._members = np.array([d for _, d in kept], np.float32).reshape(-1, 128)
        self._member_rows = np.array([r for r, _ in kept], np.int64)
        self._member_count = len(kept)

    # --- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._people)

    def all(self) -> list[Person]:
        """Named people first, then by how many photos, most first."""
        return sorted(self._people.values(),
                      key=lambda p: (not p.name, -len(p.photo_ids), p.id))

    def get(self, person_id: int) -> Person | None:
        return self._people.get(person_id)

    def find(self, id_or_name: str) -> Person | None:
        """A person by id or by name (any case)."""
        text = id_or_name.strip()
        if text.isdigit():
            return self._people.get(int(text))
        folded = text.casefold()
        return next((p for p in self._people.values() if p.name.casefold() == folded), None)

    def names(self) -> dict[int, str]:
        return {p.id: p.name for p in self._people.values() if p.name}

    def photos_of(self, person_id: int) -> set[int]:
        person = self._people.get(person_id)
        return {f.photo_id for f in person.faces} if person else set()

    def person_of(self, photo_id: int, index: int) -> int | None:
        return self._of_face.get((photo_id, index))

    def people_in(self, photo_id: int) -> list[Person]:
        """The people whose faces a photo shows, in the faces' order (the clearest first)."""
        return [self._people[self._of_face[(photo_id, index)]]
                for index in sorted(self._faces_in.get(photo_id, []))]

    # --- what the user says (saved in the book) ---------------------------------------------
    def _book_entry(self, person: Person) -> BookPerson:
        entry = self.book.get(person.id)
        if entry is None:
            entry = BookPerson(person.id)
            self.book.people.append(entry)
        known = set(entry.faces)
        entry.faces.extend(f.key for f in person.faces if f.key not in known)
        return entry

    def name(self, person_id: int, name: str) -> Person:
        person = self._require(person_id)
        entry = self._book_entry(person)
        entry.name = person.name = name.strip()
        self.book.save()
        self._read_book()
        return person

    def merge(self, keep_id: int, other_id: int) -> Person:
        """The other person's faces are this one's; a name of either stays (this one's
        first)."""
        keep, other = self._require(keep_id), self._require(other_id)
        if keep is other:
            return keep
        entry = self._book_entry(keep)
        other_entry = self.book.get(other.id)
        entry.faces.extend(f.key for f in other.faces if f.key not in set(entry.faces))
        if not entry.name and other.name:
            entry.name = other.name
        if other_entry is not None:
            entry.apart.extend(other_entry.apart)
            self.book.people.remove(other_entry)
        self.book.save()
        self._regroup()
        return self._people[keep_id]

    def split(self, person_id: int, photo_ids: Iterable[int]) -> Person | None:
        """The person's faces in these photos are not theirs: they leave and are grouped
        anew (never with this person again). Returns the person they now form, if any."""
        person = self._require(person_id)
        leaving = [f for f in person.faces if f.photo_id in set(photo_ids)]
        if not leaving:
            raise KeyError("none of these photos has a face of this person")
        entry = self._book_entry(person)
        entry.faces = [k for k in entry.faces if not any(
            k.content_hash == f.content_hash and same_box(k.box, f.box) for f in leaving)]
        entry.apart.extend(f.key for f in leaving if f.key not in set(entry.apart))
        self.book.save()
        self._regroup()
        new_ids = {self.person_of(f.photo_id, f.index) for f in leaving}
        new_ids.discard(None)
        return self._people.get(min(new_ids)) if new_ids else None  # type: ignore[type-var]

    def forget(self, person_id: int) -> None:
        """Forget what the user said of this person: the name, and which faces are theirs;
        the faces are grouped on their own again."""
        entry = self.book.get(person_id)
        if entry is None and person_id not in self._people:
            raise KeyError(person_id)
        if entry is not None:
            self.book.people.remove(entry)
            self.book.save()
        self._regroup()

    def _require(self, person_id: int) -> Person:
        person = self._people.get(person_id)
        if person is None:
            raise KeyError(person_id)
        return person

    def _regroup(self) -> None:
        faces = sorted((f for p in self._people.values() for f in p.faces),
                       key=lambda f: (f.photo_id, f.index))
        self._people, self._of_face, self._faces_in = {}, {}, {}
        self._centres, self._order, self._row = np.zeros((0, 128), np.float32), [], {}
        self._centre_norms = np.zeros(0, np.float32)
        self._members, self._member_rows = np.zeros((0, 128), np.float32), np.zeros(0, np.int64)
        self._member_count = 0
        self._read_book()
        self.add_all(faces)
