"""The search popup: a small Tk window, in its own process, that asks the daemon.

It opens centred, light or dark as the system is (SMART_GALLERY_THEME=light|dark to choose).
Type and results appear (debounced) in a grid of thumbnails that re-flows with the width,
each with its name, date and town; what the search understood, as chips; the count and the
time the daemon took. Hover tells why a photo matched; Enter or a double click opens it in
the system viewer; Space shows it large inside the window, with its tags (arrows step
through the photos, Space or Esc go back); a right click offers «Показать в папке»,
«Похожие» (also Ctrl+Enter), «Дубликаты», «Этот человек» (the photos of the person in
it) and «Назвать человека…». Arrows move through the results, Esc closes.
Clear states for nothing found, a daemon that is not running (with a button to start it)
and an index still being built.

Tk is used only from the main thread; searches and pictures run in threads that hand their
results over through a queue.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from tkinter import ttk
from typing import Any

from daemon.config import Paths
from daemon.query.format import format_taken
from daemon.service.client import MAX_QUERY_CHARS, Client, DaemonError, DaemonNotRunning
from tray import captions
from tray.actions import Actions, open_in_viewer
from tray.chips import ChipRow
from tray.grid import THUMB, Cell, ResultGrid
from tray.name_dialog import NameDialog
from tray.preview import Preview
from tray.theme import apply_theme, make_fonts, system_theme

__all__ = ["Actions", "Popup", "choose_folder", "main", "open_in_viewer", "open_popup"]

MAX_RESULTS = 24
DEBOUNCE_MS = 250
POLL_MS = 15
COLUMNS = 5  # the window opens this many cards wide (screen allowing)
HEIGHT = 760
METHOD_NOT_FOUND = -32601  # JSON-RPC: a daemon older than the method
EXAMPLES = "Например: «кошка на диване», «море летом 2023», «собака без людей»"


@dataclass(frozen=True)
class Reply:
    """The daemon's answer to a search, «похожие» or «дубликаты», and how long it took."""

    generation: int
    method: str
    answer: Any
    seconds: float
    path: str = ""  # the photo asked about (similar, duplicates)


def _warm_up() -> None:
    """Pillow and numpy, loaded while the user types, not when the first results arrive."""
    import PIL.ImageTk  # noqa: F401

    import tray.pictures  # noqa: F401


