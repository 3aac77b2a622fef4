#!/usr/bin/python3
"""PyTorch parity fixtures for package tensor.

Regenerate from the repository root with

    /usr/bin/python3 tensor/testdata/torch_ops.py

(Debian's python3 with torch; fixtures were made with torch 1.13.0a0 and
numpy 1.24.2). The script is deterministic: inputs come from a seeded
numpy RandomState and are rounded to a few decimals, so each float32 input
is written exactly.

For every case it builds float32 inputs, runs the PyTorch op, draws a fixed
random weight tensor w of the output's shape and backpropagates w (that is,
takes the gradient of sum(w * out)) to every input marked requires_grad.
It writes torch_ops.json next to this file; torch_test.go replays each case
with the Go op and compares the output and the gradients.

JSON layout: {"torch_version", "cases": [case, ...]}, one case a line:
  name    unique case name
  op      the operation (torch_test.go maps it to the Go call)
  params  op parameters (axis, keepdim, index, ...)
  inputs  [{"name", "shape", "data", "grad"}]; grad tells whether the
          input requires grad; non-float inputs (where's cond, a mask) are
          0/1 floats with grad false
  w       {"shape", "data"}: the gradient backpropagated from the output
  out     {"shape", "data"}: the expected output
  grads   one per input: {"shape", "data"}, or null when it needs no grad
Floats are JSON numbers, except "inf", "-inf" and "nan", which are strings.
Every value is float32 (torch computes in float32), written as the
shortest decimal that rounds back to it: at most 9 significant digits,
often fewer, and exact.
"""

import json
import math
import os

import numpy as np
import torch

torch.set_num_threads(1)
rng = np.random.RandomState(20240601)

CASES = []
NAMES = set()


# ---------------------------------------------------------------- helpers


def randn(*shape, scale=1.0, dec=4):
    return np.round(rng.randn(*shape) * scale, dec).astype(np.float32)


def uniform(lo, hi, *shape, dec=4):
    return np.round(rng.uniform(lo, hi, size=shape), dec).astype(np.float32)


def signed(lo, hi, *shape):
    """Values with lo <= |v| <= hi and random signs (safe divisors)."""
    v = uniform(lo, hi, *shape)
    s = np.where(rng.rand(*shape) < 0.5, -1, 1).astype(np.float32)
    return (v * s).astype(np.float32)


def arr(values, shape=None):
    a = np.array(values, dtype=np.float32)
    return a.reshape(shape) if shape is not None else a


def enc_exact(v):
    v = np.float32(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(str(v))  # shortest repr that round-trips the float32


def tensor_json(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "data": [enc_exact(v) for v in x.reshape(-1)]}


def case(name, op, fn, inputs, params=None, grad=None):
    """Record one case.

    inputs: list of (name, float32 ndarray); grad: list of bools (default:
    all inputs require grad). fn maps the torch tensors to the output.
    """
    assert name not in NAMES, name
    NAMES.add(name)
    params = params or {}
    if grad is None:
        grad = [True] * len(inputs)
    ts = []
    for (_, x), g in zip(inputs, grad):
        x = np.asarray(x, dtype=np.float32)
        ts.append(torch.tensor(x, dtype=torch.float32, requires_grad=g))
    out = fn(*ts)
    assert out.dtype == torch.float32, (name, out.dtype)
    w = uniform(-1, 1, *out.shape, dec=3)
    out.backward(torch.tensor(w))
    grads = []
    for t, g in zip(ts, grad):
        if not g:
            grads.append(None)
            continue
        assert t.grad is not None, name
        grads.append(tensor_json(t.grad.numpy()))
    ins = []
    for (iname, x), g in zip(inputs, grad):
        d = tensor_json(x)
        d["name"] = iname
        d["grad"] = g
        ins.append(d)
    CASES.append({
        "name": name,
        "op": op,
        "params": params,
        "inputs": ins,
        "w": tensor_json(w),
        "out": tensor_json(out.detach().numpy()),
        "grads": grads,
    })


def shp(s):
    return "x".join(str(d) for d in s) if s else "scalar"


def no_ties(x, axis):
    s = np.sort(x, axis=axis)
    d = np.diff(s, axis=axis)
    assert (d != 0).all(), "tie in max/min input"


# ----------------------------------------------------- binary broadcasting

BCAST = [
    ((2, 3), (2, 3)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (5,)),
    ((2, 1, 3), (4, 1)),
    ((3, 1, 5), (1, 4, 1)),
]

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: torch.pow(a, b),
    "maximum": lambda a, b: torch.maximum(a, b),
    "minimum": lambda a, b: torch.minimum(a, b),
}

