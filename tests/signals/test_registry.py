"""The signals are found by their SIGNAL declaration; each owns its own block of concepts."""

from daemon.config import Settings
from daemon.signals import later_specs, signal_models, signal_sources, signal_specs


def test_signals_run_in_order_and_share_no_concept() -> None:
    specs = signal_specs()
    assert [s.name for s in specs] == ["classifier", "detector", "colours", "fingerprint",
                                       "faces", "text_kinds"]
    for i, spec in enumerate(specs):
        for other in specs[i + 1:]:
            assert not spec.concepts.overlaps(other.concepts)


def test_the_colours_read_the_boxes_of_the_detector_the_settings_run() -> None:
    models = signal_models(Settings())
    assert models["colours"] == f"colours-v1+{models['detector']}"
    without = signal_models(Settings(detector=False))
    assert "detector" not in without and without["colours"] == "colours-v1"
    assert set(signal_sources(Settings())) == set(models.values())


def test_the_text_runs_in_the_later_pass_and_the_settings_can_turn_it_off() -> None:
    assert [s.name for s in later_specs(Settings())] == ["text_kinds"]
    assert later_specs(Settings(text=False)) == []
    assert "text_kinds" not in signal_models(Settings(text=False))
    # the first pass never builds it (load_signals), the search reads its rows
    assert "text-v1" in signal_sources(Settings())
