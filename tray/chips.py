"""A row of rounded chips on a canvas: how the search read the query, one part a chip."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

from tray.captions import Chip
from tray.theme import Palette

PAD_X = 9
PAD_Y = 3
SPACE = 6


def rounded_rectangle(x1: float, y1: float, x2: float, y2: float,
                      radius: float) -> list[float]:
    """The points of a rounded rectangle for create_polygon(..., smooth=True): each
    straight edge's ends doubled keep it straight, the corners between become arcs."""
    r = radius
    return [x1 + r, y1, x1 + r, y1, x2 - r, y1, x2 - r, y1, x2, y1,
            x2, y1 + r, x2, y1 + r, x2, y2 - r, x2, y2 - r, x2, y2,
            x2 - r, y2, x2 - r, y2, x1 + r, y2, x1 + r, y2, x1, y2,
            x1, y2 - r, x1, y2 - r, x1, y1 + r, x1, y1 + r, x1, y1]


class ChipRow(tk.Canvas):
    def __init__(self, master: tk.Misc, palette: Palette, font: tkfont.Font) -> None:
        height = font.metrics("linespace") + 2 * PAD_Y + 2
        super().__init__(master, height=height, highlightthickness=0, borderwidth=0,
                         background=palette.background)
        self.palette = palette
        self.font = font
        self.chips: list[Chip] = []
        self.bind("<Configure>", lambda _e: self._draw())

    @property
    def texts(self) -> list[str]:
        return [chip.text for chip in self.chips]

    def show(self, chips: list[Chip]) -> None:
        self.chips = chips
        self._draw()

    def _draw(self) -> None:
        self.delete("all")
        if not self.chips:
            return
        width = self.winfo_width()
        height = int(self["height"])
        x = 0
        label = self.create_text(x, height / 2, text="понято:", anchor="w", font=self.font,
                                 fill=self.palette.muted)
        x = self.bbox(label)[2] + SPACE
        for chip in self.chips:
            chip_width = self.font.measure(chip.text) + 2 * PAD_X
            if x + chip_width > width > 1:  # no room: say so rather than cut a chip
                self.create_text(x, height / 2, text="…", anchor="w", font=self.font,
                                 fill=self.palette.muted)
                break
            fill, text = self.palette.chips.get(chip.kind, self.palette.chips["what"])
            self.create_polygon(rounded_rectangle(x, 1, x + chip_width, height - 1,
                                                  (height - 2) / 2),
                                smooth=True, fill=fill, outline="")
            self.create_text(x + PAD_X, height / 2, text=chip.text, anchor="w",
                             font=self.font, fill=text)
            x += chip_width + SPACE
