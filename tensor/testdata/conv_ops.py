#!/usr/bin/python3
"""PyTorch parity fixtures for tensor's convolution, pooling and padding ops.

Regenerate from the repository root with

    /usr/bin/python3 tensor/testdata/conv_ops.py

(Debian's python3 with torch; made with torch 1.13). It writes three
torchfix fixtures next to this file, read by conv_test.go:

  conv_ops.json   F.conv2d, F.conv1d, F.conv_transpose2d
  conv_pool.json  F.max_pool2d, F.max_pool1d, F.avg_pool2d, F.avg_pool1d
  conv_pad.json   F.pad in modes constant, reflect and replicate

Each case is listed in meta["cases"] with its op and options; its tensors
are named "<case>.<what>": x, w and b (inputs; b absent without bias), out
(the result), gy (a random upstream gradient of out's shape) and gx, gw,
gb (the gradients of sum(gy * out)). Inputs come from a seeded generator,
so the script is deterministic.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.manual_seed(20240611)
torch.set_num_threads(1)


def run(cases, tensors, name, op, fn, inputs, **meta):
    """Run fn on inputs (a dict of leaf tensors), backpropagate a random gy
    and record everything under name."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v is not None}
    out = fn(**leaves)
    gy = torch.randn(out.shape)
    out.backward(gy)
    for k, v in leaves.items():
        tensors[f"{name}.{k}"] = v
        tensors[f"{name}.g{k}"] = v.grad
    tensors[f"{name}.out"] = out
    tensors[f"{name}.gy"] = gy
    cases.append(dict(name=name, op=op, **meta))


