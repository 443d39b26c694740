"""popup: the real Tk window under Xvfb, against a real daemon on real photos."""

from __future__ import annotations

import re
import subprocess
import time
import tkinter as tk
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from tkinter import ttk

import pytest
from daemon_process import DaemonProcess
from photo_files import write_photo

from daemon.service.client import DaemonError
from tray.captions import HINTS, PREVIEW_HINTS
from tray.grid import THUMB, fit
from tray.popup import Actions, Popup
from tray.preview import folder_text
from tray.theme import luminance, system_theme

LONG_NAME = "IMG_20230714_183012_пицца_на_даче_у_бабушки.jpg"
METHOD_NOT_FOUND = -32601


def pump(root: tk.Tk, until: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("the window did not get there in time")
        root.update()
        time.sleep(0.01)


@pytest.fixture(scope="module")
def indexed_daemon(tmp_path_factory: pytest.TempPathFactory):
    import shutil

    from conftest import CLEAR_PHOTOS, COCO_IMAGES

    base = tmp_path_factory.mktemp("popup")
    photos = base / "Фото"
    photos.mkdir()
    for category, names in CLEAR_PHOTOS.items():
        for index, name in enumerate(names):
            shutil.copy(COCO_IMAGES / name, photos / f"{category}_{index}.jpg")
    write_photo(photos / "автобус в Сочи.jpg", source=COCO_IMAGES / CLEAR_PHOTOS["bus"][0],
                taken=datetime(2024, 1, 20, 15, 0), gps=(43.5855, 39.7231))
    write_photo(photos / LONG_NAME, source=COCO_IMAGES / CLEAR_PHOTOS["pizza"][0],
                taken=datetime(2023, 7, 14, 18, 30))
    with DaemonProcess(base / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos))
        daemon.wait_idle()
        yield daemon


class Recorder:
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.revealed: list[str] = []
        self.started = 0

    def actions(self) -> Actions:
        def start() -> None:
            self.started += 1
        return Actions(open_photo=self.opened.append, reveal=self.revealed.append,
                       start_daemon=start)


def _popup(window, socket: Path, recorder: Recorder) -> Popup:
    root, tmp_path = window
    return Popup(root, socket, recorder.actions(), thumbnail_root=tmp_path / "thumbs",
                 debounce_ms=50)


def test_typing_shows_thumbnails_and_keys_move_and_open(window, indexed_daemon) -> None:
    recorder = Recorder()
    popup = _popup(window, indexed_daemon.socket, recorder)
    root = window[0]
    assert root.focus_get() is None or root.focus_get() is popup.entry
    popup.entry.insert(0, "котик")
    pump(root, lambda: popup.searches >= 1 and popup.thumbnails_shown == len(popup.cells))
    names = [Path(r["path"]).name for r in popup.results]
    assert sorted(names[:2]) == ["cat_0.jpg", "cat_1.jpg"]
    assert len(popup.cells) == len(popup.results) >= 2
    assert "Найдено" in popup.status["text"]
    popup.entry.event_generate("<Right>")
    assert popup.selected == 1
    popup.entry.event_generate("<Left>")
    assert popup.selected == 0
    popup.entry.event_generate("<Return>")
    assert recorder.opened == [popup.results[0]["path"]]
    for _ in range(2):  # a double click, as two quick clicks
        popup.cells[1].event_generate("<ButtonPress-1>", x=5, y=5)
        popup.cells[1].event_generate("<ButtonRelease-1>", x=5, y=5)
    assert recorder.opened[-1] == popup.results[1]["path"]
    popup.menu.invoke(1)  # «Показать в папке» on the selected photo
    assert recorder.revealed == [popup.results[1]["path"]]


