"""PyTorch parity fixtures for package models (bert_test.go, gpt_test.go, t5_test.go).

Regenerate from the repository root with Debian's Python (torch 1.13, no
transformers needed):

    /usr/bin/python3 nn/models/testdata/models.py

The modules below re-implement, in plain torch, Hugging Face's BertForMaskedLM,
BertForSequenceClassification, GPT2LMHeadModel (without the "transformer."
prefix) and T5ForConditionalGeneration (v1.0), with HF's state_dict names, in
eval mode. Parameters are drawn from N(0, 0.3^2) (LayerNorm/RMSNorm weights
from 1 + N(0, 0.1^2), T5's shared embedding from N(0, 1)). Each fixture holds
"p.<name>" for the state, the inputs as float tensors, "logits", "loss" and
"g.<name>" for the gradient of the loss w.r.t. every parameter; meta "params"
lists the state_dict names in order.
"""
import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "internal" / "torchfix"))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchfix  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
NEG = torch.finfo(torch.float32).min


def randomize(m, skip=()):
    with torch.no_grad():
        for name, p in m.named_parameters():
            if any(s in name for s in skip):
                continue
            if "LayerNorm" in name or "ln_" in name or "layer_norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.3)


def dump(path, m, inputs, logits, loss, meta=None):
    m.zero_grad()
    loss.backward()
    t = {"p." + k: v for k, v in m.state_dict().items()}
    t.update({"g." + k: p.grad for k, p in m.named_parameters()})
    t.update({k: torch.as_tensor(v, dtype=torch.float32) for k, v in inputs.items()})
    t["logits"] = logits
    t["loss"] = loss
    meta = dict(meta or {})
    meta["params"] = list(m.state_dict().keys())
    torchfix.save(str(HERE / path), t, meta)


# ---------------------------------------------------------------- BERT
class BertSelf(nn.Module):
    def __init__(s, h):
        super().__init__()
        s.query, s.key, s.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)


class BertSelfOut(nn.Module):
    def __init__(s, h, eps):
        super().__init__()
        s.dense, s.LayerNorm = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)


class BertAttention(nn.Module):
    def __init__(s, h, eps):
        super().__init__()
        s.self, s.output = BertSelf(h), BertSelfOut(h, eps)


class Dense(nn.Module):
    def __init__(s, i, o):
        super().__init__()
        s.dense = nn.Linear(i, o)


class BertOut(nn.Module):
    def __init__(s, i, h, eps):
        super().__init__()
        s.dense, s.LayerNorm = nn.Linear(i, h), nn.LayerNorm(h, eps=eps)