for op, fn in BINARY.items():
    for sa, sb in BCAST:
        if op == "pow":
            a, b = uniform(0.5, 2, *sa), uniform(-2, 2, *sb)
        elif op == "div":
            a, b = randn(*sa), signed(0.5, 2, *sb)
        else:
            a, b = randn(*sa), randn(*sb)
        case("%s_%s_%s" % (op, shp(sa), shp(sb)), op, fn, [("a", a), ("b", b)])

# Only one side requires grad (the other side's backward is skipped).
for op in ["sub", "div", "pow", "mul"]:
    fn = BINARY[op]
    a = uniform(0.5, 2, 3, 4)
    b = uniform(0.5, 2, 4)
    case("%s_gradonly_a" % op, op, fn, [("a", a), ("b", b)], grad=[True, False])
    case("%s_gradonly_b" % op, op, fn, [("a", a), ("b", b)], grad=[False, True])

# Pow with a zero base (the exponent's gradient is 0 there, as is the base's
# for exponent 0) and with a negative base and integer exponents.
case("pow_zero_base", "pow", BINARY["pow"],
     [("a", arr([0, 0, 0, 1.5, 0.5, 2])), ("b", arr([0, 1, 2.5, 0, 3, -1]))])
case("pow_negative_base_int_exp", "pow", BINARY["pow"],
     [("a", arr([-2, -0.5, -1.5, 3])), ("b", arr([2, 3, -1, 2]))], grad=[True, False])

# Exact ties: the gradient is split 0.5/0.5.
for op in ["maximum", "minimum"]:
    fn = BINARY[op]
    a = randn(3, 4)
    b = randn(3, 4)
    b[0, 1], b[1, 1], b[2, 3], b[2, 0] = a[0, 1], a[1, 1], a[2, 3], a[2, 0]
    case("%s_ties_3x4_3x4" % op, op, fn, [("a", a), ("b", b)])
    b = randn(4)
    a = randn(3, 4)
    a[0, 0], a[1, 0], a[2, 2], a[1, 3] = b[0], b[0], b[2], b[3]
    case("%s_ties_3x4_4" % op, op, fn, [("a", a), ("b", b)])
    a = randn(3, 1)
    b = randn(1, 4)
    a[1, 0] = b[0, 2]
    a[2, 0] = b[0, 0]
    case("%s_ties_3x1_1x4" % op, op, fn, [("a", a), ("b", b)])
    a = arr([0, 1, -1, 2, 0.5, 0.5])
    case("%s_ties_scalar" % op, op, fn, [("a", a), ("b", arr(0.5))])

# -------------------------------------------------- where and masked_fill

def where_fn(c, a, b):
    return torch.where(c != 0, a, b)


def mask01(*shape):
    return (rng.rand(*shape) < 0.5).astype(np.float32)


WHERE = [
    ((3, 4), (3, 4), (3, 4)),
    ((3, 1), (1, 4), (3, 4)),
    ((4,), (2, 3, 4), ()),
    ((2, 1, 4), (3, 1), (4,)),
    ((), (2, 3), (2, 3)),
    ((2, 3), (), ()),
]
for sc, sa, sb in WHERE:
    c = mask01(*sc) if sc else arr(1)
    case("where_%s_%s_%s" % (shp(sc), shp(sa), shp(sb)), "where", where_fn,
         [("cond", c), ("a", randn(*sa)), ("b", randn(*sb))], grad=[False, True, True])
case("where_grad_b_only", "where", where_fn,
     [("cond", mask01(3, 4)), ("a", randn(3, 4)), ("b", randn(4))], grad=[False, False, True])


def masked_fill_fn(value):
    return lambda x, m: x.masked_fill(m != 0, value)


