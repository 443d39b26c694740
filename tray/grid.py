"""The grid of results: cards with a square thumbnail, the file's name and when/where, in as
many columns as the window is wide (they re-flow on resize), scrolled when they overflow.
With no results it shows a message instead (what to type, nothing found, service down)."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable
from tkinter import ttk

from tray.captions import shorten_middle
from tray.theme import Fonts, Palette

THUMB = 176  # px: the square each photo is shown in
PAD = 8  # inside a card
GAP = 12  # between cards
RING = 2  # a card's outline; the selected card's is in the accent colour
MARGIN = 16  # around the grid
SCROLL_STEP = 48  # px a wheel notch scrolls


def fit(text: str, font: tkfont.Font, width: int, middle: bool = True) -> str:
    """The text, shortened until it fits the width: in the middle («IMG_2023…бабушки.jpg»,
    the end of a file name says most) or at the end («20.01.2024 · Санкт-Пе…»)."""
    if font.measure(text) <= width:
        return text
    limit = len(text) - 1
    while limit > 5 and font.measure(_shorten(text, limit, middle)) > width:
        limit -= 1
    return _shorten(text, limit, middle)


def _shorten(text: str, limit: int, middle: bool) -> str:
    return shorten_middle(text, limit) if middle else text[:limit - 1] + "…"


class Cell(tk.Frame):
    """One result: the thumbnail, the file's name (shortened to fit), «20.01.2024 · Сочи»."""

    def __init__(self, master: tk.Misc, palette: Palette, fonts: Fonts,
                 placeholder: tk.PhotoImage, name: str, when: str) -> None:
        lines = 2 * fonts.small.metrics("linespace") + 8
        super().__init__(master, width=THUMB + 2 * PAD + 2 * RING,
                         height=THUMB + 2 * PAD + 2 * RING + lines, background=palette.card,
                         highlightthickness=RING, highlightbackground=palette.ring,
                         highlightcolor=palette.ring, cursor="hand2")
        self.pack_propagate(False)  # long names are shortened, never widen the card
        self.palette = palette
        self.fonts = fonts
        self.picture = tk.Label(self, image=placeholder, borderwidth=0, background=palette.well)
        self.picture.pack(padx=PAD, pady=(PAD, 0))
        self.name = tk.Label(self, font=fonts.small, anchor="w", background=palette.card,
                             foreground=palette.text)
        self.name.pack(fill="x", padx=PAD, pady=(7, 0))
        self.when = tk.Label(self, font=fonts.small, anchor="w", background=palette.card,
                             foreground=palette.muted)
        self.when.pack(fill="x", padx=PAD, pady=(1, 0))
        self.say(name, when, placeholder)

    def say(self, name: str, when: str, picture: tk.PhotoImage) -> None:
        """Another result in this card (a new search reuses the cards it can)."""
        self.name.configure(text=fit(name, self.fonts.small, THUMB))
        self.when.configure(text=fit(when, self.fonts.small, THUMB, middle=False))
        self.picture.configure(image=picture)

    def bind_all_parts(self, sequence: str, handler: Callable[[tk.Event], object]) -> None:
        """A click anywhere on the card, the picture and the words included."""
        for widget in (self, self.picture, self.name, self.when):
            widget.bind(sequence, handler)

    def mark(self, selected: bool) -> None:
        card = self.palette.selected_card if selected else self.palette.card
        ring = self.palette.selected_ring if selected else self.palette.ring
        self.configure(background=card, highlightbackground=ring, highlightcolor=ring)
        for part in (self.name, self.when):
            part.configure(background=card)


