"""icon: the tray menu's actions, invoked against a real daemon (pystray's Xorg backend
has no real menu under Xvfb, so the tests call the actions the menu holds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from daemon_process import DaemonProcess

from daemon.config import Paths
from tray.icon import TrayApp, draw_icon, icon_state, status_line


def test_status_line_in_russian() -> None:
    assert status_line({"indexed": 1234, "pending": 3766, "paused": False}) == \
        "Проиндексировано 1 234 из 5 000"
    assert status_line({"indexed": 10, "pending": 0, "paused": True}) == "Пауза"
    assert status_line(None) == "Служба не запущена"
    reading = {"indexed": 1200, "pending": 0, "text": {"state": "on", "pending": 1500}}
    assert status_line(reading) == "Проиндексировано 1 200; читаю текст на фото: осталось 1 500"
    assert status_line({**reading, "text": {"state": "off"}}) == "Проиндексировано 1 200"
    assert icon_state(None) == "down" and icon_state({"paused": True}) == "paused"
    assert icon_state({"pending": 5}) == "indexing"


def test_trouble_with_the_index_comes_first() -> None:
    rebuilding = {"indexed": 120, "pending": 779, "paused": False,
                  "index_state": "rebuilding", "problem": "Индекс повреждён и строится заново"}
    assert status_line(rebuilding) == "Индекс повреждён и строится заново: 120 из 899"
    full = {"indexed": 10, "pending": 5, "paused": False, "index_state": "disk_full",
            "problem": "Нет места на диске: свободно 12 МБ"}
    assert status_line(full) == "Нет места на диске: свободно 12 МБ"
    assert icon_state(full) == "paused"
    broken_settings = {"indexed": 10, "pending": 0, "paused": False,
                       "settings_error": "settings file …, line 3: …"}
    assert status_line(broken_settings) == \
        "Ошибка в файле настроек: действуют прежние настройки"


def test_icon_shows_the_state() -> None:
    idle, paused, down = draw_icon("idle"), draw_icon("paused"), draw_icon("down")
    assert idle.size == (64, 64)
    assert idle.tobytes() != paused.tobytes() != down.tobytes()


@pytest.fixture
def app_and_daemon(tmp_path: Path):
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        calls: dict[str, list[object]] = {"popup": [], "opened": []}
        paths = Paths(tmp_path / "home" / "data", tmp_path / "home" / "config",
                      tmp_path / "home" / "cache", tmp_path / "home" / "run")
        app = TrayApp(paths, open_popup=lambda: calls["popup"].append(True),
                      choose_folder=lambda: str(tmp_path / "chosen"),
                      opener=calls["opened"].append)
        yield app, daemon, calls, tmp_path


def test_menu_actions(app_and_daemon, display) -> None:
    app, daemon, calls, tmp_path = app_and_daemon
    (tmp_path / "chosen").mkdir()
    icon = app.build_icon()
    app.refresh()
    texts = [text for text, _ in app.menu_items()]
    assert texts == ["Поиск…", "Проиндексировано 0", "Пауза", "Добавить папку…",
                     "Открыть папку с настройками", "Выход"]
    assert [item.text for item in icon.menu.items][:6] == texts
    app.search()
    assert calls["popup"] == [True]
    app.toggle_pause()
    assert daemon.call("status")["paused"] and app.menu_items()[2][0] == "Продолжить"
    assert app.menu_items()[1][0] == "Пауза"
    app.toggle_pause()
    assert not daemon.call("status")["paused"]
    app.add_folder()
    assert daemon.call("folders.list")[0]["path"] == str(tmp_path / "chosen")
    app.open_settings_folder()
    assert calls["opened"] == [str(tmp_path / "home" / "config")]
    app.quit()
    # let go of the X connection while the X server is still there
    app.icon = None
    del icon
    import gc

    gc.collect()


def test_menu_when_the_daemon_is_down(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "d", tmp_path / "c", tmp_path / "k", tmp_path / "r")
    app = TrayApp(paths, open_popup=lambda: None, choose_folder=lambda: str(tmp_path))
    app.refresh()
    assert app.menu_items()[1][0] == "Служба не запущена"
    app.add_folder()
    assert app.menu_items()[2][0].startswith("Не удалось добавить папку")