def test_hover_tells_why(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    root = window[0]
    popup.query.set("пицца")
    pump(root, lambda: popup.searches >= 1 and popup.cells)
    popup.cells[0].event_generate("<Enter>", x=5, y=5)
    root.update()
    assert popup._tooltip is not None
    label = popup._tooltip.winfo_children()[0]
    assert "пицца ← pizza" in label["text"]


def test_each_thumbnail_shows_when_and_where_it_was_taken(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    root = window[0]
    popup.query.set("автобус в Сочи")
    pump(root, lambda: popup.searches >= 1 and popup.cells)
    assert [Path(r["path"]).name for r in popup.results] == ["автобус в Сочи.jpg"]
    assert popup.cells[0].name["text"] == "автобус в Сочи.jpg"
    assert popup.cells[0].when["text"] == "20.01.2024 · Сочи"
    popup.cells[0].event_generate("<Enter>", x=5, y=5)
    root.update()
    assert popup._tooltip is not None
    tip = popup._tooltip.winfo_children()[0]["text"]
    assert "20 января 2024, 15:00" in tip and "Сочи, Краснодарский край, Россия" in tip


def test_ctrl_enter_and_the_menu_show_photos_like_the_selected_one(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    root = window[0]
    popup.query.set("пицца")  # two pizzas on tables, clearly alike (tests/query/test_similar.py)
    pump(root, lambda: popup.searches >= 1 and popup.cells)
    first = Path(popup.results[0]["path"]).name
    popup.entry.event_generate("<Control-Return>")
    pump(root, lambda: popup.searches >= 2)
    assert popup.status["text"].startswith(f"Похожие на «{first}»")
    names = [Path(r["path"]).name for r in popup.results]
    assert first not in names
    assert "пицца" in names[0] or names[0].startswith("pizza_")
    popup.select(0)
    popup.menu.invoke(2)  # «Похожие» on the selected photo
    pump(root, lambda: popup.searches >= 3)
    assert popup.status["text"].startswith(f"Похожие на «{names[0]}»")


def test_nothing_found_says_what_was_understood(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    popup.query.set("квазар")
    pump(window[0], lambda: popup.searches >= 1)
    assert popup.cells == []
    assert "Ничего не найдено" in popup.status["text"]
    assert "Не понято: квазар" in popup.status["text"]


def test_a_pasted_text_is_too_long_a_query_and_says_so_in_russian(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    popup.query.set("кошка " * 100)
    pump(window[0], lambda: "Слишком длинный запрос" in popup.status["text"])
    assert popup.searches == 0


def test_daemon_down_offers_to_start_it(window, tmp_path: Path) -> None:
    recorder = Recorder()
    popup = _popup(window, tmp_path / "no-daemon.sock", recorder)
    root = window[0]
    pump(root, lambda: "Служба не запущена" in popup.status["text"])
    pump(root, lambda: popup.start_button.winfo_ismapped())
    popup.start_button.invoke()
    assert recorder.started == 1
    popup.query.set("кошка")
    pump(root, lambda: popup.start_button.winfo_ismapped() and popup.cells == [])


def test_index_still_building(window, tmp_path: Path, photo_dir: Path) -> None:
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("pause")
        daemon.call("folders.add", path=str(photo_dir))
        daemon.wait_until(lambda: daemon.call("status")["pending"] > 0, 30)
        popup = _popup(window, daemon.socket, Recorder())
        pump(window[0], lambda: "Индекс ещё строится" in popup.status["text"])


def test_escape_closes(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    root = window[0]
    root.update()
    popup.entry.event_generate("<Escape>")
    assert not root_exists(root)


def root_exists(root: tk.Tk) -> bool:
    try:
        return bool(root.winfo_exists())
    except tk.TclError:
        return False


def _search(window, daemon: DaemonProcess, query: str) -> Popup:
    """A popup that has shown the results of a query, thumbnails and all."""
    popup = _popup(window, daemon.socket, Recorder())
    popup.query.set(query)
    pump(window[0], lambda: popup.searches >= 1 and popup.cells
         and popup.thumbnails_shown == len(popup.cells))
    return popup


def names(popup: Popup) -> list[str]:
    return [Path(r["path"]).name for r in popup.results]


# --- the look ---------------------------------------------------------------------------------
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_window_wears_the_theme_asked_for(window, indexed_daemon, monkeypatch,
                                              theme: str) -> None:
    monkeypatch.setenv("SMART_GALLERY_THEME", theme)
    popup = _search(window, indexed_daemon, "котик")
    root = window[0]
    assert popup.theme == theme
    assert ttk.Style(root).theme_use() == f"sun-valley-{theme}"
    background = luminance(root, ttk.Style(root).lookup(".", "background"))
    assert (background < 0.2) if theme == "dark" else (background > 0.8)
    assert luminance(root, root["background"]) == background
    # the selected card stands out from the others and from the window
    selected, other = popup.cells[0], popup.cells[1]
    assert selected["highlightbackground"] != other["highlightbackground"]
    assert selected["background"] != other["background"]
    assert abs(luminance(root, selected["highlightbackground"]) - background) > 0.25


def test_the_window_opens_centred_with_the_keys_at_the_bottom(window, tmp_path: Path) -> None:
    popup = _popup(window, tmp_path / "no-daemon.sock", Recorder())
    root = window[0]
    root.update()
    assert abs(root.winfo_x() + root.winfo_width() / 2 - root.winfo_screenwidth() / 2) <= 1
    assert abs(root.winfo_y() + root.winfo_height() / 2 - root.winfo_screenheight() / 2) <= 1
    assert popup.hints["text"] == HINTS
    assert popup.hints.winfo_rooty() > popup.grid.winfo_rooty() + popup.grid.winfo_height() - 1


def test_the_theme_follows_the_system_and_never_holds_the_start_up(monkeypatch) -> None:
    asked: list[list[str]] = []

    def gsettings(answer: str) -> Callable[[list[str]], str]:
        def run(command: list[str]) -> str:
            asked.append(command)
            return answer
        return run

    monkeypatch.setattr("tray.theme.shutil.which", lambda name: f"/usr/bin/{name}")
    dark = gsettings("'prefer-dark'\n")
    # the override wins, then GTK_THEME; desktops other than GNOME's are not asked
    assert system_theme({"SMART_GALLERY_THEME": "light", "XDG_CURRENT_DESKTOP": "GNOME"},
                        "linux", dark) == "light"
    assert system_theme({"GTK_THEME": "Adwaita:dark"}, "linux", dark) == "dark"
    assert system_theme({"XDG_CURRENT_DESKTOP": "XFCE"}, "linux", dark) == "light"
    assert asked == []
    assert system_theme({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "linux", dark) == "dark"
    assert system_theme({"XDG_CURRENT_DESKTOP": "GNOME"}, "linux",
                        gsettings("'default'\n")) == "light"
    assert asked[0][:2] == ["gsettings", "get"]

    def hung(command: list[str]) -> str:
        raise subprocess.TimeoutExpired(command, 0.25)

    assert system_theme({"XDG_CURRENT_DESKTOP": "GNOME"}, "linux", hung) == "light"
    assert system_theme({}, "darwin", lambda command: "Dark\n") == "dark"
    assert system_theme({}, "darwin", hung) == "light"


def test_the_grid_reflows_when_the_window_is_resized(window, indexed_daemon) -> None:
    root = window[0]
    popup = _search(window, indexed_daemon, "животное")
    count = len(popup.cells)
    assert count >= 3

    def places() -> list[tuple[int, int]]:
        return [(int(c.grid_info()["row"]), int(c.grid_info()["column"])) for c in popup.cells]

    root.geometry("1100x700")
    pump(root, lambda: popup.grid.columns >= count)
    assert places() == [(0, i) for i in range(count)]
    root.geometry("500x700")  # room for two cards
    pump(root, lambda: popup.grid.columns == 2)
    assert places() == [(i // 2, i % 2) for i in range(count)]
    # without a window manager the X focus follows the pointer, which may now be outside
    popup.entry.focus_force()
    root.update()
    popup.entry.event_generate("<Down>")  # a row down is two photos on
    assert popup.selected == 2


def test_each_card_shows_the_name_shortened_in_the_middle_and_the_date(window,
                                                                       indexed_daemon) -> None:
    popup = _search(window, indexed_daemon, "пицца")
    cards = dict(zip(names(popup), popup.cells, strict=True))
    long = cards[LONG_NAME]
    shown = long.name["text"]
    assert shown != LONG_NAME and len(shown) < len(LONG_NAME)
    assert shown.startswith("IMG_2023") and shown.endswith(".jpg") and "…" in shown
    assert popup.fonts.small.measure(shown) <= THUMB  # as wide as the picture at most
    assert long.when["text"] == "14.07.2023"
    assert long.picture.winfo_reqwidth() >= 160 and long.picture.winfo_reqheight() >= 160
    # a photo without EXIF shows its file's date, marked as only that
    assert cards["pizza_0.jpg"].name["text"] == "pizza_0.jpg"
    assert cards["pizza_0.jpg"].when["text"].startswith("≈ ")


def test_the_status_says_how_many_and_how_long_it_took(window, indexed_daemon) -> None:
    popup = _search(window, indexed_daemon, "котик")
    total = indexed_daemon.call("search", query="котик", limit=24)["total"]
    assert re.fullmatch(rf"Найдено {total} · (\d+ мс|\d+,\d с)", popup.status["text"])
    assert popup.chips.texts == ["котик"]


def test_what_was_understood_shows_in_parts(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    popup.query.set("кошка без собаки летом в Сочи квазар")
    pump(window[0], lambda: popup.searches >= 1)
    assert [(c.kind, c.text) for c in popup.chips.chips] == [
        ("what", "кошка"), ("without", "без: собаки"), ("when", "когда: лето"),
        ("where", "где: Сочи"), ("unknown", "не понято: квазар")]
    assert popup.status["text"].startswith("Ничего не найдено")
    assert popup.grid.title["text"] == "Ничего не найдено"


# --- the preview --------------------------------------------------------------------------------
def test_space_shows_the_photo_large_with_its_tags_and_space_goes_back(window,
                                                                       indexed_daemon) -> None:
    root = window[0]
    popup = _search(window, indexed_daemon, "автобус в Сочи")
    popup.entry.icursor("end")
    popup.entry.event_generate("<space>")  # in the query a space is a space
    pump(root, lambda: popup.searches >= 2)
    assert not popup.previewing and popup.query.get() == "автобус в Сочи "
    popup.entry.event_generate("<Down>")  # into the grid, where Space previews
    popup.entry.event_generate("<space>")
    result = popup.results[0]
    expected = indexed_daemon.call("photo.tags", path=result["path"])
    pump(root, lambda: popup.preview.winfo_ismapped() and popup.preview.picture_size
         and popup.preview.tags_text != "…")
    assert popup.previewing and not popup.grid.winfo_ismapped()
    preview = popup.preview
    assert preview.name["text"] == "автобус в Сочи.jpg"
    assert preview.folder["text"] == folder_text(Path(result["path"]).parent)
    assert folder_text(Path.home() / "Фото" / "2024") == "~/Фото/2024"
    assert preview.when["text"] == "20 января 2024, 15:00"
    assert preview.where["text"] == "Сочи, Краснодарский край, Россия"
    assert preview.why["text"].splitlines() == result["why"]
    assert expected["tags"][0]["russian"] in preview.tags_text
    assert max(preview.picture_size) > THUMB  # the photo itself, not its thumbnail
    assert popup.hints["text"] == PREVIEW_HINTS
    popup.entry.event_generate("<space>")
    pump(root, lambda: popup.grid.winfo_ismapped())
    assert not popup.previewing and not popup.preview.winfo_ismapped()
    assert popup.hints["text"] == HINTS


def test_in_the_preview_arrows_step_through_the_photos_and_esc_goes_back(window,
                                                                         indexed_daemon) -> None:
    root = window[0]
    popup = _search(window, indexed_daemon, "котик")
    popup.entry.event_generate("<Right>")
    popup.entry.event_generate("<Left>")
    popup.entry.event_generate("<space>")
    assert popup.previewing and popup.preview.name["text"] == names(popup)[0]
    popup.entry.event_generate("<Right>")
    assert popup.selected == 1 and popup.preview.name["text"] == names(popup)[1]
    pump(root, lambda: popup.preview.picture_size and popup.preview.tags_text != "…")
    popup.entry.event_generate("<Left>")
    assert popup.selected == 0 and popup.preview.name["text"] == names(popup)[0]
    popup.entry.event_generate("<Escape>")  # back to the results ...
    assert not popup.previewing and root_exists(root)
    assert popup.cells[0]["highlightbackground"] == popup.palette.selected_ring
    popup.entry.event_generate("<Escape>")  # ... and then closed
    assert not root_exists(root)


# --- «Похожие» and «Дубликаты» ---------------------------------------------------------------
def test_similar_shows_the_neighbours_the_daemon_finds(window, indexed_daemon) -> None:
    root = window[0]
    popup = _search(window, indexed_daemon, "пицца")
    first = popup.results[0]["path"]
    expected = indexed_daemon.call("similar", path=first, limit=24)
    assert expected["results"], "the pizzas should have neighbours"
    popup.entry.event_generate("<Control-Return>")
    pump(root, lambda: popup.searches >= 2 and popup.thumbnails_shown == len(popup.cells))
    assert [r["path"] for r in popup.results] == [r["path"] for r in expected["results"]]
    assert [c.name["text"] for c in popup.cells] == [fit(n, popup.fonts.small, THUMB)
                                                     for n in names(popup)]
    assert re.fullmatch(rf"Похожие на «{Path(first).name}»: {expected['total']} · .+",
                        popup.status["text"])


def test_duplicates_shows_the_copies_of_the_selected_photo(window, indexed_daemon) -> None:
    root = window[0]
    popup = _search(window, indexed_daemon, "автобус в Сочи")
    path = popup.results[0]["path"]
    try:
        expected = indexed_daemon.call("duplicates", path=path)
    except DaemonError as exc:
        if exc.code != METHOD_NOT_FOUND:
            raise
        expected = None
    popup.menu.invoke(3)  # «Дубликаты»
    if expected is None:
        pump(root, lambda: "не ищет копии" in popup.status["text"])
        assert names(popup) == ["автобус в Сочи.jpg"]  # the results stay
        pytest.skip("the daemon has no `duplicates` method (an older daemon); only the "
                    "popup's word for it was checked")
    # the fixture's Sochi bus is bus_0.jpg written again, smaller: a near copy
    pump(root, lambda: popup.searches >= 2)
    group = expected["groups"][0]["photos"]
    assert sorted(Path(p["path"]).name for p in group) == ["bus_0.jpg", "автобус в Сочи.jpg"]
    assert popup.status["text"].startswith("Копии «автобус в Сочи.jpg»: 1 · ")
    assert [r["path"] for r in popup.results] == [p["path"] for p in group]
    assert popup.results[popup.selected]["path"] == path  # still the photo asked about
    # a photo without copies says so, and the results stay
    popup.query.set("пицца")
    pump(root, lambda: popup.searches >= 3 and "pizza_1.jpg" in names(popup))
    popup.select(names(popup).index("pizza_1.jpg"))
    before = names(popup)
    popup.menu.invoke(3)
    pump(root, lambda: popup.searches >= 4)
    assert popup.status["text"].startswith("Копий «pizza_1.jpg» нет")
    assert names(popup) == before
