#!/usr/bin/python3
"""PyTorch parity fixture for the linear-chain CRF in nn/crf.go.

Regenerate from the repository root with

    /usr/bin/python3 nn/testdata/crf_parity.py

(Debian's python3 with torch 1.13). It writes nn/testdata/crf_parity.json,
which nn/crf_test.go reads. pytorch-crf is not installed, so the script
carries a small pure-torch reference of the same CRF (the algorithm and
parameter layout of torchcrf.CRF: start_transitions, end_transitions,
transitions[from][to], batch-first emissions and a prefix mask), computed in
float64; constraints are applied by filling forbidden entries with -inf.

Each case <c> has meta "cases"[<c>] = {"lengths": [...], "tags": [...]
(tag names when constrained, else null)} and tensors named "<c>.<what>":
  emissions, start, end, trans   the inputs (float32 values)
  tags          gold tags (B, T), padding positions 0
  nll           per-sentence negative log-likelihood (B)
  logz          per-sentence log-partition (B)
  loss          mean NLL (scalar)
  grad_emissions, grad_start, grad_end, grad_trans   d loss / d input
  paths         Viterbi paths (B, T), padding positions -1
  scores        Viterbi path scores (B)
"""
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

NEG = float("-inf")


def bio_allowed(tags):
    """Allowed start, end and transitions for BIO tag names."""
    K = len(tags)
    start = torch.tensor([not t.startswith("I-") for t in tags])
    end = torch.ones(K, dtype=torch.bool)
    trans = torch.ones(K, K, dtype=torch.bool)
    for i, a in enumerate(tags):
        for j, b in enumerate(tags):
            if b.startswith("I-"):
                trans[i, j] = a[:2] in ("B-", "I-") and a[2:] == b[2:]
    return start, end, trans


def constrained(start, end, trans, allowed):
    if allowed is None:
        return start, end, trans
    s, e, t = allowed
    return start.masked_fill(~s, NEG), end.masked_fill(~e, NEG), trans.masked_fill(~t, NEG)


def log_partition(em, mask, start, end, trans):
    B, T, K = em.shape
    score = start + em[:, 0]
    for t in range(1, T):
        nxt = torch.logsumexp(score.unsqueeze(2) + trans.unsqueeze(0) + em[:, t].unsqueeze(1), dim=1)
        score = torch.where(mask[:, t].unsqueeze(1), nxt, score)
    return torch.logsumexp(score + end, dim=1)


def gold_score(em, tags, mask, start, end, trans):
    B, T, K = em.shape
    ar = torch.arange(B)
    score = start[tags[:, 0]] + em[ar, 0, tags[:, 0]]
    for t in range(1, T):
        step = trans[tags[:, t - 1], tags[:, t]] + em[ar, t, tags[:, t]]
        score = score + torch.where(mask[:, t], step, torch.zeros_like(step))
    last = tags[ar, mask.sum(1) - 1]
    return score + end[last]


def viterbi(em, lengths, start, end, trans):
    paths, scores = [], []
    for b, L in enumerate(lengths):
        v = start + em[b, 0]
        back = []
        for t in range(1, L):
            s = v.unsqueeze(1) + trans  # [from, to]
            v, idx = s.max(dim=0)
            v = v + em[b, t]
            back.append(idx)
        v = v + end
        best, arg = v.max(dim=0)
        path = [int(arg)]
        for idx in reversed(back):
            path.append(int(idx[path[-1]]))
        path.reverse()
        paths.append(path + [-1] * (em.shape[1] - L))
        scores.append(float(best))
    return torch.tensor(paths), torch.tensor(scores)


def case(name, gen, B, T, K, lengths, tag_names=None, scale=2.0):
    em32 = (torch.rand(B, T, K, generator=gen) * 2 - 1) * scale
    start32 = (torch.rand(K, generator=gen) * 2 - 1) * scale
    end32 = (torch.rand(K, generator=gen) * 2 - 1) * scale
    trans32 = (torch.rand(K, K, generator=gen) * 2 - 1) * scale
    allowed = bio_allowed(tag_names) if tag_names else None
    tags = torch.zeros(B, T, dtype=torch.long)
    for b, L in enumerate(lengths):
        prev = None
        for t in range(L):
            while True:
                y = int(torch.randint(K, (1,), generator=gen))
                if allowed is None:
                    break
                if prev is None and allowed[0][y]:
                    break
                if prev is not None and allowed[2][prev, y]:
                    break
            tags[b, t] = y
            prev = y
    mask = torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    leaves = [x.to(torch.float64).requires_grad_(True) for x in (em32, start32, end32, trans32)]
    em, start, end, trans = leaves
    s, e, tr = constrained(start, end, trans, allowed)
    logz = log_partition(em, mask, s, e, tr)
    nll = logz - gold_score(em, tags, mask, s, e, tr)
    loss = nll.mean()
    loss.backward()
    with torch.no_grad():
        paths, scores = viterbi(em, lengths, s, e, tr)
    out = {
        "emissions": em32, "start": start32, "end": end32, "trans": trans32,
        "tags": tags, "nll": nll, "logz": logz, "loss": loss,
        "grad_emissions": em.grad, "grad_start": start.grad, "grad_end": end.grad, "grad_trans": trans.grad,
        "paths": paths, "scores": scores,
    }
    return {name + "." + k: v for k, v in out.items()}, {"lengths": lengths, "tags": tag_names}


def main():
    gen = torch.Generator().manual_seed(7)
    tensors, cases = {}, {}
    for name, args in [
        ("plain", dict(B=3, T=6, K=5, lengths=[6, 4, 1])),
        ("bio", dict(B=3, T=5, K=5, lengths=[5, 5, 2], tag_names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])),
        ("wide", dict(B=2, T=4, K=13, lengths=[4, 3], scale=4.0)),
    ]:
        t, m = case(name, gen, **args)
        tensors.update(t)
        cases[name] = m
    out = pathlib.Path(__file__).resolve().parent / "crf_parity.json"
    torchfix.save(str(out), tensors, meta={"cases": cases})


if __name__ == "__main__":
    main()
