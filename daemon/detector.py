"""The COCO-80 object detector that runs beside the ImageNet tagger.

ImageNet has no class for a person, a giraffe, a fork or a skateboard; a detector trained
on COCO finds them. Its model (CenterNet, MobileNetV3) ships inside the package as ONNX
(daemon/models/, see PROVENANCE.md there): nothing to download, no TensorFlow.

A photo's score for a class is the highest point of that class's heatmap: the score of
its best detection. The photo is resized keeping its aspect ratio and padded to a square
(stretching turned a cat into a dog).
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
        self._heatmap = self._session.get_outputs()[0].name

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """uint8 (n, size, size, 3) -> (n, 80) float32: each class's best detection score."""
        scores = []
        for start in range(0, len(batch), SESSION_BATCH):
            part = batch[start:start + SESSION_BATCH].astype(np.float32)
            heatmap = self._session.run([self._heatmap], {self._input: part})[0]
            scores.append(heatmap.reshape(len(part), -1, NUM_DETECTOR_CLASSES).max(axis=1))
        return np.concatenate(scores)

    def to_tags(self, scores: np.ndarray) -> SparseTags:
        kept = np.flatnonzero(scores >= KEEP_SCORE)
        kept = kept[np.argsort(-scores[kept], kind="stable")]
        return SparseTags(kept.astype(np.uint16), scores[kept].astype(np.float32))


def load_detector(size: int = DEFAULT_SIZE, threads: int = 1) -> Detector:
    return Detector(size, threads)
