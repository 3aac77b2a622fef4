#!/usr/bin/python3
"""PyTorch parity fixture for the learning-rate schedulers of package optim.

Regenerate from the repository root with

    /usr/bin/python3 optim/testdata/schedules.py

(Debian's python3 with torch; the committed fixture was made with torch
1.13.0a0). It writes optim/testdata/schedules.json, read by
schedules_test.go.

Each case in meta["cases"] builds an SGD optimizer with learning rate "lr"
and the scheduler(s) described by "kind" and its arguments, then records
optimizer.param_groups[0]["lr"] after construction and after each of
"epochs" calls to scheduler.step() (epochs+1 values, kept as float64 in
meta["cases"][i]["lrs"]). PyTorch computes these values recursively (its
chainable form); the Go schedulers use the closed forms.
"""
import pathlib
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402

CASES = [
    {"name": "step", "kind": "step", "lr": 0.1, "step_size": 3, "gamma": 0.5, "epochs": 13},
    {"name": "step_default_gamma", "kind": "step", "lr": 1.0, "step_size": 2, "gamma": 0.1, "epochs": 7},
    {"name": "cosine", "kind": "cosine", "lr": 0.1, "t_max": 10, "eta_min": 0.001, "epochs": 25},
    {"name": "cosine_zero_min", "kind": "cosine", "lr": 0.05, "t_max": 7, "eta_min": 0.0, "epochs": 15},
    {"name": "linear_warmup", "kind": "linear", "lr": 0.1, "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5, "epochs": 9},
    {"name": "linear_decay", "kind": "linear", "lr": 0.2, "start_factor": 1.0, "end_factor": 0.25, "total_iters": 6, "epochs": 9},
    {"name": "warmup_cosine", "kind": "warmup_cosine", "lr": 0.1, "start_factor": 0.01, "warmup": 5, "t_max": 15, "eta_min": 1e-4, "epochs": 25},
    {"name": "sequential_step_cosine_linear", "kind": "sequential3", "lr": 0.3, "epochs": 20},
]


def build(c, opt):
    k = c["kind"]
    if k == "step":
        return S.StepLR(opt, step_size=c["step_size"], gamma=c["gamma"])
    if k == "cosine":
        return S.CosineAnnealingLR(opt, T_max=c["t_max"], eta_min=c["eta_min"])
    if k == "linear":
        return S.LinearLR(opt, start_factor=c["start_factor"], end_factor=c["end_factor"], total_iters=c["total_iters"])
    if k == "warmup_cosine":
        warm = S.LinearLR(opt, start_factor=c["start_factor"], end_factor=1.0, total_iters=c["warmup"])
        cos = S.CosineAnnealingLR(opt, T_max=c["t_max"], eta_min=c["eta_min"])
        return S.SequentialLR(opt, [warm, cos], milestones=[c["warmup"]])
    if k == "sequential3":
        # StepLR(2, 0.5) for 5 epochs, cosine(T_max=6, eta_min=0.01) for 7, then LinearLR(0.5, 1, 4)
        a = S.StepLR(opt, step_size=2, gamma=0.5)
        b = S.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
        d = S.LinearLR(opt, start_factor=0.5, end_factor=1.0, total_iters=4)
        return S.SequentialLR(opt, [a, b, d], milestones=[5, 12])
    raise ValueError(k)


def main():
    warnings.simplefilter("ignore")
    for c in CASES:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=c["lr"])
        sched = build(c, opt)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(c["epochs"]):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        c["lrs"] = lrs
    torchfix.save(str(HERE / "schedules.json"), {}, meta={"cases": CASES})


if __name__ == "__main__":
    main()
