"""What a photo shows: decoding, and the signals that read a decoded photo into concepts.

A signal is one module in this package with one job: (decoded photo, what earlier signals
found) -> sparse (concept, score[, box]) rows. Its module declares SIGNAL, a SignalSpec:
its block of the concept space (daemon/concepts.py), when it runs, the id its rows are
kept under (which names its version and the settings that change its output, so that
rows made otherwise are made again) and how to build it. The indexer runs on each photo
the signals it lacks, so a new signal never re-runs the others, and this package finds
the signals by their SIGNAL: a new one is a new module, nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from daemon.concepts import NUM_CONCEPTS, ConceptBlock

if TYPE_CHECKING:
    from daemon.config import Settings
    from daemon.index.store import SparseTags
    from daemon.signals.decode import DecodedPhoto


class Signal(Protocol):
    model_id: str  # what the index keeps its rows under
    concepts: ConceptBlock
    # The model ids of the signals whose rows it reads (the colours read the detector's
    # boxes); they run first, and their rows reach read() in `found`.
    needs: tuple[str, ...]
    # Optional: `retired`, the ids its rows had when it read photos another way; a
    # photo's rows under them are deleted when it gets this signal's (Indexer).

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        """One decoded photo -> its rows, numbered within the signal's block."""
        ...


class ModelSignal:
    """A signal that runs a model: preprocess -> predict -> to_tags. The parts stay
    separate so that benchmarks and tests can batch photos through the model."""

    needs: tuple[str, ...] = ()

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        scores = self.predict([self.preprocess(photo.image)])[0]  # type: ignore[attr-defined]
        return self.to_tags(scores, (photo.width, photo.height))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SignalSpec:
    name: str
    order: int  # signals run by order; one that reads another's rows runs after it
    concepts: ConceptBlock
    # The id of its rows under these settings, or None when the settings turn it off.
    model_id: Callable[[Settings], str | None]
    build: Callable[[Settings, Path | None], Signal]  # (settings, cache dir)
    # Runs in the later pass (daemon/index/later_pass.py), once the first pass has made
    # every photo searchable: slow signals that read few photos (the text in them).
    later: bool = False


def signal_specs() -> list[SignalSpec]:
    """Every signal of this package, in the order they run."""
    specs = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg or info.name.startswith("_"):
            continue
        spec = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SIGNAL", None)
        if isinstance(spec, SignalSpec):
            specs.append(spec)
    specs.sort(key=lambda s: s.order)
    for i, spec in enumerate(specs):
        if spec.concepts.end > NUM_CONCEPTS:
            raise RuntimeError(f"signal {spec.name} lies outside the concept space")
        for other in specs[:i]:
            if spec.concepts.overlaps(other.concepts):
                raise RuntimeError(f"signals {other.name} and {spec.name} share concepts")
    return specs


def signal_sources(settings: Settings) -> dict[str, ConceptBlock]:
    """The model ids whose rows a search reads under these settings -> their blocks."""
    sources = {}
    for spec in signal_specs():
        model_id = spec.model_id(settings)
        if model_id is not None:
            sources[model_id] = spec.concepts
    return sources


def signal_models(settings: Settings) -> dict[str, str]:
    """The signals on under these settings by name ("classifier", "detector", ...) -> the
    model id of their rows."""
    names = {}
    for spec in signal_specs():
        model_id = spec.model_id(settings)
        if model_id is not None:
            names[spec.name] = model_id
    return names


def load_signals(settings: Settings, cache_dir: Path | None = None) -> list[Signal]:
    """The first pass's signals the settings ask for, built, in the order they run (the
    classifier first)."""
    return [spec.build(settings, cache_dir) for spec in signal_specs()
            if spec.model_id(settings) is not None and not spec.later]


def later_specs(settings: Settings) -> list[SignalSpec]:
    """The later pass's signals the settings ask for (built by the pass, which may find
    that one cannot run here: Tesseract missing)."""
    return [spec for spec in signal_specs() if spec.later and spec.model_id(settings)]

