"""Write the PyTorch parity fixture of the baseline attacks on Model C.

Run from the repository root with Debian's Python (PyTorch 1.13):

    /usr/bin/python3 attack/testdata/baselines_torch.py

Model C gets the formula weights of targets_torch.py (fill). The fixture
holds, for a batch of random images x with labels y:
  fgsm / fgsm_t     FGSM, eps 0.1, untargeted / targeted at class 3
  pgd               PGD, eps 0.1, 5 steps of 0.03 from x, cross-entropy
  pgd_margin        the same with the C&W margin loss, kappa 1
  cw_loss, cw_grad  the C&W L2 objective sum_i ||x'_i - x_i||^2 + c_i f_i(x')
                    at w = w0 + 0.3 u (u uniform in [-1, 1], stored as cw_u),
                    x' = (tanh(w) + 1)/2, w0 = atanh((2x - 1) 0.999999), c =
                    cw_c, untargeted with kappa 0.5, and its gradient in w.
"""
import pathlib
import sys

import torch
import torch.nn.functional as F

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here))
sys.path.insert(0, str(here.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402
from targets_torch import ModelC, fill  # noqa: E402


def margin(z, labels, targeted, kappa):
    onehot = F.one_hot(labels, z.shape[1]).bool()
    z_label = z.gather(1, labels[:, None])[:, 0]
    z_other = z.masked_fill(onehot, float("-inf")).max(1).values
    d = z_other - z_label if targeted else z_label - z_other
    return torch.clamp(d, min=-kappa)


def grad_x(model, x, labels, targeted, loss="ce", kappa=0.0):
    x = x.clone().requires_grad_(True)
    z = model(x)
    if loss == "ce":
        obj = F.cross_entropy(z, labels, reduction="sum")
        if targeted:
            obj = -obj
    else:
        obj = -margin(z, labels, targeted, kappa).sum()
    obj.backward()
    return x.grad


def main():
    torch.manual_seed(1)
    m = ModelC().eval()
    sd = m.state_dict()
    names = list(sd.keys())
    with torch.no_grad():
        for k, key in enumerate(names):
            sd[key].copy_(fill(k, list(sd[key].shape)))
    for p in m.parameters():
        p.requires_grad_(False)

    n = 4
    x = torch.rand(n, 1, 28, 28)
    y = torch.tensor([0, 1, 7, 3])
    t = torch.full((n,), 3)
    eps = 0.1
    out = {"x": x, "y": y}
    out["fgsm"] = (x + eps * grad_x(m, x, y, False).sign()).clamp(0, 1)
    out["fgsm_t"] = (x - eps * grad_x(m, x, t, False).sign()).clamp(0, 1)  # descend CE(f(x), t)
    for name, loss in [("pgd", "ce"), ("pgd_margin", "margin")]:
        xa = x.clone()
        for _ in range(5):
            g = grad_x(m, xa, y, False, loss, 1.0)
            xa = torch.min(torch.max(xa + 0.03 * g.sign(), x - eps), x + eps).clamp(0, 1)
        out[name] = xa

    u = torch.rand(n, 1, 28, 28) * 2 - 1
    c = torch.tensor([0.5, 1.0, 2.0, 4.0])
    w = (torch.atanh((2 * x - 1) * 0.999999) + 0.3 * u).requires_grad_(True)
    xa = (torch.tanh(w) + 1) / 2
    l2 = ((xa - x) ** 2).reshape(n, -1).sum(1)
    loss = (l2 + c * margin(m(xa), y, False, 0.5)).sum()
    loss.backward()
    out.update({"cw_u": u, "cw_c": c, "cw_loss": loss.detach(), "cw_grad": w.grad})
    torchfix.save(str(here / "baselines_torch.json"), out, meta={"names": names, "shapes": [list(sd[k].shape) for k in names]})


if __name__ == "__main__":
    main()
