#!/usr/bin/python3
"""PyTorch parity fixtures for the losses in nn/loss.go.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/loss.py

(Debian's python3 with torch 1.13). It writes nn/testdata/loss.json, which
nn/loss_test.go reads. Every case is deterministic (torch.manual_seed).

Each case <c> has meta "cases"[<c>] = {"loss", "reduction", options...}
and tensors named "<c>.<what>":
  input         logits / log-probabilities / predictions (requires grad)
  target        class indices (as floats) or a float target tensor
  weight, pos_weight   option tensors, when the case uses them
  g             the upstream gradient given to out.backward (all ones for
                reduced losses)
  out           the loss
  grad_input    d(sum(g*out))/d(input)
  grad_target   the same for a float target that requires grad, if any
"""
import pathlib
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

tensors = {}
cases = {}


def case(name, loss, inp, target, fn, target_grad=False, opt_tensors=None, **meta):
    """Runs fn(inp, target) and records inputs, outputs and gradients."""
    inp = inp.clone().requires_grad_(True)
    if target_grad:
        target = target.clone().requires_grad_(True)
    out = fn(inp, target)
    g = torch.randn(out.shape) if out.dim() > 0 else torch.ones(())
    out.backward(g)
    p = name + "."
    tensors[p + "input"] = inp
    tensors[p + "target"] = target
    tensors[p + "g"] = g
    tensors[p + "out"] = out
    tensors[p + "grad_input"] = inp.grad
    if target_grad:
        tensors[p + "grad_target"] = target.grad
    for k, v in (opt_tensors or {}).items():
        tensors[p + k] = v
    cases[name] = dict(loss=loss, target_grad=target_grad, **meta)
    assert torch.isfinite(out).all() or meta.get("nonfinite"), name
    assert torch.isfinite(inp.grad).all() or meta.get("nonfinite"), name


def targets(n, c, ignore=None, k=0):
    t = torch.randint(0, c, n)
    if ignore is not None:
        t.view(-1)[torch.randperm(t.numel())[:k]] = ignore
    return t


torch.manual_seed(0)
C = 5
extreme = torch.tensor([[1e4, -1e4, 0.0, 5e3, -5e3],
                        [-1e4, -1e4, 1e4, 1e4, 0.0],
                        [0.0, 1.0, -1e4, 2.0, 1e4],
                        [-1e4, -1e4, -1e4, -1e4, -1e4]])

# --- cross_entropy with class indices
for red in ["mean", "sum", "none"]:
    case("ce_" + red, "ce", torch.randn(6, C), targets((6,), C),
         lambda x, t, red=red: F.cross_entropy(x, t, reduction=red), reduction=red)
w = torch.rand(C) + 0.2
for red in ["mean", "sum", "none"]:
    case("ce_w_ignore_" + red, "ce", torch.randn(7, C), targets((7,), C, -100, 2),
         lambda x, t, red=red: F.cross_entropy(x, t, weight=w, reduction=red),
         opt_tensors={"weight": w}, reduction=red, weight=True)
case("ce_ignore2", "ce", torch.randn(6, C), targets((6,), C, 2, 0),
     lambda x, t: F.cross_entropy(x, t, ignore_index=2), ignore_index=2)
for red in ["mean", "sum", "none"]:
    case("ce_smooth_" + red, "ce", torch.randn(6, C), targets((6,), C, -100, 1),
         lambda x, t, red=red: F.cross_entropy(x, t, label_smoothing=0.1, reduction=red),
         reduction=red, label_smoothing=0.1)
    case("ce_smooth_w_" + red, "ce", torch.randn(7, C), targets((7,), C, 3, 2),
         lambda x, t, red=red: F.cross_entropy(x, t, weight=w, ignore_index=3, label_smoothing=0.25, reduction=red),
         opt_tensors={"weight": w}, reduction=red, weight=True, ignore_index=3, label_smoothing=0.25)
case("ce_nd", "ce", torch.randn(2, C, 3, 2), targets((2, 3, 2), C, -100, 3),
     lambda x, t: F.cross_entropy(x, t, weight=w, label_smoothing=0.2),
     opt_tensors={"weight": w}, weight=True, label_smoothing=0.2)
case("ce_nd_none", "ce", torch.randn(2, C, 3), targets((2, 3), C, -100, 1),
     lambda x, t: F.cross_entropy(x, t, reduction="none"), reduction="none")
case("ce_unbatched", "ce", torch.randn(C), torch.tensor(3),
     lambda x, t: F.cross_entropy(x, t))
case("ce_extreme", "ce", extreme, torch.tensor([1, 0, 4, 2]),
     lambda x, t: F.cross_entropy(x, t))
masked = torch.randn(4, C)
masked[0, 1] = masked[1, 4] = masked[2, 0] = masked[2, 2] = masked[3, 3] = float("-inf")
case("ce_masked", "ce", masked, torch.tensor([0, 2, -100, 1]),
     lambda x, t: F.cross_entropy(x, t, weight=w), opt_tensors={"weight": w}, weight=True)
case("ce_masked_none", "ce", masked, torch.tensor([0, 2, -100, 1]),
     lambda x, t: F.cross_entropy(x, t, reduction="none"), reduction="none")
case("ce_extreme_smooth", "ce", extreme, torch.tensor([1, 0, 4, 2]),
     lambda x, t: F.cross_entropy(x, t, weight=w, label_smoothing=0.1),
     opt_tensors={"weight": w}, weight=True, label_smoothing=0.1)

