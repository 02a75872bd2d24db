#!/usr/bin/env python3
"""EfficientNet-Lite throughput in PyTorch (Debian python3-torch) and ONNX Runtime, the same protocol as
BackboneBenchmark.java: inference at batch 1 and 32 (softmax included) and the phase-2 fine-tuning step (the top
N layers and a 102-class classifier from cached block inputs, batch-norm statistics frozen, Adam).

The network is built from the shared config.json and model.safetensors (read here with numpy: no extra package),
checked against the PyTorch reference outputs in reference/ before timing.

Usage:
  /usr/bin/python3 bench/peer_backbone.py torch WEIGHTS_DIR [nchw|channels_last] [seconds=10] [unfreeze=4]
  /usr/bin/python3 bench/peer_backbone.py export WEIGHTS_DIR OUT.onnx
  bench/.venv/bin/python bench/peer_backbone.py ort OUT.onnx [seconds=10]
Prints one JSON object (torch, ort).
"""
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import rate  # noqa: E402

BATCH = 32
CLASSES = 102
# threads of every framework: all cores, as the Java side (OpenMP's default); PEER_THREADS overrides
THREADS = int(os.environ.get("PEER_THREADS", os.cpu_count()))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        assert t["dtype"] == "F32", name
        out[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(t["shape"])
    return out


def build(weights_dir):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    config = json.load(open(os.path.join(weights_dir, "config.json")))
    tensors = read_safetensors(os.path.join(weights_dir, "model.safetensors"))

    class ConvBn(nn.Module):
        """TF-same padded convolution (no bias), batch norm (eps 1e-3), optional ReLU6."""

        def __init__(self, spec, bn, act):
            super().__init__()
            out_c, in_per_group, k, _ = spec["shape"]
            self.stride = spec["stride"][0]
            self.k = k
            self.conv = nn.Conv2d(spec["in_channels"], out_c, k, self.stride, groups=spec["groups"], bias=False)
            self.bn = nn.BatchNorm2d(out_c, eps=1e-3)
            self.act = act
            self.conv.weight.data = torch.from_numpy(tensors[spec["weight"]].copy())
            for ours, theirs in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "running_mean"),
                                 ("running_var", "running_var")):
                getattr(self.bn, ours).data = torch.from_numpy(tensors[bn[theirs]].copy())

        def forward(self, x):
            h, w = x.shape[-2:]
            ph = max((math.ceil(h / self.stride) - 1) * self.stride + self.k - h, 0)
            pw = max((math.ceil(w / self.stride) - 1) * self.stride + self.k - w, 0)
            if ph or pw:
                x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
            y = self.bn(self.conv(x))
            return F.relu6(y) if self.act else y

    class MBConv(nn.Module):
        def __init__(self, b):
            super().__init__()
            self.expand = ConvBn(b["expand"]["conv"], b["expand"]["bn"], True) if b["expand"] else None
            self.depthwise = ConvBn(b["depthwise"]["conv"], b["depthwise"]["bn"], True)
            self.project = ConvBn(b["project"]["conv"], b["project"]["bn"], False)
            self.residual = b["residual"]

        def forward(self, x):
            y = self.expand(x) if self.expand is not None else x
            y = self.project(self.depthwise(y))
            return y + x if self.residual else y

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = ConvBn(config["stem"]["conv"], config["stem"]["bn"], True)
            self.blocks = nn.ModuleList([MBConv(b) for b in config["blocks"]])
            self.top = ConvBn(config["head"]["conv"], config["head"]["bn"], True)
            self.classifier = nn.Linear(1280, 1000)
            self.classifier.weight.data = torch.from_numpy(tensors["_fc.weight"].copy())
            self.classifier.bias.data = torch.from_numpy(tensors["_fc.bias"].copy())

        def features(self, x, upto=None):
            x = self.stem(x)
            for b in self.blocks[:upto]:
                x = b(x)
            return x

        def forward(self, x):
            return self.classifier(self.top(self.features(x)).mean((2, 3)))

    net = Net().eval()
    check(net, weights_dir)
    return net, config


