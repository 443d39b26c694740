"""The `smart-gallery` command, run as a user runs it: a real process on real folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from badfiles import make_bad_corpus
from conftest import COCO, clear_photo
from index_damage import damage_all_but_header, fill_up, small_filesystem
from photo_files import write_photo
from text_images import RECEIPT, draw_lines, needs_tesseract


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMART_GALLERY_HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "daemon.cli", *args], env=env, text=True,
                            capture_output=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.fixture
def indexed(tmp_path: Path, photo_dir: Path) -> tuple[Path, Path, str]:
    make_bad_corpus(photo_dir / "сломанные", clear_photo("cat"))
    home = tmp_path / "home"
    result = run(home, "index", str(photo_dir))
    return home, photo_dir, result.stdout


def test_index_reports_counts_speed_and_every_skipped_file(indexed) -> None:
    _, _, out = indexed
    # 7 clear photos + 7 odd-but-real ones; one of those is a byte copy of a cat photo,
    # tagged again or recognised as a copy depending on which a worker reaches first.
    counts = dict(re.findall(r"(tagged|copies) (\d+)", out))
    assert int(counts["tagged"]) + int(counts["copies"]) == 14
    assert "photos/s" in out
    for name in ("truncated.jpg", "zero.jpg", "text.jpg", "huge_dimensions.png",
                 "unreadable.jpg"):
        assert any(line.startswith("skipped") and name in line for line in out.splitlines())


def test_search_ranks_and_explains(indexed) -> None:
    home, photos, _ = indexed
    out = run(home, "search", "котик", "--json").stdout
    data = json.loads(out)
    names = [Path(r["path"]).name for r in data["results"]]
    # Cats first: the two cat photos and the odd-format copies of one of them (grey,
    # CMYK, 16-bit... in сломанные/), before any dog, bus or pizza.
    first_other = next((i for i, n in enumerate(names) if n.startswith(("dog", "bus", "pizza"))),
                       len(names))
    assert {"cat_0.jpg", "cat_1.jpg"} <= set(names[:first_other])
    assert all(r["why"] and "←" in r["why"][0] for r in data["results"])
    assert data["results"][0]["score"] >= data["results"][-1]["score"]
    text = run(home, "search", "пицца").stdout
    assert "pizza_0.jpg" in text and "пицца ← pizza" in text


def test_similar_lists_the_photos_most_like_one(indexed) -> None:
    home, photos, _ = indexed
    out = run(home, "similar", str(photos / "cat_0.jpg"), "-n", "3").stdout.splitlines()
    assert out[0] == "Похожие на cat_0.jpg"
    assert "похоже: " in "\n".join(out) and "cat_0.jpg" not in "\n".join(out[1:])
    only_cats = json.loads(run(home, "similar", str(photos / "cat_0.jpg"), "кошка",
                               "--json").stdout)
    assert only_cats["results"] and all("кошка" in " ".join(r["why"])
                                        for r in only_cats["results"])
    missing = run(home, "similar", str(photos / "нет.jpg"), check=False)
    assert missing.returncode == 1 and "not in the index" in missing.stderr


def test_duplicates_lists_the_byte_copy_and_deletes_nothing(indexed) -> None:
    home, photos, _ = indexed
    copy = photos / "сломанные" / "кошка на диване 🐱.jpg"  # a byte copy of cat_0.jpg
    answer = json.loads(run(home, "duplicates", "--json").stdout)
    group = next(g for g in answer["groups"]
                 if str(photos / "cat_0.jpg") in {p["path"] for p in g["photos"]})
    # with it, the same cat made over in other formats (grey, CMYK, 16-bit… in сломанные/)
    assert str(copy) in {p["path"] for p in group["photos"]} and group["kind"] == "near"
    sizes = [p["size"] for p in group["photos"]]
    assert sizes == sorted(sizes, reverse=True) and group["spare_bytes"] == sum(sizes[1:])
    assert all(Path(p["path"]).exists() for p in group["photos"])  # nothing deleted
    text = run(home, "duplicates", str(photos / "cat_0.jpg")).stdout
    assert text.startswith("Групп копий: 1") and "кошка на диване 🐱.jpg" in text
    assert "Копий bus_0.jpg нет." in run(home, "duplicates", str(photos / "bus_0.jpg")).stdout


def test_search_for_nothing_known(indexed) -> None:
    home, _, _ = indexed
    out = run(home, "search", "квазар").stdout
    assert "Ничего не найдено" in out and "не понято: квазар" in out


def test_search_and_tags_show_when_where_and_with_what(tmp_path: Path) -> None:
    photos = tmp_path / "Фото"
    photos.mkdir()
    write_photo(photos / "кот в Париже.jpg", source=clear_photo("cat"),
                taken=datetime(2023, 7, 14, 18, 5), offset="+02:00", gps=(48.8566, 2.3522),
                make="Apple", model="iPhone 12")
    write_photo(photos / "кот в Москве.jpg", source=clear_photo("cat", 1),
                taken=datetime(2024, 1, 5, 12, 0), gps=(55.7558, 37.6173))
    home = tmp_path / "home"
    run(home, "index", str(photos))
    out = run(home, "search", "кошка летом 2023").stdout.splitlines()
    assert out[0] == "Запрос: кошка; когда: лето 2023"
    assert out[1].endswith("кот в Париже.jpg") and len(out) == 4
    assert out[2].strip() == "14 июля 2023, 18:05 · Париж, Иль-де-Франс, Франция"
    by_date = json.loads(run(home, "search", "кошка", "--sort", "date", "--json").stdout)
    assert by_date["sort"] == "date"
    assert [(Path(r["path"]).name, r["taken"]) for r in by_date["results"]] == [
        ("кот в Москве.jpg", "2024-01-05T12:00:00"), ("кот в Париже.jpg", "2023-07-14T18:05:00")]
    tags = run(home, "tags", str(photos / "кот в Париже.jpg")).stdout
    assert " taken: 14 июля 2023, 18:05 (UTC+02:00)" in tags
    assert " place: Париж, Иль-де-Франс, Франция" in tags
    assert " gps: 48.85660, 2.35220" in tags and " camera: Apple iPhone 12" in tags
    exported = json.loads(run(home, "export-tags", "-").stdout)["photos"]
    paris = next(p for p in exported if p["path"].endswith("кот в Париже.jpg"))
    assert (paris["taken"], paris["utc_offset"], paris["place"], paris["camera"]) == (
        "2023-07-14T18:05:00", "+02:00", "Париж, Иль-де-Франс, Франция", "Apple iPhone 12")


def test_reindex_tags_nothing_new_and_follows_renames(indexed) -> None:
    home, photos, _ = indexed
    (photos / "cat_0.jpg").rename(photos / "мой кот.jpg")
    (photos / "bus_0.jpg").unlink()
    out = run(home, "index", str(photos)).stdout
    assert "tagged 0," in out and "moved 1," in out and "removed 1," in out
    data = json.loads(run(home, "search", "кошка", "--json").stdout)
    assert "мой кот.jpg" in {Path(r["path"]).name for r in data["results"]}


def test_tags_in_russian_and_english(indexed) -> None:
    home, photos, _ = indexed
    data = json.loads(run(home, "tags", str(photos / "bus_0.jpg"), "--json").stdout)
    assert data["tags"][0]["english"] == "school bus"
    assert data["tags"][0]["russian"] == "школьный автобус"
    bus = data["detector"][0]  # the COCO detector's best find, and where it is
    assert (bus["english"], bus["russian"]) == ("bus", "автобус") and bus["prob"] > 0.5
    x1, y1, x2, y2 = bus["box"]
    assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1 and (x2 - x1) * (y2 - y1) > 0.1
    missing = run(home, "tags", str(photos / "сломанные" / "zero.jpg"), check=False)
    assert missing.returncode == 1 and "empty file" in missing.stderr


def test_export_tags_writes_every_photo(indexed, tmp_path: Path) -> None:
    home, _, _ = indexed
    target = tmp_path / "tags.json"
    run(home, "export-tags", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["photos"]) == 14
    first = data["photos"][0]["tags"][0]
    assert set(first) == {"class", "russian", "english", "prob"}
    assert data["detector"].startswith("centernet-v2-coco80")
    detected = [p for p in data["photos"] if p.get("detector")]
    assert detected and set(detected[0]["detector"][0]) == {"class", "russian", "english",
                                                            "prob", "box"}


def test_a_reader_that_stops_early_ends_the_output_quietly(indexed) -> None:
    # `export-tags - | head -c 100`: the pipe closes under the writer; no "error: Broken
    # pipe", and the exit code a program killed by SIGPIPE has.
    home, _, _ = indexed
    process = subprocess.Popen([sys.executable, "-m", "daemon.cli", "export-tags", "-"],
                               env={**os.environ, "SMART_GALLERY_HOME": str(home)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141 and error == ""


def test_a_limit_is_at_least_one_result(indexed) -> None:
    home, _, _ = indexed
    for limit in ("0", "-5", "много"):
        refused = run(home, "search", "кошка", "--limit", limit, check=False)
        assert refused.returncode == 2 and "--limit" in refused.stderr, limit
    pasted = run(home, "search", "кошка " * 100, check=False)
    assert one_error_line(pasted, 2) == "error: the query must be at most 500 characters"


def test_status_lists_failures(indexed) -> None:
    home, _, _ = indexed
    data = json.loads(run(home, "status", "--json").stdout)
    assert data["indexed"] == 14 and data["failed"] == 5 and len(data["failures"]) == 5


def test_search_before_any_index_says_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path / "empty-home", "search", "кошка", check=False)
    assert result.returncode == 2 and "index a folder first" in result.stderr


def test_index_of_a_missing_folder(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "index", str(tmp_path / "nope"), check=False)
    assert result.returncode == 2 and "not a folder" in result.stderr


def test_resnet50_offline_error_is_clear(tmp_path: Path) -> None:
    env_home = tmp_path / "home"
    (tmp_path / "photos").mkdir()
    shutil.copy(clear_photo("cat"), tmp_path / "photos" / "a.jpg")
    result = run(env_home, "index", str(tmp_path / "photos"), "--model", "resnet50",
                 "--weights", str(tmp_path / "missing.pth"), check=False)
    assert result.returncode == 2 and "weights file not found" in result.stderr


def test_eval_on_the_coco_photos_beats_the_seed(tmp_path: Path) -> None:
    """The quality bar of issue 2, on all 899 photos and 89 queries."""
    out = tmp_path / "eval.json"
    result = run(tmp_path / "home", "eval", "--photos", str(COCO / "images"),
                 "--labels", str(COCO / "labels.json"), "--queries", str(COCO / "queries.json"),
                 "--json", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    print(result.stdout)
    ours, seed = data["ours"], data["seed"]
    assert len(ours["queries"]) == 89
    assert ours["mean_p10"] >= 0.55
    assert ours["mean_p10"] >= seed["mean_p10"] + 0.10
    assert ours["mean_ap"] > seed["mean_ap"]


def test_a_detector_size_the_network_cannot_take_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.toml").write_text("detector_size = 100\n", encoding="utf-8")
    photos = tmp_path / "photos"
    photos.mkdir()
    result = run(home, "index", str(photos), check=False)
    assert result.returncode == 4  # bad settings
    assert result.stderr.strip().splitlines() == [
        f"error: settings file {home / 'config' / 'settings.toml'}, line 1: "
        "detector_size must be a multiple of 32, not 100"]


def one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The command failed as documented: its exit code, one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_damaged_index_is_one_line_for_readers_and_rebuilt_by_index(indexed) -> None:
    home, photos, _ = indexed
    index = home / "data" / "index.sqlite3"
    damage_all_but_header(index)
    for command in (["search", "кошка"], ["tags", str(photos / "cat_0.jpg")],
                    ["export-tags", "-"], ["status"]):
        line = one_error_line(run(home, *command, check=False), 5)
        assert f"index {index}" in line and "damaged" in line and "rebuilds" in line
    rebuilt = run(home, "index", str(photos))
    assert "note: the index was damaged" in rebuilt.stderr and "tagged" in rebuilt.stdout
    assert list(index.parent.glob("index.sqlite3.damaged-*"))  # kept for a bug report
    assert "cat_0.jpg" in run(home, "search", "кошка").stdout


def test_a_full_disk_during_index_is_one_line_and_keeps_what_was_indexed(
        tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for source in sorted((COCO / "images").glob("*.jpg"))[:120]:
        shutil.copy(source, photos / source.name)
    home = tmp_path / "home"
    # The WAL grows to about 4 MB (SQLite's checkpoint at 1000 pages) while 120 photos
    # are indexed: room for that once the filler is gone.
    with small_filesystem(tmp_path / "small", megabytes=6) as small:
        db = small / "index.sqlite3"
        # room for the schema and a few photos (each commit also writes the matrix change log)
        filler = fill_up(small, leave_bytes=160 * 1024)
        line = one_error_line(run(home, "index", str(photos), "--db", str(db), "--quiet",
                                  check=False), 6)
        assert line.startswith(f"error: no space left for the index {db} (free ")
        filler.unlink()
        again = run(home, "index", str(photos), "--db", str(db), "--quiet").stdout
        counts = {k: int(v) for k, v in re.findall(r"(tagged|unchanged) (\d+)", again)}
        # what was indexed before the disk filled is kept, and the rest is added
        assert counts["unchanged"] > 0 and counts["unchanged"] + counts["tagged"] == 120
        assert json.loads(run(home, "status", "--db", str(db), "--json").stdout)[
            "indexed"] == 120


def test_each_failure_has_its_exit_code(tmp_path: Path) -> None:
    home = tmp_path / "home"
    one_error_line(run(home, "pause", check=False), 3)  # the daemon is not running
    one_error_line(run(home, "index", str(tmp_path / "nope"), check=False), 2)
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.toml").write_text("folders = [\n", encoding="utf-8")
    line = one_error_line(run(home, "search", "кошка", check=False), 4)
    assert line.startswith(f"error: settings file {home / 'config' / 'settings.toml'}, ")


@needs_tesseract
def test_index_reads_the_text_and_search_tags_and_export_show_it(tmp_path: Path) -> None:
    photos = tmp_path / "Сканы и скрины"
    draw_lines(photos / "чек из икеа.png", RECEIPT, size=(700, 900))
    shutil.copy(clear_photo("dog"), photos / "собака.jpg")
    home = tmp_path / "home"
    out = run(home, "index", str(photos)).stdout
    assert "text in photos: 1 of 2 photos looked like text and were read, text found in 1" in out
    found = run(home, "search", '"кассовый чек"').stdout.splitlines()
    assert found[0] == "Запрос: «кассовый чек» в тексте"
    assert found[1].endswith("чек из икеа.png") and "текст: „" in found[3]
    tags = run(home, "tags", str(photos / "чек из икеа.png")).stdout
    assert " text:\n  ООО «ИКЕА ДОМ»\n" in tags and "чек  (receipt)" in tags
    exported = json.loads(run(home, "export-tags", "-").stdout)["photos"]
    receipt = next(p for p in exported if p["path"].endswith("чек из икеа.png"))
    assert "ИТОГО" in receipt["text"] and receipt["text_kinds"][0]["russian"] in ("текст", "чек")
    assert "text" not in next(p for p in exported if p["path"].endswith("собака.jpg"))
    status = run(home, "status").stdout
    assert "text in photos: on (tesseract-" in status and "text found in 1" in status
    # without the pass this time: nothing is read, nothing is lost
    assert "text in photos" not in run(home, "index", "--no-text", str(photos)).stdout
    # turned off in the settings: the text read is deleted, and nothing is read again
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.toml").write_text("text = false\n", encoding="utf-8")
    assert "forgot the text of 1 photos" in run(home, "index", str(photos)).stdout
    assert " text:" not in run(home, "tags", str(photos / "чек из икеа.png")).stdout
    assert run(home, "search", '"кассовый чек"').stdout.splitlines()[1] == "Ничего не найдено."


def test_status_says_how_to_turn_the_text_on_where_tesseract_is_missing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env_path = tmp_path / "bin"  # a PATH with Python but no tesseract
    env_path.mkdir()
    result = subprocess.run([sys.executable, "-m", "daemon.cli", "status"], text=True,
                            capture_output=True, timeout=120,
                            env={**os.environ, "SMART_GALLERY_HOME": str(home),
                                 "PATH": str(env_path)})
    assert "text in photos: off (tesseract is not installed); to read it, install Tesseract" \
        in result.stdout
