"""vision and tagger: the real EfficientNet-Lite0, exported to ONNX, names what is in real
photos as the torch model does; ResNet50 fails clearly without its weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from conftest import coco_with

from daemon.config import model_id
from daemon.model_export import resnet50, with_static_padding
from daemon.signals.classifier import ModelUnavailable, load_tagger
from daemon.signals.decode import decode_photo

CAT_CLASSES = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian cat
DOG_CLASSES = set(range(151, 269))


def _top(tagger, photo: Path, k: int = 5) -> list[int]:
    probs = tagger.predict(tagger.preprocess(decode_photo(photo).image)[None])
    return list(np.argsort(probs[0])[::-1][:k])


def test_probabilities_form_a_distribution(tagger) -> None:
    batch = np.stack([tagger.preprocess(decode_photo(p).image) for p in coco_with("dog")])
    assert batch.shape == (3, 3, 224, 224) and batch.dtype == np.uint8
    probs = tagger.predict(batch)
    assert probs.shape == (3, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_sees_the_cat_in_a_cat_photo(tagger) -> None:
    hits = [bool(CAT_CLASSES & set(_top(tagger, p))) for p in coco_with("cat", alone=True)]
    assert sum(hits) >= 2, hits


def test_sees_the_dog_in_a_dog_photo(tagger) -> None:
    hits = [bool(DOG_CLASSES & set(_top(tagger, p))) for p in coco_with("dog", alone=True)]
    assert sum(hits) >= 2, hits


def test_onnx_export_matches_the_torch_model(tagger, torch_tagger) -> None:
    photos = coco_with("cat") + coco_with("bus")
    batch = np.stack([tagger.preprocess(decode_photo(p).image) for p in photos])
    np.testing.assert_allclose(tagger.predict(batch), torch_tagger.predict(batch), atol=2e-3)


def test_static_padding_gives_the_same_logits(torch_tagger) -> None:
    photos = coco_with("cat") + coco_with("bus")
    batch = torch.from_numpy(np.stack([torch_tagger.preprocess(decode_photo(p).image)
                                       for p in photos]))
    static = with_static_padding(torch_tagger.module)
    with torch.inference_mode():
        torch.testing.assert_close(static(batch), torch_tagger.module(batch))


def test_export_has_no_shape_dependent_padding(model_cache) -> None:
    # The padding of the exported model is fixed, so ONNX Runtime folds it into the
    # convolutions instead of working it out from the input's shape on every photo.
    from daemon.signals.classifier import exported_model

    graph = onnx.load(str(exported_model("efficientnet-lite0", None, model_cache))).graph
    ops = {node.op_type for node in graph.node}
    assert "Conv" in ops and not ops & {"Shape", "Ceil"}, ops


def test_export_is_cached(tmp_path, model_cache) -> None:
    from daemon.signals.classifier import exported_model

    first = exported_model("efficientnet-lite0", None, model_cache)
    assert first.is_file() and first.stat().st_size > 10_000_000
    assert exported_model("efficientnet-lite0", None, model_cache) == first


def test_exports_of_older_versions_are_removed(model_cache) -> None:
    from daemon.signals.classifier import _export_file, exported_model

    current = exported_model("efficientnet-lite0", None, model_cache)
    older = _export_file(model_cache, "efficientnet-lite0", None, "v1")
    other = model_cache / "models" / "resnet50-0123456789ab.onnx"  # another model's
    older.write_bytes(b"an export an older version made")
    other.write_bytes(b"kept")
    assert exported_model("efficientnet-lite0", None, model_cache) == current
    assert not older.exists() and current.is_file() and other.read_bytes() == b"kept"
    other.unlink()


def test_resnet50_missing_weights_file_fails_before_any_export(tmp_path) -> None:
    with pytest.raises(ModelUnavailable, match="weights file not found"):
        load_tagger("resnet50", str(tmp_path / "missing.pth"), cache_dir=tmp_path)
    assert not (tmp_path / "models").exists()


def test_batch_and_single_agree(tagger) -> None:
    photos = coco_with("pizza")
    batch = np.stack([tagger.preprocess(decode_photo(p).image) for p in photos])
    together = tagger.predict(batch)
    alone = tagger.predict(batch[:1])
    np.testing.assert_allclose(together[0], alone[0], atol=1e-4)


def test_resnet50_offline_without_weights_says_what_to_do(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(ModelUnavailable) as error:
        resnet50(None, allow_download=False)
    message = str(error.value)
    assert "--weights" in message and "efficientnet-lite0" in message


def test_resnet50_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(ModelUnavailable, match="not found"):
        resnet50(tmp_path / "nope.pth")


def test_resnet50_loads_a_weights_file_the_user_names(tmp_path) -> None:
    from torchvision.models import resnet50 as build

    weights = tmp_path / "resnet50.pth"
    torch.save(build(weights=None).state_dict(), weights)  # untrained, but a real state dict
    tagger = load_tagger("resnet50", str(weights), threads=1, cache_dir=tmp_path / "cache")
    assert tagger.model_id == model_id("resnet50")
    probs = tagger.predict(tagger.preprocess(decode_photo(coco_with("cat")[0]).image)[None])
    assert probs.shape == (1, 1000)
    assert resnet50(weights).model_id == tagger.model_id


def test_resnet50_rejects_a_wrong_file(tmp_path) -> None:
    wrong = tmp_path / "wrong.pth"
    torch.save({"weight": torch.zeros(3)}, wrong)
    with pytest.raises(ModelUnavailable, match="not a torchvision ResNet50"):
        resnet50(wrong)


def test_unknown_model_name() -> None:
    with pytest.raises(ModelUnavailable, match="unknown model"):
        load_tagger("vgg")
