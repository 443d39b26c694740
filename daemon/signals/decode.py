"""Open an untrusted photo file and return a small upright RGB image, or say why not.

Every photo is treated as hostile input: decompression bombs, truncated files, wrong
extensions, CMYK, 16-bit, palette and animated images all either decode to RGB or
raise DecodeError with a reason a person can read.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF photos from phones; optional at import so a broken plugin never stops JPEGs
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pillow_heif = None

try:  # libjpeg-turbo without Pillow's piecewise feeding; Pillow decodes where it is missing
    import simplejpeg
except ImportError:  # pragma: no cover - simplejpeg is a declared dependency
    simplejpeg = None

# Larger than any camera (a 200 MP phone sensor) but refuses crafted bombs.
MAX_PIXELS = 250_000_000
# Pillow's own guard warns from 89 MP, which decode_bytes turns into an error: at its
# default a 108 MP phone photo would be refused. Its guard is the process's; ours is this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Bytes read per file at most; a photo bigger than this is not a photo we can tag.
MAX_FILE_BYTES = 512 * 1024 * 1024
# The short side the taggers need (they resize to 256 then crop 224).
DECODE_MIN_SIDE = 256


class DecodeError(Exception):
    """The file is not a photo we can read; str(error) is the reason shown to the user."""


@dataclass(frozen=True)
class DecodedPhoto:
    image: Image.Image  # RGB, EXIF-upright, short side >= DECODE_MIN_SIDE where the source allows
    width: int  # the photo's full size, upright
    height: int
    content_hash: str
    file_format: str = ""  # Pillow's name of the file's format: "JPEG", "PNG", "HEIF"…
    # The file's bytes, for a signal that needs more pixels than `image` has (the small
    # faces of a large group photo); empty where the photo was not decoded from bytes.
    data: bytes = field(default=b"", repr=False, compare=False)


def hash_bytes(data: bytes) -> str:
    # Identity, not security: SHA-1 runs in hardware (SHA-NI) on current CPUs.
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DecodeError(f"file too large ({size} bytes)")
        data = path.read_bytes()
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except FileNotFoundError as exc:
        raise DecodeError("file vanished") from exc
    except IsADirectoryError as exc:
        raise DecodeError("is a directory") from exc
    except OSError as exc:
        raise DecodeError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise DecodeError("empty file")
    return data


def decode_photo(path: Path) -> DecodedPhoto:
    """Read, hash and decode one file; raises DecodeError with the reason."""
    data = read_file(path)
    return decode_bytes(data)


def decode_bytes(data: bytes, content_hash: str | None = None,
                 min_side: int = DECODE_MIN_SIDE) -> DecodedPhoto:
    """Decode a file's bytes; content_hash: hash_bytes(data) where the caller has it;
    min_side: the short side wanted, at least (the text pass reads at a larger size)."""
    content_hash = content_hash or hash_bytes(data)
    with warnings.catch_warnings():
        # Pillow warns, then errors, on huge images; we want the error, with our limit.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        rgb: Image.Image | None = None
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width <= 0 or height <= 0:
                raise DecodeError("image has no pixels")
            if width * height > MAX_PIXELS:
                raise DecodeError(f"image too large ({width}x{height} pixels)")
            if image.format == "JPEG":
                # DCT scaling: decode at 1/2..1/8 size, far faster than full decode.
                image.draft("RGB", _draft_size(width, height, min_side))
                rgb = _decode_jpeg_fast(data, image)
            if rgb is None:
                image.seek(0)  # first frame of animated GIF/WebP/APNG
                upright = ImageOps.exif_transpose(image) or image
                rgb = _to_rgb(upright)
                rgb.load()
        except DecodeError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            raise DecodeError(_reason(exc)) from exc
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError,
                KeyError, TypeError, ZeroDivisionError) as exc:
            # Pillow raises all of these on corrupt data, depending on the codec.
            raise DecodeError(_reason(exc)) from exc
    if _exif_swaps_sides(image):
        width, height = height, width
    return DecodedPhoto(image=rgb, width=width, height=height, content_hash=content_hash,
                        file_format=image.format or "", data=data)


def _decode_jpeg_fast(data: bytes, image: Image.Image) -> Image.Image | None:
    """The upright RGB image through simplejpeg at the size Pillow's draft() chose, or None
    where Pillow should decode (CMYK, a broken file: Pillow's error says why).

    Same libjpeg-turbo, same pixels, but a 12 MP photo takes ~19 ms instead of ~22: Pillow
    feeds the decoder in 64 KB pieces, which keeps it off its fastest path."""
    if simplejpeg is None or image.mode not in ("RGB", "L"):
        return None
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace="RGB", min_width=image.width,
                                        min_height=image.height)
    except ValueError:
        return None
    if pixels.shape[:2] != (image.height, image.width):
        return None
    rgb = Image.fromarray(pixels)
    orientation = _orientation(image)
    return rgb.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else rgb


# EXIF orientation -> the transpose that makes the photo upright (as ImageOps.exif_transpose)
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 - broken EXIF must not lose the photo
        return 1


def _draft_size(width: int, height: int, min_side: int) -> tuple[int, int]:
    # Ask for a size whose short side stays >= min_side after scaling.
    scale = min_side / min(width, height)
    return max(1, int(width * scale) + 1), max(1, int(height * scale) + 1)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping everything to white.
        image = image.point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _exif_swaps_sides(image: Image.Image) -> bool:
    return _orientation(image) in (5, 6, 7, 8)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not an image (unknown format)"
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return "image too large (decompression bomb guard)"
    text = str(exc).strip() or type(exc).__name__
    if "truncated" in text.lower():
        return "truncated or corrupt image"
    return f"corrupt image: {text}"