class BertLayer(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.heads = c["heads"]
        s.attention = BertAttention(c["hidden"], c["eps"])
        s.intermediate = Dense(c["hidden"], c["inter"])
        s.output = BertOut(c["inter"], c["hidden"], c["eps"])

    def forward(s, x, mask):
        n, t, e = x.shape
        h = s.heads
        d = e // h
        sp = lambda y: y.view(n, t, h, d).permute(0, 2, 1, 3)
        a = s.attention.self
        q, k, v = sp(a.query(x)), sp(a.key(x)), sp(a.value(x))
        sc = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        y = (sc.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(n, t, e)
        o = s.attention.output
        x = o.LayerNorm(o.dense(y) + x)
        f = s.output.dense(F.gelu(s.intermediate.dense(x)))
        return s.output.LayerNorm(f + x)


class BertEmb(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.word_embeddings = nn.Embedding(c["vocab"], c["hidden"], padding_idx=c["pad"])
        s.position_embeddings = nn.Embedding(c["maxpos"], c["hidden"])
        s.token_type_embeddings = nn.Embedding(c["types"], c["hidden"])
        s.LayerNorm = nn.LayerNorm(c["hidden"], eps=c["eps"])


class BertEncoder(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.layer = nn.ModuleList([BertLayer(c) for _ in range(c["layers"])])


class Bert(nn.Module):
    def __init__(s, c, pooler):
        super().__init__()
        s.c = c
        s.embeddings = BertEmb(c)
        s.encoder = BertEncoder(c)
        s.pooler = Dense(c["hidden"], c["hidden"]) if pooler else None

    def forward(s, ids, types):
        n, t = ids.shape
        e = s.embeddings
        x = e.word_embeddings(ids) + e.position_embeddings(torch.arange(t)).unsqueeze(0) + e.token_type_embeddings(types)
        x = e.LayerNorm(x)
        mask = (ids == s.c["pad"]).float()[:, None, None, :] * NEG
        for l in s.encoder.layer:
            x = l(x, mask)
        pooled = torch.tanh(s.pooler.dense(x[:, 0])) if s.pooler is not None else None
        return x, pooled


class Transform(nn.Module):
    def __init__(s, h, eps):
        super().__init__()
        s.dense, s.LayerNorm = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)


class Predictions(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.transform = Transform(c["hidden"], c["eps"])
        s.bias = nn.Parameter(torch.zeros(c["vocab"]))


class Cls(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.predictions = Predictions(c)


class BertMLM(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.bert = Bert(c, False)
        s.cls = Cls(c)

    def forward(s, ids, types):
        x, _ = s.bert(ids, types)
        tr = s.cls.predictions.transform
        x = tr.LayerNorm(F.gelu(tr.dense(x)))
        return x @ s.bert.embeddings.word_embeddings.weight.t() + s.cls.predictions.bias


class BertCls(nn.Module):
    def __init__(s, c, k):
        super().__init__()
        s.bert = Bert(c, True)
        s.classifier = nn.Linear(c["hidden"], k)

    def forward(s, ids, types):
        return s.classifier(s.bert(ids, types)[1])


BERT = dict(vocab=13, hidden=8, layers=2, heads=2, inter=16, maxpos=10, types=2, eps=1e-12, pad=0)


def bert():
    torch.manual_seed(1)
    ids = torch.tensor([[2, 5, 7, 12, 3, 4], [2, 9, 11, 3, 0, 0]])
    types = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0]])
    labels = torch.full_like(ids, -100)
    labels[0, 2], labels[0, 4], labels[1, 1] = 6, 1, 10
    m = BertMLM(BERT).eval()
    randomize(m)
    with torch.no_grad():
        m.bert.embeddings.word_embeddings.weight[0].zero_()
    logits = m(ids, types)
    loss = F.cross_entropy(logits.reshape(-1, BERT["vocab"]), labels.reshape(-1), ignore_index=-100)
    dump("bert_mlm.json", m, {"ids": ids, "types": types, "labels": labels}, logits, loss, BERT)

    torch.manual_seed(2)
    m = BertCls(BERT, 3).eval()
    randomize(m)
    with torch.no_grad():
        m.bert.embeddings.word_embeddings.weight[0].zero_()
    cl = torch.tensor([2, 0])
    logits = m(ids, types)
    loss = F.cross_entropy(logits, cl)
    dump("bert_cls.json", m, {"ids": ids, "types": types, "labels": cl}, logits, loss, BERT)


# ---------------------------------------------------------------- GPT-2
class Conv1D(nn.Module):
    def __init__(s, i, o):
        super().__init__()
        s.weight = nn.Parameter(torch.empty(i, o))
        s.bias = nn.Parameter(torch.zeros(o))

    def forward(s, x):
        return x @ s.weight + s.bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPTAttn(nn.Module):
    def __init__(s, e, h):
        super().__init__()
        s.c_attn, s.c_proj, s.h = Conv1D(e, 3 * e), Conv1D(e, e), h


class GPTMLP(nn.Module):
    def __init__(s, e):
        super().__init__()
        s.c_fc, s.c_proj = Conv1D(e, 4 * e), Conv1D(4 * e, e)


class GPTBlock(nn.Module):
    def __init__(s, c):
        super().__init__()
        e = c["hidden"]
        s.ln_1 = nn.LayerNorm(e, eps=c["eps"])
        s.attn = GPTAttn(e, c["heads"])
        s.ln_2 = nn.LayerNorm(e, eps=c["eps"])
        s.mlp = GPTMLP(e)

    def forward(s, x):
        n, t, e = x.shape
        h = s.attn.h
        d = e // h
        q, k, v = s.attn.c_attn(s.ln_1(x)).split(e, dim=2)
        sp = lambda y: y.view(n, t, h, d).permute(0, 2, 1, 3)
        q, k, v = sp(q), sp(k), sp(v)
        sc = q @ k.transpose(-1, -2) / math.sqrt(d)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        sc = torch.where(causal, sc, torch.tensor(NEG))
        y = (sc.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(n, t, e)
        x = x + s.attn.c_proj(y)
        return x + s.mlp.c_proj(gelu_new(s.mlp.c_fc(s.ln_2(x))))


class GPT(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.wte = nn.Embedding(c["vocab"], c["hidden"])
        s.wpe = nn.Embedding(c["maxpos"], c["hidden"])
        s.h = nn.ModuleList([GPTBlock(c) for _ in range(c["layers"])])
        s.ln_f = nn.LayerNorm(c["hidden"], eps=c["eps"])

    def forward(s, ids):
        x = s.wte(ids) + s.wpe(torch.arange(ids.shape[1]))
        for b in s.h:
            x = b(x)
        return s.ln_f(x) @ s.wte.weight.t()


GPTC = dict(vocab=13, hidden=8, layers=2, heads=2, maxpos=12, eps=1e-5)


def gpt():
    torch.manual_seed(3)
    m = GPT(GPTC).eval()
    randomize(m)
    ids = torch.tensor([[1, 5, 7, 12, 3], [4, 9, 11, 3, 2]])
    logits = m(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, GPTC["vocab"]), ids[:, 1:].reshape(-1))
    dump("gpt.json", m, {"ids": ids}, logits, loss, GPTC)


# ---------------------------------------------------------------- T5
def rel_bucket(relative_position, bidirectional, num_buckets, max_distance):
    # HF T5Attention._relative_position_bucket, verbatim logic.
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (
        torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, large)
    return relative_buckets


class T5Norm(nn.Module):
    def __init__(s, d, eps):
        super().__init__()
        s.weight, s.eps = nn.Parameter(torch.ones(d)), eps

    def forward(s, x):
        return s.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + s.eps))


class T5Attn(nn.Module):
    def __init__(s, c, rel, bidirectional):
        super().__init__()
        d, inner = c["d_model"], c["heads"] * c["d_kv"]
        s.q, s.k, s.v = (nn.Linear(d, inner, bias=False) for _ in range(3))
        s.o = nn.Linear(inner, d, bias=False)
        s.c, s.bidir = c, bidirectional
        if rel:
            s.relative_attention_bias = nn.Embedding(c["buckets"], c["heads"])

    def bias(s, q, k):
        ctx = torch.arange(q)[:, None]
        mem = torch.arange(k)[None, :]
        b = rel_bucket(mem - ctx, s.bidir, s.c["buckets"], s.c["max_distance"])
        return s.relative_attention_bias(b).permute(2, 0, 1).unsqueeze(0)

    def forward(s, x, kv, pb):
        n, h, dk = x.shape[0], s.c["heads"], s.c["d_kv"]
        sp = lambda y: y.view(n, -1, h, dk).transpose(1, 2)
        q, k, v = sp(s.q(x)), sp(s.k(kv)), sp(s.v(kv))
        sc = q @ k.transpose(3, 2) + pb
        y = (sc.float().softmax(-1) @ v).transpose(1, 2).reshape(n, -1, h * dk)
        return s.o(y)


class SelfL(nn.Module):
    def __init__(s, c, rel, bidir):
        super().__init__()
        s.SelfAttention = T5Attn(c, rel, bidir)
        s.layer_norm = T5Norm(c["d_model"], c["eps"])


class CrossL(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.EncDecAttention = T5Attn(c, False, True)
        s.layer_norm = T5Norm(c["d_model"], c["eps"])


class DRD(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.wi = nn.Linear(c["d_model"], c["d_ff"], bias=False)
        s.wo = nn.Linear(c["d_ff"], c["d_model"], bias=False)


class FFL(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.DenseReluDense = DRD(c)
        s.layer_norm = T5Norm(c["d_model"], c["eps"])

    def forward(s, x):
        return x + s.DenseReluDense.wo(F.relu(s.DenseReluDense.wi(s.layer_norm(x))))


class Block(nn.Module):
    def __init__(s, c, rel, decoder):
        super().__init__()
        ls = [SelfL(c, rel, not decoder)]
        if decoder:
            ls.append(CrossL(c))
        ls.append(FFL(c))
        s.layer = nn.ModuleList(ls)


class Stack(nn.Module):
    def __init__(s, c, n, decoder):
        super().__init__()
        s.block = nn.ModuleList([Block(c, i == 0, decoder) for i in range(n)])
        s.final_layer_norm = T5Norm(c["d_model"], c["eps"])
        s.decoder = decoder

    def forward(s, x, mask, enc=None, enc_mask=None):
        t = x.shape[1]
        pb = s.block[0].layer[0].SelfAttention.bias(t, t) + mask
        for b in s.block:
            sa = b.layer[0]
            y = sa.layer_norm(x)
            x = x + sa.SelfAttention(y, y, pb)
            if s.decoder:
                ca = b.layer[1]
                x = x + ca.EncDecAttention(ca.layer_norm(x), enc, enc_mask)
            x = b.layer[-1](x)
        return s.final_layer_norm(x)


class T5(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c = c
        s.shared = nn.Embedding(c["vocab"], c["d_model"])
        s.encoder = Stack(c, c["layers"], False)
        s.decoder = Stack(c, c["dec_layers"], True)

    def forward(s, src, labels):
        c = s.c
        emask = (src == c["pad"]).float()[:, None, None, :] * NEG
        enc = s.encoder(s.shared(src), emask)
        dec = torch.full_like(labels, c["start"])
        dec[:, 1:] = labels[:, :-1]
        dec = dec.masked_fill(dec == -100, c["pad"])
        t = dec.shape[1]
        causal = (1 - torch.tril(torch.ones(t, t)))[None, None] * NEG
        out = s.decoder(s.shared(dec), causal, enc, emask)
        out = out * c["d_model"] ** -0.5
        return out @ s.shared.weight.t(), dec


T5C = dict(vocab=13, d_model=8, d_kv=4, d_ff=16, heads=2, layers=2, dec_layers=2, buckets=8, max_distance=16,
           eps=1e-6, pad=0, eos=1, start=0)


def t5():
    torch.manual_seed(4)
    m = T5(T5C).eval()
    randomize(m, skip=("shared",))
    src = torch.tensor([[5, 7, 12, 3, 9, 4, 2, 1], [6, 11, 3, 8, 1, 0, 0, 0]])
    labels = torch.tensor([[4, 9, 2, 7, 1], [10, 3, 1, -100, -100]])
    logits, dec = m(src, labels)
    loss = F.cross_entropy(logits.reshape(-1, T5C["vocab"]), labels.reshape(-1), ignore_index=-100)
    # Bucket table for a few relative positions, both directions.
    rel = torch.arange(-20, 21)
    buckets = torch.stack([rel_bucket(rel, True, 8, 16), rel_bucket(rel, False, 8, 16),
                           rel_bucket(rel, True, 32, 128), rel_bucket(rel * 7, True, 32, 128), rel_bucket(rel * 7, False, 32, 128)])
    dump("t5.json", m, {"src": src, "labels": labels, "dec": dec, "rel": rel, "buckets": buckets}, logits, loss, T5C)


if __name__ == "__main__":
    bert()
    gpt()
    t5()
