"""PyTorch reference for the CNN-CNN-LSTM tagger (active/tagger.go).

Writes tagger_parity.json: the weights of a tiny tagger (state_dict names as
cairn's nn.StateDict gives them), three sentences of different lengths, the
teacher-forced cross-entropy summed over their words, the gradients of every
weight, and the greedy decode (tags and log-probabilities).

Every sentence is processed alone, without padding, and each word's characters
alone, so the fixture also checks that padding in cairn's batches changes
nothing. Run from the repository root with /usr/bin/python3:

    /usr/bin/python3 active/testdata/tagger_parity.py
"""
import pathlib
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

torch.manual_seed(0)
V, C, K = 12, 10, 5          # words, characters, tags
CD, CF, CK = 4, 3, 3         # char embedding, filters, kernel
WD, WF, WL, WK = 5, 4, 2, 3  # word embedding, filters, layers, kernel
H = 3                        # decoder hidden size
DIN = WD + CF
E = WF + DIN

char_emb = torch.randn(C, CD) * 0.5
char_emb[0] = 0  # padding row
word_emb = torch.randn(V, WD) * 0.5
word_emb[0] = 0
p = {
    "char_emb.weight": char_emb,
    "char_conv.weight": torch.randn(CF, CD, CK) * 0.4,
    "char_conv.bias": torch.randn(CF) * 0.1,
    "word_emb.weight": word_emb,
    "word_conv.0.weight": torch.randn(WF, DIN, WK) * 0.3,
    "word_conv.0.bias": torch.randn(WF) * 0.1,
    "word_conv.1.weight": torch.randn(WF, WF, WK) * 0.3,
    "word_conv.1.bias": torch.randn(WF) * 0.1,
    "decoder.weight_ih_l0": torch.randn(4 * H, E + K + 1) * 0.4,
    "decoder.weight_hh_l0": torch.randn(4 * H, H) * 0.4,
    "decoder.bias_ih_l0": torch.randn(4 * H) * 0.1,
    "decoder.bias_hh_l0": torch.randn(4 * H) * 0.1,
    "out.weight": torch.randn(K, H) * 0.8,
    "out.bias": torch.randn(K) * 0.1,
}
for t in p.values():
    t.requires_grad_(True)

words = [[2, 5, 7, 3], [4, 11], [9, 2, 6]]
chars = [
    [[2, 3], [4, 5, 6, 7, 8], [9], [2, 2, 3]],
    [[5, 6, 7, 8, 9, 2], [3, 4]],
    [[8], [7, 6, 5], [4, 3, 2, 9]],
]
tags = [[1, 2, 0, 3], [4, 0], [0, 1, 2]]

lstm = torch.nn.LSTM(E + K + 1, H, batch_first=True)
with torch.no_grad():
    for n in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        getattr(lstm, n).copy_(p["decoder." + n])
# lstm_step uses the same leaves as p so that gradients reach them; it is
# checked against torch.nn.LSTM below.
lstm_params = {n: p["decoder." + n] for n in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]}


def encode(ws, cs):
    feats = []
    for cw in cs:
        e = p["char_emb.weight"][torch.tensor(cw)]                  # (l, CD)
        y = F.conv1d(e.t().unsqueeze(0), p["char_conv.weight"], p["char_conv.bias"], padding=CK // 2)
        feats.append(y[0].max(dim=1).values)                        # (CF)
    x = torch.cat([p["word_emb.weight"][torch.tensor(ws)], torch.stack(feats)], dim=1)  # (n, DIN)
    h = x.t().unsqueeze(0)
    for l in range(WL):
        y = F.conv1d(h, p["word_conv.%d.weight" % l], p["word_conv.%d.bias" % l], padding=WK // 2).relu()
        if y.shape[1] == h.shape[1]:
            y = y + h
        h = y
    return torch.cat([h[0].t(), x], dim=1)                          # (n, E)


def lstm_step(x, h, c):
    g = x @ lstm_params["weight_ih_l0"].t() + lstm_params["bias_ih_l0"] + h @ lstm_params["weight_hh_l0"].t() + lstm_params["bias_hh_l0"]
    i, f, gg, o = g.split(H)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


loss = 0
greedy_tags, greedy_logp = [], []
for ws, cs, ts in zip(words, chars, tags):
    enc = encode(ws, cs)
    n = len(ws)
    prev = [K] + ts[:-1]
    inp = torch.cat([enc, F.one_hot(torch.tensor(prev), K + 1).float()], dim=1)
    h, c = torch.zeros(H), torch.zeros(H)
    logits, hs = [], []
    for t in range(n):
        h, c = lstm_step(inp[t], h, c)
        hs.append(h)
        logits.append(h @ p["out.weight"].t() + p["out.bias"])
    with torch.no_grad():
        ref, _ = lstm(inp.unsqueeze(0))
        assert torch.allclose(ref[0], torch.stack(hs), atol=1e-6)
    loss = loss + F.cross_entropy(torch.stack(logits), torch.tensor(ts), reduction="sum")
    # greedy decoding
    with torch.no_grad():
        h, c = torch.zeros(H), torch.zeros(H)
        y, out_t, out_l = K, [], []
        for t in range(n):
            x = torch.cat([enc[t], F.one_hot(torch.tensor(y), K + 1).float()])
            h, c = lstm_step(x, h, c)
            lp = torch.log_softmax(h @ p["out.weight"].t() + p["out.bias"], dim=0)
            y = int(lp.argmax())
            out_t.append(y)
            out_l.append(float(lp[y]))
        greedy_tags.append(out_t)
        greedy_logp.append(out_l)

loss.backward()
tensors = dict(p)
tensors["loss"] = loss
for n, t in p.items():
    tensors["grad." + n] = t.grad
tensors["greedy_logp"] = torch.tensor([v for s in greedy_logp for v in s])
out = pathlib.Path(__file__).resolve().parent / "tagger_parity.json"
torchfix.save(str(out), tensors, meta={"words": words, "chars": chars, "tags": tags, "greedy_tags": greedy_tags,
                                         "num_words": V, "num_chars": C, "num_tags": K})
print("wrote", out, "loss", float(loss), "greedy", greedy_tags)