def check(net, weights_dir):
    """The network reproduces the reference logits (else timing it would prove nothing)."""
    import torch
    ref = os.path.join(weights_dir, "reference")
    stem = sorted(f for f in os.listdir(ref) if f.endswith(".input_nchw.npy"))[0].replace(".input_nchw.npy", "")
    with torch.no_grad():
        logits = net(torch.from_numpy(np.load(os.path.join(ref, stem + ".input_nchw.npy"))))
    diff = np.abs(logits.numpy() - np.load(os.path.join(ref, stem + ".logits.npy"))).max()
    assert diff < 1e-3, f"the peer network does not reproduce the reference logits (max |diff| {diff})"


def run_torch(weights_dir, layout, seconds, unfreeze):
    import torch
    import torch.nn as nn
    torch.manual_seed(1)
    torch.set_num_threads(THREADS)
    net, config = build(weights_dir)
    size = config["preprocessing"]["input_size"][0]
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    net = net.to(memory_format=fmt)
    x = (torch.rand(BATCH, 3, size, size) * 2 - 1).contiguous(memory_format=fmt)
    one = x[:1].contiguous(memory_format=fmt)
    out = {"framework": f"PyTorch {torch.__version__} {layout}", "threads": torch.get_num_threads(),
           "imageSize": size}
    with torch.no_grad():
        infer = lambda batch: torch.softmax(net(batch), 1)  # noqa: E731
        out["infer1"] = rate(lambda: infer(one), 1, seconds)
        out["infer32"] = rate(lambda: infer(x), BATCH, seconds)
    # phase 2: the top `unfreeze` layers (top conv, then blocks) and a new classifier, on cached block inputs
    first = len(net.blocks) - (unfreeze - 1)
    with torch.no_grad():
        cached = [(net.features((torch.rand(BATCH, 3, size, size) * 2 - 1).contiguous(memory_format=fmt), first)
                   .contiguous(memory_format=fmt), torch.randint(0, CLASSES, (BATCH,))) for _ in range(8)]
    classifier = nn.Linear(1280, CLASSES)
    trainable = list(net.blocks[first:].parameters()) + list(net.top.parameters()) + list(classifier.parameters())
    for p in net.parameters():
        p.requires_grad_(False)
    for p in trainable:
        p.requires_grad_(True)
    net.eval()  # batch-norm statistics frozen; gamma and beta train
    opt = torch.optim.Adam(trainable, lr=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    current = [0]

    def step():
        h, y = cached[current[0] % len(cached)]
        current[0] += 1
        for b in net.blocks[first:]:
            h = b(h)
        logits = classifier(net.top(h).mean((2, 3)))
        opt.zero_grad(set_to_none=True)
        loss_fn(logits, y).backward()
        opt.step()
    out["trainStep"] = rate(step, BATCH, seconds)
    out["unfrozenLayers"] = unfreeze
    print(json.dumps(out))


def export(weights_dir, path):
    import torch
    net, config = build(weights_dir)
    size = config["preprocessing"]["input_size"][0]
    model = torch.nn.Sequential(net, torch.nn.Softmax(1)).eval()
    torch.onnx.export(model, torch.zeros(1, 3, size, size), path, input_names=["x"], output_names=["p"],
                      dynamic_axes={"x": {0: "n"}, "p": {0: "n"}}, opset_version=13)


def run_ort(path, seconds):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    size = session.get_inputs()[0].shape[2]
    rng = np.random.default_rng(1)
    x = (rng.random((BATCH, 3, size, size), dtype=np.float32) * 2 - 1)
    one = x[:1].copy()
    out = {"framework": f"ONNX Runtime {ort.__version__} (CPU, graph optimizations on)",
           "threads": THREADS, "imageSize": size,
           "infer1": rate(lambda: session.run(None, {"x": one}), 1, seconds),
           "infer32": rate(lambda: session.run(None, {"x": x}), BATCH, seconds)}
    print(json.dumps(out))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "torch":
        run_torch(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "nchw",
                  float(sys.argv[4]) if len(sys.argv) > 4 else 10, int(sys.argv[5]) if len(sys.argv) > 5 else 4)
    elif mode == "export":
        export(sys.argv[2], sys.argv[3])
    elif mode == "ort":
        run_ort(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 10)
    else:
        sys.exit(f"expected torch, export or ort, found {mode}")
