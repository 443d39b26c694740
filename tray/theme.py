"""The popup's look: light or dark as the system is, the Sun Valley ttk theme, our colours.

system_theme() asks cheaply and never fails: SMART_GALLERY_THEME=light|dark first (tests,
screenshots, a user's wish), then the platform's own setting, else light. A probe that
needs a subprocess (macOS `defaults`, GNOME `gsettings`) runs only where it can answer and
is cut off after PROBE_TIMEOUT.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from tkinter import ttk

THEME_ENV = "SMART_GALLERY_THEME"
THEMES = ("light", "dark")
PROBE_TIMEOUT = 0.25  # seconds: a hung settings daemon must not hold the window back
# desktops whose colour scheme is GNOME's org.gnome.desktop.interface color-scheme
GNOME_LIKE = ("gnome", "unity", "budgie", "pantheon")

Runner = Callable[[list[str]], str]  # runs a command, returns its stdout


@dataclass(frozen=True)
class Palette:
    """Colours beside the ttk theme's own: cards, chips, the selection."""

    name: str
    background: str  # the window, as the ttk theme paints it
    text: str
    muted: str
    card: str
    ring: str  # a card's outline
    selected_card: str
    selected_ring: str
    well: str  # where a thumbnail is still on its way
    tooltip: str
    chips: Mapping[str, tuple[str, str]]  # chip kind -> (background, text)


LIGHT = Palette(
    name="light", background="#fafafa", text="#1c1c1c", muted="#5c5c5c",
    card="#ffffff", ring="#e3e3e3", selected_card="#dcebfb", selected_ring="#005fb8",
    well="#ececec", tooltip="#ffffff",
    chips={"what": ("#dbe9fb", "#0a4a8c"), "when": ("#dff3e4", "#1b6b34"),
           "where": ("#fdefd9", "#8a4b00"), "without": ("#fbe1df", "#9b1c1c"),
           "unknown": ("#ececec", "#5c5c5c")})
DARK = Palette(
    name="dark", background="#1c1c1c", text="#fafafa", muted="#a6a6a6",
    card="#2a2a2a", ring="#353535", selected_card="#173a5e", selected_ring="#57c8ff",
    well="#333333", tooltip="#2b2b2b",
    chips={"what": ("#1d3a5c", "#cfe5ff"), "when": ("#1d3d27", "#bfe9c9"),
           "where": ("#47340f", "#ffd99e"), "without": ("#4b1f1f", "#ffc8c4"),
           "unknown": ("#363636", "#bdbdbd")})
PALETTES = {"light": LIGHT, "dark": DARK}


@dataclass(frozen=True)
class Fonts:
    entry: tkfont.Font  # the query
    title: tkfont.Font  # «Ничего не найдено»
    heading: tkfont.Font  # the photo's name in the preview
    label: tkfont.Font  # «Почему найдено»
    body: tkfont.Font
    small: tkfont.Font  # under a thumbnail, chips, hints


def _run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                          check=False).stdout


def system_theme(environ: Mapping[str, str] | None = None, platform: str = sys.platform,
                 run: Runner = _run, config_home: Path | None = None) -> str:
    """«light» or «dark»: the override, else what the system prefers, else «light»."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(THEME_ENV, "").strip().lower()
    if chosen in THEMES:
        return chosen
    try:
        return "dark" if _prefers_dark(environ, platform, run, config_home) else "light"
    except Exception:  # noqa: BLE001 - a theme is never worth a window that does not open
        return "light"


def _prefers_dark(environ: Mapping[str, str], platform: str, run: Runner,
                  config_home: Path | None) -> bool:
    if platform == "darwin":
        return run(["defaults", "read", "-g", "AppleInterfaceStyle"]).strip() == "Dark"
    if platform.startswith("win"):
        return _windows_prefers_dark()
    gtk_theme = environ.get("GTK_THEME", "").strip().lower()
    if gtk_theme:  # set by hand: it is what GTK applications use, whatever the desktop says
        return gtk_theme.endswith((":dark", "-dark"))
    desktop = environ.get("XDG_CURRENT_DESKTOP", "").lower()
    if "kde" in desktop:
        home = config_home or Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        return _kde_prefers_dark(home / "kdeglobals")
    if any(name in desktop for name in GNOME_LIKE) and shutil.which("gsettings"):
        answer = run(["gsettings", "get", "org.gnome.desktop.interface", "color-scheme"])
        return "prefer-dark" in answer
    return False


def _windows_prefers_dark() -> bool:
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER,  # type: ignore[attr-defined]
                        r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize") as key:
        value, _ = winreg.QueryValueEx(key, "AppsUseLightTheme")  # type: ignore[attr-defined]
    return value == 0


def _kde_prefers_dark(kdeglobals: Path) -> bool:
    """Plasma keeps no light/dark flag: a dark window background is the answer."""
    section = ""
    for line in kdeglobals.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Colors:Window]" and line.startswith("BackgroundNormal="):
            red, green, blue = (int(v) for v in line.split("=", 1)[1].split(",")[:3])
            return 0.299 * red + 0.587 * green + 0.114 * blue < 128
    return False


def apply_theme(root: tk.Tk, name: str) -> Palette:
    """Sun Valley light or dark on the window (ttk widgets, and Tk's palette for the rest);
    a plain ttk theme in our colours where Sun Valley will not load."""
    palette = PALETTES.get(name, LIGHT)
    try:
        import sv_ttk  # imports in under a millisecond; loading its images takes ~15 ms

        sv_ttk.set_theme(palette.name, root)
    except (ImportError, tk.TclError, RuntimeError):
        ttk.Style(root).theme_use("clam")
        root.tk_setPalette(background=palette.background, foreground=palette.text)
    root.configure(background=palette.background)
    return palette


def make_fonts(root: tk.Tk) -> Fonts:
    """Sizes from the system's default family (Sun Valley asks for Segoe UI, which only
    Windows has)."""
    family = tkfont.nametofont("TkDefaultFont", root).actual("family")

    def font(size: int, weight: str = "normal") -> tkfont.Font:
        return tkfont.Font(root, family=family, size=size, weight=weight)

    return Fonts(entry=font(15), title=font(15, "bold"), heading=font(13, "bold"),
                 label=font(10, "bold"), body=font(10), small=font(9))


def luminance(root: tk.Misc, colour: str) -> float:
    """0 (black) to 1 (white), for «is this dark» questions."""
    red, green, blue = (v / 65535 for v in root.winfo_rgb(colour))
    return 0.299 * red + 0.587 * green + 0.114 * blue
