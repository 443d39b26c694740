"""A corpus of hostile and odd files, made on the spot, with what the indexer must do."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

# name -> True if the file is a real photo that must end up searchable
EXPECTED_OK = {
    "cmyk.jpg": True,
    "16bit.png": True,
    "animated.gif": True,
    "кошка на диване 🐱.jpg": True,
    "rotated_exif.jpg": True,
    "palette_alpha.png": True,
    "png_named.jpg": True,
    "truncated.jpg": False,
    "zero.jpg": False,
    "text.jpg": False,
    "huge_dimensions.png": False,
    "unreadable.jpg": False,
}


def make_bad_corpus(folder: Path, real_photo: Path) -> dict[str, bool]:
    """Write the corpus into folder; returns EXPECTED_OK for the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = Image.open(real_photo).convert("RGB")

    photo.convert("CMYK").save(folder / "cmyk.jpg", quality=90)

    grey16 = (np.asarray(photo.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    Image.fromarray(grey16).save(folder / "16bit.png")

    frames = [photo.resize((160, 120)), photo.resize((160, 120)).rotate(180)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], loop=0)

    shutil.copy(real_photo, folder / "кошка на диване 🐱.jpg")

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    photo.save(folder / "rotated_exif.jpg", exif=exif, quality=90)

    photo.quantize(64).save(folder / "palette_alpha.png", transparency=0)

    photo.save(folder / "png_named.jpg", format="PNG")  # wrong extension, real photo

    data = real_photo.read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "zero.jpg").write_bytes(b"")
    (folder / "text.jpg").write_text("это не фотография\n", encoding="utf-8")

    # 20000 x 20000 = 400 MP: over the decompression-bomb limit, yet a tiny file.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    (folder / "huge_dimensions.png").write_bytes(buffer.getvalue())

    unreadable = folder / "unreadable.jpg"
    if os.geteuid() == 0:
        # root reads any file whatever its mode; /proc/self/mem is a file the kernel
        # refuses to read from offset 0 (EIO), which is what we need to exercise.
        unreadable.symlink_to("/proc/self/mem")
    else:
        shutil.copy(real_photo, unreadable)
        unreadable.chmod(0)
    return dict(EXPECTED_OK)
