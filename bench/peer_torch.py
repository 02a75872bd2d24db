#!/usr/bin/env python3
"""seed-cnn throughput in PyTorch (Debian python3-torch), same protocol as ThroughputBenchmark.java.

Usage: /usr/bin/python3 bench/peer_torch.py [nchw|channels_last] [image_size=180] [batch=32] [seconds=20]
Prints one JSON object.
"""
import json
import os
import resource
import sys

import torch
import torch.nn as nn

from peer_timing import FEATURE_BATCHES, rate

CLASSES = 5


def features():
    layers = []
    channels = 3
    for _ in range(4):
        layers += [nn.Conv2d(channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True)]
        channels = 32
    return nn.Sequential(*layers)


def head(size):
    n = size
    for _ in range(4):
        n = (n - 2 + 1) // 2
    return nn.Sequential(nn.Flatten(), nn.Linear(32 * n * n, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, CLASSES))



def main():
    layout = sys.argv[1] if len(sys.argv) > 1 else "nchw"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 180
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 20
    torch.manual_seed(1)
    torch.set_num_threads(os.cpu_count())
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    feat = features().to(memory_format=fmt)
    top = head(size)
    model = nn.Sequential(feat, top)
    x = torch.rand(batch, 3, size, size).contiguous(memory_format=fmt)
    y = torch.arange(batch) % CLASSES
    loss_fn = nn.CrossEntropyLoss()

    def trainer(params, forward, labels=lambda: y):
        opt = torch.optim.Adam(params, lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(forward(), labels()).backward()
            opt.step()
        return step

    out = {"framework": f"PyTorch {torch.__version__} {layout}", "imageSize": size, "batch": batch,
           "threads": torch.get_num_threads()}
    model.train()
    out["trainBase"] = rate(trainer(model.parameters(), lambda: model(x)), batch, seconds)
    for p in feat.parameters():
        p.requires_grad_(False)
    out["trainFrozen"] = rate(trainer(top.parameters(), lambda: model(x)), batch, seconds)
    with torch.no_grad():
        pool = [(feat(torch.rand(batch, 3, size, size).contiguous(memory_format=fmt)).contiguous(),
                 torch.randint(0, CLASSES, (batch,))) for _ in range(FEATURE_BATCHES)]
    current = [0]

    def head_on_next_batch():
        current[0] = (current[0] + 1) % FEATURE_BATCHES
        return top(pool[current[0]][0])
    out["trainCachedHead"] = rate(trainer(top.parameters(), head_on_next_batch, lambda: pool[current[0]][1]), batch,
                                  seconds / 2)
    model.eval()
    one = x[:1].contiguous(memory_format=fmt)
    with torch.inference_mode():
        out["infer1"] = rate(lambda: model(one), 1, seconds / 2)
        out["infer32"] = rate(lambda: model(x), batch, seconds / 2)
    out["cachedVsFrozen"] = out["trainCachedHead"] / out["trainFrozen"]
    out["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}))


if __name__ == "__main__":
    main()