for xs, ms, value in [
    ((3, 4), (3, 4), 0.5),
    ((3, 4), (3, 1), -1e9),
    ((3, 4), (4,), float("-inf")),
    ((2, 3, 4), (3, 4), 0.0),
    ((2, 3, 4), (2, 1, 1), 2.25),
]:
    vname = {float("-inf"): "neginf", -1e9: "neg1e9"}.get(value, str(value))
    case("masked_fill_%s_%s_%s" % (shp(xs), shp(ms), vname), "masked_fill",
         masked_fill_fn(value), [("x", randn(*xs)), ("mask", mask01(*ms))],
         params={"value": enc_exact(value)}, grad=[True, False])

# ------------------------------------------------------------------ unary

signed_with_zeros = arr([-2.5, -1, -0.25, 0, 0, 0.125, 0.75, 1.5, 3, -0.0001, 0.0001, -4])
case("neg", "neg", lambda x: -x, [("x", randn(3, 4))])
case("exp", "exp", torch.exp, [("x", uniform(-3, 3, 3, 4))])
case("log", "log", torch.log, [("x", uniform(0.05, 5, 3, 4))])
case("sqrt", "sqrt", torch.sqrt, [("x", uniform(0.05, 5, 3, 4))])
case("abs", "abs", torch.abs, [("x", signed_with_zeros)])
case("relu", "relu", torch.relu, [("x", signed_with_zeros)])
case("relu_3d", "relu", torch.relu, [("x", randn(2, 3, 4))])
for slope in [0.01, 0.2]:
    case("leaky_relu_%g" % slope, "leaky_relu",
         lambda x, s=slope: torch.nn.functional.leaky_relu(x, s),
         [("x", signed_with_zeros)], params={"slope": enc_exact(slope)})
case("sigmoid", "sigmoid", torch.sigmoid, [("x", randn(3, 4, scale=3))])
case("sigmoid_large", "sigmoid", torch.sigmoid, [("x", arr([-30, -15, -5, 0, 5, 15, 30, 80]))])
case("tanh", "tanh", torch.tanh, [("x", randn(3, 4, scale=2))])
case("tanh_large", "tanh", torch.tanh, [("x", arr([-20, -8, -0.01, 0, 0.01, 8, 20]))])
case("gelu", "gelu", lambda x: torch.nn.functional.gelu(x, approximate="none"),
     [("x", randn(3, 4, scale=2))])
case("gelu_tails", "gelu", lambda x: torch.nn.functional.gelu(x, approximate="none"),
     [("x", arr([-6, -3.5, -1, 0, 1, 3.5, 6]))])
case("softplus", "softplus", torch.nn.functional.softplus, [("x", randn(3, 4, scale=3))])
case("softplus_large", "softplus", torch.nn.functional.softplus,
     [("x", arr([-30, -20, -1, 0, 1, 15, 19.5, 20, 20.001, 20.5, 25, 100]))])

for lo, hi, nm in [(-0.5, 0.5, "both"), (0.0, float("inf"), "min_only"),
                   (float("-inf"), 0.3, "max_only")]:
    x = arr([-1, -0.5, -0.25, 0, 0.25, 0.3, 0.5, 0.75, 1, -0.5, 0.5, 2])

    def clamp_fn(x, lo=lo, hi=hi):
        return torch.clamp(x, min=None if math.isinf(lo) else lo,
                           max=None if math.isinf(hi) else hi)

    case("clamp_" + nm, "clamp", clamp_fn, [("x", x)],
         params={"lo": enc_exact(lo), "hi": enc_exact(hi)})

case("add_scalar", "add_scalar", lambda x: x + 1.75, [("x", randn(2, 3))],
     params={"value": 1.75})
case("mul_scalar", "mul_scalar", lambda x: x * -2.5, [("x", randn(2, 3))],
     params={"value": -2.5})
for p in [2, 3, 0.5, -1, 1, 0, -1.5]:
    case("pow_scalar_%g" % p, "pow_scalar", lambda x, p=p: torch.pow(x, p),
         [("x", uniform(0.25, 2, 2, 3))], params={"value": p})

# ------------------------------------------------------------- reductions

