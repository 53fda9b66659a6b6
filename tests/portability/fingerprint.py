"""Print a fingerprint of trained toy models: run in subprocesses built for different CPUs.

    python tests/portability/fingerprint.py

Trains every model kind (independent, correlated and anti-correlated feature
groups; dense and sparse settings; several restarts; snapshots) and prints one
SHA-256 per job over the exact bytes of every result tensor. The tests compare
these lines across instruction sets and compile caches.
"""
from __future__ import annotations

import hashlib
import os
import sys

import numpy as np
import torch

os.environ.setdefault("TMSLAB_PROGRESS", "0")

import tmslab  # noqa: E402
from tmslab.data import FeatureGroups  # noqa: E402


def digest(*tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        if t is not None:
            h.update(np.ascontiguousarray(torch.as_tensor(t).numpy()).tobytes())
    return h.hexdigest()[:16]


def jobs():
    groups = FeatureGroups.correlated(1, 2) + FeatureGroups.anticorrelated(1, 3) + FeatureGroups.independent(3)
    yield "relu_output", dict(n_features=8, n_hidden=3, sparsity=[0.0, 0.7, 0.97], importance=0.8, n_seeds=2)
    yield "linear", dict(n_features=8, n_hidden=3, model="linear", sparsity=[0.0, 0.9], importance=0.8)
    yield "relu_hidden", dict(n_features=10, n_hidden=4, model="relu_hidden", sparsity=[0.5, 0.99], n_seeds=2)
    yield "abs", dict(n_features=6, n_hidden=4, model="abs", sparsity=[0.0, 0.9], importance=0.9)
    yield "groups", dict(n_features=8, n_hidden=3, sparsity=[0.3, 0.95], feature_groups=groups,
                         history_every=100)


def main() -> int:
    for name, kwargs in jobs():
        run = tmslab.train(steps=300, batch_size=256, eval_samples=4096, progress=False, **kwargs)
        print(name, digest(run.W, run.b, run.W2, run.final_loss, run.loss_history, run.W_history), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
