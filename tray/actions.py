"""What the popup does outside itself: open a photo, show it in its folder, start the
service. Tests pass their own Actions."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Opener = Callable[[str], None]


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
    open_photo: Opener = open_in_viewer
    reveal: Opener = show_in_folder
    start_daemon: Callable[[], None] = start_daemon
