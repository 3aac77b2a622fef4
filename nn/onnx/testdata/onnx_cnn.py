#!/usr/bin/python3
"""ONNX weight-import fixture for nn.LoadONNX: a small CNN exported by torch.onnx.export.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/onnx_cnn.py

(Debian's python3 with torch 1.13; the onnx Python package is not needed).
It writes, beside this script:

  onnx_cnn.onnx   the CNN below, exported with the call nn.LoadONNX recommends
  onnx_cnn.json   torchfix fixture: "x" the input (2, 1, 12, 12), "logits" the
                  eval-mode output (2, 10), and "state/<name>" every state_dict
                  tensor, which the Go test compares with what it read

The model, in eval mode (seeded with torch.manual_seed(0)):

  conv1 Conv2d(1, 4, 3, padding=1) -> ReLU -> MaxPool2d(2)
  conv2 Conv2d(4, 8, 3)            -> ReLU -> flatten(1)
  fc1   Linear(128, 16)            -> ReLU
  fc2   Linear(16, 10)

nn/onnx_test.go builds the same model from nn.Conv2D, nn.MaxPool2D and
nn.Linear, loads onnx_cnn.onnx into it and compares the logits.
"""
import pathlib
import sys

import torch
import torch.nn as nn

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


torch.manual_seed(0)
model = CNN().eval()
x = torch.randn(2, 1, 12, 12)
with torch.no_grad():
    logits = model(x)

# The export nn.LoadONNX documents: parameters inside the file, no constant
# folding (which renames transformed initializers "onnx::<Op>_<n>"), and
# PRESERVE on a model in eval mode (TrainingMode.EVAL fuses BatchNorm into
# the preceding Conv, renaming both). For this model without BatchNorm the
# default call gives the same names.
torch.onnx.export(
    model, x, str(here / "onnx_cnn.onnx"),
    export_params=True,
    do_constant_folding=False,
    training=torch.onnx.TrainingMode.PRESERVE,
    input_names=["x"], output_names=["logits"],
)

tensors = {"x": x, "logits": logits}
for name, t in model.state_dict().items():
    tensors["state/" + name] = t
torchfix.save(str(here / "onnx_cnn.json"), tensors)
