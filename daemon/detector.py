"""The COCO-80 object detector that runs beside the ImageNet tagger.

ImageNet has no class for a person, a giraffe, a fork or a skateboard; a detector trained
on COCO finds them. Its model (CenterNet, MobileNetV3) ships inside the package as ONNX
(daemon/models/, see PROVENANCE.md there): nothing to download, no TensorFlow.

A photo's score for a class is the highest point of that class's heatmap: the score of
its best detection, kept with that detection's box (for the popup). The photo is resized
keeping its aspect ratio and padded to a square (stretching turned a cat into a dog).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from daemon.store import SparseTags

MODEL_FILE = Path(__file__).resolve().parent / "models" / "centernet_coco80.onnx"
NUM_DETECTOR_CLASSES = 80
# Input side in pixels (a multiple of 32). Measured on the 899 COCO photos, detector
# alone: 512 → P@10 0.904 / AP 0.783, 384 → 0.873 / 0.753, 352 → 0.873 / 0.738,
# 320 → 0.844 / 0.713, at about 118, 50, 38 and 31 ms per photo on one thread here.
# With search (README, «Measured»): 352 → 0.868 / 0.724, 384 → 0.871 / 0.740, and
# indexing 17.7 against 14.6 photos/s.
DEFAULT_SIZE = 352
# Scores below this are noise; they are not stored.
KEEP_SCORE = 0.02
# Photos per ONNX Runtime call. One at a time is fastest here: at 384 px on one thread
# 50 ms per photo, against 67 ms in batches of 8 (the activations outgrow the caches).
# (Any size works, but not any size is fast: 384 costs far more than its pixels.)
SESSION_BATCH = 1


class DetectorError(Exception):
    """The detector cannot run with these settings."""


def detector_model_id(size: int) -> str:
    # The size changes the scores, so photos tagged at another size are tagged again.
    return f"centernet-coco80-{size}"


@dataclass(frozen=True)
class Letterbox:
    """Resize keeping the aspect ratio into a size×size square, padded at right/bottom."""

    size: int

    def __call__(self, image: Image.Image) -> np.ndarray:
        width, height = image.size
        scale = self.size / max(width, height)
        resized = image.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                               Image.Resampling.BILINEAR, reducing_gap=2.0)
        canvas = np.zeros((self.size, self.size, 3), np.uint8)
        pixels = np.asarray(resized, dtype=np.uint8)
        canvas[:pixels.shape[0], :pixels.shape[1]] = pixels
        return canvas


class Detector:
    """Tagger interface (see daemon.tagger.Tagger): preprocess, predict, to_tags."""

    class_offset = 1000  # the detector's classes follow the 1000 ImageNet ones

    def __init__(self, size: int = DEFAULT_SIZE, threads: int = 1,
                 model_file: Path = MODEL_FILE) -> None:
        import onnxruntime as ort

        if size < 64 or size % 32:
            raise DetectorError(f"detector size must be a multiple of 32 (≥ 64), not {size}")
        if not model_file.is_file():
            raise DetectorError(f"detector model missing: {model_file}; reinstall smart-gallery")
        self.size = size
        self.model_id = detector_model_id(size)
        self.preprocess = Letterbox(size)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_file), options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """uint8 (n, size, size, 3) -> (n, 80, 5) float32: for each class its best
        detection's score and box (x1, y1, x2, y2 as fractions of the square input)."""
        found = []
        for start in range(0, len(batch), SESSION_BATCH):
            part = batch[start:start + SESSION_BATCH].astype(np.float32)
            heatmap, sizes = self._session.run(None, {self._input: part})
            found.append(_best_detections(heatmap, sizes, self.size))
        return np.concatenate(found)

    def to_tags(self, scores: np.ndarray, photo_size: tuple[int, int] | None = None
                ) -> SparseTags:
        presence = scores[:, 0]
        kept = np.flatnonzero(presence >= KEEP_SCORE)
        kept = kept[np.argsort(-presence[kept], kind="stable")]
        boxes = scores[kept, 1:5].copy()
        if photo_size is not None and min(photo_size) > 0:
            # The photo fills the top-left part of the square: its share on each axis.
            width, height = photo_size
            boxes /= np.array([width, height, width, height]) / max(width, height)
        return SparseTags(kept.astype(np.uint16), presence[kept].astype(np.float32),
                          np.clip(boxes, 0.0, 1.0).astype(np.float32))


def _best_detections(heatmap: np.ndarray, sizes: np.ndarray, side: int) -> np.ndarray:
    """Heatmap (n, h, w, 80) + box sizes (n, h, w, 4) -> (n, 80, 5): per class the highest
    point of its heatmap (the best detection: always a peak) and the box around it, as
    TF.js's post-processing builds it (centre × stride ∓ the four distances)."""
    n, height, width, classes = heatmap.shape
    flat = heatmap.reshape(n, height * width, classes)
    best = flat.argmax(axis=1)  # (n, classes): the cell of each class's best point
    scores = np.take_along_axis(flat, best[:, None, :], axis=1)[:, 0]
    stride = side / width
    x, y = (best % width) * stride, (best // width) * stride
    distances = sizes.reshape(n, height * width, 4)[np.arange(n)[:, None], best]
    boxes = np.stack([x - distances[..., 0], y - distances[..., 1],
                      x + distances[..., 2], y + distances[..., 3]], axis=-1) / side
    return np.concatenate([scores[..., None], boxes], axis=-1).astype(np.float32)


def load_detector(size: int = DEFAULT_SIZE, threads: int = 1) -> Detector:
    return Detector(size, threads)
