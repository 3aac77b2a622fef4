"""Write the PyTorch parity fixture of the MNIST target models A, B and C.

Run from the repository root with Debian's Python (PyTorch 1.13):

    /usr/bin/python3 attack/testdata/targets_torch.py

The weights are too many to store (Model A alone has 3.3M), so both sides
fill them from the same integer formula (fill below, fillParams in
models_test.go): entry j of the k-th tensor of the state_dict is

    (((j * 40503 + k * 7919) % 1999) / 999.0 - 1.0) / sqrt(fan_in)

in float64, rounded to float32 (fan_in = number of entries / first dim; 10
for vectors, so biases are ±0.32). The fixture stores, per model, the
state_dict names and shapes, a random input batch and the eval-mode logits.
"""
import math
import pathlib
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402


class ModelA(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 5)
        self.conv2 = nn.Conv2d(64, 64, 5)
        self.drop1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 20 * 20, 128)
        self.drop2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = torch.relu(self.conv2(h))
        h = self.drop1(h).flatten(1)
        h = self.drop2(torch.relu(self.fc1(h)))
        return self.fc2(h)


class ModelB(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop0 = nn.Dropout(0.2)
        self.conv1 = nn.Conv2d(1, 64, 8, stride=2, padding=3)  # Keras 'same'
        self.conv2 = nn.Conv2d(64, 128, 6, stride=2)
        self.conv3 = nn.Conv2d(128, 128, 5)
        self.drop1 = nn.Dropout(0.5)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        h = self.drop0(x)
        h = torch.relu(self.conv1(h))
        h = torch.relu(self.conv2(h))
        h = torch.relu(self.conv3(h))
        h = self.drop1(h).flatten(1)
        return self.fc(h)


class ModelC(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.conv3 = nn.Conv2d(32, 64, 3)
        self.conv4 = nn.Conv2d(64, 64, 3)
        self.fc1 = nn.Linear(64 * 4 * 4, 200)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(200, 200)
        self.fc3 = nn.Linear(200, 10)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = torch.max_pool2d(torch.relu(self.conv2(h)), 2)
        h = torch.relu(self.conv3(h))
        h = torch.max_pool2d(torch.relu(self.conv4(h)), 2).flatten(1)
        h = self.drop(torch.relu(self.fc1(h)))
        h = torch.relu(self.fc2(h))
        return self.fc3(h)


def fill(k, shape):
    n = int(np.prod(shape))
    fan_in = n // shape[0] if len(shape) > 1 else 10
    j = np.arange(n, dtype=np.int64)
    v = (((j * 40503 + k * 7919) % 1999).astype(np.float64) / 999.0 - 1.0) / math.sqrt(fan_in)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def main():
    torch.manual_seed(0)
    x = torch.rand(3, 1, 28, 28)
    tensors = {"x": x}
    meta = {}
    for name, cls in [("A", ModelA), ("B", ModelB), ("C", ModelC)]:
        m = cls().eval()
        sd = m.state_dict()
        names = list(sd.keys())
        with torch.no_grad():
            for k, key in enumerate(names):
                sd[key].copy_(fill(k, list(sd[key].shape)))
            y = m(x)
        meta[name] = {"names": names, "shapes": [list(sd[key].shape) for key in names]}
        tensors["logits" + name] = y
    out = pathlib.Path(__file__).resolve().parent / "targets_torch.json"
    torchfix.save(str(out), tensors, meta=meta)


if __name__ == "__main__":
    main()
