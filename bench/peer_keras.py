#!/usr/bin/env python3
"""seed-cnn throughput in Keras on tensorflow-cpu (the reference's framework), NHWC, same protocol as
ThroughputBenchmark.java. Runs in bench/.venv (pip install tensorflow-cpu).

Usage: bench/.venv/bin/python bench/peer_keras.py [image_size=180] [batch=32] [seconds=20] [--inference-only]
Prints one JSON object. --inference-only measures batch-1 and full-batch inference alone (the interleaved rounds of
run-ml-bench.sh).
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from peer_timing import FEATURE_BATCHES, rate  # noqa: E402

CLASSES = 5


def inference(model, x, seconds, out, warm_up_seconds=0):
    """Batch-1 and full-batch inference (softmax included), half of `seconds` each, after `warm_up_seconds` of both
    alternately (as ThroughputBenchmark.inference does; the full run passes 0)."""
    infer = tf.function(lambda inputs: tf.nn.softmax(model(inputs, training=False)))
    one = x[:1]
    start = time.perf_counter()
    while time.perf_counter() - start < warm_up_seconds:
        for _ in range(32):
            infer(one).numpy()
        infer(x).numpy()
    out["infer1"] = rate(lambda: infer(one).numpy(), 1, seconds / 2)
    out["infer32"] = rate(lambda: infer(x).numpy(), x.shape[0], seconds / 2)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    inference_only = "--inference-only" in sys.argv[1:]
    size = int(args[0]) if len(args) > 0 else 180
    batch = int(args[1]) if len(args) > 1 else 32
    seconds = float(args[2]) if len(args) > 2 else 20
    tf.keras.utils.set_random_seed(1)
    L = tf.keras.layers
    conv = [L.Conv2D(32, 3, activation="relu") for _ in range(4)]
    feat = tf.keras.Sequential([L.Input((size, size, 3))] + sum(
        [[c, L.MaxPooling2D(padding="same")] for c in conv], []))
    head = tf.keras.Sequential([L.Input(feat.output_shape[1:]), L.Flatten(), L.Dense(128, activation="relu"),
                                L.Dense(64, activation="relu"), L.Dense(CLASSES)])
    model = tf.keras.Sequential([feat, head])
    x = tf.constant(np.random.rand(batch, size, size, 3).astype("float32"))
    y = tf.constant(np.arange(batch) % CLASSES)
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def trainer(net, inputs):
        opt = tf.keras.optimizers.Adam(1e-3)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                value = loss(y, net(inputs, training=True))
            grads = tape.gradient(value, net.trainable_variables)
            opt.apply_gradients(zip(grads, net.trainable_variables))
        return lambda: step()

    out = {"framework": f"Keras on tensorflow-cpu {tf.__version__} NHWC", "imageSize": size, "batch": batch}
    if inference_only:
        inference(model, x, seconds, out, warm_up_seconds=seconds)
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}))
        return
    out["trainBase"] = rate(trainer(model, x), batch, seconds)
    feat.trainable = False
    out["trainFrozen"] = rate(trainer(model, x), batch, seconds)
    rng = np.random.default_rng(1)
    pool = [(feat(tf.constant(rng.random((batch, size, size, 3), dtype="float32")), training=False),
             tf.constant(rng.integers(0, CLASSES, batch))) for _ in range(FEATURE_BATCHES)]
    head_opt = tf.keras.optimizers.Adam(1e-3)

    @tf.function
    def head_step(features, labels):
        with tf.GradientTape() as tape:
            value = loss(labels, head(features, training=True))
        grads = tape.gradient(value, head.trainable_variables)
        head_opt.apply_gradients(zip(grads, head.trainable_variables))
    batches = iter(pool * 1000000)
    out["trainCachedHead"] = rate(lambda: head_step(*next(batches)), batch, seconds / 2)
    inference(model, x, seconds, out)
    out["cachedVsFrozen"] = out["trainCachedHead"] / out["trainFrozen"]
    out["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}))


if __name__ == "__main__":
    main()
