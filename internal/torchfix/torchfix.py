"""Write PyTorch parity fixtures that internal/torchfix reads in Go tests.

Usage from a fixture script (run with Debian's /usr/bin/python3):

    import sys, pathlib
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[N] / "internal" / "torchfix"))
    import torchfix
    torchfix.save("nn/testdata/linear.json", {"x": x, "weight": lin.weight, ...},
                  meta={"in": 3})

A fixture is JSON: {"torch": version, "meta": {...}, "tensors": {name:
{"shape": [...], "data": [...]}}}. Values are float32 written with 9
significant digits (enough to round-trip float32 exactly); inf and nan are
the strings "inf", "-inf", "nan". Integer tensors are written as floats.
"""
import json
import math

import torch


def _num(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    f = float("%.9g" % v)
    if f == 0 and math.copysign(1, f) < 0:
        return -0.0  # keep the sign of zero
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def tensor(t):
    t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [_num(v) for v in t.reshape(-1).tolist()]}


def save(path, tensors, meta=None):
    out = {
        "torch": torch.__version__,
        "meta": meta or {},
        "tensors": {k: tensor(v) for k, v in tensors.items()},
    }
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
