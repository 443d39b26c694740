"""decode: every file becomes an upright RGB image or a DecodeError with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from badfiles import make_bad_corpus
from conftest import clear_photo, coco_with
from PIL import Image

from daemon.signals import decode
from daemon.signals.decode import DECODE_MIN_SIDE, DecodeError, decode_bytes, decode_photo


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bool]]:
    folder = tmp_path_factory.mktemp("bad")
    return folder, make_bad_corpus(folder, clear_photo("cat"))


def test_real_photo_decodes_small_rgb() -> None:
    source = coco_with("dog")[0]
    decoded = decode_photo(source)
    with Image.open(source) as original:
        assert (decoded.width, decoded.height) == original.size
    assert decoded.image.mode == "RGB"
    assert min(decoded.image.size) >= min(DECODE_MIN_SIDE, decoded.width, decoded.height)
    assert len(decoded.content_hash) == 40


def test_large_jpeg_is_decoded_at_reduced_size(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    Image.open(coco_with("cat")[0]).convert("RGB").resize((4000, 3000)).save(big)
    decoded = decode_photo(big)
    assert (decoded.width, decoded.height) == (4000, 3000)
    # DCT scaling: far fewer pixels than the file holds, still enough for the tagger.
    assert decoded.image.size[0] < 1000
    assert min(decoded.image.size) >= DECODE_MIN_SIDE


@pytest.mark.parametrize("name", ["cmyk.jpg", "16bit.png", "animated.gif", "palette_alpha.png",
                                  "png_named.jpg", "кошка на диване 🐱.jpg"])
def test_odd_but_real_photos_decode(corpus: tuple[Path, dict[str, bool]], name: str) -> None:
    decoded = decode_photo(corpus[0] / name)
    assert decoded.image.mode == "RGB"
    assert decoded.image.size[0] > 0


def test_sixteen_bit_keeps_its_tones(corpus: tuple[Path, dict[str, bool]]) -> None:
    pixels = decode_photo(corpus[0] / "16bit.png").image.convert("L")
    low, high = pixels.getextrema()
    assert high - low > 100  # not clipped to white


def test_exif_orientation_is_applied(corpus: tuple[Path, dict[str, bool]]) -> None:
    decoded = decode_photo(corpus[0] / "rotated_exif.jpg")
    with Image.open(corpus[0] / "rotated_exif.jpg") as raw:
        assert raw.width > raw.height
    assert decoded.height > decoded.width
    assert decoded.image.height > decoded.image.width


@pytest.mark.parametrize(("mode", "orientation", "options"),
                         [("RGB", o, {}) for o in range(1, 9)]
                         + [("L", 1, {}), ("L", 6, {}), ("RGB", 1, {"progressive": True}),
                            ("RGB", 1, {"subsampling": 0}), ("RGB", 1, {"subsampling": 1})])
def test_jpegs_decode_to_the_pixels_pillow_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 mode: str, orientation: int,
                                                 options: dict[str, object]) -> None:
    """JPEGs go through simplejpeg (faster); the photo comes out as Pillow decodes it,
    turned upright by its EXIF orientation."""
    photo = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = orientation
    with Image.open(clear_photo("cat")) as source:
        source.convert(mode).resize((1600, 1200)).save(photo, exif=exif, quality=90, **options)
    calls = []
    real = decode.simplejpeg

    class Counting:
        @staticmethod
        def decode_jpeg(*args: object, **kwargs: object) -> np.ndarray:
            calls.append(1)
            return real.decode_jpeg(*args, **kwargs)

    monkeypatch.setattr(decode, "simplejpeg", Counting)
    fast = decode_photo(photo)
    assert calls == [1]
    monkeypatch.setattr(decode, "simplejpeg", None)
    pillow = decode_photo(photo)
    assert (fast.width, fast.height) == (pillow.width, pillow.height)
    assert fast.image.mode == "RGB" and fast.image.size == pillow.image.size
    np.testing.assert_array_equal(np.asarray(fast.image), np.asarray(pillow.image))


@pytest.mark.parametrize(("name", "reason"), [
    ("truncated.jpg", "truncated"),
    ("zero.jpg", "empty file"),
    ("text.jpg", "not an image"),
    ("huge_dimensions.png", "too large"),
    ("unreadable.jpg", ""),
])
def test_broken_files_raise_with_reason(corpus: tuple[Path, dict[str, bool]], name: str,
                                        reason: str) -> None:
    with pytest.raises(DecodeError) as error:
        decode_photo(corpus[0] / name)
    assert reason in str(error.value)
    assert str(error.value)


def test_vanished_file(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="vanished"):
        decode_photo(tmp_path / "gone.jpg")


def test_a_108_megapixel_phone_photo_decodes() -> None:
    # 12000 x 9000: above Pillow's default bomb guard (89 MP), below our limit (250 MP).
    buffer = io.BytesIO()
    Image.new("RGB", (12000, 9000), (120, 80, 40)).save(buffer, format="JPEG", quality=50)
    decoded = decode_bytes(buffer.getvalue())
    assert (decoded.width, decoded.height) == (12000, 9000)
    assert min(decoded.image.size) >= DECODE_MIN_SIDE
