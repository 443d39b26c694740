"""Pixels for the popup, made off the Tk thread: square thumbnails for the grid, a photo
scaled to the preview. Both return Pillow images; the Tk thread turns them into PhotoImages.

The grid's cells are larger than the freedesktop "normal" thumbnail (128 px), so they are
cut from the "large" one (256 px, ~/.cache/thumbnails/large, tray/thumbnails.py).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from daemon.signals.decode import MAX_PIXELS, DecodeError, read_file
from tray.thumbnails import cached_thumbnail, thumbnail


def large_thumbnail(photo: Path, root: Path | None = None) -> Image.Image:
    """The freedesktop "large" thumbnail (256 px on the long side) as an image: read from
    the cache, or made and written there; DecodeError if the photo cannot be read."""
    target = thumbnail(photo, root, "large")
    try:
        with Image.open(target) as made:
            return made.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:  # removed or broken meanwhile
        raise DecodeError(f"cannot read its thumbnail: {exc}") from exc


def cell_picture(photo: Path, side: int, root: Path | None = None) -> Image.Image:
    """The photo's middle as a side × side square, from its large thumbnail (or, while
    another tool's normal one is all there is and ours cannot be made, from that)."""
    try:
        image = large_thumbnail(photo, root)
    except DecodeError:
        normal = cached_thumbnail(photo, root)
        if normal is None:
            raise
        with Image.open(normal) as opened:
            image = opened.convert("RGB")
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)


def preview_picture(photo: Path, box: tuple[int, int]) -> Image.Image:
    """The whole photo, upright, scaled to fit the box; DecodeError with the reason if not.

    The file is untrusted as everywhere: size limits as the indexer's, and a JPEG is
    decoded straight at about the size shown (DCT scaling)."""
    data = read_file(photo)
    width, height = max(1, box[0]), max(1, box[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise DecodeError(f"image too large ({image.width}x{image.height} pixels)")
            side = max(width, height)  # the EXIF turn may swap the sides
            image.draft("RGB", (side, side))
            upright = ImageOps.exif_transpose(image) or image
            picture = upright.convert("RGB")
            picture.thumbnail((width, height), Image.Resampling.LANCZOS)
        except DecodeError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DecodeError("image too large (decompression bomb guard)") from exc
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError,
                KeyError, TypeError, ZeroDivisionError) as exc:
            raise DecodeError(f"cannot show the photo: {exc}") from exc
    return picture
