"""Faces grouped into people, and what the user says of them: names, merges, splits.
Real descriptors of real photos (../shared/data/faces), a real book file on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from face_photos import photos_of

from daemon.index.people import IndexedFace, People
from daemon.people_book import PeopleBook
from daemon.signals.decode import decode_photo
from daemon.signals.faces import Faces


@pytest.fixture(scope="module")
def described() -> dict[str, list[tuple[str, tuple[float, float, float, float], object]]]:
    """(content hash, box, descriptor) of the main face of each photo of three people."""
    signal = Faces(None)
    found = {}
    for person in ("Barack_Obama", "Katy_Perry", "Kofi_Annan"):
        found[person] = []
        for path in photos_of(person)[:4]:
            photo = decode_photo(path)
            reading = signal.look(photo.image)[0]
            width, height = photo.image.size
            x1, y1, x2, y2 = reading.face.box
            found[person].append((photo.content_hash,
                                  (x1 / width, y1 / height, x2 / width, y2 / height),
                                  reading.descriptor))
    return found


def _faces(described, order: list[tuple[str, int]], first_id: int = 1) -> list[IndexedFace]:
    """The faces as an index would hold them, photo ids in this order."""
    faces = []
    for number, (person, index) in enumerate(order, start=first_id):
        content_hash, box, descriptor = described[person][index]
        faces.append(IndexedFace(number, 0, content_hash, box, descriptor, 0.5, 40.0))
    return faces


ALL = [(p, i) for i in range(4) for p in ("Barack_Obama", "Katy_Perry", "Kofi_Annan")]


def test_photos_of_one_person_are_one_person_and_of_others_not(described, tmp_path) -> None:
    people = People(PeopleBook(tmp_path / "people.json"))
    people.add_all(_faces(described, ALL))
    assert len(people) == 3
    groups = sorted(sorted(p.photo_ids) for p in people.all())
    assert groups == [[1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]]


def test_a_new_photo_joins_its_person_without_regrouping(described, tmp_path) -> None:
    people = People(PeopleBook(tmp_path / "people.json"))
    faces = _faces(described, ALL)
    people.add_all(faces[:-3])
    before = {p.id: p.photo_ids for p in people.all()}
    for face in faces[-3:]:  # the last photo of each: indexed later
        joined = people.add(face)
        assert joined in before  # an existing person, not a new one
    assert {p.id for p in people.all()} == set(before)


def test_a_name_survives_a_rebuilt_index(described, tmp_path) -> None:
    book_file = tmp_path / "people.json"
    people = People(PeopleBook.load(book_file))
    people.add_all(_faces(described, ALL))
    obama = people.person_of(1, 0)
    assert obama is not None
    people.name(obama, "Папа")
    # another index of the same photos: other photo ids, other order, a new process
    rebuilt = People(PeopleBook.load(book_file))
    rebuilt.add_all(_faces(described, list(reversed(ALL)), first_id=100))
    papa = rebuilt.find("папа")
    assert papa is not None and papa.id == obama
    assert len(papa.photo_ids) == 4
    assert papa.photo_ids == sorted(rebuilt.photos_of(papa.id))
    assert all(rebuilt.person_of(i, 0) == papa.id for i in papa.photo_ids)


def test_merge_split_and_forget(described, tmp_path) -> None:
    book_file = tmp_path / "people.json"
    people = People(PeopleBook.load(book_file))
    people.add_all(_faces(described, ALL))
    obama, perry = people.person_of(1, 0), people.person_of(2, 0)
    assert obama is not None and perry is not None and obama != perry
    merged = people.merge(obama, perry)  # the user says they are one
    assert merged.id == obama and len(merged.photo_ids) == 8 and len(people) == 2
    # and it holds in a new process
    again = People(PeopleBook.load(book_file))
    again.add_all(_faces(described, ALL))
    assert len(again.photos_of(obama)) == 8
    # the user takes two photos away: they leave, and never join this person again
    new = again.split(obama, [2, 5])
    assert new is not None and new.id != obama
    assert sorted(again.photos_of(new.id)) == [2, 5]
    assert 2 not in again.photos_of(obama) and 5 not in again.photos_of(obama)
    third = People(PeopleBook.load(book_file))
    third.add_all(_faces(described, ALL))
    assert {2, 5}.isdisjoint(third.photos_of(obama))
    # forgetting the person forgets what was said: the faces group by themselves again
    third.forget(obama)
    fresh = People(PeopleBook.load(book_file))
    fresh.add_all(_faces(described, ALL))
    assert len(fresh) == 3 and fresh.names() == {}


def test_unknown_people_are_an_error(described, tmp_path) -> None:
    people = People(PeopleBook(tmp_path / "people.json"))
    people.add_all(_faces(described, ALL))
    with pytest.raises(KeyError):
        people.name(999, "Кто-то")
    assert people.find("999") is None and people.find("Никто") is None


def test_a_removed_photo_leaves_its_person(described, tmp_path) -> None:
    people = People(PeopleBook(tmp_path / "people.json"))
    people.add_all(_faces(described, ALL))
    kofi = people.person_of(3, 0)
    people.remove_photo(3)
    assert people.photos_of(kofi) == {6, 9, 12}  # the person stays, with its other photos
    assert 3 not in {i for p in people.all() for i in p.photo_ids}
    for photo_id in (6, 9, 12):
        people.remove_photo(photo_id)
    assert len(people) == 2


def test_the_book_is_the_users_file(tmp_path: Path) -> None:
    book_file = tmp_path / "config" / "people.json"
    PeopleBook.load(book_file).save()  # an empty book, written
    assert book_file.exists()
    book_file.write_text("{not json", encoding="utf-8")
    from daemon.people_book import PeopleBookError

    with pytest.raises(PeopleBookError, match="left as it is"):
        PeopleBook.load(book_file)
    assert book_file.read_text(encoding="utf-8") == "{not json"  # never overwritten