X3 = randn(2, 3, 4)
for axis in [0, 1, 2, -1]:
    keeps = [True, False] if axis >= 0 else [False]
    for keep in keeps:
        sfx = "axis%d_%s" % (axis, "keep" if keep else "nokeep")
        prm = {"axis": axis, "keepdim": keep}
        case("sum_" + sfx, "sum", lambda x, a=axis, k=keep: x.sum(a, keepdim=k),
             [("x", X3)], params=prm)
        case("mean_" + sfx, "mean", lambda x, a=axis, k=keep: x.mean(a, keepdim=k),
             [("x", X3)], params=prm)
        no_ties(X3, axis)
        case("max_" + sfx, "max", lambda x, a=axis, k=keep: torch.max(x, a, keepdim=k).values,
             [("x", X3)], params=prm)
        case("min_" + sfx, "min", lambda x, a=axis, k=keep: torch.min(x, a, keepdim=k).values,
             [("x", X3)], params=prm)
        for unbiased in [True, False]:
            case("var_%s_%s" % ("unbiased" if unbiased else "biased", sfx), "var",
                 lambda x, a=axis, k=keep, u=unbiased: torch.var(x, a, unbiased=u, keepdim=k),
                 [("x", X3)], params={"axis": axis, "keepdim": keep, "unbiased": unbiased})

x1 = randn(5)
no_ties(x1, 0)
for op, fn in [("sum", lambda x: x.sum(0)), ("mean", lambda x: x.mean(0)),
               ("max", lambda x: torch.max(x, 0).values),
               ("min", lambda x: torch.min(x, 0).values)]:
    case(op + "_1d", op, fn, [("x", x1)], params={"axis": 0, "keepdim": False})
case("var_1d_keep", "var", lambda x: torch.var(x, 0, unbiased=True, keepdim=True),
     [("x", x1)], params={"axis": 0, "keepdim": True, "unbiased": True})
# Max/min with the extreme at the first and last positions of each line.
xm = arr([[5, 1, 2, 3], [1, 2, 3, 9], [-7, 0, 1, -1]])
case("max_ends", "max", lambda x: torch.max(x, 1).values, [("x", xm)],
     params={"axis": 1, "keepdim": False})
case("min_ends", "min", lambda x: torch.min(x, 1).values, [("x", xm)],
     params={"axis": 1, "keepdim": False})
case("max_with_inf", "max", lambda x: torch.max(x, 0).values,
     [("x", arr([[1, float("-inf")], [float("-inf"), float("-inf")], [0.5, -3]]))],
     params={"axis": 0, "keepdim": False})

case("sum_all", "sum_all", lambda x: x.sum(), [("x", X3)])
case("sum_all_1x1", "sum_all", lambda x: x.sum(), [("x", arr([[2.5]]))])
case("mean_all", "mean_all", lambda x: x.mean(), [("x", X3)])

# ------------------------------------------- softmax, log_softmax, logsumexp

S3 = randn(2, 3, 4, scale=2)
NEG = float("-inf")
SPECIAL = arr([
    [1e4, 1e4 - 1.5, 1e4 + 0.25, 1e4 - 3, 1e4 + 1],
    [0.5, NEG, 1.25, NEG, -0.25],
    [-1e4, 2, NEG, 0, 1],
    [3, -2, 0.75, 1.125, NEG],
])
for axis in [0, 1, 2, -1]:
    case("softmax_axis%d" % axis, "softmax", lambda x, a=axis: torch.softmax(x, a),
         [("x", S3)], params={"axis": axis})
    case("log_softmax_axis%d" % axis, "log_softmax",
         lambda x, a=axis: torch.log_softmax(x, a), [("x", S3)], params={"axis": axis})
    for keep in [True, False]:
        case("logsumexp_axis%d_%s" % (axis, "keep" if keep else "nokeep"), "logsumexp",
             lambda x, a=axis, k=keep: torch.logsumexp(x, a, keepdim=k), [("x", S3)],
             params={"axis": axis, "keepdim": keep})
for axis in [0, 1, -1]:
    case("softmax_large_neginf_axis%d" % axis, "softmax",
         lambda x, a=axis: torch.softmax(x, a), [("x", SPECIAL)], params={"axis": axis})
    case("log_softmax_large_neginf_axis%d" % axis, "log_softmax",
         lambda x, a=axis: torch.log_softmax(x, a), [("x", SPECIAL)], params={"axis": axis})
    case("logsumexp_large_neginf_axis%d" % axis, "logsumexp",
         lambda x, a=axis: torch.logsumexp(x, a, keepdim=False), [("x", SPECIAL)],
         params={"axis": axis, "keepdim": False})
