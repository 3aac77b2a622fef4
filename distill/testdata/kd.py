"""Write kd.json: PyTorch values and gradients of the distillation losses of
package distill. Run from the repository root with /usr/bin/python3:

    python3 distill/testdata/kd.py
"""
import pathlib
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

torch.manual_seed(0)
T, alpha = 2.5, 0.7

# Classification: (N, C) logits, hard labels.
s = (torch.randn(4, 5) * 2).requires_grad_()
t = torch.randn(4, 5) * 3
y = torch.tensor([1, 0, 4, 2])
soft = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean") * T * T
soft.backward()
g_soft = s.grad.clone()
s.grad = None
kd = alpha * F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean") * T * T + \
    (1 - alpha) * F.cross_entropy(s, y)
kd.backward()
g_kd = s.grad.clone()

# Sequences: (N, L, V) logits, labels with -100 at padding; both terms skip it.
ss = torch.randn(2, 3, 6).requires_grad_()
ts = torch.randn(2, 3, 6) * 2
ys = torch.tensor([[3, 1, -100], [0, -100, -100]])
keep = ys.reshape(-1) != -100
sk, tk = ss.reshape(-1, 6)[keep], ts.reshape(-1, 6)[keep]
seq = alpha * F.kl_div(F.log_softmax(sk / T, -1), F.softmax(tk / T, -1), reduction="batchmean") * T * T + \
    (1 - alpha) * F.cross_entropy(ss.reshape(-1, 6), ys.reshape(-1), ignore_index=-100)
seq.backward()

# Hidden-state transfer through a learned projection, padding left out.
hs = torch.randn(2, 3, 4).requires_grad_()
ht = torch.randn(2, 3, 6)
proj = torch.nn.Linear(4, 6)
hkeep = torch.tensor([True, True, False, True, False, False])
hid = F.mse_loss(proj(hs.reshape(-1, 4)[hkeep]), ht.reshape(-1, 6)[hkeep])
hid.backward()

# Attention transfer on attention probabilities.
asl = torch.randn(2, 2, 3, 3)
a_s = F.softmax(asl, -1).detach().requires_grad_()
a_t = F.softmax(torch.randn(2, 2, 3, 3), -1)
att = F.mse_loss(a_s, a_t)
att.backward()

torchfix.save("distill/testdata/kd.json", {
    "s": s, "t": t, "y": y, "soft": soft, "g_soft": g_soft, "kd": kd, "g_kd": g_kd,
    "ss": ss, "ts": ts, "ys": ys, "seq": seq, "g_seq": ss.grad,
    "hs": hs, "ht": ht, "proj.weight": proj.weight, "proj.bias": proj.bias, "hid": hid,
    "g_hs": hs.grad, "g_proj.weight": proj.weight.grad, "g_proj.bias": proj.bias.grad,
    "a_s": a_s, "a_t": a_t, "att": att, "g_att": a_s.grad,
}, meta={"T": T, "alpha": alpha, "hkeep": [bool(v) for v in hkeep]})
