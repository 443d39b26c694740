"""popup: the real Tk window under Xvfb, against a real daemon on real photos."""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from daemon_process import DaemonProcess
from photo_files import write_photo

from tray.popup import Actions, Popup


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


@pytest.fixture
def window(display, tmp_path: Path):
    root = tk.Tk()
    yield root, tmp_path
    if root_exists(root):
        root.destroy()


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
    assert popup.cells[0]["text"] == "20.01.2024\nСочи"
    popup.cells[0].event_generate("<Enter>", x=5, y=5)
    root.update()
    assert popup._tooltip is not None
    tip = popup._tooltip.winfo_children()[0]["text"]
    assert "20 января 2024, 15:00" in tip and "Сочи, Краснодарский край, Россия" in tip


def test_ctrl_enter_and_the_menu_show_photos_like_the_selected_one(window, indexed_daemon) -> None:
    popup = _popup(window, indexed_daemon.socket, Recorder())
    root = window[0]
    popup.query.set("котик")
    pump(root, lambda: popup.searches >= 1 and popup.cells)
    first = Path(popup.results[0]["path"]).name
    popup.entry.event_generate("<Control-Return>")
    pump(root, lambda: popup.searches >= 2)
    assert popup.status["text"].startswith(f"Похожие на «{first}»")
    names = [Path(r["path"]).name for r in popup.results]
    assert first not in names and names[0].startswith("cat_")
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
