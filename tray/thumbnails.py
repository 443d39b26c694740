"""Thumbnails after the freedesktop thumbnail specification, shared with other tools.

~/.cache/thumbnails/normal/<md5 of the file URI>.png, 128 px on the long side ("large/":
256 px, which the popup's cards are cut from), with the Thumb::URI and Thumb::MTime text
chunks; a thumbnail whose MTime differs from the file's
is stale and is made again. Photos are decoded with the same hardened decoder as the
indexer (JPEG DCT scaling makes this fast).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from PIL import Image, PngImagePlugin

from daemon.signals.decode import DecodeError, decode_photo

NORMAL_SIZE = 128
SIZES = {"normal": NORMAL_SIZE, "large": 256}


def thumbnail_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "thumbnails"


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def thumbnail_path(photo: Path, root: Path | None = None, size: str = "normal") -> Path:
    digest = hashlib.md5(file_uri(photo).encode()).hexdigest()  # noqa: S324 - the spec's name
    return (root or thumbnail_root()) / size / f"{digest}.png"


def cached_thumbnail(photo: Path, root: Path | None = None,
                     size: str = "normal") -> Path | None:
    """The thumbnail if one exists for the photo as it is now."""
    target = thumbnail_path(photo, root, size)
    try:
        mtime = int(photo.stat().st_mtime)
        with Image.open(target) as image:
            if image.info.get("Thumb::MTime") == str(mtime):
                return target
    except (OSError, SyntaxError, ValueError):
        return None
    return None


def thumbnail(photo: Path, root: Path | None = None, size: str = "normal") -> Path:
    """A fresh thumbnail path for the photo, made if needed; DecodeError if unreadable."""
    found = cached_thumbnail(photo, root, size)
    if found is not None:
        return found
    target = thumbnail_path(photo, root, size)
    try:
        mtime = int(photo.stat().st_mtime)
    except OSError as exc:
        raise DecodeError("file vanished") from exc
    image = decode_photo(photo).image.copy()
    image.thumbnail((SIZES[size], SIZES[size]), Image.Resampling.LANCZOS)
    info = PngImagePlugin.PngInfo()
    info.add_text("Thumb::URI", file_uri(photo))
    info.add_text("Thumb::MTime", str(mtime))
    info.add_text("Software", "Smart Gallery")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # write then rename, so a reader never sees half a thumbnail; the lightest compression
    # (3.5 ms instead of 9 for the default): the first search shows its pictures sooner
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".png")
    with os.fdopen(fd, "wb") as handle:
        image.save(handle, format="PNG", pnginfo=info, compress_level=1)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return target
