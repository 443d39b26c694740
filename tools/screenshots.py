"""Take the README's screenshots of the popup: real results, nothing found, daemon down.

The photos are copies of COCO photos with an EXIF date and place written into them (seeded:
a date from 2019 to 2024 and one of a few cities), as a phone's photos would carry.
Needs an X display (e.g. `Xvfb :99 &` then DISPLAY=:99) and the COCO photos in ../shared:

    DISPLAY=:99 python tools/screenshots.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import tkinter as tk
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
CITIES = ((55.7558, 37.6173), (43.5855, 39.7231), (59.9343, 30.3351), (48.8566, 2.3522),
          (36.8969, 30.7133), (41.7151, 44.8271))
SHAREABLE = {"4": "CC BY 2.0", "5": "CC BY-SA 2.0", "7": "No known copyright restrictions",
             "8": "United States Government Work"}


def shareable_photos() -> dict[str, tuple[str, str]]:
    import csv

    with SOURCES.open(encoding="utf-8") as handle:
        return {row["file"]: (SHAREABLE[row["flickr_license_id"]], row["flickr_url"])
                for row in csv.DictReader(handle) if row["flickr_license_id"] in SHAREABLE}


def shoot(socket: Path, query: str, target: Path, thumbs: Path) -> None:
    root = tk.Tk()
    popup = Popup(root, socket, Actions(lambda p: None, lambda p: None, lambda: None),
                  thumbnail_root=thumbs, debounce_ms=10)
    if query:
        popup.query.set(query)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        root.update()
        done = (popup.searches and popup.thumbnails_shown == len(popup.cells)) if query \
            else "Служба" in popup.status["text"]
        if done:
            break
        time.sleep(0.02)
    for _ in range(20):
        root.update()
        time.sleep(0.02)
    x, y = root.winfo_rootx(), root.winfo_rooty()
    image = ImageGrab.grab(bbox=(x, y, x + root.winfo_width(), y + root.winfo_height()),
                           xdisplay=None)
    image.save(target, optimize=True)
    popup.close()
    print(f"wrote {target}")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        photos = base / "Фото"
        photos.mkdir()
        allowed = shareable_photos()
        rng = random.Random(16)
        for name in allowed:
            with Image.open(COCO / name) as image:
                size = image.size
            write_photo(photos / name, source=COCO / name, size=size,
                        taken=datetime(2019, 1, 1) + timedelta(hours=rng.randrange(52_000)),
                        gps=rng.choice(CITIES))
        with DaemonProcess(base / "home") as daemon:
            daemon.start()
            daemon.call("folders.add", path=str(photos))
            daemon.wait_idle(600)
            shoot(daemon.socket, "кошка", DOCS / "popup-results.png", base / "thumbs")
            shown = daemon.call("search", query="кошка", limit=24)["results"]
            credits = ["# Photos in popup-results.png", "",
                       "Flickr photos from the COCO dataset, under the licences below.", ""]
            credits += [f"- {Path(r['path']).name}: {allowed[Path(r['path']).name][0]}, "
                        f"{allowed[Path(r['path']).name][1]}" for r in shown]
            (DOCS / "CREDITS.md").write_text("\n".join(credits) + "\n", encoding="utf-8")
            shoot(daemon.socket, "жираф на луне", DOCS / "popup-nothing-found.png",
                  base / "thumbs")
        shoot(base / "home" / "run" / "daemon.sock", "", DOCS / "popup-daemon-down.png",
              base / "thumbs")


if __name__ == "__main__":
    main()
