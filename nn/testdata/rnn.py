"""PyTorch parity fixtures for nn.LSTM and nn.GRU (nn/rnn_test.go).

Regenerate from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 nn/testdata/rnn.py

Each case builds torch.nn.LSTM or torch.nn.GRU with a fixed seed, runs it on
a small input (with initial states when the case has them, and through
pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence when it has
lengths), backpropagates fixed random upstream gradients on the output and
on the final states, and saves to nn/testdata/rnn_<case>.json:

    the weights under their state_dict names, x, h0 and c0 (if given), out, hn
    and cn, the upstream gradients gout, ghn and gcn, and the gradients
    grad.<name> of the input, the initial states and every weight.
"""
import pathlib
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "internal" / "torchfix"))
import torchfix  # noqa: E402


def case(name, kind, seed, T, B, I, H, layers=1, bidirectional=False,
         batch_first=False, bias=True, lengths=None, with_h0=True):
    torch.manual_seed(seed)
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    rnn = cls(I, H, num_layers=layers, bias=bias, batch_first=batch_first,
              bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    shape = (B, T, I) if batch_first else (T, B, I)
    x = torch.randn(*shape, requires_grad=True)
    h0 = torch.randn(layers * D, B, H, requires_grad=True)
    c0 = torch.randn(layers * D, B, H, requires_grad=True)
    init = None
    if with_h0:
        init = (h0, c0) if kind == "lstm" else h0

    inp = x
    if lengths is not None:
        inp = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first,
                                   enforce_sorted=False)
    out, state = rnn(inp, init)
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    hn, cn = state if kind == "lstm" else (state, None)

    gout = torch.randn(out.shape)
    ghn = torch.randn(hn.shape)
    loss = (out * gout).sum() + (hn * ghn).sum()
    tensors = {"x": x, "out": out, "hn": hn, "gout": gout, "ghn": ghn}
    if cn is not None:
        gcn = torch.randn(cn.shape)
        loss = loss + (cn * gcn).sum()
        tensors.update(cn=cn, gcn=gcn)
    loss.backward()

    tensors["grad.x"] = x.grad
    if with_h0:
        tensors.update(h0=h0, **{"grad.h0": h0.grad})
        if kind == "lstm":
            tensors.update(c0=c0, **{"grad.c0": c0.grad})
    for pname, p in rnn.named_parameters():
        tensors[pname] = p
        tensors["grad." + pname] = p.grad
    meta = {"kind": kind, "input": I, "hidden": H, "layers": layers,
            "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias,
            "lengths": lengths, "names": [n for n, _ in rnn.named_parameters()]}
    torchfix.save(str(HERE / ("rnn_%s.json" % name)), tensors, meta=meta)


case("lstm", "lstm", 1, T=5, B=3, I=3, H=4)
case("lstm_bi", "lstm", 2, T=4, B=3, I=3, H=4, layers=2, bidirectional=True, batch_first=True)
case("lstm_lengths", "lstm", 3, T=5, B=3, I=3, H=4, layers=2, bidirectional=True,
     lengths=[3, 5, 1])
case("lstm_nobias", "lstm", 4, T=4, B=2, I=3, H=3, bidirectional=True, bias=False,
     with_h0=False)
case("gru_bi", "gru", 5, T=4, B=3, I=3, H=4, layers=2, bidirectional=True)
case("gru_lengths", "gru", 6, T=4, B=3, I=3, H=4, layers=2, bidirectional=True,
     batch_first=True, lengths=[2, 4, 1], with_h0=False)
