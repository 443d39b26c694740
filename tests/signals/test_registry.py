"""The signals are found by their SIGNAL declaration; each owns its own block of concepts."""

from daemon.config import Settings
from daemon.signals import signal_models, signal_sources, signal_specs


def test_signals_run_in_order_and_share_no_concept() -> None:
    specs = signal_specs()
    assert [s.name for s in specs] == ["classifier", "detector", "colours", "fingerprint"]
    for i, spec in enumerate(specs):
        for other in specs[i + 1:]:
            assert not spec.concepts.overlaps(other.concepts)


def test_the_colours_read_the_boxes_of_the_detector_the_settings_run() -> None:
    models = signal_models(Settings())
    assert models["colours"] == f"colours-v1+{models['detector']}"
    without = signal_models(Settings(detector=False))
    assert "detector" not in without and without["colours"] == "colours-v1"
    assert set(signal_sources(Settings())) == set(models.values())
