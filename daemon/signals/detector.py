"""The COCO-80 object detector that runs beside the ImageNet tagger.

ImageNet has no class for a person, a giraffe, a fork or a skateboard; a detector trained
on COCO finds them. Its model (CenterNet, MobileNetV3) ships inside the package as ONNX
(daemon/signals/models/, see PROVENANCE.md there): nothing to download, no TensorFlow.

A photo's score for a class is the highest point of that class's heatmap: the score of
its best detection, kept with that detection's box (for the popup). The photo is resized
keeping its aspect ratio (stretching turned a cat into a dog) and padded to multiples of 32.

People are also counted: rows NUM_DETECTOR_CLASSES + i hold the score and box of the
(i + 2)-th person (the other peaks of the person heatmap, CenterNet's own way of telling
instances apart), so the faces signal can count people whose faces it cannot see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.index.store import SparseTags
from daemon.signals import ModelSignal, SignalSpec
from daemon.signals.classifier import ModelUnavailable

MODEL_FILE = Path(__file__).resolve().parent / "models" / "centernet_coco80.onnx"
NUM_DETECTOR_CLASSES = 80
PERSON = 0  # COCO's «person»
# The people after the first kept as rows of their own: with the first, ten are counted.
MORE_PEOPLE = 9
MORE_PEOPLE_SCORE = 0.1  # a weaker peak of the person heatmap is not a person
# The COCO classes follow the 1000 ImageNet classes in the concept space, then the more
# people (rows, not concepts a query names).
CONCEPTS = ConceptBlock(1000, NUM_DETECTOR_CLASSES + MORE_PEOPLE)
# The long side of the detector's input in pixels (a multiple of 32). Measured on the 899
# COCO photos with search (P@10 / AP, all and val2017) and bench/index_speed.py with both
# models on 12 MP 4:3 JPEGs (with the batched pipeline of the time: compare the ratios):
#   padded to a square:     352 → 0.868 / 0.724, 0.791 / 0.721, 17.7 photos/s
#                           384 → 0.871 / 0.740, 0.798 / 0.734, 14.6 photos/s
#   padded to 32 (kept):    352 → 0.855 / 0.712, 0.781 / 0.713, 20.2 photos/s
#                           384 → 0.864 / 0.722, 0.786 / 0.721, 19.2 photos/s
# and the detector alone (square): 512 → 0.904 / 0.783, 320 → 0.844 / 0.713.
# Wide phone photos (16:9) gain most from not padding to a square.
DEFAULT_SIZE = 384
# Scores below this are noise; they are not stored.
KEEP_SCORE = 0.02
# Photos go through ONNX Runtime one at a time. That is fastest here (batches of 8 took a
# third longer per photo: the activations outgrow the caches), and lets each photo keep
# its own aspect ratio.


class DetectorError(ModelUnavailable):
    """The detector cannot run with these settings; the message says why."""


def detector_model_id(size: int) -> str:
    # The size changes the scores, so photos tagged at another size are tagged again.
    # v2: the more people rows.
    return f"centernet-v2-coco80-{size}"


def retired_detector_id(size: int) -> str:
    """The id of the rows made before the more people rows (see Indexer's retired)."""
    return f"centernet-coco80-{size}"


def retired_detector_id_of(detector_id: str) -> str:
    """retired_detector_id of the size in a detector_model_id."""
    return retired_detector_id(int(detector_id.rsplit("-", 1)[1]))


@dataclass(frozen=True)
class Letterbox:
    """Resize keeping the aspect ratio so the long side is `size`; pad right and bottom
    to multiples of 32 (what the network takes). Not to a square: the padding of a 4:3
    photo would cost a quarter of the detector's time for nothing (any size works, the
    network is convolutional)."""

    size: int

    def __call__(self, image: Image.Image) -> np.ndarray:
        width, height = image.size
        scale = self.size / max(width, height)
        # Shrinking: an area average (box), a third cheaper than bilinear and as good for
        # the detector (eval: P@10 / AP 0.864 / 0.724, val 0.794 / 0.722 against 0.863 /
        # 0.722, 0.786 / 0.720); enlarging a small photo: bilinear, box would make blocks.
        resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
        resized = image.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                               resample, reducing_gap=2.0)
        pixels = np.asarray(resized, dtype=np.uint8)
        height, width = _round_up(pixels.shape[0]), _round_up(pixels.shape[1])
        if (height, width) == pixels.shape[:2]:
            return pixels  # a 4:3 photo at 384 × 288 needs no padding
        canvas = np.zeros((height, width, 3), np.uint8)
        canvas[:pixels.shape[0], :pixels.shape[1]] = pixels
        return canvas


