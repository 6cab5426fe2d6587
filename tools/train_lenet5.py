#!/usr/bin/python3
"""Train loupe's LeNet-5 on Fashion-MNIST and export it to ONNX.

The architecture is exactly the zoo's `lenet5` (src/zoo/lenet5.cpp): 1x28x28 input, conv 5x5 pad 2
-> 6, ReLU, max pool 2, conv 5x5 -> 16, ReLU, max pool 2, flatten 400, fc 120, ReLU, fc 84, ReLU,
fc 10, softmax.

Input normalization: pixel / 255, nothing else (no mean/std), so a consumer feeds [0, 1] floats.

Data: Debian's dataset-fashion-mnist (IDX files, read here with gzip + numpy; nothing is
downloaded). Deterministic: fixed seed, 2 threads, deterministic algorithms, a seeded shuffle.

Writes (into --out-dir, default <repo>/models):
  lenet5-fashion.onnx                   opset 13, input "input" [N,1,28,28] (N dynamic),
                                        output "prob" [N,10]
  lenet5-fashion.json                   PyTorch's test accuracy and the training recipe
  lenet5-fashion.pytorch-predictions.npy  uint8 [10000]: PyTorch's top-1 label per test image

Usage: tools/train_lenet5.py [--data-dir DIR] [--out-dir DIR] [--epochs N] [--seed S]
"""

import argparse
import gzip
import hashlib
import json
import os
import pathlib
import random
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
REPO = pathlib.Path(__file__).resolve().parent.parent


def open_maybe_gz(path):
    if os.path.exists(path):
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    sys.exit(f"{path}[.gz]: not found (install Debian's dataset-fashion-mnist)")


def read_idx(path, magic_expected):
    with open_maybe_gz(path) as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != magic_expected:
        sys.exit(f"{path}: bad magic 0x{magic:08x}, expected 0x{magic_expected:08x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(dims)):
        sys.exit(f"{path}: {payload.size} bytes of data, dims {dims} need {int(np.prod(dims))}")
    return payload.reshape(dims)


def load_split(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"), 0x00000803)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"), 0x00000801)
    assert images.shape[0] == labels.shape[0]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # [N,1,28,28]
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.relu = nn.ReLU()

    def logits(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # exported as ONNX Flatten(axis=1): no shape sub-graph
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)

    def forward(self, x):
        return torch.softmax(self.logits(x), dim=1)


def predict(model, x, batch=1000):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out.append(model(x[i : i + batch]))
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--out-dir", default=str(REPO / "models"))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20240604)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)

    x_train, y_train = load_split(args.data_dir, "train")
    x_test, y_test = load_split(args.data_dir, "test")
    print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}", flush=True)

    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (x_train.shape[0] + args.batch - 1) // args.batch
    # Cosine decay to zero over the whole run: the last epochs settle the weights, which makes the
    # final accuracy insensitive to the epoch the run happens to stop at.
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(x_train.shape[0], generator=gen)
        total = 0.0
        for i in range(0, x_train.shape[0], args.batch):
            idx = perm[i : i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model.logits(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * idx.shape[0]
        acc = (predict(model, x_test).argmax(1) == y_test).float().mean().item() * 100
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / x_train.shape[0]:.4f}, "
              f"test {acc:.2f}%, {time.time() - t0:.0f} s", flush=True)
    train_s = time.time() - t0

    prob = predict(model, x_test)
    pred = prob.argmax(1).to(torch.uint8).numpy()
    correct = int((pred == y_test.numpy()).sum())
    accuracy = round(100.0 * correct / len(pred), 2)
    top2 = torch.topk(prob, 2, dim=1).values
    margins = (top2[:, 0] - top2[:, 1]).numpy()

    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "lenet5-fashion.onnx"
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(onnx_path), opset_version=13,
                      input_names=["input"], output_names=["prob"],
                      dynamic_axes={"input": {0: "N"}, "prob": {0: "N"}},
                      do_constant_folding=True)
    np.save(out / "lenet5-fashion.pytorch-predictions.npy", pred)

    meta = {
        "model": "lenet5-fashion.onnx",
        "architecture": "loupe zoo lenet5: conv5x5p2(6)-relu-maxpool2-conv5x5(16)-relu-maxpool2-"
                        "flatten(400)-fc120-relu-fc84-relu-fc10-softmax",
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "normalization": "pixel / 255"},
        "output": {"name": "prob", "shape": ["N", 10]},
        "opset": 13,
        "dataset": "fashion-mnist (Debian dataset-fashion-mnist)",
        "test_images": int(len(pred)),
        "test_correct": correct,
        "test_accuracy_percent": accuracy,
        "predictions_file": "lenet5-fashion.pytorch-predictions.npy",
        "predictions_sha256": hashlib.sha256(pred.tobytes()).hexdigest(),
        "near_ties_top2_margin_below_1e-4": int((margins < 1e-4).sum()),
        "epochs": args.epochs,
        "batch": args.batch,
        "optimizer": f"Adam lr {args.lr}, cosine decay to 0 per step",
        "seed": args.seed,
        "threads": args.threads,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "train_seconds": round(train_s, 1),
    }
    (out / "lenet5-fashion.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"PyTorch test accuracy {accuracy:.2f}% ({correct}/{len(pred)}); wrote {onnx_path}")


if __name__ == "__main__":
    main()
