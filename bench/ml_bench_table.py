#!/usr/bin/env python3
"""Markdown table of one run-ml-bench.sh result folder: figures per framework and the DL4J/peer ratios."""
import json
import pathlib
import statistics
import sys

FIGURES = [("trainBase", "training, BASE (img/s)"), ("trainFrozen", "fine-tune, conv frozen (img/s)"),
           ("trainCachedHead", "head on cached features (img/s)"), ("infer1", "inference, batch 1 (img/s)"),
           ("infer32", "inference, batch 32 (img/s)"), ("cachedVsFrozen", "cached head / frozen speed-up"),
           ("peakRssMB", "peak RSS (MB, lower is better)")]
PEERS = [("keras", "Keras TF-cpu"), ("torch-nchw", "PyTorch NCHW"), ("torch-channels_last", "PyTorch ch-last")]


def load(folder, name):
    f = folder / f"{name}.json"
    if not f.exists() or not f.read_text().strip():
        return None
    return json.loads(f.read_text().strip().splitlines()[-1])


def main():
    folder = pathlib.Path(sys.argv[1])
    dl4j = load(folder, "dl4j")
    samediff = load(folder, "dl4j-samediff")
    peers = [(label, load(folder, name)) for name, label in PEERS]
    peers = [(label, r) for label, r in peers if r]
    print(f"seed-cnn, {dl4j['imageSize']} px, batch {dl4j['batch']}, float32, random input; run `{folder.name}`.\n")
    print("Frameworks: " + "; ".join([dl4j["framework"]] + ([samediff["framework"]] if samediff else [])
                                     + [r["framework"] for _, r in peers]) + ".\n")
    if samediff:
        print("DL4J is the engine the ml module runs for seed-cnn (the direct executor); DL4J SameDiff is the same "
              "network on SameDiff, measured in the same run for comparison. Ratios are DL4J (direct) / peer.\n")
    header = ["figure", "DL4J"] + (["DL4J SameDiff"] if samediff else []) + [label for label, _ in peers] + [f"DL4J / {label}" for label, _ in peers]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for key, title in FIGURES:
        row = [title, f"{dl4j[key]:.1f}"] + ([f"{samediff[key]:.1f}"] if samediff else [])
        row += [f"{r[key]:.1f}" for _, r in peers]
        row += [f"{dl4j[key] / r[key]:.2f}" if r[key] else "" for _, r in peers]
        print("| " + " | ".join(row) + " |")
    interleaved(folder)


def interleaved(folder):
    """Per-round ratios of the interleaved inference rounds, when the run has them."""
    rounds = []
    for i in range(1, 100):
        dl4j, keras = load(folder, f"interleaved-dl4j-{i}"), load(folder, f"interleaved-keras-{i}")
        if not dl4j or not keras:
            break
        rounds.append((dl4j, keras))
    if not rounds:
        return
    print(f"\nInference in {len(rounds)} interleaved rounds (DL4J then Keras, a few seconds each, one process per "
          "framework per round): ratios of pairs measured seconds apart.\n")
    print("| round | batch 1 DL4J | batch 1 Keras | ratio | batch 32 DL4J | batch 32 Keras | ratio |")
    print("|---|---|---|---|---|---|---|")
    ratios = {"infer1": [], "infer32": []}
    for i, (d, k) in enumerate(rounds, 1):
        row = [str(i)]
        for key in ("infer1", "infer32"):
            ratios[key].append(d[key] / k[key])
            row += [f"{d[key]:.1f}", f"{k[key]:.1f}", f"{d[key] / k[key]:.2f}"]
        print("| " + " | ".join(row) + " |")
    for key, title in (("infer1", "batch 1"), ("infer32", "batch 32")):
        r = sorted(ratios[key])
        print(f"\n{title}: median DL4J / Keras {statistics.median(r):.2f}, range {r[0]:.2f}-{r[-1]:.2f}.", end="")
    print()


if __name__ == "__main__":
    main()
