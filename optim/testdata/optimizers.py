#!/usr/bin/python3
"""PyTorch parity fixtures for the optimizers and ClipGradNorm of package optim.

Regenerate from the repository root with

    /usr/bin/python3 optim/testdata/optimizers.py

(Debian's python3 with torch; the committed fixture was made with torch
1.13.0a0). It writes optim/testdata/optimizers.json, read by
optimizers_test.go.

Trajectories: four parameters W (3x4), b (4), V (4x2) and u (3) start from
seeded values and are trained for STEPS steps on the fixed function

    loss_k = mean((tanh(x @ W + b) @ V - y)^2) + 0.1 * sum(W * W)
             + [k % 3 != 0] * (sum(tanh(1.5 * u)) + 0.2 * sum(u * u))

with fixed x (5x3) and y (5x2). u is left out of the loss on steps 0, 3,
6, ..., so its gradient is None there (zero_grad(set_to_none=True)) and the
optimizer must skip it, which checks per-parameter state and step counts.
For each configuration in CONFIGS the fixture stores, under "<name>.<param>",
the parameter values before the first step and after each step (shape
(STEPS+1, ...)) and under "<name>.loss" the loss at each step. The
configurations are in meta["configs"], which the Go test reads to build the
same optimizer; "no_decay" lists parameters put in a second parameter group
with weight_decay=0. The optimizer's state after the last step is stored
under "<name>.state.<param>.<key>" (optimizer.state[param][key]: step,
exp_avg, momentum_buffer, ...).

ClipGradNorm: for each case in meta["clip"], "clip<i>.g<j>" holds the
gradients before clipping (absent: no gradient), "clip<i>.out<j>" after
torch.nn.utils.clip_grad_norm_, and "clip<i>.norm" the returned norm.
"""
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402

STEPS = 20

CONFIGS = [
    {"name": "sgd", "opt": "sgd", "lr": 0.1},
    {"name": "sgd_momentum_nesterov_wd", "opt": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    {"name": "sgd_momentum_dampening", "opt": "sgd", "lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    {"name": "sgd_momentum_wd_nodecay", "opt": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "no_decay": ["b", "u"]},
    {"name": "adam", "opt": "adam", "lr": 0.05},
    {"name": "adam_amsgrad", "opt": "adam", "lr": 0.05, "amsgrad": True, "betas": [0.8, 0.99]},
    {"name": "adam_wd_eps", "opt": "adam", "lr": 0.03, "weight_decay": 0.05, "eps": 1e-3},
    {"name": "adamw", "opt": "adamw", "lr": 0.05},
    {"name": "adamw_amsgrad_wd_nodecay", "opt": "adamw", "lr": 0.05, "amsgrad": True, "weight_decay": 0.2, "no_decay": ["b"]},
    {"name": "rmsprop", "opt": "rmsprop", "lr": 0.01},
    {"name": "rmsprop_centered_momentum_wd", "opt": "rmsprop", "lr": 0.005, "alpha": 0.9, "centered": True, "momentum": 0.9, "weight_decay": 0.01},
    {"name": "rmsprop_momentum_eps", "opt": "rmsprop", "lr": 0.01, "momentum": 0.5, "eps": 1e-4},
]

PARAMS = ["W", "b", "V", "u"]


def make_optimizer(cfg, params):
    kw = {}
    for k in ["momentum", "dampening", "nesterov", "weight_decay", "amsgrad", "eps", "alpha", "centered"]:
        if k in cfg:
            kw[k] = cfg[k]
    if "betas" in cfg:
        kw["betas"] = tuple(cfg["betas"])
    no_decay = cfg.get("no_decay", [])
    groups = [{"params": [params[n] for n in PARAMS if n not in no_decay]}]
    if no_decay:
        groups.append({"params": [params[n] for n in PARAMS if n in no_decay], "weight_decay": 0.0})
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop}[cfg["opt"]]
    return cls(groups, lr=cfg["lr"], **kw)


def loss_fn(k, x, y, p):
    h = torch.tanh(x @ p["W"] + p["b"])
    loss = ((h @ p["V"] - y) ** 2).mean() + 0.1 * (p["W"] * p["W"]).sum()
    if k % 3 != 0:
        loss = loss + torch.tanh(1.5 * p["u"]).sum() + 0.2 * (p["u"] * p["u"]).sum()
    return loss


def main():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 3, generator=g)
    y = torch.randn(5, 2, generator=g)
    init = {"W": torch.randn(3, 4, generator=g), "b": torch.randn(4, generator=g),
            "V": torch.randn(4, 2, generator=g), "u": torch.randn(3, generator=g)}
    out = {"x": x, "y": y}
    for n in PARAMS:
        out["init." + n] = init[n]
    for cfg in CONFIGS:
        p = {n: init[n].clone().requires_grad_(True) for n in PARAMS}
        opt = make_optimizer(cfg, p)
        traj = {n: [p[n].detach().clone()] for n in PARAMS}
        losses = []
        for k in range(STEPS):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(k, x, y, p)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            for n in PARAMS:
                traj[n].append(p[n].detach().clone())
        for n in PARAMS:
            out[cfg["name"] + "." + n] = torch.stack(traj[n])
            for key, val in opt.state[p[n]].items():
                if val is not None:
                    out["%s.state.%s.%s" % (cfg["name"], n, key)] = val
        out[cfg["name"] + ".loss"] = torch.tensor(losses)

    clip = [
        {"max_norm": 0.5, "shapes": [[3, 4], [4], [2]], "none": []},
        {"max_norm": 100.0, "shapes": [[3, 4], [4], [2]], "none": []},
        {"max_norm": 1.0, "shapes": [[5], [2, 3], [7]], "none": [1]},
        {"max_norm": 0.0, "shapes": [[4]], "none": []},
    ]
    for i, c in enumerate(clip):
        ps = []
        for j, s in enumerate(c["shapes"]):
            t = torch.zeros(s, requires_grad=True)
            if j not in c["none"]:
                t.grad = torch.randn(s, generator=g)
                out["clip%d.g%d" % (i, j)] = t.grad.clone()
            ps.append(t)
        norm = torch.nn.utils.clip_grad_norm_(ps, c["max_norm"])
        out["clip%d.norm" % i] = norm
        for j, t in enumerate(ps):
            if t.grad is not None:
                out["clip%d.out%d" % (i, j)] = t.grad
    torchfix.save(str(HERE / "optimizers.json"), out, meta={"steps": STEPS, "configs": CONFIGS, "clip": clip})


if __name__ == "__main__":
    main()