def conv_fixture():
    cases, tensors = [], {}

    def conv2d(name, xs, ws, bias=True, stride=1, padding=0, dilation=1, groups=1):
        x, w = torch.randn(xs), torch.randn(ws)
        b = torch.randn(ws[0]) if bias else None
        run(cases, tensors, name, "conv2d",
            lambda x, w, b=None: F.conv2d(x, w, b, stride, padding, dilation, groups),
            dict(x=x, w=w, b=b), stride=list(pair(stride)), padding=list(pair(padding)),
            dilation=list(pair(dilation)), groups=groups)

    def conv1d(name, xs, ws, bias=True, stride=1, padding=0, dilation=1, groups=1):
        x, w = torch.randn(xs), torch.randn(ws)
        b = torch.randn(ws[0]) if bias else None
        run(cases, tensors, name, "conv1d",
            lambda x, w, b=None: F.conv1d(x, w, b, stride, padding, dilation, groups),
            dict(x=x, w=w, b=b), stride=stride, padding=padding, dilation=dilation, groups=groups)

    def convt(name, xs, ws, bias=True, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
        x, w = torch.randn(xs), torch.randn(ws)
        b = torch.randn(ws[1] * groups) if bias else None
        run(cases, tensors, name, "conv_transpose2d",
            lambda x, w, b=None: F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
            dict(x=x, w=w, b=b), stride=list(pair(stride)), padding=list(pair(padding)),
            output_padding=list(pair(output_padding)), dilation=list(pair(dilation)), groups=groups)

    conv2d("c2_basic", (2, 3, 7, 6), (4, 3, 3, 3))
    conv2d("c2_stride_pad", (2, 3, 9, 8), (5, 3, 3, 2), stride=(2, 3), padding=(1, 2))
    conv2d("c2_dilation", (1, 2, 9, 9), (3, 2, 3, 3), padding=2, dilation=(2, 1))
    conv2d("c2_groups", (2, 4, 6, 5), (6, 2, 3, 3), bias=False, padding=1, groups=2)
    conv2d("c2_depthwise", (1, 3, 5, 5), (3, 1, 3, 3), stride=2, groups=3)
    conv2d("c2_1x1", (2, 4, 3, 3), (5, 4, 1, 1))
    conv2d("c2_1x1_stride", (1, 2, 5, 4), (3, 2, 1, 1), stride=2)
    conv2d("c2_kernel_fills", (1, 1, 3, 3), (2, 1, 5, 5), padding=1)
    conv1d("c1_all", (2, 3, 10), (4, 3, 3), stride=2, padding=1, dilation=2)
    conv1d("c1_groups", (1, 6, 7), (3, 2, 2), bias=False, groups=3)
    convt("ct_stride", (2, 3, 4, 5), (3, 2, 3, 3), stride=2, padding=1, output_padding=1)
    convt("ct_groups_dil", (1, 4, 3, 3), (4, 3, 2, 3), stride=(1, 2), padding=(0, 1),
          output_padding=(1, 0), dilation=(2, 1), groups=2)
    convt("ct_default", (1, 2, 3, 3), (2, 3, 2, 2), bias=False)
    convt("ct_1x1_dil", (1, 2, 3, 3), (2, 2, 1, 1), dilation=2, output_padding=1)
    torchfix.save(str(HERE / "conv_ops.json"), tensors, meta={"cases": cases})


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def pool_fixture():
    cases, tensors = [], {}

    def maxpool2d(name, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
        run(cases, tensors, name, "max_pool2d",
            lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode), dict(x=x),
            kernel=list(pair(kernel)), stride=list(pair(stride or 0)), padding=list(pair(padding)),
            dilation=list(pair(dilation)), ceil_mode=ceil_mode)

    def maxpool1d(name, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
        run(cases, tensors, name, "max_pool1d",
            lambda x: F.max_pool1d(x, kernel, stride, padding, dilation, ceil_mode), dict(x=x),
            kernel=kernel, stride=stride or 0, padding=padding, dilation=dilation, ceil_mode=ceil_mode)

    def avgpool2d(name, x, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        run(cases, tensors, name, "avg_pool2d",
            lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad), dict(x=x),
            kernel=list(pair(kernel)), stride=list(pair(stride or 0)), padding=list(pair(padding)),
            ceil_mode=ceil_mode, count_include_pad=count_include_pad)

    def avgpool1d(name, x, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        run(cases, tensors, name, "avg_pool1d",
            lambda x: F.avg_pool1d(x, kernel, stride, padding, ceil_mode, count_include_pad), dict(x=x),
            kernel=kernel, stride=stride or 0, padding=padding, ceil_mode=ceil_mode,
            count_include_pad=count_include_pad)

    maxpool2d("mp2_default", torch.randn(2, 3, 6, 6), 2)
    maxpool2d("mp2_stride_pad", torch.randn(1, 2, 7, 8), 3, 2, 1)
    maxpool2d("mp2_dilation", torch.randn(1, 2, 9, 9), 3, 1, 1, dilation=2)
    maxpool2d("mp2_ceil", torch.randn(1, 2, 7, 7), 3, 2, ceil_mode=True)
    maxpool2d("mp2_ceil_pad", torch.randn(1, 1, 6, 7), (3, 2), (2, 3), (1, 1), ceil_mode=True)
    # ties: the gradient goes to the first maximum in window order
    maxpool2d("mp2_ties", torch.randint(0, 3, (1, 1, 5, 5)).float(), (2, 3), 1)
    # all negative, with padding: the -inf padding never wins
    maxpool2d("mp2_negative_pad", -torch.rand(1, 1, 4, 4) - 1, 3, 2, 1)
    maxpool1d("mp1_stride_pad", torch.randn(2, 3, 9), 3, 2, 1)
    maxpool1d("mp1_dil_ceil", torch.randn(1, 2, 10), 2, 3, dilation=2, ceil_mode=True)
    avgpool2d("ap2_default", torch.randn(2, 3, 6, 6), 2)
    avgpool2d("ap2_pad", torch.randn(1, 2, 7, 8), 3, 2, 1)
    avgpool2d("ap2_pad_exclude", torch.randn(1, 2, 7, 8), 3, 2, 1, count_include_pad=False)
    avgpool2d("ap2_ceil", torch.randn(1, 2, 7, 7), 3, 2, 1, ceil_mode=True)
    avgpool2d("ap2_ceil_exclude", torch.randn(1, 2, 7, 7), (3, 2), (2, 3), 1, ceil_mode=True,
              count_include_pad=False)
    avgpool1d("ap1_ceil", torch.randn(2, 2, 9), 3, 2, 1, ceil_mode=True)
    torchfix.save(str(HERE / "conv_pool.json"), tensors, meta={"cases": cases})


def pad_fixture():
    cases, tensors = [], {}

    def pad(name, x, p, mode, value=0.0):
        run(cases, tensors, name, mode, lambda x: F.pad(x, p, mode=mode, value=value) if mode == "constant"
            else F.pad(x, p, mode=mode), dict(x=x), pad=list(p), value=value)

    pad("pad_constant", torch.randn(2, 3, 4, 5), (1, 2, 0, 3), "constant", 0.5)
    pad("pad_crop", torch.randn(1, 2, 5, 5), (-1, 2, 1, -2), "constant")
    pad("pad_reflect", torch.randn(2, 2, 4, 5), (2, 3, 1, 3), "reflect")
    pad("pad_reflect_3d", torch.randn(3, 4, 4), (1, 1, 3, 0), "reflect")
    pad("pad_replicate", torch.randn(1, 2, 3, 4), (2, 1, 0, 3), "replicate")
    torchfix.save(str(HERE / "conv_pad.json"), tensors, meta={"cases": cases})


conv_fixture()
pool_fixture()
pad_fixture()
