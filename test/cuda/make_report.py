#!/usr/bin/env python3
"""Writes the measured part of docs/cuda.md from the files that
device_run.sh left in one or more $OUT folders (summary.txt, models.json,
torch.<precision>.json (or torch.json), gemm.json, node.json), between the
lines `<!-- device-results:begin -->` and `<!-- device-results:end -->`.
With --performance FILE, the GPU summary (GPU, versions, latency vs PyTorch
per precision, GEMM TFLOP/s vs cuBLAS, node-test count) also goes into FILE
between `<!-- gpu-results:begin -->` and `<!-- gpu-results:end -->`
(docs/performance.md; bench/run_bench.py keeps that block).

  make_report.py DOC RESULTS_DIR... [--expected test/conformance/expected_failures.txt]
                 [--commit HASH] [--performance docs/performance.md]
Later folders win where two hold the same file.
"""
import argparse
import json
import os
import re

BEGIN, END = "<!-- device-results:begin -->", "<!-- device-results:end -->"
GPU_BEGIN, GPU_END = "<!-- gpu-results:begin -->", "<!-- gpu-results:end -->"
PRECISIONS = ("fp32", "tf32", "fp16")
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


def tfl(c):
    return f"{c['tflops']:.1f}" if c else "—"


def fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--expected", default=None)
    ap.add_argument("--commit", default="")
    ap.add_argument("--performance", default=None)
    args = ap.parse_args()
    summary = "".join(open(os.path.join(d, "summary.txt")).read() for d in args.dirs
                      if os.path.exists(os.path.join(d, "summary.txt")))
    models = load(args.dirs, "models.json", json.load) or []
    torches = {}
    old = load(args.dirs, "torch.json", json.load)
    if old:
        torches[old.get("precision", "fp32")] = old
    for p in PRECISIONS:
        t = load(args.dirs, f"torch.{p}.json", json.load)
        if t:
            torches[p] = t
    gemm = load(args.dirs, "gemm.json", json.load)
    if isinstance(gemm, dict):
        gemm = [{"precision": "fp32", "report": gemm}]
    gemm = gemm or []
    for e in models:
        e.setdefault("precision", "fp32")
    node = load(args.dirs, "node.json", json.load)

    lines = []
    env = [l for l in summary.splitlines() if l.startswith(("NVIDIA", "torch "))]
    lines.append(f"Device run{' at commit ' + args.commit if args.commit else ''}: "
                 + "; ".join(env) + ".")
    lines.append("")
    lines.append("### Accuracy vs ONNX Runtime (CPU), and latency")
    lines.append("")
    lines.append("Batch 1, `--precision` as listed (fp32 tolerance rtol 1e-3 / "
                 "atol 1e-4, tf32/fp16 1e-2 / 1e-2; at tf32/fp16 the reference is ORT with "
                 "the operands of the tensor-core Convs/Gemms/MatMuls rounded to 10 mantissa "
                 "bits as the library rounds them, *vs f32* is the largest difference to "
                 "plain f32 ORT (in brackets: that reference's own), and an output also "
                 "matches when it is no farther from f32 ORT than 1.25x the reference; "
                 "test/cuda/run_model.py). *run*: median wall time of one `m_run` (host copies "
                 "included); *kernels*: median device time of the run's kernels "
                 "(CUDA events). With and without the CUDA graph.")
    lines.append("")
    lines.append("| model | precision | data | max abs diff | vs f32 | match | run (ms) "
                 "| kernels (ms) | run, no graph (ms) | kernels, no graph (ms) |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for entry in models:
        r = entry["report"]
        diff = max(o["max_abs_diff"] for o in r["outputs"]) if r["outputs"] else 0
        f32 = [o["max_abs_diff_f32"] for o in r["outputs"] if "max_abs_diff_f32" in o]
        ref = [o["reference_diff_f32"] for o in r["outputs"] if "reference_diff_f32" in o]
        versus = f"{max(f32):.2g}" if f32 else ""
        if ref:
            versus += f" ({max(ref):.2g})"
        lines.append(f"| {NAMES.get(r['model'], r['model'])} | {entry['precision']} | "
                     f"{entry['set']} | {diff:.2g} | {versus} | "
                     f"{'yes' if r['ok'] else '**no**'} | {fmt(r.get('median_ms'))} | "
                     f"{fmt(r.get('device_median_ms'))} | {fmt(r.get('eager_median_ms'))} | "
                     f"{fmt(r.get('eager_device_median_ms'))} |")
    side = side_by_side(models, torches, gemm)
    lines += side
    node_line = ""
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
        node_line = (f"node/: {sum(r['outcome'] == 'PASS' for r in nodes)} of {len(nodes)} pass "
                     f"on the GPU; of the {len(cpu)} that pass on the CPU, {len(ok)} pass on the "
                     f"GPU. All suites: {sum(r['outcome'] == 'PASS' for r in node)} of {len(node)}.")
        lines.append(node_line)
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
    replace_block(args.doc, BEGIN, END, lines)
    if args.performance:
        perf = ["## GPU (`--target cuda`)", "",
                "Generated by test/cuda/make_report.py from one device run of "
                "test/cuda/device_run.sh (docs/cuda.md has the full results and the "
                "command).", "", lines[0]] + side
        if node_line:
            perf += ["", "### ONNX backend node tests on the GPU", "", node_line]
        replace_block(args.performance, GPU_BEGIN, GPU_END, perf)


def replace_block(path, begin, end, lines):
    with open(path) as fh:
        doc = fh.read()
    block = begin + "\n" + "\n".join(lines) + "\n" + end
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as fh:
        fh.write(doc)


def side_by_side(models, torches, gemm):
    """Latency vs PyTorch at each precision, and the GEMM vs cuBLAS."""
    lines = []
    any_torch = next(iter(torches.values()), {})
    if torches:
        lines += ["", "### Side by side with PyTorch",
                  "", f"PyTorch {any_torch.get('torch')} (CUDA {any_torch.get('cuda')}, cuDNN "
                  f"{any_torch.get('cudnn')}) on the same GPU in the same run, batch 1, same "
                  "modules and seeds as the exported models, at the same precision: fp32 "
                  "(TF32 off), tf32 (`allow_tf32` for matmul and cuDNN), fp16 "
                  "(`torch.autocast(float16)`: matmuls/convs in f16 with f32 accumulation, "
                  "as kiln's `--precision fp16`). Wall time of one forward with the host "
                  "copies, as kiln's *run* above; device time in brackets (CUDA events "
                  "around the forward: for eager mode this includes the GPU waiting for "
                  "the CPU to launch). torch.compile in its default mode.",
                  "", "| model | precision | kiln (ms) | PyTorch eager (ms) | torch.compile (ms) "
                  "| kiln vs best PyTorch |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for p in PRECISIONS:
            torch = torches.get(p)
            if not torch:
                continue
            kiln = {e["report"]["model"]: e["report"] for e in models
                    if e["set"] != "test_data_set_1" and e["precision"] == p}
            for name, t in torch.get("models", {}).items():
                k = kiln.get(name, {})

                def cell(v):
                    if not v or "error" in v:
                        return "failed" if v else "—"
                    return f"{v['wall_ms_with_copies']:.3f} ({v['device_ms']:.3f})"
                best = [v["wall_ms_with_copies"] for v in (t.get("eager"), t.get("compile"))
                        if v and "error" not in v]
                ratio = "—"
                if best and k.get("median_ms") and k.get("ok"):
                    ratio = f"{min(best) / k['median_ms']:.2f}x faster" \
                        if k["median_ms"] < min(best) else f"{k['median_ms'] / min(best):.2f}x slower"
                elif k and not k.get("ok"):
                    ratio = "**mismatch**"
                lines.append(f"| {NAMES.get(name, name)} | {p} | {fmt(k.get('median_ms'))} "
                             f"({fmt(k.get('device_median_ms'))}) | {cell(t.get('eager'))} | "
                             f"{cell(t.get('compile'))} | {ratio} |")
    g = any_torch.get("gemm", {}) if any_torch else {}
    for t in torches.values():
        g = t.get("gemm") or g
    if g or gemm:
        n = g.get("n", 4096)
        lines += ["", f"### GEMM {n}x{n}x{n}", "",
                  "kiln: a one-MatMul model compiled with each `--precision`, median "
                  "device time of its kernels; cuBLAS through torch.matmul (fp16: f16 "
                  "inputs and output).", "",
                  "| precision | kiln ms | kiln TFLOP/s | matches ORT | cuBLAS ms | cuBLAS TFLOP/s |",
                  "| --- | --- | --- | --- | --- | --- |"]
        kiln = {e["precision"]: e["report"] for e in gemm}
        for p in PRECISIONS:
            k, c = kiln.get(p, {}), g.get(p)
            if not k and not c:
                continue
            ms = k.get("device_median_ms")
            kt = f"{2 * n ** 3 / ms / 1e9:.1f}" if ms else "—"
            ok = ("yes" if k.get("ok") else "**no**") if k else "—"
            lines.append(f"| {p} | {fmt(ms)} | {kt} | {ok} | "
                         f"{fmt(c['ms']) if c else '—'} | {tfl(c)} |")
    return lines


if __name__ == "__main__":
    main()
