"""The timing protocol shared by the Python peers and ThroughputBenchmark.java: warm-up, then timed steps.
The cached-feature head cycles through FEATURE_BATCHES batches of features of random images with random labels
(about one Flower102 epoch), as ThroughputBenchmark.cachedFeatureBatches does."""
import time

WARMUP = 3


FEATURE_BATCHES = 32


def rate(step, images, seconds):
    """Images per second over at least `seconds` (and at least 5 steps) after a warm-up of at least WARMUP steps
    and a quarter of `seconds` (DL4J's JIT needs it; the same protocol for every framework)."""
    warmup_start = time.perf_counter()
    steps = 0
    while steps < WARMUP or time.perf_counter() - warmup_start < seconds / 4:
        step()
        steps += 1
    start = time.perf_counter()
    steps = 0
    while steps < 5 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * images / (time.perf_counter() - start)
