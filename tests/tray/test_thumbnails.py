"""thumbnails: freedesktop-spec PNGs, cached by URI, remade when the photo changes."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import clear_photo
from PIL import Image

from daemon.signals.decode import DecodeError
from tray.thumbnails import NORMAL_SIZE, cached_thumbnail, thumbnail


def test_thumbnail_follows_the_spec(tmp_path: Path) -> None:
    photo = tmp_path / "Отпуск 2024" / "кот 🐱.jpg"
    photo.parent.mkdir()
    shutil.copy(clear_photo("cat"), photo)
    made = thumbnail(photo, tmp_path / "thumbnails")
    uri = photo.resolve().as_uri()
    assert made == tmp_path / "thumbnails" / "normal" / (
        hashlib.md5(uri.encode()).hexdigest() + ".png")
    with Image.open(made) as image:
        assert max(image.size) == NORMAL_SIZE
        assert image.info["Thumb::URI"] == uri
        assert image.info["Thumb::MTime"] == str(int(photo.stat().st_mtime))


def test_cached_until_the_photo_changes(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    shutil.copy(clear_photo("cat"), photo)
    root = tmp_path / "thumbnails"
    first = thumbnail(photo, root)
    assert cached_thumbnail(photo, root) == first
    made_at = first.stat().st_mtime_ns
    assert thumbnail(photo, root).stat().st_mtime_ns == made_at  # reused
    shutil.copy(clear_photo("bus"), photo)
    os.utime(photo, (1_700_000_000, 1_700_000_000))
    assert cached_thumbnail(photo, root) is None  # stale
    with Image.open(thumbnail(photo, root)) as image:
        assert image.info["Thumb::MTime"] == "1700000000"


def test_broken_photo_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(DecodeError):
        thumbnail(broken, tmp_path / "thumbnails")
