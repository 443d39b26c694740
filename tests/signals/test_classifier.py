"""The classifier reads the whole photo (scenes are at its edges too) and keeps each photo's
embedding beside its classes: 128 int8 on the model's own principal directions, alike for
alike photos."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import clear_photo
from PIL import Image

from daemon.config import Settings, classifier_model_id, reads_whole_frame
from daemon.signals.classifier import CROP, MAX_ASPECT, PREPROCESSING, VECTOR_DIM, embedding
from daemon.signals.decode import decode_photo


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float32), b.astype(np.float32)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_each_photo_gets_its_classes_and_an_int8_embedding(tagger) -> None:
    assert tagger.makes_vectors
    tags = tagger.read(decode_photo(clear_photo("cat")), {})
    assert tags.vector is not None and tags.vector.dtype == np.int8
    assert len(tags.vector) == VECTOR_DIM and np.abs(tags.vector).max() == 127
    # the same classes as the batch path that benchmarks use
    batch = tagger.to_tags(tagger.predict([tagger.preprocess(decode_photo(
        clear_photo("cat")).image)])[0])
    assert tags.classes.tolist() == batch.classes.tolist()


def test_two_cats_are_nearer_each_other_than_a_cat_and_a_bus(tagger) -> None:
    cat, other_cat, bus = (tagger.read(decode_photo(p), {}).vector for p in (
        clear_photo("cat"), clear_photo("cat", 1), clear_photo("bus")))
    assert _cosine(cat, other_cat) > _cosine(cat, bus)


def test_an_all_zero_projection_stays_zero() -> None:
    assert not embedding(np.zeros(8, np.float32), np.ones((8, 4), np.float32)).any()


def _striped(width: int, height: int, edge: int) -> Image.Image:
    """Grey, with a red band `edge` px wide down the left and a blue one down the right."""
    image = Image.new("RGB", (width, height), (128, 128, 128))
    image.paste((255, 0, 0), (0, 0, edge, height))
    image.paste((0, 0, 255), (width - edge, 0, width, height))
    return image


WHOLE = replace(PREPROCESSING["efficientnet-lite0"], whole_frame=True)


def test_efficientnet_reads_the_whole_photo_resnet50_its_centre() -> None:
    assert reads_whole_frame("efficientnet-lite0")
    assert not reads_whole_frame("resnet50")  # not measured: as torchvision evaluates it
    # stored apart from the centre crop's rows, so the photos are read again
    assert classifier_model_id(Settings()) == "efficientnet-lite0-frame"
    assert classifier_model_id(Settings(model="resnet50")) == "resnet50-imagenet1k-v2"


def test_the_whole_photo_is_seen_not_only_its_centre() -> None:
    # A 4:3 photo's left and right eighths are outside a centre crop; a scene is there too.
    pixels = WHOLE(_striped(640, 480, 80))
    assert pixels.shape == (3, CROP, CROP)
    red, blue = pixels[:, :, :10].mean(axis=(1, 2)), pixels[:, :, -10:].mean(axis=(1, 2))
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60
    centre = PREPROCESSING["efficientnet-lite0"](_striped(640, 480, 80))
    assert abs(centre[:, :, :10].mean() - 128) < 10


def test_the_product_s_tagger_reads_the_whole_photo(tagger) -> None:
    assert tagger.preprocess.whole_frame and tagger.model_id == "efficientnet-lite0-frame"
    assert tagger.retired == ("efficientnet-lite0",)  # the centre crop's rows go


def test_a_panorama_is_read_in_its_middle_16_9() -> None:
    frame = WHOLE.frame_box
    assert frame(4000, 3000) == (0, 0, 4000, 3000)
    assert frame(1920, 1080) == pytest.approx((0, 0, 1920, 1080))
    left, top, right, bottom = frame(9000, 1000)
    assert (top, bottom) == (0, 1000) and right - left == pytest.approx(1000 * MAX_ASPECT)
    assert left == pytest.approx((9000 - 1000 * MAX_ASPECT) / 2)
    left, top, right, bottom = frame(1000, 3000)  # a tall screenshot likewise
    assert (left, right) == (0, 1000) and bottom - top == pytest.approx(1000 * MAX_ASPECT)
    # so a panorama's far ends stay out of the square
    pixels = WHOLE(_striped(4000, 1000, 400))
    assert abs(pixels[:, :, :5].mean() - 128) < 10 and abs(pixels[:, :, -5:].mean() - 128) < 10