class Popup:
    def __init__(self, root: tk.Tk, socket_path: Path, actions: Actions | None = None,
                 thumbnail_root: Path | None = None, debounce_ms: int = DEBOUNCE_MS,
                 theme: str | None = None) -> None:
        """theme: «light» or «dark»; None: as the system is (system_theme)."""
        self.root = root
        self.socket_path = socket_path
        self.actions = actions or Actions()
        self.thumbnail_root = thumbnail_root
        self.debounce_ms = debounce_ms
        self.theme = theme or system_theme()
        self.palette = apply_theme(root, self.theme)
        self.fonts = make_fonts(root)
        self.results: list[dict[str, Any]] = []
        self.selected = 0
        self.previewing = False
        self.searches = 0  # answers rendered, for tests and benchmarks
        self.thumbnails_shown = 0
        self.last_answer_at = 0.0
        self.first_thumbnail_at = 0.0
        self._images: dict[int, tk.PhotoImage] = {}
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="thumbs")
        # its own thread: a preview must not wait behind a page of thumbnails
        self._preview_pool = ThreadPoolExecutor(1, thread_name_prefix="preview")
        self._pending_search: str | None = None
        self._generation = 0  # of the last question asked
        self._shown = 0  # the generation whose results the grid shows
        self._preview_token = 0
        self._tooltip: tk.Toplevel | None = None
        self._focused = False
        self.name_dialog: NameDialog | None = None
        self._jobs: dict[str, str] = {}  # Tk timers by what they are for
        self._build()
        self._place()
        self._later("poll", POLL_MS, self._poll)
        self.refresh_status()

    @property
    def cells(self) -> list[Cell]:
        return self.grid.cells

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        palette, fonts = self.palette, self.fonts
        self.root.title("Умная галерея — поиск")
        self.root.minsize(480, 420)
        ttk.Style(self.root).configure("Search.TEntry", padding=(12, 8))
        header = ttk.Frame(self.root, padding=(16, 14, 16, 6))
        header.pack(fill="x")
        self.query = tk.StringVar()
        self.entry = ttk.Entry(header, textvariable=self.query, font=fonts.entry,
                               style="Search.TEntry")
        self.entry.pack(fill="x")
        self.entry.focus_set()
        line = ttk.Frame(self.root, padding=(16, 2, 16, 10))
        line.pack(fill="x")
        self.status = ttk.Label(line, anchor="w", foreground=palette.muted, font=fonts.body)
        self.status.pack(side="left")
        self.chips = ChipRow(line, palette, fonts.small)
        self.chips.pack(side="left", fill="x", expand=True, padx=(16, 0))
        ttk.Separator(self.root).pack(fill="x")
        self.hints = ttk.Label(self.root, text=captions.HINTS, anchor="center",
                               foreground=palette.muted, font=fonts.small, padding=(16, 7))
        self.hints.pack(side="bottom", fill="x")
        ttk.Separator(self.root).pack(side="bottom", fill="x")
        self.body = ttk.Frame(self.root)
        self.body.pack(fill="both", expand=True)
        self.grid = ResultGrid(self.body, palette, fonts, self._bind_cell)
        self.grid.pack(fill="both", expand=True)
        self.preview = Preview(self.body, palette, fonts, on_open=lambda: self.open_selected(),
                               on_reveal=lambda: self.reveal_selected())
        self.start_button = ttk.Button(self.grid.message, text="Запустить службу",
                                       style="Accent.TButton", command=self._start_daemon)
        self.menu = tk.Menu(self.root, tearoff=False)
        self.menu.add_command(label="Открыть", command=lambda: self.open_selected())
        self.menu.add_command(label="Показать в папке", command=lambda: self.reveal_selected())
        self.menu.add_command(label="Похожие (Ctrl+Enter)",
                              command=lambda: self.similar_selected())
        self.menu.add_command(label="Дубликаты", command=lambda: self.duplicates_selected())
        self.menu.add_command(label="Этот человек", command=lambda: self.person_selected())
        self.menu.add_command(label="Назвать человека…", command=lambda: self.name_selected())
        self.query.trace_add("write", lambda *_: self._typed())
        # Ctrl+Enter whatever the keyboard layout (a letter would be another in Russian)
        for key, handler in (("<Return>", self._enter), ("<Escape>", self._escape),
                             ("<Control-Return>", self._similar_key), ("<space>", self._space),
                             ("<Left>", lambda e: self._arrow(e, -1)),
                             ("<Right>", lambda e: self._arrow(e, 1)),
                             ("<Up>", lambda e: self._arrow(e, -self.grid.columns)),
                             ("<Down>", lambda e: self._arrow(e, self.grid.columns)),
                             ("<Button-4>", lambda e: self._wheel(-1)),
                             ("<Button-5>", lambda e: self._wheel(1)),
                             ("<MouseWheel>", lambda e: self._wheel(-1 if e.delta > 0 else 1)),
                             ("<Map>", self._mapped), ("<Destroy>", self._destroyed)):
            self.root.bind(key, handler)
        self.grid.canvas.bind("<Key>", self._typed_in_grid)
        self.root.protocol("WM_DELETE_WINDOW", self.close)

    def _place(self) -> None:
        """Centred on the screen, COLUMNS cards wide where the screen allows."""
        screen_width, screen_height = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        width = min(ResultGrid.width_for(COLUMNS) + self.grid.scrollbar.winfo_reqwidth(),
                    int(screen_width * 0.92))
        height = min(HEIGHT, int(screen_height * 0.9))
        self.root.geometry(f"{width}x{height}+{(screen_width - width) // 2}"
                           f"+{(screen_height - height) // 2}")

    def _later(self, name: str, ms: int, callback: Callable[[], object]) -> None:
        """One timer per purpose: a new one replaces the one still waiting."""
        if name in self._jobs:
            self.root.after_cancel(self._jobs[name])

        def run() -> None:
            self._jobs.pop(name, None)
            callback()

        self._jobs[name] = self.root.after(ms, run)

    def _destroyed(self, event: tk.Event) -> None:
        """However the window goes, its timers and threads go with it (a timer left behind
        fires into a Tk that is gone)."""
        if event.widget is not self.root:
            return
        for job in self._jobs.values():
            self.root.after_cancel(job)
        self._jobs.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._preview_pool.shutdown(wait=False, cancel_futures=True)

    def _mapped(self, event: tk.Event) -> None:
        if event.widget is not self.root or self._focused:
            return
        self._focused = True
        # a window started by the tray (another process) may not be given the focus, but
        # the user asked for it to type into
        self.entry.focus_force()
        self._pool.submit(_warm_up)

    # --- talking to the daemon, off the Tk thread --------------------------------------------
    def _call(self, method: str, **params: Any) -> Any:
        with Client(self.socket_path, timeout=10) as client:
            return client.call(method, **params)

    def _ask(self, method: str, **params: Any) -> None:
        """Ask in a thread; the reply, timed from sending to answer, comes through the inbox."""
        self._ask_by(method, lambda: (method, self._call(method, **params)),
                     params.get("path", ""))

    def _ask_by(self, asking: str, question: Callable[[], tuple[str, Any] | None],
                path: str = "") -> None:
        """Run question() in a thread: its (method, answer) comes through the inbox as the
        reply (None: it handed its result over itself); an error, as `asking`'s."""
        self._pending_search = None
        self._generation += 1
        generation = self._generation

        def work() -> None:
            started = time.perf_counter()
            try:
                asked = question()
            except DaemonNotRunning:
                self._inbox.put(("down", generation))
                return
            except DaemonError as exc:
                self._inbox.put(("error", Reply(generation, asking, exc, 0.0)))
                return
            if asked is not None:
                method, answer = asked
                self._inbox.put(("answer", Reply(generation, method, answer,
                                                 time.perf_counter() - started, path)))

        threading.Thread(target=work, daemon=True).start()

    def _typed(self) -> None:
        self._generation += 1
        generation = self._generation
        self._pending_search = self.query.get()
        self._later("debounce", self.debounce_ms, lambda: self._debounced(generation))

    def _debounced(self, generation: int) -> None:
        if generation == self._generation and self._pending_search is not None:
            self.search_now()

    def search_now(self) -> None:
        text = self.query.get().strip()
        if len(text) > MAX_QUERY_CHARS:
            self._set_status(f"Слишком длинный запрос: не больше {MAX_QUERY_CHARS} знаков")
            return
        if text:
            self._ask("search", query=text, limit=MAX_RESULTS)
            return
        self._pending_search = None
        self._generation += 1
        self._show([])
        self.chips.show([])
        self.refresh_status()

    def similar_selected(self) -> None:
        """Show the photos most like the selected one."""
        if self.results:
            self.close_preview()
            self._ask("similar", path=self.results[self.selected]["path"], limit=MAX_RESULTS)

    def duplicates_selected(self) -> None:
        """Show the selected photo with its copies, exact or near."""
        if self.results:
            self.close_preview()
            self._ask("duplicates", path=self.results[self.selected]["path"])

    def person_selected(self) -> None:
        """Show the photos of the person in the selected photo (its clearest face)."""
        if self.results:
            self.close_preview()
            self._ask_about_person(self.results[self.selected]["path"], show=True)

    def name_selected(self) -> None:
        """Ask for the name of the person in the selected photo, and give it."""
        if self.results:
            self._ask_about_person(self.results[self.selected]["path"], show=False)

    def _ask_about_person(self, path: str, show: bool) -> None:
        def question() -> tuple[str, Any] | None:
            people = self._call("people.of_photo", path=path)["people"]
            if not people:
                return "people.none", None
            if show:
                return "people.photos", self._call("people.photos", person=people[0]["id"])
            self._inbox.put(("name", (path, people[0])))
            return None

        self._ask_by("people.of_photo", question, path)

    def _open_name_dialog(self, path: str, person: dict[str, Any]) -> None:
        if self.name_dialog is not None:
            self.name_dialog.close()
        self.name_dialog = NameDialog(
            self.root, Path(path).name, person.get("name") or "",
            lambda name: self._ask("people.name", person=person["id"], name=name))

    def _person_photos(self, reply: Reply, took: str) -> None:
        answer = reply.answer
        who = f"«{answer['name']}»" if answer["name"] else "Человек без имени"
        self._set_status(f"{who}: {answer['photos']} фото · {took}")
        self.chips.show([])
        results = [{"path": p, "score": 1.0} for p in answer["paths"]]
        self._show(results)
        self.select(next((i for i, r in enumerate(results) if r["path"] == reply.path), 0))

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
        self._later("poll", POLL_MS, self._poll)

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "answer":
            if payload.generation == self._generation:
                self._answer(payload)
        elif kind == "down":
            if payload is None or payload == self._generation:
                self._daemon_down()
        elif kind == "error":
            if payload.generation == self._generation:
                self._error(payload)
        elif kind == "status":
            self._status_line(payload)
        elif kind == "thumb":
            self._thumbnail(*payload)
        elif kind == "picture":
            self._preview_picture(*payload)
        elif kind == "name":
            self._open_name_dialog(*payload)
        elif kind == "tags":
            token, answer, problem = payload
            if token == self._preview_token:
                self.preview.set_tags(answer, problem)

    # --- states ------------------------------------------------------------------------------
    def _set_status(self, text: str) -> None:
        self.status.configure(text=text)

    def _status_line(self, status: dict[str, Any]) -> None:
        self.start_button.pack_forget()
        if self.results or self.query.get().strip():
            return
        indexed = status["indexed"]
        if status.get("problem"):
            self._set_status(f"{status['problem']}. Проиндексировано фотографий: {indexed}")
            self.grid.say(status["problem"])
        elif status.get("pending"):
            self._set_status(f"Индекс ещё строится: проиндексировано {indexed}, "
                             f"в очереди {status['pending']}")
            self.grid.say("Индекс ещё строится",
                          "Уже можно искать среди проиндексированных фотографий.")
        elif not status.get("folders"):
            self._set_status("Нет папок с фотографиями: добавьте папку в меню значка")
            self.grid.say("Нет папок с фотографиями",
                          "Добавьте папку в меню значка Умной галереи.")
        else:
            self._set_status(f"Проиндексировано фотографий: {indexed}")
            self.grid.say("Что ищем?", EXAMPLES)

    def _daemon_down(self) -> None:
        self._show([])
        self.chips.show([])
        self._set_status("Служба не запущена: поиск недоступен.")
        self.grid.say("Служба не запущена",
                      "Без неё поиск недоступен. Она работает в фоне и знает ваши фотографии.")
        self.start_button.pack()

    def _start_daemon(self) -> None:
        self.actions.start_daemon()
        self._set_status("Запускаем службу…")
        self.grid.say("Запускаем службу…")
        self.start_button.pack_forget()
        self._later("restart", 1500, self.refresh_status)

    def _error(self, reply: Reply) -> None:
        if reply.method == "duplicates" and reply.answer.code == METHOD_NOT_FOUND:
            self._set_status("Эта версия службы не ищет копии: обновите её")
        else:
            self._set_status(f"Ошибка: {reply.answer}")

    def _answer(self, reply: Reply) -> None:
        self.start_button.pack_forget()
        self.last_answer_at = time.perf_counter()
        self.searches += 1
        took = captions.elapsed_text(reply.seconds)
        if reply.method == "duplicates":
            self._copies(reply, took)
            return
        if reply.method == "people.photos":
            self._person_photos(reply, took)
            return
        if reply.method == "people.none":
            self._set_status(f"На фото «{Path(reply.path).name}» нет лица, которое можно "
                             f"узнать · {took}")
            return
        if reply.method == "people.name":
            self._set_status(f"Сохранено: «{reply.answer['name']}», "
                             f"{reply.answer['photos']} фото · {took}")
            return
        answer = reply.answer
        results = answer["results"]
        chips = []
        if answer.get("similar_to"):
            name = Path(answer["similar_to"]).name
            status = (f"Похожие на «{name}»: {answer['total']}" if results
                      else f"Похожих на «{name}» не нашлось")
            empty = ("Похожих не нашлось", "Других фотографий с тем же в индексе нет.")
        elif results:
            chips = captions.understood_chips(answer)
            more = answer["total"] - len(results)
            status = f"Найдено {answer['total']}" + (
                f", показаны первые {len(results)}" if more > 0 else "")
            empty = ("", "")
        elif answer.get("unknown") and answer.get("understood", "").startswith("ничего"):
            unknown = ", ".join(answer["unknown"])
            status = f"Ничего не найдено. Не понято: {unknown}"
            empty = ("Ничего не найдено",
                     f"Слова «{unknown}» мне не знакомы. Попробуйте сказать иначе.")
        else:
            chips = captions.understood_chips(answer)
            status = "Ничего не найдено"
            empty = ("Ничего не найдено", "Попробуйте другие слова или меньше условий.")
        self._set_status(f"{status} · {took}")
        self.chips.show(chips)
        self._show(results)
        if not results:
            self.grid.say(*empty)

    def _copies(self, reply: Reply, took: str) -> None:
        """The selected photo's group from `duplicates`; the results stay if it has none."""
        name = Path(reply.path).name
        groups = reply.answer.get("groups") or []
        group = groups[0] if groups else None  # the photo's own group, if it has one
        photos = group["photos"] if group else []
        copies = [p for p in photos if p["path"] != reply.path]
        if not copies:
            self._set_status(f"Копий «{name}» нет · {took}")
            return
        kind = "точные" if group and group.get("kind") == "exact" else "почти такие же"
        self._set_status(f"Копии «{name}»: {len(copies)} · {kind} · {took}")
        self.chips.show([])
        self._show(photos)
        self.select(next(i for i, p in enumerate(photos) if p["path"] == reply.path)
                    if len(copies) < len(photos) else 0)

    # --- the grid of results -------------------------------------------------------------------
    def _show(self, results: list[dict[str, Any]]) -> None:
        self.close_preview()
        self.hide_tooltip()
        self.results = results
        self.selected = 0
        self.thumbnails_shown = 0
        self.first_thumbnail_at = 0.0
        self._shown = self._generation
        self.grid.show([(Path(r["path"]).name, captions.when_where(r)) for r in results])
        self._images.clear()  # after the cards let go of them
        for index, result in enumerate(results):
            self._pool.submit(self._make_thumbnail, self._shown, index, result["path"])
        self.grid.mark(self.selected)

    def _bind_cell(self, cell: Cell, index: int) -> None:
        menu_button = "<Button-2>" if sys.platform == "darwin" else "<Button-3>"
        cell.bind_all_parts("<Double-Button-1>", lambda e: self._open(index))
        cell.bind_all_parts("<Button-1>", lambda e: self._click(index))
        cell.bind_all_parts(menu_button, lambda e: self._context(e, index))
        cell.bind("<Enter>", lambda e: self._hover(e, index))
        cell.bind("<Leave>", lambda e: self._leave(e, cell))

    def _make_thumbnail(self, generation: int, index: int, path: str) -> None:
        if generation != self._shown:
            return  # typed on: these results are gone
        from tray.pictures import cell_picture  # Pillow and numpy, off the Tk thread

        try:
            picture = cell_picture(Path(path), THUMB, self.thumbnail_root)
        except Exception:  # noqa: BLE001 - a vanished or broken photo keeps its placeholder
            picture = None
        self._inbox.put(("thumb", (generation, index, picture)))

    def _thumbnail(self, generation: int, index: int, picture: Any) -> None:
        if generation != self._shown or index >= len(self.cells) or picture is None:
            return
        from PIL import ImageTk

        image = ImageTk.PhotoImage(picture, master=self.root)
        self._images[index] = image
        self.cells[index].picture.configure(image=image)
        self.thumbnails_shown += 1
        if self.thumbnails_shown == 1:
            self.root.update_idletasks()
            self.first_thumbnail_at = time.perf_counter()

    def select(self, index: int) -> None:
        if self.results:
            self.selected = max(0, min(index, len(self.results) - 1))
            self.grid.mark(self.selected)
            if not self.previewing:
                self.grid.reveal(self.selected)

    def move(self, step: int) -> None:
        if self.root.focus_get() is self.entry and step in (-1, 1) and not self.results:
            return  # arrows edit the text while there is nothing to move through
        self.select(self.selected + step)

    def _arrow(self, event: tk.Event, step: int) -> str | None:
        if self.previewing:
            self.step_preview(-1 if step < 0 else 1)
            return "break"
        if not self.results:
            return None
        if event.widget is self.grid.canvas and step < -1 and self.selected + step < 0:
            self.entry.focus_set()  # up from the first row: back to the query
            return "break"
        self.move(step)
        self.grid.canvas.focus_set()  # now Space previews, and letters go back to the query
        return "break"

    def _typed_in_grid(self, event: tk.Event) -> str | None:
        """Typing while the grid has the focus goes on with the query."""
        if event.keysym == "BackSpace":
            self.entry.focus_set()
            if self.query.get():
                self.entry.delete(len(self.query.get()) - 1, "end")
            return "break"
        if event.char and event.char.isprintable() and event.char != " " \
                and not event.state & 0x4:  # not with Ctrl
            self.entry.focus_set()
            self.entry.insert("end", event.char)
            return "break"
        return None

    def _wheel(self, notches: int) -> None:
        if not self.previewing:
            self.grid.scroll(notches)

    def _enter(self, _event: object = None) -> None:
        if self._pending_search is not None or not self.results:
            self.search_now()
        else:
            self.open_selected()

    def _space(self, event: tk.Event) -> str | None:
        if self.previewing:
            self.close_preview()
            return "break"
        if event.widget is self.entry:
            return None  # a space in the query
        self.open_preview()
        return "break"

    def _escape(self, _event: object = None) -> str:
        if self.previewing:
            self.close_preview()
        else:
            self.close()
        return "break"

    def _similar_key(self, _event: object = None) -> str:
        self.similar_selected()
        return "break"  # not also Enter's «open»

    def _click(self, index: int) -> None:
        self.select(index)
        self.grid.canvas.focus_set()

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
        self.hide_tooltip()
        self.menu.tk_popup(event.x_root, event.y_root)

    def _hover(self, event: tk.Event, index: int) -> None:
        self.hide_tooltip()
        result = self.results[index]
        taken = format_taken(result.get("taken"), result.get("taken_guessed", False))
        text = "\n".join([Path(result["path"]).name,
                          *(part for part in (taken, result.get("place", "")) if part),
                          f"оценка {result['score']:.3f}", *result["why"]])
        tip = tk.Toplevel(self.root)
        tip.wm_overrideredirect(True)
        tip.wm_geometry(f"+{event.x_root + 14}+{event.y_root + 14}")
        tk.Label(tip, text=text, justify="left", background=self.palette.tooltip,
                 foreground=self.palette.text, font=self.fonts.small, relief="solid",
                 borderwidth=1, padx=8, pady=6).pack()
        self._tooltip = tip

    def _leave(self, event: tk.Event, cell: Cell) -> None:
        under = str(cell.winfo_containing(event.x_root, event.y_root) or "")
        if under != str(cell) and not under.startswith(f"{cell}."):  # not into its own words
            self.hide_tooltip()

    def hide_tooltip(self) -> None:
        if self._tooltip is not None:
            self._tooltip.destroy()
            self._tooltip = None

    # --- the preview -------------------------------------------------------------------------
    def open_preview(self) -> None:
        """The selected photo, large, in place of the grid."""
        if not self.results or self.previewing:
            return
        self.hide_tooltip()
        self.previewing = True
        self.grid.pack_forget()
        self.preview.pack(fill="both", expand=True)
        self.hints.configure(text=captions.PREVIEW_HINTS)
        self.preview.focus_set()
        self._load_preview()

    def step_preview(self, step: int) -> None:
        before = self.selected
        self.select(self.selected + step)
        if self.selected != before:
            self._load_preview()

    def close_preview(self) -> None:
        if not self.previewing:
            return
        self.previewing = False
        self._preview_token += 1  # a picture or tags still on the way are for nobody
        self.preview.pack_forget()
        self.grid.pack(fill="both", expand=True)
        self.hints.configure(text=captions.HINTS)
        self.grid.canvas.focus_set()
        self.grid.reveal(self.selected)

    def _load_preview(self) -> None:
        self._preview_token += 1
        token = self._preview_token
        result = self.results[self.selected]
        self.preview.show(result)
        path = result["path"]
        self._preview_pool.submit(self._decode_preview, token, path, self.preview.picture_box())

        def tags() -> None:
            try:
                self._inbox.put(("tags", (token, self._call("photo.tags", path=path), "")))
            except (DaemonNotRunning, DaemonError) as exc:
                self._inbox.put(("tags", (token, None, f"Теги недоступны: {exc}")))

        threading.Thread(target=tags, daemon=True).start()

    def _decode_preview(self, token: int, path: str, box: tuple[int, int]) -> None:
        if token != self._preview_token:
            return  # stepped on already
        from daemon.signals.decode import DecodeError
        from tray.pictures import preview_picture

        try:
            self._inbox.put(("picture", (token, preview_picture(Path(path), box), "")))
        except DecodeError as exc:
            self._inbox.put(("picture", (token, None, str(exc))))

    def _preview_picture(self, token: int, picture: Any, problem: str) -> None:
        if token != self._preview_token:
            return
        from PIL import ImageTk

        self.preview.set_picture(None if picture is None
                                 else ImageTk.PhotoImage(picture, master=self.root), problem)

    def close(self) -> None:
        self.root.destroy()  # _destroyed stops the rest


def choose_folder() -> str:
    """A folder chooser in its own little Tk process (the tray has no Tk)."""
    from tkinter import filedialog

    root = tk.Tk()
    root.withdraw()
    folder = filedialog.askdirectory(title="Добавить папку с фотографиями", mustexist=True)
    root.destroy()
    return folder or ""


def open_popup(query: str = "", socket_path: Path | None = None) -> Popup:
    """The window as `smart-gallery popup` opens it, before its main loop."""
    popup = Popup(tk.Tk(), socket_path or Paths.default().socket)
    if query:
        popup.query.set(query)
        popup.entry.icursor("end")
    return popup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smart-gallery popup")
    parser.add_argument("--choose-folder", action="store_true",
                        help="ask for a folder and print it")
    parser.add_argument("query", nargs="?", default="")
    args = parser.parse_args(argv)
    if args.choose_folder:
        print(choose_folder())
        return 0
    open_popup(args.query).root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
