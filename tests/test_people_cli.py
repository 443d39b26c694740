"""`smart-gallery people` as a user runs it, without a daemon: a real index on disk, the
names written to the user's people.json, a search by name, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from face_photos import photos_of
from test_cli import run


def test_list_name_show_and_search_by_name(tmp_path: Path) -> None:
    library = tmp_path / "photos"
    library.mkdir()
    for n, source in enumerate(photos_of("Kofi_Annan")[:3]):
        shutil.copy(source, library / f"дедушка {n}.jpg")
    for n, source in enumerate(photos_of("Katy_Perry")[:2]):
        shutil.copy(source, library / f"Оля {n}.jpg")
    shutil.copy(photos_of("Meryl_Streep")[0], library / "гостья.jpg")  # seen once
    home = tmp_path / "home"
    run(home, "index", str(library), "--quiet", "--no-text")

    listed = json.loads(run(home, "people", "--json").stdout)
    assert listed["state"] == "on"
    sizes = sorted(p["photos"] for p in listed["people"])
    assert sizes == [2, 3] and listed["fewer"] == 1  # those seen once are left out…
    everyone = json.loads(run(home, "people", "list", "--min-photos", "1", "--json").stdout)
    assert sorted(p["photos"] for p in everyone["people"]) == [1, 2, 3]  # …unless asked for
    grandpa = next(p for p in listed["people"] if p["photos"] == 3)
    assert Path(grandpa["sample"]).name.startswith("дедушка")

    out = run(home, "people", "name", str(grandpa["id"]), "Дедушка Коля").stdout
    assert "Дедушка Коля" in out
    assert "Дедушка Коля" in (home / "config" / "people.json").read_text(encoding="utf-8")
    shown = run(home, "people", "show", "дедушка коля").stdout  # by name, any case
    assert shown.count("дедушка ") == 3

    found = json.loads(run(home, "search", "с дедушкой Колей", "--json").stdout)
    assert sorted(Path(r["path"]).name for r in found["results"]) == [
        "дедушка 0.jpg", "дедушка 1.jpg", "дедушка 2.jpg"]
    table = run(home, "people").stdout
    assert "Дедушка Коля" in table and "(без имени)" in table
    assert "… и ещё 1, кто реже" in table
    # a name that is no word of the vocabulary, found only by the name («дедушка» is also
    # any old man), read from the index on disk as the daemon would
    olya = next(p for p in listed["people"] if p["photos"] == 2)
    run(home, "people", "name", str(olya["id"]), "Оля")
    found = json.loads(run(home, "search", "с Олей", "--json").stdout)
    assert sorted(Path(r["path"]).name for r in found["results"]) == ["Оля 0.jpg", "Оля 1.jpg"]
    itself = run(home, "people", "merge", "Оля", str(olya["id"]), check=False)
    assert itself.returncode == 1 and "one person already" in itself.stderr


def test_unknown_person_is_a_clear_error(tmp_path: Path) -> None:
    library = tmp_path / "photos"
    library.mkdir()
    shutil.copy(photos_of("Kofi_Annan")[0], library / "a.jpg")
    home = tmp_path / "home"
    run(home, "index", str(library), "--quiet", "--no-text")
    result = run(home, "people", "name", "12345", "Мама", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no person 12345"
    assert not (home / "config" / "people.json").exists()
