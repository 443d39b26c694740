"""The search popup: a small Tk window, in its own process, that asks the daemon.

Type and results appear (debounced); a grid of thumbnails, each with the date and the place
it was taken (its score where neither is known), why it matched on hover; Enter or
double-click opens the photo in the system viewer, a right click offers «Показать в папке»
and «Похожие» (also Ctrl+Enter: the photos most like the selected one); arrows move
through the results; Esc closes. Clear states for nothing found, a daemon that
is not running (with a button to start it) and an index still being built. Tk is used only
from the main thread; searches and thumbnails run in threads that hand their results over
through a queue.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import threading
import time
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from daemon.config import Paths
from daemon.query.format import format_taken
from daemon.service.client import Client, DaemonError, DaemonNotRunning
from tray.thumbnails import thumbnail

COLUMNS = 6
MAX_RESULTS = 24
DEBOUNCE_MS = 250
POLL_MS = 15
CELL = 132
CAPTION_CHARS = 18  # of a place under a thumbnail

Opener = Callable[[str], None]


def caption(result: dict[str, Any]) -> str:
    """Under a thumbnail: «12.07.2023» and the town («≈» for a file's date), else the score."""
    lines = []
    if result.get("taken"):
        taken = datetime.fromisoformat(result["taken"])
        lines.append(("≈ " if result.get("taken_guessed") else "") + f"{taken:%d.%m.%Y}")
    place = (result.get("place") or "").split(",")[0]
    if place:
        lines.append(place if len(place) <= CAPTION_CHARS else place[:CAPTION_CHARS - 1] + "…")
    return "\n".join(lines) if lines else f"{result['score']:.2f}"


def open_in_viewer(path: str) -> None:
    """The system's viewer: xdg-open, open, or the Windows file association."""
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
    else:
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        subprocess.Popen([opener, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)


def show_in_folder(path: str) -> None:
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", path], start_new_session=True)
    elif sys.platform.startswith("win"):
        subprocess.Popen(["explorer", "/select,", path])
    else:
        open_in_viewer(str(Path(path).parent))


def start_daemon() -> None:
    """Start the daemon detached from the popup (the service, where one is installed)."""
    unit = Path.home() / ".config" / "systemd" / "user" / "smart-gallery.service"
    if unit.exists():
        command = ["systemctl", "--user", "start", "smart-gallery.service"]
    else:
        command = [sys.executable, "-m", "daemon.cli", "daemon"]
    subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


@dataclass(frozen=True)
class Actions:
    """What the popup does outside itself; tests pass their own."""

    open_photo: Opener = open_in_viewer
    reveal: Opener = show_in_folder
    start_daemon: Callable[[], None] = start_daemon


class Popup:
    def __init__(self, root: tk.Tk, socket_path: Path, actions: Actions | None = None,
                 thumbnail_root: Path | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        self.root = root
        self.socket_path = socket_path
        self.actions = actions or Actions()
        self.thumbnail_root = thumbnail_root
        self.debounce_ms = debounce_ms
        self.results: list[dict[str, Any]] = []
        self.cells: list[tk.Label] = []
        self.selected = 0
        self.searches = 0  # answers rendered, for tests and benchmarks
        self.thumbnails_shown = 0
        self.last_answer_at = 0.0
        self.first_thumbnail_at = 0.0
        self._images: dict[int, tk.PhotoImage] = {}
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="thumbs")
        self._pending_search: str | None = None
        self._generation = 0
        self._tooltip: tk.Toplevel | None = None
        self._build()
        self._poll_job = self.root.after(POLL_MS, self._poll)
        self.refresh_status()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.root.title("Умная галерея — поиск")
        self.root.geometry(f"{COLUMNS * (CELL + 10) + 24}x{4 * (CELL + 22) + 110}")
        top = tk.Frame(self.root, padx=8, pady=8)
        top.pack(fill="x")
        self.query = tk.StringVar()
        self.entry = tk.Entry(top, textvariable=self.query, font=("TkDefaultFont", 14))
        self.entry.pack(fill="x")
        self.entry.focus_set()
        self.status = tk.Label(top, anchor="w", justify="left", fg="#444")
        self.status.pack(fill="x", pady=(6, 0))
        self.start_button = tk.Button(top, text="Запустить службу", command=self._start_daemon)
        self.grid = tk.Frame(self.root, padx=8)
        self.grid.pack(fill="both", expand=True)
        self.menu = tk.Menu(self.root, tearoff=False)
        self.menu.add_command(label="Открыть", command=lambda: self.open_selected())
        self.menu.add_command(label="Показать в папке", command=lambda: self.reveal_selected())
        self.menu.add_command(label="Похожие (Ctrl+Enter)",
                              command=lambda: self.similar_selected())
        self.query.trace_add("write", lambda *_: self._typed())
        # Ctrl+Enter whatever the keyboard layout (a letter would be another in Russian)
        for key, handler in (("<Return>", self._enter), ("<Escape>", self._close),
                             ("<Control-Return>", self._similar_key),
                             ("<Left>", lambda e: self.move(-1)),
                             ("<Right>", lambda e: self.move(1)),
                             ("<Up>", lambda e: self.move(-COLUMNS)),
                             ("<Down>", lambda e: self.move(COLUMNS))):
            self.root.bind(key, handler)
        self.root.protocol("WM_DELETE_WINDOW", self.close)

    # --- talking to the daemon, off the Tk thread --------------------------------------------
    def _call(self, method: str, **params: Any) -> Any:
        with Client(self.socket_path, timeout=10) as client:
            return client.call(method, **params)

    def _typed(self) -> None:
        self._generation += 1
        generation = self._generation
        self._pending_search = self.query.get()
        self.root.after(self.debounce_ms, lambda: self._debounced(generation))

    def _debounced(self, generation: int) -> None:
        if generation == self._generation and self._pending_search is not None:
            self.search_now()

    def search_now(self) -> None:
        text = self.query.get().strip()
        self._pending_search = None
        self._generation += 1
        generation = self._generation
        if not text:
            self._show([], "")
            self.refresh_status()
            return

        def work() -> None:
            try:
                answer = self._call("search", query=text, limit=MAX_RESULTS)
                self._inbox.put(("answer", (generation, answer)))
            except DaemonNotRunning:
                self._inbox.put(("down", generation))
            except DaemonError as exc:
                self._inbox.put(("error", (generation, str(exc))))

        threading.Thread(target=work, daemon=True).start()

    def similar_selected(self) -> None:
        """Show the photos most like the selected one."""
        if not self.results:
            return
        path = self.results[self.selected]["path"]
        self._pending_search = None
        self._generation += 1
        generation = self._generation

        def work() -> None:
            try:
                answer = self._call("similar", path=path, limit=MAX_RESULTS)
                self._inbox.put(("answer", (generation, answer)))
            except DaemonNotRunning:
                self._inbox.put(("down", generation))
            except DaemonError as exc:
                self._inbox.put(("error", (generation, str(exc))))

        threading.Thread(target=work, daemon=True).start()

    def _similar_key(self, _event: object = None) -> str:
        self.similar_selected()
        return "break"  # not also Enter's «open»

    def refresh_status(self) -> None:
        def work() -> None:
            try:
                self._inbox.put(("status", self._call("status")))
            except (DaemonNotRunning, DaemonError):
                self._inbox.put(("down", None))

        threading.Thread(target=work, daemon=True).start()

    def _poll(self) -> None:
        try:
            while True:
                kind, payload = self._inbox.get_nowait()
                self._handle(kind, payload)
        except queue.Empty:
            pass
        self._poll_job = self.root.after(POLL_MS, self._poll)

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "answer":
            generation, answer = payload
            if generation == self._generation:
                self._answer(answer)
        elif kind == "down":
            if payload is None or payload == self._generation:
                self._daemon_down()
        elif kind == "error":
            self._set_status(f"Ошибка: {payload[1]}")
        elif kind == "status":
            self._status_line(payload)
        elif kind == "thumb":
            self._thumbnail(*payload)

    # --- states ------------------------------------------------------------------------------
    def _set_status(self, text: str) -> None:
        self.status.configure(text=text)

    def _status_line(self, status: dict[str, Any]) -> None:
        self.start_button.pack_forget()
        if self.results or self.query.get().strip():
            return
        if status.get("problem"):
            self._set_status(f"{status['problem']}. Проиндексировано фотографий: "
                             f"{status['indexed']}")
        elif status.get("pending"):
            self._set_status(f"Индекс ещё строится: проиндексировано {status['indexed']}, "
                             f"в очереди {status['pending']}")
        elif not status.get("folders"):
            self._set_status("Нет папок с фотографиями: добавьте папку в меню значка")
        else:
            self._set_status(f"Проиндексировано фотографий: {status['indexed']}. "
                             "Что ищем? Например: «кошка на диване»")

    def _daemon_down(self) -> None:
        self._show([], "")
        self._set_status("Служба не запущена: поиск недоступен.")
        self.start_button.pack(anchor="w", pady=(4, 0))

    def _start_daemon(self) -> None:
        self.actions.start_daemon()
        self._set_status("Запускаем службу…")
        self.start_button.pack_forget()
        self.root.after(1500, self.refresh_status)

    def _answer(self, answer: dict[str, Any]) -> None:
        self.start_button.pack_forget()
        self.last_answer_at = time.perf_counter()
        self.searches += 1
        results = answer["results"]
        understood = answer.get("understood", "")
        if answer.get("similar_to"):
            name = Path(answer["similar_to"]).name
            self._set_status(f"Похожие на «{name}»: {answer['total']}" if results
                             else f"Похожих на «{name}» не нашлось")
        elif results:
            more = answer["total"] - len(results)
            self._set_status(f"Найдено: {answer['total']}" + (f" (показаны первые "
                             f"{len(results)})" if more > 0 else "") + f" · понято: {understood}")
        elif answer.get("unknown") and understood.startswith("ничего"):
            self._set_status(f"Ничего не найдено. Не понято: {', '.join(answer['unknown'])}")
        else:
            self._set_status(f"Ничего не найдено. Понято: {understood}")
        self._show(results, understood)

    # --- the grid of results -------------------------------------------------------------------
    def _show(self, results: list[dict[str, Any]], _understood: str) -> None:
        for cell in self.cells:
            cell.destroy()
        self.cells = []
        self._images.clear()
        self.results = results
        self.selected = 0
        self.thumbnails_shown = 0
        self.first_thumbnail_at = 0.0
        generation = self._generation
        for index, result in enumerate(results):
            cell = tk.Label(self.grid, text=caption(result), compound="top",
                            width=CELL - 8, height=CELL + 30, borderwidth=3, relief="flat",
                            image=self._placeholder())
            cell.grid(row=index // COLUMNS, column=index % COLUMNS, padx=2, pady=2)
            cell.bind("<Double-Button-1>", lambda e, i=index: self._open(i))
            cell.bind("<Button-1>", lambda e, i=index: self.select(i))
            cell.bind("<Button-3>", lambda e, i=index: self._context(e, i))
            cell.bind("<Enter>", lambda e, i=index: self._hover(e, i))
            cell.bind("<Leave>", lambda e: self._hide_tooltip())
            self.cells.append(cell)
            self._pool.submit(self._make_thumbnail, generation, index, result["path"])
        self._highlight()

    def _placeholder(self) -> tk.PhotoImage:
        if not hasattr(self, "_blank"):
            self._blank = tk.PhotoImage(width=128, height=128)
        return self._blank

    def _make_thumbnail(self, generation: int, index: int, path: str) -> None:
        try:
            made = str(thumbnail(Path(path), self.thumbnail_root))
        except Exception:  # noqa: BLE001 - a vanished or broken photo keeps its placeholder
            made = ""
        self._inbox.put(("thumb", (generation, index, made)))

    def _thumbnail(self, generation: int, index: int, file: str) -> None:
        if generation != self._generation or index >= len(self.cells) or not file:
            return
        image = tk.PhotoImage(file=file)
        self._images[index] = image
        self.cells[index].configure(image=image)
        self.thumbnails_shown += 1
        if self.thumbnails_shown == 1:
            self.root.update_idletasks()
            self.first_thumbnail_at = time.perf_counter()

    def select(self, index: int) -> None:
        if self.results:
            self.selected = max(0, min(index, len(self.results) - 1))
            self._highlight()

    def move(self, step: int) -> None:
        if self.root.focus_get() is self.entry and step in (-1, 1) and not self.results:
            return  # arrows edit the text while there is nothing to move through
        self.select(self.selected + step)

    def _highlight(self) -> None:
        for index, cell in enumerate(self.cells):
            selected = index == self.selected
            cell.configure(relief="solid" if selected else "flat",
                           background="#cfe3ff" if selected else self.grid["background"])

    def _enter(self, _event: object = None) -> None:
        if self._pending_search is not None or not self.results:
            self.search_now()
        else:
            self.open_selected()

    def _open(self, index: int) -> None:
        self.select(index)
        self.open_selected()

    def open_selected(self) -> None:
        if self.results:
            self.actions.open_photo(self.results[self.selected]["path"])

    def reveal_selected(self) -> None:
        if self.results:
            self.actions.reveal(self.results[self.selected]["path"])

    def _context(self, event: tk.Event, index: int) -> None:
        self.select(index)
        self.menu.tk_popup(event.x_root, event.y_root)

    def _hover(self, event: tk.Event, index: int) -> None:
        self._hide_tooltip()
        result = self.results[index]
        taken = format_taken(result.get("taken"), result.get("taken_guessed", False))
        text = "\n".join([Path(result["path"]).name,
                          *(part for part in (taken, result.get("place", "")) if part),
                          f"оценка {result['score']:.3f}", *result["why"]])
        tip = tk.Toplevel(self.root)
        tip.wm_overrideredirect(True)
        tip.wm_geometry(f"+{event.x_root + 12}+{event.y_root + 12}")
        tk.Label(tip, text=text, justify="left", background="#ffffe0", relief="solid",
                 borderwidth=1, padx=4, pady=2).pack()
        self._tooltip = tip

    def _hide_tooltip(self) -> None:
        if self._tooltip is not None:
            self._tooltip.destroy()
            self._tooltip = None

    def _close(self, _event: object = None) -> None:
        self.close()

    def close(self) -> None:
        self.root.after_cancel(self._poll_job)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.root.destroy()


def choose_folder() -> str:
    """A folder chooser in its own little Tk process (the tray has no Tk)."""
    from tkinter import filedialog

    root = tk.Tk()
    root.withdraw()
    folder = filedialog.askdirectory(title="Добавить папку с фотографиями", mustexist=True)
    root.destroy()
    return folder or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smart-gallery popup")
    parser.add_argument("--choose-folder", action="store_true",
                        help="ask for a folder and print it")
    parser.add_argument("query", nargs="?", default="")
    args = parser.parse_args(argv)
    if args.choose_folder:
        print(choose_folder())
        return 0
    root = tk.Tk()
    popup = Popup(root, Paths.default().socket)
    if args.query:
        popup.query.set(args.query)
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
