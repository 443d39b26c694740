"""Take the README's screenshots of the popup, light and dark: results, the preview, similar
photos; and (light) nothing found, daemon down.

The photos are copies of COCO photos with an EXIF date and place written into them (seeded:
a date from 2019 to 2024 and one of a few cities), as a phone's photos would carry. Only
photos whose Flickr licence allows publishing are used; docs/CREDITS.md lists those shown.
Needs an X display (e.g. `Xvfb :97 -screen 0 1400x1000x24 &` then DISPLAY=:97) and the COCO
photos in ../shared:

    DISPLAY=:97 python tools/screenshots.py
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
import tkinter as tk
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageGrab

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from daemon_process import DaemonProcess  # noqa: E402
from photo_files import write_photo  # noqa: E402

from tray.popup import Actions, Popup  # noqa: E402

COCO = ROOT.parent / "shared" / "data" / "coco" / "images"
SOURCES = ROOT.parent / "shared" / "data" / "coco" / "sources.csv"
DOCS = ROOT / "docs"
# Flickr licences that allow publishing a screenshot with credit: CC BY 2.0, CC BY-SA 2.0,
# no known copyright restrictions, US government work. NC/ND photos stay out of the repo.
SHAREABLE = {"4": "CC BY 2.0", "5": "CC BY-SA 2.0", "7": "No known copyright restrictions",
             "8": "United States Government Work"}
CITIES = ((55.7558, 37.6173), (43.5855, 39.7231), (59.9343, 30.3351), (48.8566, 2.3522),
          (36.8969, 30.7133), (41.7151, 44.8271))
QUERY = "кошка"
NOTHING = "жираф зимой в Париже"  # understood, and no such photo
PREVIEWED = 1  # the result shown large: the second, so the grid's selection moved too


def shareable_photos() -> dict[str, tuple[str, str]]:
    with SOURCES.open(encoding="utf-8") as handle:
        return {row["file"]: (SHAREABLE[row["flickr_license_id"]], row["flickr_url"])
                for row in csv.DictReader(handle) if row["flickr_license_id"] in SHAREABLE}


class Shooter:
    """Opens the popup in a theme, brings it to a state, saves the window as a PNG."""

    def __init__(self, thumbs: Path) -> None:
        self.thumbs = thumbs
        self.shown: set[str] = set()  # every photo in a screenshot, for the credits

    def shoot(self, socket: Path, theme: str, target: Path, scene: Scene) -> None:
        os.environ["SMART_GALLERY_THEME"] = theme
        root = tk.Tk()
        popup = Popup(root, socket, Actions(lambda p: None, lambda p: None, lambda: None),
                      thumbnail_root=self.thumbs, debounce_ms=10)
        wait(root, root.winfo_ismapped)
        self.shown.update(scene(popup))
        for _ in range(25):  # let the last pictures and the layout settle
            root.update()
            time.sleep(0.02)
        # the window opens under Xvfb's pointer: no tooltip of whatever card is there
        # (warping the pointer away instead crashes the next Tk of the process)
        popup.hide_tooltip()
        root.update()
        x, y = root.winfo_rootx(), root.winfo_rooty()
        image = ImageGrab.grab(bbox=(x, y, x + root.winfo_width(), y + root.winfo_height()),
                               xdisplay=None)
        image.save(target, optimize=True)
        popup.close()
        print(f"wrote {target}")


def wait(root: tk.Tk, done: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the popup did not get there")
        root.update()
        time.sleep(0.02)


# A scene brings the popup to what the screenshot shows and returns the photos in it.
Scene = Callable[[Popup], list[str]]


def searched(query: str) -> Scene:
    def scene(popup: Popup) -> list[str]:
        popup.query.set(query)
        popup.entry.icursor("end")
        wait(popup.root, lambda: popup.searches
             and popup.thumbnails_shown == len(popup.cells))
        return [r["path"] for r in popup.results]
    return scene


def nothing_found(popup: Popup) -> list[str]:
    shown = searched(NOTHING)(popup)
    if shown:
        raise RuntimeError(f"«{NOTHING}» found photos: choose another query")
    return shown


def previewed(popup: Popup) -> list[str]:
    searched(QUERY)(popup)
    popup.select(PREVIEWED)
    popup.open_preview()
    wait(popup.root, lambda: popup.preview.picture_size and popup.preview.tags_text != "…")
    return [popup.results[PREVIEWED]["path"]]


def similar(popup: Popup) -> list[str]:
    searched(QUERY)(popup)
    popup.similar_selected()
    wait(popup.root, lambda: popup.searches >= 2
         and popup.thumbnails_shown == len(popup.cells))
    return [r["path"] for r in popup.results]


def daemon_down(popup: Popup) -> list[str]:
    wait(popup.root, lambda: popup.start_button.winfo_ismapped())
    return []


def write_photos(folder: Path, allowed: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The shareable photos, named as a phone names them; returns name -> COCO file."""
    folder.mkdir(parents=True)
    rng = random.Random(16)
    sources = {}
    for coco in allowed:
        with Image.open(COCO / coco) as image:
            size = image.size
        taken = datetime(2019, 1, 1) + timedelta(hours=rng.randrange(52_000),
                                                 seconds=rng.randrange(3600))
        name = f"IMG_{taken:%Y%m%d_%H%M%S}.jpg"
        while name in sources:  # the same second twice
            name = name.replace(".jpg", "_1.jpg")
        write_photo(folder / name, source=COCO / coco, size=size, taken=taken,
                    gps=rng.choice(CITIES))
        sources[name] = coco
    return sources


def write_credits(shown: set[str], sources: dict[str, str],
                  allowed: dict[str, tuple[str, str]]) -> None:
    lines = ["# Photos in the popup screenshots", "",
             "Flickr photos from the COCO dataset, under the licences below; in the "
             "screenshots they carry a made-up date, place and phone-style name.", ""]
    for name in sorted(Path(path).name for path in shown):
        licence, url = allowed[sources[name]]
        lines.append(f"- {name} (COCO {sources[name]}): {licence}, {url}")
    (DOCS / "CREDITS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    allowed = shareable_photos()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        photos = base / "Фото" / "Телефон"
        sources = write_photos(photos, allowed)
        shooter = Shooter(base / "thumbs")
        with DaemonProcess(base / "home") as daemon:
            daemon.start()
            daemon.call("folders.add", path=str(photos))
            daemon.wait_idle(600)
            # the preview writes a folder in the home directory as «~/…»: as a user's would
            # be (after the daemon started: it keeps the real home, and its model cache)
            os.environ["HOME"] = str(base)
            for theme, suffix in (("light", ""), ("dark", "-dark")):
                shooter.shoot(daemon.socket, theme, DOCS / f"popup-results{suffix}.png",
                              searched(QUERY))
                shooter.shoot(daemon.socket, theme, DOCS / f"popup-preview{suffix}.png",
                              previewed)
                shooter.shoot(daemon.socket, theme, DOCS / f"popup-similar{suffix}.png",
                              similar)
            shooter.shoot(daemon.socket, "light", DOCS / "popup-nothing-found.png",
                          nothing_found)
        shooter.shoot(base / "home" / "run" / "daemon.sock", "light",
                      DOCS / "popup-daemon-down.png", daemon_down)
    write_credits(shooter.shown, sources, allowed)


if __name__ == "__main__":
    main()
