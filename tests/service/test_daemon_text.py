"""The real daemon reads the text in photos after it has tagged them, and answers for it over its
socket: a word in any form, a phrase in quotes, a kind («скриншот», «чек»), with the rest."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import clear_photo
from daemon_process import DaemonProcess
from text_images import (
    NOTICE,
    RECEIPT,
    WIFI_SCREEN,
    draw_lines,
    needs_tesseract,
    photographed_page,
    window_screenshot,
)

pytestmark = needs_tesseract


def _names(answer: dict) -> list[str]:
    return [Path(r["path"]).name for r in answer["results"]]


def test_the_daemon_reads_text_later_and_finds_it(tmp_path: Path, display: str) -> None:
    library = tmp_path / "Телефон"
    draw_lines(library / "чек икеа.png", RECEIPT, size=(700, 900))
    window_screenshot(display, ["Настройки галереи", "Search photos by words"]).save(
        library / "Снимок экрана 🖥.png")
    screenshot = draw_lines(library / "Screenshot 2026-11-30 в 10.15.png", WIFI_SCREEN,
                            size=(1280, 720))
    yesterday = time.time() - 86400
    os.utime(screenshot, (yesterday, yesterday))  # no EXIF: dated by the file
    (library / "объявление в подъезде.jpg").write_bytes(photographed_page(NOTICE))
    shutil.copy(clear_photo("cat"), library / "кот.jpg")
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(library))
        # (before the scan has started nothing is pending either: wait for text read)
        daemon.wait_until(lambda: daemon.call("status")["text"].get("with_text", 0) >= 4
                          and daemon.call("status")["text"].get("pending") == 0
                          and daemon.idle(), 120, "the text was not read")
        status = daemon.call("status")["text"]
        assert status["state"] == "on" and status["with_text"] == 4

        assert _names(daemon.call("search", query="чеки")) == ["чек икеа.png"]
        ikea = daemon.call("search", query="чек из ИКЕА")
        assert _names(ikea) == ["чек икеа.png"]
        assert any("ИКЕА" in why for why in ikea["results"][0]["why"])
        assert _names(daemon.call("search", query="скриншот с паролем от wifi")) == [
            "Screenshot 2026-11-30 в 10.15.png"]
        assert _names(daemon.call("search", query='"Кассовый чек"')) == ["чек икеа.png"]
        assert daemon.call("search", query='"чек кассовый"')["results"] == []
        assert "чек икеа.png" not in _names(daemon.call("search", query="текст без чеков"))
        # a page photographed on a table: the text detector sent it to be read
        notice = "объявление в подъезде.jpg"
        assert _names(daemon.call("search", query="отключат горячую воду")) == [notice]
        assert _names(daemon.call("search", query='"отключена горячая вода"')) == [notice]
        assert _names(daemon.call("search", query='"горячую воду"')) == []  # not as written
        # a real window's screenshot, in Russian and English
        assert _names(daemon.call("search", query="настройки галереи")) == ["Снимок экрана 🖥.png"]
        assert "Снимок экрана 🖥.png" in _names(daemon.call("search", query="search words"))
        # with the time: the screenshot's file is from yesterday
        assert _names(daemon.call("search", query="скриншот вчера")) == [
            "Screenshot 2026-11-30 в 10.15.png"]
        assert daemon.call("search", query="скриншот летом 2023")["results"] == []

        tags = daemon.call("photo.tags", path=str(library / "чек икеа.png"))
        assert "ИТОГО" in tags["text"] and "text" not in daemon.call(
            "photo.tags", path=str(library / "кот.jpg"))

        # a new photo is tagged first, then read
        draw_lines(library / "билет.png", ["Билет на поезд", "Вагон 5 Место 12"])
        daemon.wait_until(lambda: "билет.png" in _names(daemon.call("search", query="билет")),
                          60, "the new ticket was not read")
        assert daemon.stop() == 0


def test_without_tesseract_the_daemon_says_how_to_read_text_and_all_else_works(
        tmp_path: Path) -> None:
    library = tmp_path / "Фото"
    library.mkdir()
    shutil.copy(clear_photo("cat"), library / "кот.jpg")
    no_tesseract = tmp_path / "bin"  # a PATH without tesseract
    no_tesseract.mkdir()
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start(extra_env={"PATH": str(no_tesseract)})
        daemon.call("folders.add", path=str(library))
        daemon.wait_idle()
        text = daemon.call("status")["text"]
        assert text["state"] == "off" and text["reason"] == "tesseract is not installed"
        assert "apt install tesseract-ocr tesseract-ocr-rus" in text["how_to_enable"]
        assert _names(daemon.call("search", query="кошка")) == ["кот.jpg"]
        assert daemon.call("search", query='"кассовый чек"')["results"] == []
        assert daemon.stop() == 0
