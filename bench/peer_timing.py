"""The timing protocol shared by the Python peers and ThroughputBenchmark.java: warm-up, then timed steps."""
import time

WARMUP = 3


def rate(step, images, seconds):
    """Images per second over at least `seconds` (and at least 5 steps) after warm-up."""
    for _ in range(WARMUP):
        step()
    start = time.perf_counter()
    steps = 0
    while steps < 5 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * images / (time.perf_counter() - start)
