#!/usr/bin/python3
"""PyTorch parity fixtures for nn.BatchNorm1D/2D, nn.InstanceNorm2D and nn.LayerNorm.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/norm.py

(Debian's python3 with torch 1.13). It writes nn/testdata/norm.json, which
nn/norm_test.go reads. Every case is deterministic (torch.manual_seed).

For each case <c> the fixture holds, under names "<c>.<what>":
  weight, bias          the affine parameters loaded into the layer (if any)
  rm0, rv0              initial running mean/var loaded into the layer (if tracked)
  x1, g1                first training-mode input and upstream gradient
  y1, gx1, gw1, gb1     output and gradients of x1, weight, bias after y1.backward(g1)
  x2, y2                a second training-mode forward pass
  rm, rv, nbt           running mean/var and num_batches_tracked after both passes
  x3, g3, y3, gx3, gw3, gb3   the same in evaluation mode (after the two passes)
Meta "cases" maps each case to its layer and options.
"""
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

tensors = {}
cases = {}


def run(name, layer, shape, kind, **meta):
    torch.manual_seed(len(cases) + 1)
    c = shape[1] if len(shape) > 1 else shape[0]
    params = dict(layer.named_parameters())
    with torch.no_grad():
        if "weight" in params:
            layer.weight.copy_(torch.rand(layer.weight.shape) + 0.5)
            layer.bias.copy_(torch.randn(layer.bias.shape))
            tensors[name + ".weight"] = layer.weight
            tensors[name + ".bias"] = layer.bias
        if getattr(layer, "running_mean", None) is not None:
            layer.running_mean.copy_(torch.randn(c) * 0.1)
            layer.running_var.copy_(torch.rand(c) + 0.5)
            tensors[name + ".rm0"] = layer.running_mean.clone()
            tensors[name + ".rv0"] = layer.running_var.clone()

    def step(tag, scale):
        x = (torch.randn(shape) * scale + 0.5).requires_grad_(True)
        g = torch.randn(shape)
        for p in params.values():
            p.grad = None
        y = layer(x)
        y.backward(g)
        tensors[f"{name}.x{tag}"] = x
        tensors[f"{name}.g{tag}"] = g
        tensors[f"{name}.y{tag}"] = y
        tensors[f"{name}.gx{tag}"] = x.grad
        if "weight" in params:
            tensors[f"{name}.gw{tag}"] = layer.weight.grad
            tensors[f"{name}.gb{tag}"] = layer.bias.grad

    layer.train()
    step(1, 2.0)
    step(2, 1.5)
    if getattr(layer, "running_mean", None) is not None:
        tensors[name + ".rm"] = layer.running_mean
        tensors[name + ".rv"] = layer.running_var
        tensors[name + ".nbt"] = layer.num_batches_tracked
    layer.eval()
    step(3, 1.0)
    cases[name] = dict(kind=kind, shape=list(shape), affine="weight" in params,
                       track=getattr(layer, "running_mean", None) is not None,
                       momentum=getattr(layer, "momentum", 0.1), eps=layer.eps, **meta)


nn = torch.nn
run("bn1d_2d", nn.BatchNorm1d(3), (5, 3), "bn1d")
run("bn1d_3d", nn.BatchNorm1d(4, momentum=0.3), (3, 4, 5), "bn1d")
run("bn2d", nn.BatchNorm2d(3), (2, 3, 4, 5), "bn2d")
run("bn2d_noaffine", nn.BatchNorm2d(3, affine=False), (2, 3, 3, 4), "bn2d")
run("bn2d_nostats", nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 3, 4), "bn2d")
run("bn2d_eps", nn.BatchNorm2d(2, eps=1e-3), (4, 2, 2, 3), "bn2d")
run("in2d", nn.InstanceNorm2d(3), (2, 3, 3, 4), "in2d")
run("in2d_affine", nn.InstanceNorm2d(3, affine=True), (2, 3, 3, 4), "in2d")
run("ln", nn.LayerNorm(5), (3, 4, 5), "ln")

torchfix.save(str(pathlib.Path(__file__).resolve().parent / "norm.json"), tensors, meta={"cases": cases})