class ResultGrid(ttk.Frame):
    def __init__(self, master: tk.Misc, palette: Palette, fonts: Fonts,
                 on_new_cell: Callable[[Cell, int], None]) -> None:
        """on_new_cell(cell, index): once for each card made, to bind what clicks do."""
        super().__init__(master)
        self.palette = palette
        self.fonts = fonts
        self.on_new_cell = on_new_cell
        self.cells: list[Cell] = []
        self.columns = 1
        self.canvas = tk.Canvas(self, background=palette.background, highlightthickness=0,
                                borderwidth=0, takefocus=1, yscrollincrement=SCROLL_STEP)
        # the scrollbar shows only when there is something to scroll; its room stays, so
        # the columns do not re-flow when it comes and goes
        self.scroll_room = ttk.Frame(self)
        self.scrollbar = ttk.Scrollbar(self.scroll_room, orient="vertical",
                                       command=self.canvas.yview)
        self.scroll_room.configure(width=self.scrollbar.winfo_reqwidth())
        self.scroll_room.pack_propagate(False)
        self.scroll_room.pack(side="right", fill="y")
        self.canvas.configure(yscrollcommand=self._scrolled)
        self.canvas.pack(side="left", fill="both", expand=True)
        self.inner = tk.Frame(self.canvas, background=palette.background)
        self._window = self.canvas.create_window(MARGIN, MARGIN, window=self.inner, anchor="nw")
        self.message = tk.Frame(self.canvas, background=palette.background)
        self.title = tk.Label(self.message, font=fonts.title, background=palette.background,
                              foreground=palette.text)
        self.title.pack()
        self.detail = tk.Label(self.message, font=fonts.body, background=palette.background,
                               foreground=palette.muted, justify="center")
        self.detail.pack(pady=(6, 12))
        self._message_window = self.canvas.create_window(0, 0, window=self.message,
                                                         anchor="center", state="hidden")
        self.placeholder = tk.PhotoImage(master=self, width=THUMB, height=THUMB)
        self.placeholder.put(palette.well, to=(0, 0, THUMB, THUMB))
        self.inner.bind("<Configure>", lambda _e: self._scroll_region())
        self.canvas.bind("<Configure>", lambda _e: self._layout())

    # --- what the grid shows ----------------------------------------------------------------
    def show(self, captions: list[tuple[str, str]]) -> list[Cell]:
        """A card for each (file name, when), its picture still to come. The cards there are
        are reused: making and destroying two dozen takes longer than the search."""
        while len(self.cells) > len(captions):
            self.cells.pop().destroy()
        for index, (name, when) in enumerate(captions):
            if index < len(self.cells):
                self.cells[index].say(name, when, self.placeholder)
            else:
                cell = Cell(self.inner, self.palette, self.fonts, self.placeholder, name, when)
                self.cells.append(cell)
                self.on_new_cell(cell, index)
        self._place_cells()
        self.canvas.yview_moveto(0)
        if self.cells:
            self.say("", "")
        return self.cells

    def say(self, title: str, detail: str = "") -> None:
        """A message in the middle, where there are no cards ('' hides it)."""
        self.title.configure(text=title)
        self.detail.configure(text=detail, wraplength=max(300, self.canvas.winfo_width() - 80))
        self.canvas.itemconfigure(self._message_window, state="normal" if title else "hidden")

    def mark(self, selected: int) -> None:
        for index, cell in enumerate(self.cells):
            cell.mark(index == selected)

    def reveal(self, index: int) -> None:
        """Scroll so the card is in view."""
        if not 0 <= index < len(self.cells):
            return
        self.update_idletasks()
        self._scroll_region()
        cell = self.cells[index]
        top = MARGIN + cell.winfo_y() - GAP // 2  # the inner frame sits MARGIN down
        bottom = MARGIN + cell.winfo_y() + cell.winfo_height() + GAP // 2
        view_top = self.canvas.canvasy(0)
        view_height = self.canvas.winfo_height()
        total = float(self.canvas.cget("scrollregion").split()[3])
        if top < view_top:
            self.canvas.yview_moveto(top / total)
        elif bottom > view_top + view_height:
            self.canvas.yview_moveto((bottom - view_height) / total)

    def scroll(self, notches: int) -> None:
        self.canvas.yview_scroll(notches, "units")

    def _scrolled(self, first: str, last: str) -> None:
        self.scrollbar.set(first, last)
        if float(first) <= 0 and float(last) >= 1:
            self.scrollbar.pack_forget()
        elif not self.scrollbar.winfo_ismapped():
            self.scrollbar.pack(fill="both", expand=True)

    # --- layout --------------------------------------------------------------------------
    @staticmethod
    def columns_for(width: int) -> int:
        card = THUMB + 2 * PAD + 2 * RING
        return max(1, (width - 2 * MARGIN + GAP) // (card + GAP))

    @staticmethod
    def width_for(columns: int) -> int:
        """The canvas width that holds this many columns."""
        return columns * (THUMB + 2 * PAD + 2 * RING + GAP) - GAP + 2 * MARGIN

    def _layout(self) -> None:
        width = self.canvas.winfo_width()
        columns = self.columns_for(width)
        if columns != self.columns:
            self.columns = columns
            self._place_cells()
        used = self.width_for(min(columns, max(1, len(self.cells)))) - 2 * MARGIN
        self.canvas.coords(self._window, max(MARGIN, (width - used) // 2), MARGIN)
        self.canvas.coords(self._message_window, width // 2, self.canvas.winfo_height() // 3)
        self.detail.configure(wraplength=max(300, width - 80))
        self._scroll_region()

    def _place_cells(self) -> None:
        for index, cell in enumerate(self.cells):
            cell.grid(row=index // self.columns, column=index % self.columns,
                      padx=(0 if index % self.columns == 0 else GAP, 0),
                      pady=(0 if index < self.columns else GAP, 0))
        self._layout()

    def _scroll_region(self) -> None:
        # never shorter than the view: a short grid must not scroll
        height = self.inner.winfo_reqheight() + 2 * MARGIN if self.cells else 0
        self.canvas.configure(scrollregion=(0, 0, self.canvas.winfo_width(),
                                            max(height, self.canvas.winfo_height(), 1)))
