"""The small window in which the user names the person in a photo («Как зовут человека?»).

Not modal: the popup goes on answering while it is open, and Enter saves, Esc closes.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk


class NameDialog:
    def __init__(self, parent: tk.Misc, photo_name: str, current: str,
                 on_save: Callable[[str], None]) -> None:
        self.window = tk.Toplevel(parent)
        self.window.title("Умная галерея — кто это?")
        self.window.transient(parent.winfo_toplevel())
        frame = ttk.Frame(self.window, padding=16)
        frame.pack(fill="both", expand=True)
        ttk.Label(frame, text=f"Как зовут человека на фото «{photo_name}»?").pack(anchor="w")
        self.name = tk.StringVar(value=current)
        self.entry = ttk.Entry(frame, textvariable=self.name, width=32)
        self.entry.pack(fill="x", pady=(8, 12))
        self.entry.select_range(0, "end")
        self.entry.focus_set()
        buttons = ttk.Frame(frame)
        buttons.pack(fill="x")
        self.save_button = ttk.Button(buttons, text="Сохранить", style="Accent.TButton",
                                      command=self.save)
        self.save_button.pack(side="right")
        ttk.Button(buttons, text="Отмена", command=self.close).pack(side="right", padx=(0, 8))
        self._on_save = on_save
        self.window.bind("<Return>", lambda _e: self.save())
        self.window.bind("<Escape>", lambda _e: self.close())

    def save(self) -> None:
        name = self.name.get().strip()
        if name:
            self._on_save(name)
            self.close()

    def close(self) -> None:
        if self.window.winfo_exists():
            self.window.destroy()
