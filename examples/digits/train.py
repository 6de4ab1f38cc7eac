#!/usr/bin/env python3
"""Trains the digits example's small CNN and writes the files kiln's main job uses.

Data: scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes),
split 80/20 (stratified, fixed seed). Training runs on the CPU in a few seconds.

Writes, beside this script (or into --out-dir):
  digits.onnx        the trained model, opset 17: image float32 [N,1,8,8] -> logits float32 [N,10]
  digits_test.bin    the held-out test set, little-endian:
                       int32 count, then per image 64 float32 pixels (row-major,
                       already scaled to [0,1] = the model's input) and an int32 label
  ort_accuracy.txt   ONNX Runtime's accuracy on that test set, one line:
                       "correct=C total=T accuracy=A"

Usage: .venv/bin/python examples/digits/train.py [--out-dir DIR] [--epochs E]
"""
import argparse
import os
import random
import struct
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 0


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),                                   # 8x8 -> 4x4
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),                                   # 4x4 -> 2x2
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def load_data():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # [n,1,8,8] in [0,1]
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, random_state=SEED, stratify=y)


def train(model, x, y, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1:2d}: loss {total / len(xt):.4f}")


def write_test_set(path, x, y):
    with open(path, "wb") as f:
        f.write(struct.pack("<i", len(x)))
        for img, label in zip(x, y):
            f.write(img.astype("<f4").tobytes())
            f.write(struct.pack("<i", int(label)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=here)
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    start = time.time()
    x_train, x_test, y_train, y_test = load_data()
    print(f"digits: {len(x_train)} training, {len(x_test)} test images")
    model = DigitsCNN()
    train(model, x_train, y_train, args.epochs)
    model.eval()
    with torch.no_grad():
        torch_acc = (model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean()
        train_acc = (model(torch.from_numpy(x_train)).argmax(1).numpy() == y_train).mean()
    print(f"torch: train accuracy {train_acc:.4f}, test accuracy {torch_acc:.4f} "
          f"({time.time() - start:.1f} s)")

    onnx_path = os.path.join(args.out_dir, "digits.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), onnx_path, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(onnx.load(onnx_path), full_check=True)
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")

    test_path = os.path.join(args.out_dir, "digits_test.bin")
    write_test_set(test_path, x_test, y_test)
    print(f"wrote {test_path} ({len(x_test)} images, {os.path.getsize(test_path)} bytes)")

    # The reference the C++ demo must match: ONNX Runtime on the exported model.
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    logits = sess.run(None, {"image": x_test})[0]
    correct = int((logits.argmax(1) == y_test).sum())
    acc_path = os.path.join(args.out_dir, "ort_accuracy.txt")
    with open(acc_path, "w") as f:
        f.write(f"correct={correct} total={len(y_test)} accuracy={correct / len(y_test):.6f}\n")
    print(f"onnxruntime: {correct}/{len(y_test)} correct, accuracy {correct / len(y_test):.4f} "
          f"-> {acc_path}")


if __name__ == "__main__":
    main()