def _round_up(pixels: int, multiple: int = 32) -> int:
    return -(-pixels // multiple) * multiple


class Detector(ModelSignal):
    """A signal with a model: preprocess, predict, to_tags (see daemon.signals)."""

    concepts = CONCEPTS

    def __init__(self, size: int = DEFAULT_SIZE, threads: int = 1,
                 model_file: Path = MODEL_FILE) -> None:
        import onnxruntime as ort

        if size < 64 or size % 32:
            raise DetectorError(f"detector size must be a multiple of 32 (≥ 64), not {size}")
        if not model_file.is_file():
            raise DetectorError(f"detector model missing: {model_file}; reinstall smart-gallery")
        self.size = size
        self.model_id = detector_model_id(size)
        self.retired = (retired_detector_id(size),)
        self.preprocess = Letterbox(size)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_file), options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def predict(self, batch: Sequence[np.ndarray]) -> np.ndarray:
        """Letterboxed photos, uint8 (h, w, 3) each -> (n, 89, 5) float32: for each class
        its best detection's score and box (x1, y1, x2, y2 in units of `size`), then the
        more people's."""
        found = []
        for pixels in batch:  # one at a time: the sizes differ, and it is faster here
            heatmap, sizes = self._session.run(None, {self._input: pixels[None]})
            found.append(np.concatenate([
                _best_detections(heatmap, sizes, pixels.shape[1], self.size),
                _more_people(heatmap, sizes, pixels.shape[1], self.size)], axis=1))
        return (np.concatenate(found) if found
                else np.empty((0, NUM_DETECTOR_CLASSES + MORE_PEOPLE, 5)))

    def to_tags(self, scores: np.ndarray, photo_size: tuple[int, int] | None = None
                ) -> SparseTags:
        presence = scores[:, 0]
        kept = np.flatnonzero(presence >= KEEP_SCORE)
        kept = kept[np.argsort(-presence[kept], kind="stable")]
        boxes = scores[kept, 1:5].copy()
        if photo_size is not None and min(photo_size) > 0:
            # The photo's long side is `size`: its share of that on each axis.
            width, height = photo_size
            boxes /= np.array([width, height, width, height]) / max(width, height)
        return SparseTags(kept.astype(np.uint16), presence[kept].astype(np.float32),
                          np.clip(boxes, 0.0, 1.0).astype(np.float32))


def _best_detections(heatmap: np.ndarray, sizes: np.ndarray, input_width: int,
                     unit: int) -> np.ndarray:
    """Heatmap (n, 80, h, w) + box sizes (n, 4, h, w) -> (n, 80, 5): per class the highest
    point of its heatmap (the best detection: always a peak) and the box around it, as
    TF.js's post-processing builds it (centre × stride ∓ the four distances)."""
    n, classes, height, width = heatmap.shape
    flat = heatmap.reshape(n, classes, height * width)  # each class's map contiguous
    best = flat.argmax(axis=2)  # (n, classes): the cell of each class's best point
    scores = np.take_along_axis(flat, best[..., None], axis=2)[..., 0]
    stride = input_width / width  # 4
    x, y = (best % width) * stride, (best // width) * stride
    distances = np.take_along_axis(sizes.reshape(n, 4, 1, height * width),
                                   best[:, None, :, None], axis=3)[..., 0]  # (n, 4, classes)
    boxes = np.stack([x - distances[:, 0], y - distances[:, 1],
                      x + distances[:, 2], y + distances[:, 3]], axis=-1) / unit
    return np.concatenate([scores[..., None], boxes], axis=-1).astype(np.float32)


def _more_people(heatmap: np.ndarray, sizes: np.ndarray, input_width: int,
                 unit: int) -> np.ndarray:
    """(n, MORE_PEOPLE, 5): the score and box of the 2nd, 3rd… peak of each photo's person
    heatmap (a cell higher than its 8 neighbours, as CenterNet decodes instances), zeros
    where there are fewer peaks of MORE_PEOPLE_SCORE."""
    n, _, height, width = heatmap.shape
    out = np.zeros((n, MORE_PEOPLE, 5), np.float32)
    stride = input_width / width
    for photo in range(n):
        heat = heatmap[photo, PERSON]
        padded = np.pad(heat, 1, constant_values=-1.0)
        around = np.max([padded[dy:dy + height, dx:dx + width]
                         for dy in range(3) for dx in range(3)], axis=0)
        ys, xs = np.nonzero((heat >= around) & (heat >= MORE_PEOPLE_SCORE))
        order = np.argsort(-heat[ys, xs], kind="stable")[1:MORE_PEOPLE + 1]  # not the best
        for row, (y, x) in enumerate(zip(ys[order], xs[order], strict=True)):
            left, top, right, bottom = sizes[photo, :, y, x]
            cx, cy = x * stride, y * stride
            out[photo, row] = (heat[y, x], (cx - left) / unit, (cy - top) / unit,
                               (cx + right) / unit, (cy + bottom) / unit)
    return out


SIGNAL = SignalSpec(
    "detector", order=1, concepts=CONCEPTS,
    model_id=lambda settings: detector_model_id(settings.detector_size) if settings.detector
    else None,
    build=lambda settings, cache_dir: Detector(settings.detector_size, settings.threads))
