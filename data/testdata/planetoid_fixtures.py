#!/usr/bin/python3
"""Writes tiny Planetoid-layout fixtures for data/planetoid_test.go.

Regenerate (Debian's python3 with python3-numpy and python3-scipy):

    cd data/testdata && /usr/bin/python3 planetoid_fixtures.py

It writes ind.tiny.{x,y,tx,ty,allx,ally,graph,test.index} three times, pickled
like the original Planetoid files (scipy CSR float32 features, int32 one-hot
numpy labels, a collections.defaultdict(list) graph) with protocol 2 (the
Planetoid files' protocol) into planetoid_p2/, protocol 0 into planetoid_p0/
and protocol 4 (with a Fortran-ordered ally and float64 x) into planetoid_p4/.
The test ids span one more id than tx has rows (node 7 is missing), which
exercises Kipf's citeseer padding. planetoid_tiny_expected.json holds what
Kipf & Welling's gcn/utils.py load_data computes from them (features,
argmax labels with -1 for all-zero rows, splits, undirected edges).
"""
import collections
import json
import os
import pickle

import numpy as np
import scipy.sparse as sp

rng = np.random.RandomState(0)
nf, nc = 4, 3
allx = (rng.rand(6, nf) < 0.5).astype(np.float32) * rng.choice([1.0, 0.5, 0.25], size=(6, nf)).astype(np.float32)
tx = (rng.rand(3, nf) < 0.6).astype(np.float32)
ally = np.eye(nc, dtype=np.int32)[[0, 1, 2, 1, 0, 2]]
ally[5] = 0  # a node without a label
ty = np.eye(nc, dtype=np.int32)[[2, 0, 1]]
x, y = allx[:2], ally[:2]
test_index = [9, 6, 8]  # file order; node 7 is an isolated test-range node without a row
graph = collections.defaultdict(list)
for u, v in [(0, 1), (1, 0), (0, 1), (2, 3), (3, 3), (4, 9), (9, 4), (6, 8), (5, 6), (1, 2)]:
    graph[u].append(v)
graph[7] = []


def write(dirname, protocol, fortran=False, x64=False):
    os.makedirs(dirname, exist_ok=True)
    objs = {
        "x": sp.csr_matrix(x.astype(np.float64) if x64 else x),
        "y": y,
        "tx": sp.csr_matrix(tx),
        "ty": ty,
        "allx": sp.csr_matrix(allx),
        "ally": np.asfortranarray(ally) if fortran else ally,
        "graph": graph,
    }
    for k, v in objs.items():
        with open(os.path.join(dirname, "ind.tiny." + k), "wb") as f:
            pickle.dump(v, f, protocol=protocol)
    with open(os.path.join(dirname, "ind.tiny.test.index"), "w") as f:
        f.write("".join("%d\n" % i for i in test_index))


write("planetoid_p2", 2)
write("planetoid_p0", 0)
write("planetoid_p4", 4, fortran=True, x64=True)

# Kipf's load_data, with the citeseer padding applied since the span is larger.
test_idx_range = np.sort(test_index)
full = range(min(test_index), max(test_index) + 1)
tx_ext = np.zeros((len(full), nf), dtype=np.float32)
tx_ext[test_idx_range - min(test_idx_range), :] = tx
ty_ext = np.zeros((len(full), nc), dtype=np.int32)
ty_ext[test_idx_range - min(test_idx_range), :] = ty
features = np.vstack((allx, tx_ext))
features[test_index, :] = features[test_idx_range, :]
labels = np.vstack((ally, ty_ext))
labels[test_index, :] = labels[test_idx_range, :]
lab = [int(np.argmax(r)) if r.any() else -1 for r in labels]
edges = sorted({(min(u, v), max(u, v)) for u, vs in graph.items() for v in vs if u != v})
loops = sorted({u for u, vs in graph.items() for v in vs if u == v})
with open("planetoid_tiny_expected.json", "w") as f:
    json.dump({
        "features": features.tolist(), "labels": lab, "num_classes": nc,
        "edges": edges, "self_loops": loops,
        "train": list(range(len(y))), "val": list(range(len(y), min(len(y) + 500, len(allx)))),
        "test": test_idx_range.tolist(),
    }, f)
