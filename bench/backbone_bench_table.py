#!/usr/bin/env python3
"""The table of bench/run-backbone-bench.sh: per figure, each framework's median over the interleaved rounds, the
DL4J/peer ratio of every round (median and range) and the target. Usage: backbone_bench_table.py RESULTS_DIR"""
import json
import pathlib
import statistics
import sys

FIGURES = [
    ("infer32", "inference, batch 32 (img/s)", [("torch", 1.0), ("ort", 0.7)]),
    ("infer1", "inference, batch 1 (img/s)", [("ort", 0.7)]),
    ("trainStep", "phase-2 training step, batch 32 (img/s)", [("torch", 0.7)]),
]
NAMES = {"dl4j": "DL4J (direct executor, oneDNN)", "ort": "ONNX Runtime", "torch": "PyTorch channels_last"}


def rounds(out, who):
    found = []
    for f in sorted(out.glob(f"{who}-*.json"), key=lambda p: int(p.stem.split("-")[1])):
        text = f.read_text().strip()
        if text:
            found.append(json.loads(text.splitlines()[-1]))
    return found


def main():
    out = pathlib.Path(sys.argv[1])
    runs = {who: rounds(out, who) for who in ("dl4j", "ort", "torch")}
    n = min(len(r) for r in runs.values())
    lines = [f"Run `{out.name}`, {n} interleaved rounds (DL4J, ONNX Runtime, PyTorch one after another in each).", ""]
    lines += ["```", (out / "machine.txt").read_text().strip(), "```", ""]
    frameworks = {who: runs[who][0]["framework"] for who in runs if runs[who]}
    lines += [f"- {NAMES[w]}: {f}" for w, f in frameworks.items()] + [""]
    lines += ["| figure | DL4J | peer | peer median | ratio (median of rounds) | rounds | target | met |",
              "|---|---|---|---|---|---|---|---|"]
    for key, label, peers in FIGURES:
        ours = [float(r[key]) for r in runs["dl4j"][:n]]
        for peer, target in peers:
            theirs = [float(r[key]) for r in runs[peer][:n] if key in r]
            if len(theirs) < n:
                continue
            ratios = [a / b for a, b in zip(ours, theirs)]
            median = statistics.median(ratios)
            lines.append(f"| {label} | {statistics.median(ours):.1f} | {NAMES[peer]} | {statistics.median(theirs):.1f}"
                         f" | {median:.2f}x | {min(ratios):.2f}-{max(ratios):.2f}x | >= {target}x"
                         f" | {'yes' if median >= target else 'no'} |")
    profile = out / "profile.txt"
    if profile.exists() and profile.read_text().strip():
        lines += ["", "DL4J phase-2 step, milliseconds per step by op (one run, 10 steps):", "",
                  "```", profile.read_text().strip(), "```"]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
