#!/usr/bin/python3
"""ONNX weight-import fixtures for nn.ReadONNXWeights and nn.LoadONNX.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/onnx_mlp.py

(Debian's python3 with torch 1.13; the onnx Python package is not needed).
It writes, beside this script:

  onnx_mlp.onnx       the MLP below, exported with the call nn.LoadONNX recommends
  onnx_mlp_f64.onnx   the same model in float64 (DOUBLE initializers)
  onnx_mlp_kia.onnx   the same export with keep_initializers_as_inputs=True
  onnx_mlp.json       torchfix fixture: "x" (3, 6), "logits" (3, 3) in eval mode,
                      "state/<name>" every state_dict tensor, and meta "alias":
                      the parameter torch.onnx.export replaced by an Identity node
  onnx_fused.onnx     Conv2d(1, 2, 3) -> BatchNorm2d(2) exported with torch's
                      default call (TrainingMode.EVAL, constant folding), which
                      fuses BatchNorm into the Conv and renames the
                      initializers "onnx::Conv_<n>": the test checks the error
                      LoadONNX gives for it

The MLP, seeded with torch.manual_seed(0):

  fc1 Linear(6, 8) -> bn BatchNorm1d(8) -> ReLU
  fc2 Linear(8, 8) -> ReLU
  fc3 Linear(8, 3)

with fc2.bias set to zero, so that it equals bn.bias (zero too):
torch.onnx.export keeps one of two initializers with equal values and
replaces the other by an Identity node, which ReadONNXWeights resolves.
BatchNorm's running statistics come from three training-mode batches, then
the model is put in eval mode. torch.onnx.export does not write
bn.num_batches_tracked, which LoadONNX leaves as it is.
"""
import pathlib
import sys

import torch
import torch.nn as nn

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 8)
        self.fc3 = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.bn(self.fc1(x)))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


def export(model, x, name, **kw):
    # The export nn.LoadONNX documents.
    torch.onnx.export(
        model, x, str(here / name),
        export_params=True,
        do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["x"], output_names=["logits"],
        **kw,
    )


def initializer_names(path):
    """The names of a model's graph initializers, read from the protobuf wire format."""
    def varint(b, i):
        r = s = 0
        while True:
            c = b[i]
            i += 1
            r |= (c & 0x7F) << s
            s += 7
            if c < 0x80:
                return r, i

    def fields(b):
        i = 0
        while i < len(b):
            k, i = varint(b, i)
            f, w = k >> 3, k & 7
            if w == 0:
                v, i = varint(b, i)
            elif w == 1:
                v, i = b[i:i + 8], i + 8
            elif w == 5:
                v, i = b[i:i + 4], i + 4
            else:
                n, i = varint(b, i)
                v, i = b[i:i + n], i + n
            yield f, v

    names = []
    for f, graph in fields(open(path, "rb").read()):
        if f == 7:
            for g, init in fields(graph):
                if g == 5:
                    names += [v.decode() for t, v in fields(init) if t == 8]
    return names


torch.manual_seed(0)
model = MLP()
with torch.no_grad():
    model.fc2.bias.zero_()
    for _ in range(3):
        model(torch.randn(5, 6) * 2 + 1)  # training mode: updates bn's running statistics
model.eval()
x = torch.randn(3, 6)
with torch.no_grad():
    logits = model(x)

export(model, x, "onnx_mlp.onnx")
export(model, x, "onnx_mlp_kia.onnx", keep_initializers_as_inputs=True)
export(model.double(), x.double(), "onnx_mlp_f64.onnx")
model.float()

state = model.state_dict()
exported = initializer_names(here / "onnx_mlp.onnx")
aliases = [n for n in state if n not in exported and not n.endswith("num_batches_tracked")]
assert len(aliases) == 1, aliases

tensors = {"x": x, "logits": logits}
for name, t in state.items():
    tensors["state/" + name] = t
torchfix.save(str(here / "onnx_mlp.json"), tensors, meta={"alias": aliases[0]})

# What not to do: the default export of Conv + BatchNorm in eval mode.
torch.manual_seed(1)
fused = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).eval()
torch.onnx.export(fused, torch.randn(1, 1, 5, 5), str(here / "onnx_fused.onnx"))
