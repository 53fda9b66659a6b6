"""Same bits on every machine: instruction sets, compile caches, threads, neighbours in a sweep.

The cross-CPU test trains every model kind in fresh subprocesses whose numba
kernels are compiled for the host CPU, for AVX2 ('haswell', when the host has
it) and for baseline x86-64 ('generic'), each with its own compile cache, with
torch's and numpy's SIMD dispatch lowered to match; then once more from the
host's now-warm cache. All must print the same fingerprints.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import tmslab

from cpu_builds import cpu_builds, output, spawn

SCRIPT = Path(__file__).parent / "portability" / "fingerprint.py"


@pytest.mark.slow
def test_same_bits_on_every_instruction_set_fresh_and_cached(tmp_path):
    builds = cpu_builds(tmp_path)
    procs = {name: spawn(SCRIPT, env) for name, env in builds.items()}        # fresh compiles, in parallel
    fresh = {name: output(p) for name, p in procs.items()}
    cached = output(spawn(SCRIPT, builds["host"]))                          # the host build again, from its cache
    assert any((tmp_path / "cache-host").rglob("*.nbi")), "the host build wrote no compile cache"
    lines = fresh["host"].splitlines()
    assert len(lines) == 5
    for name, out in fresh.items():
        assert out == fresh["host"], f"build {name!r} differs from the host build:\n{out}\nvs\n{fresh['host']}"
    assert cached == fresh["host"], "loading the kernels from the compile cache changed the results"


def _train(**kw):
    base = dict(n_features=6, n_hidden=2, steps=200, batch_size=256, eval_samples=2048, progress=False)
    base.update(kw)
    return tmslab.train(**base)


def test_instance_depends_only_on_its_own_setting():
    alone = _train(sparsity=[0.9], n_seeds=2)
    sweep = _train(sparsity=[0.0, 0.5, 0.9, 0.9], n_seeds=2)
    reversed_ = _train(sparsity=[0.9, 0.5, 0.0], n_seeds=2)
    for run, first in ((sweep, 4), (sweep, 6), (reversed_, 0)):
        assert torch.equal(run.W[first:first + 2], alone.W)
        assert torch.equal(run.b[first:first + 2], alone.b)
        assert torch.equal(run.final_loss[first:first + 2], alone.final_loss)
    # the two restarts differ from each other, and a different setting differs
    assert not torch.equal(alone.W[0], alone.W[1])
    assert not torch.equal(sweep.W[0], sweep.W[4])


def test_results_do_not_depend_on_threads_or_chunking():
    one = _train(sparsity=[0.0, 0.8, 0.99], n_seeds=3, threads=1)
    two = _train(sparsity=[0.0, 0.8, 0.99], n_seeds=3, threads=2, log_every=7)
    assert torch.equal(one.W, two.W) and torch.equal(one.b, two.b)
    assert torch.equal(one.final_loss, two.final_loss)


def test_sparse_block_sampler_matches_the_distribution():
    """Groups below DENSE_ABOVE jump over Geometric gaps: activity rate, values and positions stay exact."""
    from tmslab import kernels
    from tmslab.data import FeatureGroups
    g = FeatureGroups.independent(4)
    B = 200_000
    X = np.zeros((4, B), np.float32)
    nonzero = np.zeros(B, np.bool_)
    density = np.array([kernels.DENSE_ABOVE, 0.01, 0.001, 0.9 * kernels.DENSE_ABOVE])
    gaps = np.zeros((4, kernels.GAP + 1))
    kernels.gap_tables(density, gaps)
    touched = np.zeros(X.size + 1, np.int64)
    kernels.sample_features(X, density, gaps, g.starts, g.anti, False, 3, 1, nonzero, touched)
    rate = (X != 0).mean(1)
    assert np.all(np.abs(rate - density) < 4 * np.sqrt(density / B)), rate
    v = X[0][X[0] != 0]
    assert v.mean() == pytest.approx(0.5, abs=0.01) and v.var() == pytest.approx(1 / 12, abs=0.003)
    # activity is independent of position: equal rates in the first and second half of the batch, and
    # the gap between consecutive actives is Geometric(p), including gaps longer than GAP
    halves = (X[1] != 0).reshape(2, -1).mean(1)
    assert halves[0] == pytest.approx(halves[1], rel=0.15)
    gaps_seen = np.diff(np.flatnonzero(X[2]))
    assert gaps_seen.mean() == pytest.approx(1 / 0.001, rel=0.1) and gaps_seen.max() > 3 * kernels.GAP
