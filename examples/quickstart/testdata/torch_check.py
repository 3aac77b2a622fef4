#!/usr/bin/python3
"""Load the weights the quickstart saved into the same CNN in PyTorch and
score it on the MNIST test set, to show that the safetensors file cairn
writes is what PyTorch expects, name for name.

    go run ./examples/quickstart -out /tmp/qs.safetensors
    /usr/bin/python3 examples/quickstart/testdata/torch_check.py /tmp/qs.safetensors [MNIST dir]

The MNIST directory defaults to the GoMNIST module's data directory in the
Go module cache. Needs Debian's python3-torch; reads safetensors with a few
lines of its own (the Python safetensors package is not needed).
"""
import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy())
    return out


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(64 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        b = f.read()
    ndim = b[3]
    dims = struct.unpack(">" + "I" * ndim, b[4:4 + 4 * ndim])
    return np.frombuffer(b[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def main():
    weights = sys.argv[1]
    if len(sys.argv) > 2:
        mnist = sys.argv[2]
    else:
        cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True).stdout.strip()
        mnist = os.path.join(cache, "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data")
    model = CNN()
    model.load_state_dict(read_safetensors(weights), strict=True)
    model.eval()
    x = torch.from_numpy(idx(os.path.join(mnist, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(idx(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(json.dumps({"weights": weights, "torch": torch.__version__, "test_accuracy": round(acc, 4)}))


if __name__ == "__main__":
    main()
