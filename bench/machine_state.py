"""How fast this machine is right now: the same classifier run, timed again and again.

    python bench/machine_state.py [--seconds 60]

On the shared 2-core machine the benchmarks run on, one ONNX Runtime run of the classifier
on a fixed input takes either ~13 ms or ~17 ms, switching every few seconds with nothing
else running here (a neighbour on the host, not this code). Every figure of the other
benchmarks moves with it; this shows by how much, right now.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from daemon.signals.classifier import load_tagger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--model", default="efficientnet-lite0")
    args = parser.parse_args()

    tagger = load_tagger(args.model, threads=1)
    pixels = (np.random.default_rng(0).random((3, 224, 224)) * 255).astype(np.uint8)
    for _ in range(5):  # warm-up: first runs allocate
        tagger.predict([pixels])
    samples = []
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        for _ in range(10):
            tagger.predict([pixels])
        samples.append((time.perf_counter() - started) * 100)  # ms per run
        time.sleep(0.4)
    fastest = min(samples)
    slow = [s for s in samples if s > fastest * 1.15]
    print(f"classifier run: median {statistics.median(samples):.1f} ms, fastest "
          f"{fastest:.1f} ms, slowest {max(samples):.1f} ms over {len(samples)} samples; "
          f"{100 * len(slow) / len(samples):.0f} % of samples over 15 % slower than the "
          f"fastest")


if __name__ == "__main__":
    main()
