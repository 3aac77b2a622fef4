"""PyTorch parity fixtures for nn.MultiHeadAttention (nn/attention_test.go).

Regenerate from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 nn/testdata/attn.py

It writes nn/testdata/attn_self_kpm.json and nn/testdata/attn_cross_causal.json.
Each holds the module's state under "p.<state_dict name>", the inputs and
masks, the outputs, the upstream gradients, the input gradients under
"grad.<input>" and the parameter gradients under "g.<state_dict name>";
meta "params" lists the state_dict names in order. Modules are in eval mode
(no dropout); parameters are redrawn from N(0, 0.3^2) so that no bias is 0.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torch  # noqa: E402
import torchfix  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
E, H = 8, 2


def randomize(m):
    with torch.no_grad():
        for p in m.parameters():
            p.normal_(0, 0.3)


def state(m):
    return {"p." + k: v for k, v in m.state_dict().items()}


def grads(m):
    return {"g." + k: p.grad for k, p in m.named_parameters()}


def self_kpm():
    # Self-attention, batch first, key padding mask, averaged weights in the loss.
    torch.manual_seed(1)
    m = torch.nn.MultiheadAttention(E, H, dropout=0.0, batch_first=True).eval()
    randomize(m)
    N, L = 2, 5
    x = torch.randn(N, L, E, requires_grad=True)
    kpm = torch.zeros(N, L, dtype=torch.bool)
    kpm[1, 3:] = True
    kpm[0, 0] = True
    out, w = m(x, x, x, key_padding_mask=kpm, need_weights=True)
    gout, gw = torch.randn_like(out), torch.randn_like(w)
    torch.autograd.backward([out, w], [gout, gw])
    t = {"x": x, "kpm": kpm, "out": out, "weights": w, "gout": gout, "gw": gw, "grad.x": x.grad}
    t.update(state(m))
    t.update(grads(m))
    torchfix.save(str(HERE / "attn_self_kpm.json"), t,
                  meta={"embed_dim": E, "heads": H, "batch_first": True,
                        "params": list(m.state_dict().keys())})


def cross_causal():
    # Cross-attention, sequence first, key != value, float mask = causal -inf
    # plus finite values; also the per-head weights.
    torch.manual_seed(2)
    m = torch.nn.MultiheadAttention(E, H, dropout=0.0, batch_first=False).eval()
    randomize(m)
    L, S, N = 4, 5, 2
    q = torch.randn(L, N, E, requires_grad=True)
    k = torch.randn(S, N, E, requires_grad=True)
    v = torch.randn(S, N, E, requires_grad=True)
    extra = 0.5 * torch.randn(L, S)
    causal = torch.triu(torch.full((L, S), float("-inf")), diagonal=1)
    mask = causal + extra
    out, w = m(q, k, v, attn_mask=mask, need_weights=True)
    with torch.no_grad():
        _, wh = m(q, k, v, attn_mask=mask, need_weights=True, average_attn_weights=False)
    gout = torch.randn_like(out)
    out.backward(gout)
    t = {"q": q, "k": k, "v": v, "mask": mask, "extra": extra, "out": out, "weights": w,
         "weights_per_head": wh, "gout": gout, "grad.q": q.grad, "grad.k": k.grad, "grad.v": v.grad}
    t.update(state(m))
    t.update(grads(m))
    torchfix.save(str(HERE / "attn_cross_causal.json"), t,
                  meta={"embed_dim": E, "heads": H, "batch_first": False,
                        "params": list(m.state_dict().keys())})


if __name__ == "__main__":
    self_kpm()
    cross_causal()
