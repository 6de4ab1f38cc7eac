#!/usr/bin/env python3
"""Exports the end-to-end test models and their ONNX Runtime reference data.

Models (torch, random weights from a fixed seed, eval mode, opset 17):
  resnet50      torchvision ResNet-50, input [1,3,224,224]
  mobilenetv2   torchvision MobileNetV2, input [1,3,224,224]
  bert_base     a BERT-base-shaped encoder written here (12 layers, hidden 768,
                12 heads, FFN 3072, erf GELU, LayerNorm, vocab 30522, seq 128):
                int64 input_ids [1,128] + int64 attention_mask [1,128] ->
                last_hidden_state [1,128,768], pooler_output [1,768]
  dynamic_cnn   a small CNN with a dynamic batch dim N: [N,3,32,32] -> [N,10]
BatchNorm running statistics are calibrated on random data (a few train-mode
forward passes) so that activations stay in a realistic range.

For each model, OUT/<model>/ gets model.onnx, input_<name>.npy per input and
test_data_set_<k>/{input_N.pb,output_N.pb} (the ONNX backend-test layout;
outputs computed by ONNX Runtime), ready for
  kiln run OUT/<model>/model.onnx --data OUT/<model>/test_data_set_0 --rtol 1e-3 --atol 1e-4
dynamic_cnn has test_data_set_0 at batch 1 and test_data_set_1 at batch 5.
A model whose stamp (this script's hash + package versions) is current is
not exported again.

Exit status: 0 on success, 77 when torch/torchvision cannot be imported
(the ctest SKIP_RETURN_CODE), 1 on any other failure.

Usage: python export_models.py --out-dir DIR [--models resnet50,bert_base,...] [--force]
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import time

import numpy as np

SKIP = 77
SEED = 0
ALL_MODELS = ["resnet50", "mobilenetv2", "bert_base", "dynamic_cnn"]

try:
    import torch
    import torchvision
    from torch import nn
except Exception as e:  # the model tests need Debian's python3-torch/torchvision
    print(f"export_models: SKIP: torch/torchvision not importable ({e}); "
          f"install with scripts/install-deps.sh --with-torch", file=sys.stderr)
    sys.exit(SKIP)
import onnx
import onnxruntime as ort
from onnx import numpy_helper


# ---------------------------------------------------------------- BERT-base
class BertLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn_in, self.ffn_out = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.gelu = nn.GELU()  # erf form
        self.ffn_norm = nn.LayerNorm(hidden, eps=1e-12)

    def split_heads(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        q, k, v = (self.split_heads(f(x)) for f in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores + mask_bias, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(x.shape[0], x.shape[1], -1)
        x = self.attn_norm(x + self.attn_out(ctx))
        return self.ffn_norm(x + self.ffn_out(self.gelu(self.ffn_in(x))))


class BertEncoder(nn.Module):
    """BertModel's shape: embeddings (token + position, LayerNorm), 12 layers, pooler."""

    def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, ffn=3072, max_pos=512):
        super().__init__()
        self.tokens = nn.Embedding(vocab, hidden)
        self.positions = nn.Embedding(max_pos, hidden)
        self.emb_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.register_buffer("position_ids", torch.arange(max_pos).unsqueeze(0))
        # BERT's initializer, N(0, 0.02), but with non-trivial biases and
        # LayerNorm affine parameters so that every term of the math is tested.
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.bias, std=0.02)
            if isinstance(m, nn.LayerNorm):
                nn.init.normal_(m.weight, mean=1.0, std=0.1)
                nn.init.normal_(m.bias, std=0.1)

    def forward(self, input_ids, attention_mask):
        pos = self.position_ids[:, :input_ids.shape[1]]
        x = self.emb_norm(self.tokens(input_ids) + self.positions(pos))
        # As transformers' BertModel: [B,S] 0/1 mask -> additive [B,1,1,S] bias.
        mask = attention_mask[:, None, None, :].to(x.dtype)
        mask_bias = (1.0 - mask) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x, torch.tanh(self.pooler(x[:, 0]))


