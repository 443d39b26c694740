"""The real daemon finds faces as it tags photos, groups them into people, and takes the
names the user gives them over its socket; the names are the user's and outlive a
re-index, a rebuilt index and turning faces off and on."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import clear_photo
from daemon_process import DaemonProcess
from face_photos import photos_of

from daemon.service.client import DaemonError


def _names(answer: dict) -> set[str]:
    return {Path(r["path"]).name for r in answer["results"]}


def _face_rows(index: Path) -> int:
    with sqlite3.connect(index) as db:
        return db.execute("SELECT count(*) FROM tags WHERE model LIKE 'faces-%'").fetchone()[0]


def test_people_are_found_named_and_searched_by_name(tmp_path: Path) -> None:
    library = tmp_path / "Фото семьи"
    library.mkdir()
    papa = [f"папа {n} 🙂.jpg" for n in range(1, 4)]
    mama = [f"мама на отдыхе {n}.jpg" for n in range(1, 4)]
    for name, source in zip(papa, photos_of("Barack_Obama"), strict=False):
        shutil.copy(source, library / name)
    for name, source in zip(mama, photos_of("Katy_Perry"), strict=False):
        shutil.copy(source, library / name)
    shutil.copy(clear_photo("bus"), library / "автобус.jpg")
    home = tmp_path / "home"
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(library))
        daemon.wait_idle()
        listed = daemon.call("people.list")
        assert listed["state"] == "on"
        by_photos = {frozenset(Path(p).name for p in daemon.call(
            "people.photos", person=person["id"])["paths"]): person["id"]
            for person in listed["people"]}
        assert frozenset(papa) in by_photos and frozenset(mama) in by_photos
        daemon.call("people.name", person=by_photos[frozenset(mama)], name="Мама")
        daemon.call("people.name", person=by_photos[frozenset(papa)], name="Папа")

        # by name, in any case and form, before the vocabulary's «мама» (a woman)
        assert _names(daemon.call("search", query="с Мамой")) == set(mama)
        assert _names(daemon.call("search", query="папа")) == set(papa)
        answer = daemon.call("search", query="мама")
        assert any("Мама: лицо на фото" in why for why in answer["results"][0]["why"])
        assert daemon.call("search", query="мама и папа")["results"] == []  # never together
        # the words for people answer by the faces
        assert _names(daemon.call("search", query="женщина", limit=3)) <= set(mama)
        assert _names(daemon.call("search", query="мужчина", limit=3)) <= set(papa)

        # a new photo of the same person joins them
        shutil.copy(photos_of("Barack_Obama")[3], library / "папа 4.jpg")
        daemon.wait_until(lambda: "папа 4.jpg" in _names(daemon.call("search", query="папа")),
                          60, "the new photo did not join its person")
        # a re-index tags everything again; the names stay
        daemon.call("reindex")
        daemon.wait_idle()
        assert _names(daemon.call("search", query="папа")) == {*papa, "папа 4.jpg"}
        assert daemon.stop() == 0

    index = home / "data" / "index.sqlite3"
    index.unlink()  # the index is a cache: rebuilt from the photos, the names come back
    (home / "data" / "index.sqlite3.matrix").unlink(missing_ok=True)
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.wait_until(lambda: _names(daemon.call("search", query="мама")) == set(mama),
                          120, "the names did not come back with a rebuilt index")
        assert daemon.stop() == 0
    assert _face_rows(index) > 0

    settings = home / "config" / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    assert "faces = true" in text  # the daemon wrote every setting when the folder was added
    settings.write_text(text.replace("faces = true", "faces = false"), encoding="utf-8")
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.wait_idle()
        assert daemon.call("people.list")["state"] == "off"
        assert daemon.call("search", query="с мамой")["results"] == []
        assert daemon.stop() == 0
    assert _face_rows(index) == 0  # the face data is gone
    assert "Мама" in (home / "config" / "people.json").read_text(encoding="utf-8")


def test_a_damaged_people_file_is_said_and_kept_and_search_goes_on(tmp_path: Path) -> None:
    library = tmp_path / "photos"
    library.mkdir()
    shutil.copy(photos_of("Kofi_Annan")[0], library / "дед.jpg")
    home = tmp_path / "home"
    book = home / "config" / "people.json"
    book.parent.mkdir(parents=True)
    book.write_text('{"people": [{"id": "not a number"', encoding="utf-8")  # cut short
    with DaemonProcess(home) as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(library))
        daemon.wait_idle()
        assert _names(daemon.call("search", query="мужчина")) == {"дед.jpg"}
        with pytest.raises(DaemonError, match="people.json is not a people file") as raised:
            daemon.call("people.list")
        assert "left as it is" in str(raised.value)
        for garbage in ({"person": None}, {"person": True}, {"person": 1, "name": ""},
                        {"person": 1, "name": "x" * 101}):
            with pytest.raises(DaemonError):
                daemon.call("people.name", **garbage)
        assert daemon.stop() == 0
    assert book.read_text(encoding="utf-8") == '{"people": [{"id": "not a number"'
