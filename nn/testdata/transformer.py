"""PyTorch parity fixtures for nn.TransformerEncoderLayer and
nn.TransformerDecoderLayer (nn/transformer_test.go).

Regenerate from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 nn/testdata/transformer.py

It writes nn/testdata/transformer_*.json. Each holds the layer's state
under "p.<state_dict name>", the inputs and masks, the output, the upstream
gradient "gout", the input gradients under "grad.<input>" and the parameter
gradients under "g.<state_dict name>"; meta holds the configuration and
"params", the state_dict names in order. Layers are in eval mode (dropout
off); parameters are redrawn from N(0, 0.3^2) (LayerNorm weights from
1 + N(0, 0.3^2)) so that no bias is 0 and no weight is 1.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torch  # noqa: E402
import torchfix  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
E, H, FF = 8, 2, 16


def randomize(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.normal_(0, 0.3)
            if name.startswith("norm") and name.endswith("weight"):
                p.add_(1)


def save(name, m, tensors, meta):
    t = dict(tensors)
    t.update({"p." + k: v for k, v in m.state_dict().items()})
    t.update({"g." + k: p.grad for k, p in m.named_parameters()})
    meta = dict(meta, params=list(m.state_dict().keys()), d_model=E, nhead=H, dim_feedforward=FF)
    torchfix.save(str(HERE / name), t, meta=meta)


def encoder(name, seed, activation, eps, batch_first, norm_first, kpm_rows):
    torch.manual_seed(seed)
    m = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, activation=activation,
                                         layer_norm_eps=eps, batch_first=batch_first,
                                         norm_first=norm_first).eval()
    randomize(m)
    N, S = 2, 5
    src = torch.randn(N, S, E) if batch_first else torch.randn(S, N, E)
    src.requires_grad_(True)
    kpm = None
    t = {}
    if kpm_rows:
        kpm = torch.zeros(N, S, dtype=torch.bool)
        for b, start in kpm_rows:
            kpm[b, start:] = True
        t["kpm"] = kpm
    out = m(src, src_key_padding_mask=kpm)
    gout = torch.randn_like(out)
    out.backward(gout)
    t.update({"src": src, "out": out, "gout": gout, "grad.src": src.grad})
    save(name, m, t, {"activation": activation, "eps": eps, "batch_first": batch_first,
                      "norm_first": norm_first})


def decoder(name, seed, activation, eps, batch_first, norm_first, tgt_kpm_rows, mem_kpm_rows, memory_mask):
    torch.manual_seed(seed)
    m = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, activation=activation,
                                         layer_norm_eps=eps, batch_first=batch_first,
                                         norm_first=norm_first).eval()
    randomize(m)
    N, T, S = 2, 4, 5
    if batch_first:
        tgt, mem = torch.randn(N, T, E), torch.randn(N, S, E)
    else:
        tgt, mem = torch.randn(T, N, E), torch.randn(S, N, E)
    tgt.requires_grad_(True)
    mem.requires_grad_(True)
    t = {}
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(T)
    t["tgt_mask"] = tgt_mask

    def kpm(rows, n):
        if not rows:
            return None
        k = torch.zeros(N, n, dtype=torch.bool)
        for b, start in rows:
            k[b, start:] = True
        return k
    tkpm, mkpm = kpm(tgt_kpm_rows, T), kpm(mem_kpm_rows, S)
    mmask = 0.5 * torch.randn(T, S) if memory_mask else None
    for k, v in {"tgt_kpm": tkpm, "mem_kpm": mkpm, "memory_mask": mmask}.items():
        if v is not None:
            t[k] = v
    out = m(tgt, mem, tgt_mask=tgt_mask, memory_mask=mmask,
            tgt_key_padding_mask=tkpm, memory_key_padding_mask=mkpm)
    gout = torch.randn_like(out)
    out.backward(gout)
    t.update({"tgt": tgt, "memory": mem, "out": out, "gout": gout,
              "grad.tgt": tgt.grad, "grad.memory": mem.grad})
    save(name, m, t, {"activation": activation, "eps": eps, "batch_first": batch_first,
                      "norm_first": norm_first})


if __name__ == "__main__":
    encoder("transformer_enc_post_relu.json", 11, "relu", 1e-5, True, False, None)
    encoder("transformer_enc_pre_gelu_kpm.json", 12, "gelu", 1e-6, False, True, [(0, 4), (1, 2)])
    decoder("transformer_dec_post.json", 13, "relu", 1e-5, False, False, None, [(1, 3)], False)
    decoder("transformer_dec_pre.json", 14, "gelu", 1e-5, True, True, [(0, 3)], [(0, 4)], True)
