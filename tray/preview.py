"""The preview inside the popup: the photo as large as the window allows and, beside it,
its name, folder, date, place, why it matched and its tags."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from tkinter import ttk
from typing import Any

from daemon.query.format import format_taken
from tray.captions import tag_lines
from tray.theme import Fonts, Palette

SIDE = 320  # px: the column of words beside the photo
PAD = 16


def folder_text(folder: Path) -> str:
    """«~/Фото/2023» for a folder in the home directory, else the whole path."""
    try:
        return str(Path("~") / folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)


class Preview(tk.Frame):
    def __init__(self, master: tk.Misc, palette: Palette, fonts: Fonts,
                 on_open: Callable[[], None], on_reveal: Callable[[], None]) -> None:
        """on_open, on_reveal: the buttons «Открыть» and «Показать в папке»."""
        super().__init__(master, background=palette.background, takefocus=1)
        self.palette = palette
        self.picture = tk.Label(self, background=palette.background, foreground=palette.muted,
                                font=fonts.body, borderwidth=0)
        self.picture.pack(side="left", fill="both", expand=True, padx=(PAD, 0), pady=PAD)
        side = tk.Frame(self, background=palette.card, width=SIDE, highlightthickness=1,
                        highlightbackground=palette.ring)
        side.pack(side="right", fill="y", padx=PAD, pady=PAD)
        side.pack_propagate(False)
        wrap = SIDE - 2 * PAD
        buttons = tk.Frame(side, background=palette.card)
        buttons.pack(side="bottom", fill="x", padx=PAD, pady=PAD)
        ttk.Button(buttons, text="Открыть", style="Accent.TButton", takefocus=0,
                   command=on_open).pack(side="left")
        ttk.Button(buttons, text="Показать в папке", takefocus=0,
                   command=on_reveal).pack(side="left", padx=(8, 0))

        def label(font: Any, colour: str, top: int = 0) -> tk.Label:
            widget = tk.Label(side, font=font, background=palette.card, foreground=colour,
                              anchor="w", justify="left", wraplength=wrap)
            widget.pack(fill="x", padx=PAD, pady=(top, 0))
            return widget

        self.name = label(fonts.heading, palette.text, PAD)
        self.folder = label(fonts.small, palette.muted, 2)
        self.when = label(fonts.body, palette.text, 12)
        self.where = label(fonts.body, palette.text, 2)
        self.camera = label(fonts.small, palette.muted, 2)
        self._why_title = label(fonts.label, palette.muted, 14)
        self._why_title.configure(text="Почему найдено")
        self.why = label(fonts.body, palette.text, 2)
        label(fonts.label, palette.muted, 14).configure(text="На фото")
        self.tags = label(fonts.body, palette.text, 2)
        self._image: tk.PhotoImage | None = None

    def _say(self, widget: tk.Label, text: str, top: int = 2) -> None:
        """Set a line; an empty one takes no room (the date and place are not always known)."""
        widget.configure(text=text)
        if text and not widget.winfo_manager():
            widget.pack(fill="x", padx=PAD, pady=(top, 0), before=self._why_title)
        elif not text:
            widget.pack_forget()

    def show(self, result: dict[str, Any]) -> None:
        """A photo's words at once; the picture and the tags follow (set_picture, set_tags)."""
        path = Path(result["path"])
        self.name.configure(text=path.name)
        self.folder.configure(text=folder_text(path.parent))
        for widget in (self.when, self.where, self.camera):
            widget.pack_forget()  # and back in this order, those that have something to say
        self._say(self.when, format_taken(result.get("taken"), result.get("taken_guessed", False)),
                  top=12)
        self._say(self.where, result.get("place") or "")
        self.why.configure(text="\n".join(result.get("why") or []) or "—")
        self.tags.configure(text="…")
        self._image = None
        self.picture.configure(image="", text="…")

    def picture_box(self) -> tuple[int, int]:
        """The room for the photo, in pixels."""
        self.update_idletasks()
        return max(self.picture.winfo_width(), 200), max(self.picture.winfo_height(), 200)

    def set_picture(self, image: tk.PhotoImage | None, problem: str = "") -> None:
        self._image = image  # Tk keeps no reference of its own
        if image is None:
            self.picture.configure(image="", text=f"Фото не открывается: {problem}")
        else:
            self.picture.configure(image=image, text="")

    def set_tags(self, answer: dict[str, Any] | None, problem: str = "") -> None:
        """From the daemon's photo.tags: tags, and the camera (the date and place the
        result already had)."""
        if answer is None:
            self.tags.configure(text=problem or "—")
            return
        self.tags.configure(text="\n".join(tag_lines(answer)) or "—")
        self._say(self.camera, answer.get("camera") or "")

    @property
    def picture_size(self) -> tuple[int, int] | None:
        """The size the photo is shown at; None while it is on its way or will not open."""
        return None if self._image is None else (self._image.width(), self._image.height())

    @property
    def tags_text(self) -> str:
        return str(self.tags["text"])