# --- cross_entropy with probabilities
soft = torch.softmax(torch.randn(6, C) * 2, 1)
soft[0] = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])
for red in ["mean", "sum", "none"]:
    case("ces_" + red, "ce_soft", torch.randn(6, C), soft,
         lambda x, t, red=red: F.cross_entropy(x, t, reduction=red), target_grad=True, reduction=red)
    case("ces_w_smooth_" + red, "ce_soft", torch.randn(6, C), soft,
         lambda x, t, red=red: F.cross_entropy(x, t, weight=w, label_smoothing=0.15, reduction=red),
         target_grad=True, opt_tensors={"weight": w}, reduction=red, weight=True, label_smoothing=0.15)
case("ces_nd", "ce_soft", torch.randn(2, C, 3), torch.softmax(torch.randn(2, C, 3), 1),
     lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), target_grad=True, label_smoothing=0.1)
case("ces_extreme", "ce_soft", extreme, torch.softmax(torch.randn(4, C), 1),
     lambda x, t: F.cross_entropy(x, t))

# --- nll_loss
for red in ["mean", "sum", "none"]:
    case("nll_" + red, "nll", torch.log_softmax(torch.randn(6, C), 1), targets((6,), C, -100, 1),
         lambda x, t, red=red: F.nll_loss(x, t, reduction=red), reduction=red)
    case("nll_w_" + red, "nll", torch.log_softmax(torch.randn(7, C), 1), targets((7,), C, 0, 2),
         lambda x, t, red=red: F.nll_loss(x, t, weight=w, ignore_index=0, reduction=red),
         opt_tensors={"weight": w}, reduction=red, weight=True, ignore_index=0)
case("nll_nd", "nll", torch.log_softmax(torch.randn(2, C, 2, 2), 1), targets((2, 2, 2), C, -100, 2),
     lambda x, t: F.nll_loss(x, t, weight=w), opt_tensors={"weight": w}, weight=True)

# --- kl_div (raw): log-probabilities against probabilities, with exact zeros
klt = torch.softmax(torch.randn(4, C), 1)
klt[1, 2] = 0.0
klt[3] = torch.tensor([0.0, 0.5, 0.5, 0.0, 0.0])
for red in ["mean", "batchmean", "sum", "none"]:
    case("kldiv_" + red, "kldiv", torch.log_softmax(torch.randn(4, C), 1), klt,
         lambda x, t, red=red: F.kl_div(x, t, reduction=red), target_grad=True, reduction=red)
case("kldiv_3d", "kldiv", torch.log_softmax(torch.randn(2, 3, C), -1), torch.softmax(torch.randn(2, 3, C), -1),
     lambda x, t: F.kl_div(x, t, reduction="batchmean"), target_grad=True, reduction="batchmean")


# --- distillation KL with temperature
def distill(T):
    return lambda s, t: F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean") * T * T


for T in [1.0, 2.0, 4.0]:
    case(f"kd_T{T:g}", "kd", torch.randn(5, C) * 3, torch.randn(5, C) * 3, distill(T), target_grad=True, T=T)
case("kd_3d", "kd", torch.randn(2, 3, C), torch.randn(2, 3, C), distill(2.0), target_grad=True, T=2.0)
case("kd_extreme", "kd", extreme, extreme.flip(0), distill(1.0), target_grad=True, T=1.0)
ruled_out = torch.randn(4, C)
ruled_out[0, 1] = ruled_out[2, 3] = float("-inf")
case("kd_ruled_out", "kd", torch.randn(4, C), ruled_out, distill(2.0), T=2.0)

# --- mse, l1
for red in ["mean", "sum", "none"]:
    case("mse_" + red, "mse", torch.randn(3, 4), torch.randn(3, 4),
         lambda x, t, red=red: F.mse_loss(x, t, reduction=red), target_grad=True, reduction=red)
    case("l1_" + red, "l1", torch.randn(3, 4), torch.randn(3, 4),
         lambda x, t, red=red: F.l1_loss(x, t, reduction=red), target_grad=True, reduction=red)

# --- binary_cross_entropy_with_logits
bt = torch.rand(4, 3)
bt[0] = torch.tensor([0.0, 1.0, 1.0])
bw = torch.rand(4, 1) + 0.5
pw = torch.tensor([0.5, 2.0, 3.0])
for red in ["mean", "sum", "none"]:
    case("bce_" + red, "bce", torch.randn(4, 3) * 3, bt,
         lambda x, t, red=red: F.binary_cross_entropy_with_logits(x, t, reduction=red),
         target_grad=True, reduction=red)
    case("bce_w_pw_" + red, "bce", torch.randn(4, 3) * 3, bt,
         lambda x, t, red=red: F.binary_cross_entropy_with_logits(x, t, weight=bw, pos_weight=pw, reduction=red),
         target_grad=True, opt_tensors={"weight": bw, "pos_weight": pw}, reduction=red, weight=True, pos_weight=True)
case("bce_w", "bce", torch.randn(4, 3), bt,
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=bw),
     opt_tensors={"weight": bw}, weight=True)
case("bce_pw", "bce", torch.randn(4, 3), bt,
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
     opt_tensors={"pos_weight": pw}, pos_weight=True)
bx = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 30.0], [-30.0, 1e4, -1e4], [5e3, -5e3, 1.0]])
bxt = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [0.3, 0.7, 0.0]])
case("bce_extreme", "bce", bx, bxt,
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="none"),
     opt_tensors={"pos_weight": pw}, pos_weight=True, reduction="none")

torchfix.save(str(pathlib.Path(__file__).resolve().parent / "loss.json"), tensors, meta={"cases": cases})