# A row of equal values and a single-element axis.
case("softmax_uniform_row", "softmax", lambda x: torch.softmax(x, -1),
     [("x", arr([[2, 2, 2, 2], [0, 0, 0, 0]]))], params={"axis": -1})
case("softmax_len1_axis", "softmax", lambda x: torch.softmax(x, 1),
     [("x", randn(3, 1))], params={"axis": 1})

# ----------------------------------------------------------------- matmul

MATMUL = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (3, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((1, 3, 4), (2, 4, 2)),
]
for sa, sb in MATMUL:
    case("matmul_%s_%s" % (shp(sa), shp(sb)), "matmul", torch.matmul,
         [("a", randn(*sa)), ("b", randn(*sb))])
case("matmul_gradonly_b", "matmul", torch.matmul,
     [("a", randn(2, 3, 4)), ("b", randn(2, 4, 5))], grad=[False, True])
case("matmul_gradonly_a", "matmul", torch.matmul,
     [("a", randn(2, 1, 3, 4)), ("b", randn(3, 4, 5))], grad=[True, False])

# ------------------------------------------------------------- shape ops

for s, d0, d1 in [((2, 3, 4), 0, 2), ((2, 3, 4), 1, -1), ((3, 5), 0, 1), ((2, 3, 4), 1, 1)]:
    case("transpose_%s_%d_%d" % (shp(s), d0, d1), "transpose",
         lambda x, a=d0, b=d1: x.transpose(a, b), [("x", randn(*s))],
         params={"d0": d0, "d1": d1})
for s, dims in [((2, 3, 4), [2, 0, 1]), ((2, 3, 4), [1, 2, 0]), ((2, 3, 4), [0, 1, 2]),
                ((2, 1, 3, 2), [3, 1, 0, 2]), ((2, 3, 4), [-1, 0, -2])]:
    case("permute_%s_%s" % (shp(s), "".join(str(d).replace("-", "m") for d in dims)), "permute",
         lambda x, p=dims: x.permute(*p), [("x", randn(*s))], params={"dims": dims})
for s, dim, start, length in [((4, 5), 0, 1, 2), ((4, 5), 1, 2, 3), ((2, 3, 4), 2, 1, 2),
                              ((2, 3, 4), 1, 0, 3), ((2, 3, 4), -1, 3, 1),
                              ((2, 3, 4), 1, 1, 0)]:
    case("narrow_%s_dim%d_%d_%d" % (shp(s), dim, start, length), "narrow",
         lambda x, d=dim, a=start, n=length: x.narrow(d, a, n), [("x", randn(*s))],
         params={"dim": dim, "start": start, "length": length})


def cat_fn(dim):
    return lambda *ts: torch.cat(ts, dim)


def stack_fn(dim):
    return lambda *ts: torch.stack(ts, dim)


for shapes, dim in [([(2, 3), (1, 3), (3, 3)], 0), ([(2, 3), (2, 1)], 1),
                    ([(2, 3, 1), (2, 3, 4)], 2), ([(2, 1, 4), (2, 2, 4), (2, 1, 4)], 1),
                    ([(2, 3), (2, 2)], -1), ([(2, 3)], 0), ([(3,), (2,)], 0)]:
    ins = [("x%d" % i, randn(*s)) for i, s in enumerate(shapes)]
    case("cat_dim%d_%s" % (dim, "_".join(shp(s) for s in shapes)), "cat", cat_fn(dim), ins,
         params={"dim": dim})
ins = [("x%d" % i, randn(2, 3)) for i in range(3)]
case("cat_grad_partial", "cat", cat_fn(1), ins, params={"dim": 1}, grad=[True, False, True])
for dim in [0, 1, 2, -1, -2]:
    ins = [("x%d" % i, randn(2, 3)) for i in range(3)]
    case("stack_dim%d" % dim, "stack", stack_fn(dim), ins, params={"dim": dim})
case("stack_scalars", "stack", stack_fn(0),
     [("x0", arr(1.5)), ("x1", arr(-2)), ("x2", arr(0.25))], params={"dim": 0})

