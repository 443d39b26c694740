"""The tray icon: a Russian menu over the daemon, and its state in the icon.

«Поиск…» (also a click on the icon where the platform has one) opens the popup in its own
process; a status line; «Пауза»/«Продолжить»; «Добавить папку…»; «Открыть папку с
настройками»; «Выход». The actions are plain methods of TrayApp, so they can be called
without a tray (tests, and pystray backends without menus).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageDraw

from daemon.config import Paths
from daemon.service.client import Client, DaemonError, DaemonNotRunning
from tray.popup import open_in_viewer

POLL_SECONDS = 2.0
ICON_SIZE = 64
COLORS = {"idle": "#2f7dd1", "indexing": "#2fa84f", "paused": "#9a9a9a", "down": "#c0392b"}


def draw_icon(state: str) -> Image.Image:
    """A photo frame with a magnifier; the colour tells the state, a dot tells indexing."""
    image = Image.new("RGBA", (ICON_SIZE, ICON_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    color = COLORS.get(state, COLORS["idle"])
    draw.rounded_rectangle((4, 10, 52, 48), radius=6, fill=color)
    draw.polygon([(10, 42), (22, 26), (32, 38), (38, 32), (46, 42)], fill="white")
    draw.ellipse((34, 34, 58, 58), outline="white", width=5, fill=color)
    draw.line((54, 54, 62, 62), fill="white", width=6)
    if state == "paused":
        draw.rectangle((12, 14, 17, 24), fill="white")
        draw.rectangle((21, 14, 26, 24), fill="white")
    return image


def format_count(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def status_line(status: dict[str, Any] | None) -> str:
    if status is None:
        return "Служба не запущена"
    indexed, pending = int(status["indexed"]), int(status["pending"])
    if status.get("problem"):
        # «Индекс повреждён и строится заново», «Нет места на диске: свободно 12 МБ»…
        progress = f": {format_count(indexed)} из {format_count(indexed + pending)}" \
            if status.get("index_state") == "rebuilding" and pending else ""
        return f"{status['problem']}{progress}"
    if status.get("paused"):
        return "Пауза"
    if status.get("settings_error"):
        return "Ошибка в файле настроек: действуют прежние настройки"
    if pending:
        return f"Проиндексировано {format_count(indexed)} из {format_count(indexed + pending)}"
    text = status.get("text") or {}
    if text.get("state") == "on" and text.get("pending"):  # the later pass: the text
        return (f"Проиндексировано {format_count(indexed)}; читаю текст на фото: осталось "
                f"{format_count(int(text['pending']))}")
    return f"Проиндексировано {format_count(indexed)}"


def icon_state(status: dict[str, Any] | None) -> str:
    if status is None:
        return "down"
    if status.get("paused") or status.get("index_state") in ("disk_full", "not_writable"):
        return "paused"
    return "indexing" if status.get("pending") else "idle"


def _choose_folder_in_a_process() -> str:
    result = subprocess.run([sys.executable, "-m", "tray.popup", "--choose-folder"],
                            capture_output=True, text=True, timeout=3600)
    return result.stdout.strip()


def _open_popup() -> None:
    subprocess.Popen([sys.executable, "-m", "tray.popup"], start_new_session=True)


class TrayApp:
    def __init__(self, paths: Paths, open_popup: Callable[[], None] = _open_popup,
                 choose_folder: Callable[[], str] = _choose_folder_in_a_process,
                 opener: Callable[[str], None] = open_in_viewer) -> None:
        self.paths = paths
        self.open_popup = open_popup
        self.choose_folder = choose_folder
        self.opener = opener
        self.status: dict[str, Any] | None = None
        self.message = ""  # the last error, shown in the menu
        self.icon: Any = None
        self._shown: tuple[str, str, str] | None = None
        self._stop = threading.Event()

    def _call(self, method: str, **params: Any) -> Any:
        with Client(self.paths.socket, timeout=10) as client:
            return client.call(method, **params)

    # --- the menu's actions ----------------------------------------------------------------
    def search(self, *_: object) -> None:
        self.open_popup()

    def toggle_pause(self, *_: object) -> None:
        try:
            self._call("resume" if self.paused else "pause")
        except (DaemonNotRunning, DaemonError) as exc:
            self.message = str(exc)
        self.refresh()

    def add_folder(self, *_: object) -> None:
        folder = self.choose_folder()
        if not folder:
            return
        try:
            self._call("folders.add", path=folder)
            self.message = ""
        except (DaemonNotRunning, DaemonError) as exc:
            self.message = f"Не удалось добавить папку: {exc}"
        self.refresh()

    def open_settings_folder(self, *_: object) -> None:
        self.paths.config_dir.mkdir(parents=True, exist_ok=True)
        self.opener(str(self.paths.config_dir))

    def quit(self, *_: object) -> None:
        self._stop.set()
        if self.icon is not None:
            self.icon.stop()

    # --- state -------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return bool(self.status and self.status.get("paused"))

    def refresh(self) -> None:
        try:
            self.status = self._call("status")
        except (DaemonNotRunning, DaemonError):
            self.status = None
        shown = (icon_state(self.status), status_line(self.status), self.message)
        if self.icon is not None and shown != self._shown:
            # only on change: a desktop without a tray makes pystray log every update
            self._shown = shown
            self.icon.icon = draw_icon(shown[0])
            self._set_title(f"Умная галерея — {shown[1]}")
            self.icon.update_menu()

    def _set_title(self, title: str) -> None:
        try:
            self.icon.title = title
        except UnicodeEncodeError:  # pystray's Xorg backend takes Latin-1 titles only
            self.icon.title = "Smart Gallery"

    def menu_items(self) -> list[tuple[str, Callable[..., None] | None]]:
        """(text, action) rows of the menu; None for the status line (not clickable)."""
        items: list[tuple[str, Callable[..., None] | None]] = [
            ("Поиск…", self.search),
            (status_line(self.status), None),
            ("Продолжить" if self.paused else "Пауза", self.toggle_pause),
            ("Добавить папку…", self.add_folder),
            ("Открыть папку с настройками", self.open_settings_folder),
            ("Выход", self.quit),
        ]
        if self.message:
            items.insert(2, (self.message[:80], None))
        return items

    def build_icon(self) -> Any:
        import pystray  # needs a display: imported only when there is a tray to show

        def item(index: int) -> pystray.MenuItem:
            # text and action are looked up when the menu is shown, so they follow the state
            def text(_item: object) -> str:
                rows = self.menu_items()
                return rows[index][0] if index < len(rows) else ""

            def run(_icon: object, _item: object) -> None:
                action = self.menu_items()[index][1]
                if action is not None:
                    action()

            def enabled(_item: object) -> bool:
                rows = self.menu_items()
                return index < len(rows) and rows[index][1] is not None

            def visible(_item: object) -> bool:
                return index < len(self.menu_items())

            return pystray.MenuItem(text, run, enabled=enabled, visible=visible,
                                    default=index == 0)

        menu = pystray.Menu(*(item(i) for i in range(7)))
        self.icon = pystray.Icon("smart-gallery", draw_icon(icon_state(self.status)),
                                 "Smart Gallery", menu)
        self._set_title(f"Умная галерея — {status_line(self.status)}")
        return self.icon

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.refresh()

    def run(self) -> None:
        self.refresh()
        icon = self.build_icon()
        threading.Thread(target=self._poll, name="tray-status", daemon=True).start()
        icon.run()


def main() -> int:
    TrayApp(Paths.default()).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

