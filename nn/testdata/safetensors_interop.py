#!/usr/bin/python3
"""safetensors interoperability fixtures for nn/safetensors.go.

Regenerate from the repository root with Debian's python3 (torch 1.13):

    /usr/bin/python3 nn/testdata/safetensors_interop.py
    CAIRN_UPDATE_SAFETENSORS=1 go test ./nn -run TestSafetensorsCairnFile
    /usr/bin/python3 nn/testdata/safetensors_interop.py   # now also checks the Go-written file

The Python `safetensors` package is not installable here, so this script
has its own writer, `serialize`, which follows the reference Rust writer
(huggingface/safetensors, tensor.rs `prepare`): tensors sorted by
descending dtype (the reference's Dtype enum order, BOOL < U8 < I8 < ... <
F32 < F64 < I64 < U64), then by name; a compact JSON header with
"__metadata__" first (its keys sorted here; the reference uses a hash map),
then one {"dtype","shape","data_offsets"} entry per tensor in data order;
the header padded with spaces to a multiple of 8 bytes.

It writes, next to itself:

  safetensors_torch.safetensors   state_dict of a small torch model (Linear,
                                  BatchNorm1d with its int64
                                  num_batches_tracked, Embedding), dtypes F32
                                  and I64, metadata {"format": "pt"}
  safetensors_dtypes.safetensors  one tensor per dtype torch 1.13 has (F16,
                                  BF16, F32, F64, I64, I32, I16, I8, U8,
                                  BOOL) with edge values: subnormals, +-0,
                                  +-inf, nan, extremes, ints beyond 2^24
  safetensors_golden.safetensors  fixed F32 tensors and metadata that the Go
                                  test writes with WriteSafetensors and
                                  compares byte for byte
  safetensors_interop.json        the expected float32 values (torchfix),
                                  keys "model/<name>" and "dtypes/<name>", and
                                  "forward/{x,y,ids,emb}": bn(fc(x)) and
                                  emb(ids) of the model in evaluation mode

Every file written is read back with `strict_read`, a reader that applies
the reference's validation rules (and is stricter about duplicate keys).
If safetensors_cairn.safetensors exists (written by Go's nn.Save from the
model in safetensors_torch.safetensors), it is checked too: strict_read
must accept it, re-serialising its tensors with this script's writer must
give the same bytes, and torch's load_state_dict(strict=True) must load it
into the same model with the same values.

To check any file written by cairn (or anyone):

    /usr/bin/python3 nn/testdata/safetensors_interop.py check FILE...

which applies strict_read and the byte-for-byte re-serialisation test.
"""
import json
import math
import pathlib
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
MAX_HEADER = 100_000_000

# The reference's Dtype enum, in its declared (alignment) order.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
               "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2,
         "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8,
         "I64": 8, "U64": 8}
TORCH_DTYPES = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8",
                torch.int16: "I16", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.int32: "I32", torch.float32: "F32", torch.float64: "F64",
                torch.int64: "I64"}
NUMPY = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2",
         "F16": "<f2", "BF16": "<i2", "I32": "<i4", "U32": "<u4", "F32": "<f4",
         "F64": "<f8", "I64": "<i8", "U64": "<u8"}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(NUMPY[TORCH_DTYPES[t.dtype]]).tobytes()