for s, target in [((3, 1), (2, 3, 4)), ((), (2, 3)), ((4,), (3, 4)), ((1, 4), (3, 4)),
                  ((2, 1, 1), (2, 3, 4)), ((2, 3), (2, 3)), ((1,), (5,))]:
    case("broadcast_to_%s_%s" % (shp(s), shp(target)), "broadcast_to",
         lambda x, t=target: torch.broadcast_to(x, t), [("x", randn(*s))],
         params={"shape": list(target)})

for s, target in [((2, 3, 4), [6, 4]), ((2, 3, 4), [4, -1]), ((6,), [2, 1, 3]),
                  ((1,), []), ((), [1, 1])]:
    case("reshape_%s_%s" % (shp(s), shp(target).replace("-1", "m1")), "reshape",
         lambda x, t=target: x.reshape(t), [("x", randn(*s))], params={"shape": target})
for dim in [0, 1, 2, -1, -3]:
    case("unsqueeze_2x3_dim%d" % dim, "unsqueeze", lambda x, d=dim: x.unsqueeze(d),
         [("x", randn(2, 3))], params={"dim": dim})
for s, dim in [((2, 1, 3), 1), ((1, 3), 0), ((2, 1), -1), ((1,), 0)]:
    case("squeeze_%s_dim%d" % (shp(s), dim), "squeeze", lambda x, d=dim: x.squeeze(d),
         [("x", randn(*s))], params={"dim": dim})
for s, start in [((2, 3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4), -1)]:
    case("flatten_%s_start%d" % (shp(s), start), "flatten",
         lambda x, a=start: torch.flatten(x, a), [("x", randn(*s))], params={"start": start})

# ------------------------------------------------------------- index ops


def idx(n, *shape):
    return rng.randint(0, n, size=shape)


for s, dim, ishape in [((3, 4), 1, (3, 6)), ((3, 4), 0, (2, 4)), ((2, 3, 4), 1, (2, 5, 4)),
                       ((2, 3, 4), -1, (2, 3, 2)), ((3, 4), 1, (3, 1))]:
    index = idx(s[dim], *ishape)
    case("gather_%s_dim%d_%s" % (shp(s), dim, shp(ishape)), "gather",
         lambda x, d=dim, i=index: torch.gather(x, d, torch.tensor(i)), [("x", randn(*s))],
         params={"dim": dim, "index": index.reshape(-1).tolist()})

for s, dim, index in [((4, 3), 0, [2, 0, 2, 3, 2]), ((3, 5), 1, [4, 4, 0, 1]),
                      ((2, 3, 4), 1, [2, 2, 0]), ((2, 3, 4), -1, [3, 0, 3]),
                      ((5,), 0, [1, 1, 1])]:
    case("index_select_%s_dim%d" % (shp(s), dim), "index_select",
         lambda x, d=dim, i=index: torch.index_select(x, d, torch.tensor(i)),
         [("x", randn(*s))], params={"dim": dim, "index": index})

for s, dim, ishape in [((3, 4), 0, (5, 4)), ((3, 4), 1, (3, 6)), ((2, 3, 4), 1, (2, 4, 4)),
                       ((2, 3, 4), -1, (2, 3, 5))]:
    index = idx(s[dim], *ishape)
    case("scatter_add_%s_dim%d_%s" % (shp(s), dim, shp(ishape)), "scatter_add",
         lambda x, src, d=dim, i=index: torch.scatter_add(x, d, torch.tensor(i), src),
         [("x", randn(*s)), ("src", randn(*ishape))],
         params={"dim": dim, "index": index.reshape(-1).tolist()})
index = idx(3, 5, 4)
case("scatter_add_gradonly_src", "scatter_add",
     lambda x, src, i=index: torch.scatter_add(x, 0, torch.tensor(i), src),
     [("x", randn(3, 4)), ("src", randn(5, 4))],
     params={"dim": 0, "index": index.reshape(-1).tolist()}, grad=[False, True])

# ------------------------------------------------------------------ write

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "torch_ops.json")
with open(path, "w") as f:
    f.write('{"torch_version":%s,"numpy_version":%s,"cases":[\n'
            % (json.dumps(torch.__version__), json.dumps(np.__version__)))
    f.write(",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in CASES))
    f.write("\n]}\n")
print("wrote %d cases to %s (%d bytes)" % (len(CASES), path, os.path.getsize(path)))
