#!/usr/bin/python3
"""PyTorch parity fixtures for nn's convolution and pooling layers.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/conv.py

(Debian's python3 with torch; made with torch 1.13). It writes, next to
this file, for conv_test.go:

  conv_cnn.json     a small CNN: conv(3→8, 3×3, pad 1) → relu → maxpool 2 →
                    conv(8→8, 3×3, pad 1, groups 2) → avgpool 2 → flatten →
                    linear(32→5), at PyTorch's default initialisation
  conv_layers.json  reflection pad → ConvTranspose2d(4→6, 3×3, stride 2,
                    padding 1, output_padding 1, groups 2), and
                    Conv1d(4→6, 3, stride 2, padding 2, dilation 2) → relu →
                    MaxPool1d(2)

Tensors: every state_dict entry under its state_dict name (the weights the
Go test loads), "x" (input), "out" (output), "gy" (a random upstream
gradient), "gx" (input gradient) and "grad.<name>" for each parameter's
gradient; conv_layers.json prefixes everything with "convt." or "conv1d.".
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.manual_seed(20240612)
torch.set_num_threads(1)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.avg = nn.AvgPool2d(2)
        self.fc = nn.Linear(8 * 2 * 2, 5)

    def forward(self, x):
        x = self.pool(self.conv1(x).relu())
        x = self.avg(self.conv2(x))
        return self.fc(x.flatten(1))


class ConvT(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = nn.ReflectionPad2d((1, 0, 2, 1))
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)

    def forward(self, x):
        return self.up(self.pad(x))


class Conv1(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2)
        self.pool = nn.MaxPool1d(2)

    def forward(self, x):
        return self.pool(self.conv(x).relu())


def record(tensors, prefix, model, x):
    x = x.clone().requires_grad_(True)
    out = model(x)
    gy = torch.randn(out.shape)
    out.backward(gy)
    for name, p in model.state_dict().items():
        tensors[prefix + name] = p
    for name, p in model.named_parameters():
        tensors[prefix + "grad." + name] = p.grad
    tensors[prefix + "x"] = x
    tensors[prefix + "out"] = out
    tensors[prefix + "gy"] = gy
    tensors[prefix + "gx"] = x.grad


t = {}
record(t, "", CNN(), torch.randn(2, 3, 8, 8))
torchfix.save(str(HERE / "conv_cnn.json"), t)

t = {}
record(t, "convt.", ConvT(), torch.randn(2, 4, 3, 4))
record(t, "conv1d.", Conv1(), torch.randn(2, 4, 11))
torchfix.save(str(HERE / "conv_layers.json"), t)