# ------------------------------------------------------------ small dynamic CNN
class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32), nn.ReLU6(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


def calibrate_batchnorm(model, shape):
    """Gives BatchNorm layers running statistics from random data."""
    if not any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        return
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(*shape))


def build(name):
    """Returns (model, example inputs, input names, output names, dynamic axes, data sets)."""
    if name in ("resnet50", "mobilenetv2"):
        model = getattr(torchvision.models, "resnet50" if name == "resnet50" else "mobilenet_v2")()
        calibrate_batchnorm(model, (4, 3, 224, 224))
        img = lambda: np.random.rand(1, 3, 224, 224).astype(np.float32)
        return model, ["input"], ["logits"], None, [[img()]]
    if name == "bert_base":
        ids = np.random.randint(0, 30522, size=(1, 128)).astype(np.int64)
        mask = np.ones((1, 128), np.int64)
        mask[:, 100:] = 0  # padded tail, so the mask matters
        return (BertEncoder(), ["input_ids", "attention_mask"],
                ["last_hidden_state", "pooler_output"], None, [[ids, mask]])
    if name == "dynamic_cnn":
        model = SmallCNN()
        calibrate_batchnorm(model, (8, 3, 32, 32))
        img = lambda n: np.random.randn(n, 3, 32, 32).astype(np.float32)
        return (model, ["input"], ["probs"], {"input": {0: "N"}, "probs": {0: "N"}},
                [[img(1)], [img(5)]])
    raise ValueError(f"unknown model {name}")


def export(name, model_dir):
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    model, in_names, out_names, dyn, data_sets = build(name)
    model.eval()
    path = os.path.join(model_dir, "model.onnx")
    t0 = time.time()
    with torch.no_grad():
        torch.onnx.export(model, tuple(torch.from_numpy(a) for a in data_sets[0]), path,
                          opset_version=17, input_names=in_names, output_names=out_names,
                          dynamic_axes=dyn, do_constant_folding=True)
    export_s = time.time() - t0
    onnx.checker.check_model(path)

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    t0 = time.time()
    for k, inputs in enumerate(data_sets):
        outputs = sess.run(None, dict(zip(in_names, inputs)))
        d = os.path.join(model_dir, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        for i, (n, a) in enumerate(zip(in_names, inputs)):
            onnx.save_tensor(numpy_helper.from_array(a, n), os.path.join(d, f"input_{i}.pb"))
            if k == 0:
                np.save(os.path.join(model_dir, f"input_{n}.npy"), a)
        for i, (n, a) in enumerate(zip(out_names, outputs)):
            onnx.save_tensor(numpy_helper.from_array(a, n), os.path.join(d, f"output_{i}.pb"))
    ort_s = time.time() - t0
    return {"export_s": round(export_s, 1), "ort_s": round(ort_s, 2),
            "onnx_mb": round(os.path.getsize(path) / 2**20, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--models", default=",".join(ALL_MODELS))
    ap.add_argument("--force", action="store_true", help="export even when the stamp is current")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    with open(__file__, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest() + " ".join(
            ["", torch.__version__, torchvision.__version__, onnx.__version__, ort.__version__])
    for name in args.models.split(","):
        model_dir = os.path.join(args.out_dir, name)
        stamp_path = os.path.join(model_dir, "stamp")
        if not args.force and os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
            print(f"{name}: up to date in {model_dir}")
            continue
        shutil.rmtree(model_dir, ignore_errors=True)
        os.makedirs(model_dir)
        info = export(name, model_dir)
        with open(os.path.join(model_dir, "export_info.json"), "w") as f:
            json.dump(info, f)
        with open(stamp_path, "w") as f:
            f.write(stamp)
        print(f"{name}: exported to {model_dir}: {info['onnx_mb']} MB, "
              f"export {info['export_s']} s, onnxruntime reference {info['ort_s']} s", flush=True)


if __name__ == "__main__":
    main()
