#!/usr/bin/env python3
"""Writes the measured part of docs/cuda.md from the files that
device_run.sh left in one or more $OUT folders (summary.txt, models.json,
torch.json, gemm.json, node.json), between the lines
`<!-- device-results:begin -->` and `<!-- device-results:end -->`.

  make_report.py DOC RESULTS_DIR... [--expected test/conformance/expected_failures.txt]
                 [--commit HASH]
Later folders win where two hold the same file.
"""
import argparse
import json
import os
import re

BEGIN, END = "<!-- device-results:begin -->", "<!-- device-results:end -->"
NAMES = {"tiny": "tiny", "digits": "digits", "dynamic_cnn": "dynamic CNN",
         "mobilenetv2": "MobileNetV2", "resnet50": "ResNet-50", "bert_base": "BERT-base encoder"}


def load(dirs, name, parse):
    found = None
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as fh:
                found = parse(fh)
    return found


def fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--expected", default=None)
    ap.add_argument("--commit", default="")
    args = ap.parse_args()
    summary = "".join(open(os.path.join(d, "summary.txt")).read() for d in args.dirs
                      if os.path.exists(os.path.join(d, "summary.txt")))
    models = load(args.dirs, "models.json", json.load) or []
    torch = load(args.dirs, "torch.json", json.load) or {}
    gemm = load(args.dirs, "gemm.json", json.load)
    node = load(args.dirs, "node.json", json.load)

    lines = []
    env = [l for l in summary.splitlines() if l.startswith(("NVIDIA", "torch "))]
    lines.append(f"Device run{' at commit ' + args.commit if args.commit else ''}: "
                 + "; ".join(env) + ".")
    lines.append("")
    lines.append("### Accuracy vs ONNX Runtime (CPU), and latency")
    lines.append("")
    lines.append("Batch 1, fp32. *run*: median wall time of one `m_run` (host copies "
                 "included); *kernels*: median device time of the run's kernels "
                 "(CUDA events). With and without the CUDA graph.")
    lines.append("")
    lines.append("| model | data | max abs diff | match | run (ms) | kernels (ms) "
                 "| run, no graph (ms) | kernels, no graph (ms) |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for entry in models:
        r = entry["report"]
        diff = max(o["max_abs_diff"] for o in r["outputs"]) if r["outputs"] else 0
        lines.append(f"| {NAMES.get(r['model'], r['model'])} | {entry['set']} | {diff:.2g} | "
                     f"{'yes' if r['ok'] else '**no**'} | {fmt(r.get('median_ms'))} | "
                     f"{fmt(r.get('device_median_ms'))} | {fmt(r.get('eager_median_ms'))} | "
                     f"{fmt(r.get('eager_device_median_ms'))} |")
    if torch:
        lines += ["", "### Side by side with PyTorch",
                  "", f"PyTorch {torch.get('torch')} (CUDA {torch.get('cuda')}, cuDNN "
                  f"{torch.get('cudnn')}), {torch.get('precision')} (TF32 off), batch 1, "
                  "same modules and seeds as the exported models. Wall time of one forward "
                  "with the host copies, as kiln's *run* above; device time in brackets "
                  "(CUDA events around the forward: for eager mode this includes the GPU "
                  "waiting for the CPU to launch).",
                  "", "| model | kiln (ms) | PyTorch eager (ms) | torch.compile (ms) |",
                  "| --- | --- | --- | --- |"]
        kiln = {e["report"]["model"]: e["report"] for e in models if e["set"] != "test_data_set_1"}
        for name, t in torch.get("models", {}).items():
            k = kiln.get(name, {})

            def cell(v):
                if not v or "error" in v:
                    return "failed" if v else "—"
                return f"{v['wall_ms_with_copies']:.3f} ({v['device_ms']:.3f})"
            lines.append(f"| {NAMES.get(name, name)} | {fmt(k.get('median_ms'))} "
                         f"({fmt(k.get('device_median_ms'))}) | {cell(t.get('eager'))} | "
                         f"{cell(t.get('compile'))} |")
    if torch.get("gemm") or gemm:
        g = torch.get("gemm", {})
        n = g.get("n", 4096)
        lines += ["", f"### GEMM {n}x{n}x{n}", "",
                  "| implementation | ms | TFLOP/s |", "| --- | --- | --- |"]
        if gemm and gemm.get("device_median_ms"):
            ms = gemm["device_median_ms"]
            lines.append(f"| kiln fp32 (kernel time) | {ms:.3f} | {2 * n ** 3 / ms / 1e9:.1f} |")
        for label in ("fp32", "tf32"):
            if label in g:
                lines.append(f"| cuBLAS {label} (torch.matmul) | {g[label]['ms']:.3f} | "
                             f"{g[label]['tflops']:.1f} |")
    if node:
        lines += ["", "### ONNX backend tests with `--target cuda`", ""]
        expected = set()
        if args.expected:
            for l in open(args.expected):
                if l.strip() and not l.startswith("#"):
                    expected.add(l.split()[0])
        nodes = [r for r in node if r["suite"] == "node"]
        cpu = [r for r in nodes if r["name"] not in expected]
        ok = [r for r in cpu if r["outcome"] == "PASS"]
        lines.append(f"node/: {sum(r['outcome'] == 'PASS' for r in nodes)} of {len(nodes)} pass "
                     f"on the GPU; of the {len(cpu)} that pass on the CPU, {len(ok)} pass on the "
                     f"GPU. All suites: {sum(r['outcome'] == 'PASS' for r in node)} of {len(node)}.")
        reasons = {}
        for r in cpu:
            if r["outcome"] != "PASS":
                why = re.sub(r" \(model\.onnx.*", "", r["reason"])
                why = re.sub(r"'__nv_\w+'", "'__nv_*'", why)
                reasons[(r["outcome"], why)] = reasons.get((r["outcome"], why), 0) + 1
        lines += ["", "Failures among the tests that pass on the CPU:", "",
                  "| count | outcome | reason |", "| --- | --- | --- |"]
        for (outcome, why), count in sorted(reasons.items(), key=lambda kv: -kv[1])[:12]:
            lines.append(f"| {count} | {outcome} | {why.replace('|', '/')} |")
    with open(args.doc) as fh:
        doc = fh.read()
    block = BEGIN + "\n" + "\n".join(lines) + "\n" + END
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    with open(args.doc, "w") as fh:
        fh.write(doc)


if __name__ == "__main__":
    main()
