"""PyTorch reference for graph/propagation_parity_test.go.

Regenerate (from the repository root) with Debian's python3, which has torch:

    /usr/bin/python3 graph/testdata/propagation.py

Builds a 10-node graph from an edge list with duplicates and a self loop
(dropped, as graph.DropSelfLoops does), the normalisations Â, D̃^-1 Ã and
L̃ = I − Â, and propagates a random H (seed 0) with the iterative forms in
float32 autograd (APPNP, GNN-LF, GNN-HF as in the official code's
LFPowerIteration/HFPowerIteration, K = 10; SGC Â^3 H) and the closed forms in
float64 with the official code's dense formulas (calc_ppr_exact /
calc_LF_exact / calc_HF_exact; JKNet and DAGNN from Table 1). For each it
saves the output and the gradient of sum(G * Z) w.r.t. H for a random
upstream G. It also saves the unified objective and its gradient.
"""
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

torch.manual_seed(0)
n, k = 10, 3
edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9),
         (9, 5), (1, 0), (3, 2), (4, 4), (0, 7)]
A = torch.zeros(n, n, dtype=torch.float64)
for u, v in edges:
    if u != v:
        A[u, v] = A[v, u] = 1.0
At = A + torch.eye(n, dtype=torch.float64)
d = At.sum(1)
Ahat = At / torch.sqrt(d[:, None] * d[None, :])
RW = At / d[:, None]
L = torch.eye(n, dtype=torch.float64) - Ahat
I = torch.eye(n, dtype=torch.float64)

H = torch.randn(n, k)
G = torch.randn(n, k)
alpha, mu, beta, xi, K = 0.1, 0.9, 0.9, 2.0, 10
a32 = Ahat.float()

out = {"edges": torch.tensor(edges, dtype=torch.float32), "h": H, "g": G,
       "ahat": Ahat, "rw": RW, "lap": L}


def record(name, f, h):
    h = h.clone().requires_grad_(True)
    z = f(h)
    (z * G.to(z.dtype)).sum().backward()
    out[name] = z.detach()
    out[name + "_grad"] = h.grad.detach()


def appnp(h):
    z = h
    for _ in range(K):
        z = (1 - alpha) * (a32 @ z) + alpha * h
    return z


def lf_iter(h):  # official LFPowerIteration
    c = 1 + alpha * mu - alpha
    ap = a32 / c
    z0 = mu / c * h + (1 - mu) * (ap @ h)
    r = alpha * z0
    z = z0
    for _ in range(K):
        z = (1 - 2 * alpha + mu * alpha) * (ap @ z) + r
    return z


def hf_iter(h):  # official HFPowerIteration
    c = alpha * beta + 1
    l32 = L.float()
    ap = (alpha * beta + 1 - alpha) / c * a32
    z0 = h / c + beta / c * (l32 @ h)
    r = alpha * z0
    z = z0
    for _ in range(K):
        z = ap @ z + r
    return z


record("sgc3", lambda h: a32 @ (a32 @ (a32 @ h)), H)
record("appnp", appnp, H)
record("lf_iter", lf_iter, H)
record("hf_iter", hf_iter, H)

P = {
    "ppnp": alpha * torch.linalg.inv(I - (1 - alpha) * Ahat),
    "lf": alpha * torch.linalg.inv((1 + alpha * mu - alpha) * I + (2 * alpha - alpha * mu - 1) * Ahat)
    @ (mu * I + (1 - mu) * Ahat),
    "hf": alpha * torch.linalg.inv(alpha * I + (alpha * beta + 1 - alpha) * L) @ (I + beta * L),
    "jknet": torch.linalg.inv((1 + xi) * I - xi * Ahat) @ Ahat,
    "dagnn": torch.linalg.inv((1 + xi) * I - xi * Ahat),
}
for name, p in P.items():
    record(name + "_closed", lambda h, p=p: p @ h, H.double())

# Unified objective: zeta ||F1 Z - F2 H||^2 + xi tr(Z^T L Z) with F1 = Ahat, F2 = L,
# and the fitted form with M = mu I + (1 - mu) Ahat.
Z = torch.randn(n, k, dtype=torch.float64)
zeta = 0.7
for name, f in {
    "objective": lambda z: zeta * ((Ahat @ z - L @ H.double()) ** 2).sum() + xi * torch.trace(z.T @ L @ z),
    "fitted": lambda z: ((z - H.double()) * ((mu * I + (1 - mu) * Ahat) @ (z - H.double()))).sum()
    + (1 / alpha - 1) * torch.trace(z.T @ L @ z),
}.items():
    z = Z.clone().requires_grad_(True)
    o = f(z)
    o.backward()
    out[name] = o.detach().reshape(1)
    out[name + "_grad"] = z.grad
out["z"] = Z

torchfix.save(str(pathlib.Path(__file__).resolve().parent / "propagation.json"), out,
              meta={"alpha": alpha, "mu": mu, "beta": beta, "xi": xi, "K": K, "zeta": zeta})