def serialize(tensors, metadata=None):
    """Serialise {name: torch tensor} as the reference writer does."""
    items = sorted(tensors.items(),
                   key=lambda kv: (-DTYPE_ORDER.index(TORCH_DTYPES[kv[1].dtype]), kv[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    data, offset = [], 0
    for name, t in items:
        b = tensor_bytes(t)
        header[name] = {"dtype": TORCH_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        data.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(data)


class Invalid(Exception):
    pass


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise Invalid("duplicate key %r" % k)
        out[k] = v
    return out


def _reject_constant(c):
    raise Invalid("non-standard JSON constant %s" % c)


def _uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def strict_read(b):
    """Parse safetensors bytes with the reference's rules.

    Returns (tensors in data order as [(name, dtype, torch tensor)], metadata).
    Raises Invalid on anything the reference rejects, and on duplicate keys,
    empty names and a header that does not start with "{".
    """
    if len(b) < 8:
        raise Invalid("shorter than the 8-byte length")
    (n,) = struct.unpack_from("<Q", b)
    if n > MAX_HEADER:
        raise Invalid("header length %d too large" % n)
    if 8 + n > len(b):
        raise Invalid("header length %d past the end" % n)
    try:
        text = b[8:8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("header not UTF-8: %s" % e)
    if not text.startswith("{"):
        raise Invalid("header does not start with {")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except ValueError as e:
        raise Invalid("header not JSON: %s" % e)
    meta = header.pop("__metadata__", None)
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise Invalid("__metadata__ is not an object of strings")
    entries = []
    for name, info in header.items():
        if name == "":
            raise Invalid("empty name")
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise Invalid("%r: bad entry" % name)
        dtype, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in SIZES:
            raise Invalid("%r: unknown dtype %r" % (name, dtype))
        if not isinstance(shape, list) or not all(_uint(d) for d in shape):
            raise Invalid("%r: bad shape" % name)
        if not isinstance(offs, list) or len(offs) != 2 or not all(_uint(o) for o in offs):
            raise Invalid("%r: bad data_offsets" % name)
        entries.append((offs[0], offs[1], name, dtype, shape))
    entries.sort(key=lambda e: (e[0], e[1]))
    data = b[8 + n:]
    pos, out = 0, []
    for begin, end, name, dtype, shape in entries:
        if begin != pos or end < begin:
            raise Invalid("%r: offsets [%d, %d] do not follow %d" % (name, begin, end, pos))
        if end - begin != math.prod(shape) * SIZES[dtype]:
            raise Invalid("%r: %d bytes for %s %s" % (name, end - begin, dtype, shape))
        pos = end
        raw = np.frombuffer(data[begin:end], dtype=NUMPY[dtype]).copy()
        t = torch.from_numpy(raw).reshape(shape)
        if dtype == "BF16":
            t = t.view(torch.bfloat16)
        out.append((name, dtype, t))
    if pos != len(data):
        raise Invalid("data section has %d bytes, tensors cover %d" % (len(data), pos))
    return out, meta


def check_file(path):
    """strict_read a file and check that this script's writer gives the same bytes."""
    b = pathlib.Path(path).read_bytes()
    tensors, meta = strict_read(b)
    (n,) = struct.unpack_from("<Q", b)
    if n % 8 != 0 or b[8:8 + n].rstrip(b" ").endswith(b" "):
        raise Invalid("%s: header not padded to 8 bytes with spaces" % path)
    again = serialize({name: t for name, _, t in tensors}, meta)
    if again != b:
        raise Invalid("%s: not byte-identical to the reference writer's output" % path)
    return tensors, meta


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.bn = torch.nn.BatchNorm1d(3)
        self.emb = torch.nn.Embedding(5, 4)


def model():
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
    net.train()
    for _ in range(3):  # running statistics and num_batches_tracked = 3
        net.bn(net.fc(torch.randn(8, 4)))
    return net


def dtype_zoo():
    inf, nan = float("inf"), float("nan")
    return {
        "f16": torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 2.0 ** -14, 2.0 ** -24,
                             3 * 2.0 ** -20, inf, -inf, nan, 0.1, 1 / 3], dtype=torch.float16),
        "bf16": torch.tensor([0.0, -0.0, 1.0, -2.5, 3.3895313892515355e38, 2.0 ** -133, 2.0 ** -126,
                              inf, -inf, nan, 0.1, 1 / 3], dtype=torch.bfloat16).reshape(3, 4),
        "f32": torch.tensor([[0.1, -0.0, 2.0 ** -149], [inf, nan, -3.4028234663852886e38]], dtype=torch.float32),
        "f64": torch.tensor([0.1, 1 / 3, 1e300, -1e300, 1e-300, 16777217.0, 2.0 ** -149 * 1.5],
                            dtype=torch.float64),
        "i64": torch.tensor([0, -1, 3, 2 ** 24, 2 ** 24 + 1, 2 ** 53 + 1, -2 ** 63, 2 ** 63 - 1],
                            dtype=torch.int64),
        "i64_scalar": torch.tensor(42, dtype=torch.int64),
        "i32": torch.tensor([-2 ** 31, 2 ** 31 - 1, 0, 7, 16777217], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, -1, 0], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0, -5], dtype=torch.int8),
        "u8": torch.tensor([[0, 255], [128, 1]], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
        "f32_empty": torch.zeros(2, 0, dtype=torch.float32),
        "f32_3d": torch.arange(6, dtype=torch.float32).reshape(2, 1, 3) / 8 - 0.25,
    }


# The golden tensors; nn/safetensors_test.go builds the same ones.
GOLDEN_NAME = 'odd "name"\\ with\ttab <&> \u00fcn\u00ef \u540d\u524d ctl\x01'
GOLDEN_META = {"format": "pt", "note": 'golden <&> "quoted" \u00fcn\u00ef\n'}


def golden():
    return {
        "zeta.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.25 - 0.5,
        "alpha": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "layers.10.bias": torch.tensor([1.5, -2.25, 0.1]),
        "layers.2.bias": torch.tensor([-0.0, float("inf"), float("-inf"), float("nan"),
                                       2.0 ** -149, 3.4028234663852886e38]),
        GOLDEN_NAME: torch.tensor([[7.0]]),
    }


def same(a, b):
    a, b = a.detach().to(torch.float64), b.detach().to(torch.float64)
    return a.shape == b.shape and torch.equal(torch.nan_to_num(a, nan=12345.0), torch.nan_to_num(b, nan=12345.0))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        for path in sys.argv[2:]:
            tensors, meta = check_file(path)
            print("%s: OK, %d tensors, metadata %s" % (path, len(tensors), meta))
        return

    net = model()
    state = net.state_dict()
    assert state["bn.num_batches_tracked"].dtype == torch.int64 and state["bn.num_batches_tracked"].item() == 3
    files = {
        "safetensors_torch.safetensors": (dict(state), {"format": "pt"}),
        "safetensors_dtypes.safetensors": (dtype_zoo(), None),
        "safetensors_golden.safetensors": (golden(), GOLDEN_META),
    }
    for name, (tensors, meta) in files.items():
        (HERE / name).write_bytes(serialize(tensors, meta))
        got, got_meta = check_file(HERE / name)
        assert got_meta == meta, (name, got_meta)
        assert sorted(n for n, _, _ in got) == sorted(tensors), name
        for n, _, t in got:
            assert t.dtype == tensors[n].dtype and same(t, tensors[n]), (name, n)

    expected = {"model/" + k: v for k, v in state.items()}
    expected.update({"dtypes/" + k: v for k, v in dtype_zoo().items()})
    # An end-to-end check that the loaded weights compute what torch does:
    # bn(fc(x)) and emb(ids) in evaluation mode.
    net.eval()
    x = torch.randn(2, 4)
    ids = torch.tensor([0, 3, 4, 3])
    with torch.no_grad():
        expected.update({"forward/x": x, "forward/y": net.bn(net.fc(x)),
                         "forward/ids": ids, "forward/emb": net.emb(ids)})
    torchfix.save(str(HERE / "safetensors_interop.json"), expected,
                  meta={"num_batches_tracked": state["bn.num_batches_tracked"].item()})
    print("wrote fixtures")

    cairn = HERE / "safetensors_cairn.safetensors"
    if cairn.exists():
        tensors, meta = check_file(cairn)
        assert meta == {"format": "pt"}, meta
        assert all(dtype == "F32" for _, dtype, _ in tensors)
        loaded = {n: t for n, _, t in tensors}
        net2 = Net()
        net2.load_state_dict(loaded, strict=True)
        for k, v in net2.state_dict().items():
            assert v.dtype == state[k].dtype and same(v, state[k]), k
        print("%s: OK (strict reader, byte-identical to the reference writer, loads into torch)" % cairn.name)
    else:
        print("no %s yet: run CAIRN_UPDATE_SAFETENSORS=1 go test ./nn -run TestSafetensorsCairnFile" % cairn.name)


if __name__ == "__main__":
    main()
