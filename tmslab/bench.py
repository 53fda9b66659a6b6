"""Benchmark: tmslab's trainer against a plain PyTorch trainer, side by side.

    python -m tmslab.bench [--steps 10000] [--threads 2]

The reference trainer is written the way the paper's notebook does it:
nn.Parameter W and b, autograd, torch.optim.AdamW, two torch.rand calls per
step (values and mask). Both train the same jobs with the same recipe; both
final models are then scored by the same evaluation (tmslab.models on 32,768
fresh samples per instance, one fixed generator).
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch

from .data import sample_features
from .models import forward, weighted_mse
from .train import train


@dataclass(frozen=True)
class Job:
    name: str
    n_features: int
    n_hidden: int
    density: tuple[float, ...]
    importance_base: float


JOBS = (
    Job("intro", 5, 2, tuple(20.0 ** -np.linspace(0, 1, 10)), 0.9),
    Job("sweep", 20, 5, (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001), 0.7),
)


def reference_train(job: Job, steps: int, batch_size: int = 1024, seed: int = 0):
    """The notebook-style trainer. Returns (W (I, m, n), b (I, n), steps per second)."""
    torch.manual_seed(seed)
    n_inst = len(job.density)
    W = torch.nn.Parameter(torch.empty(n_inst, job.n_features, job.n_hidden))
    torch.nn.init.xavier_normal_(W)
    b = torch.nn.Parameter(torch.zeros(n_inst, job.n_features))
    density = torch.tensor(job.density, dtype=torch.float32)[:, None]
    importance = job.importance_base ** torch.arange(job.n_features, dtype=torch.float32)
    opt = torch.optim.AdamW([W, b], lr=1e-3)
    start = time.perf_counter()
    for _ in range(steps):
        x = torch.rand(batch_size, n_inst, job.n_features)
        x = torch.where(torch.rand(batch_size, n_inst, job.n_features) <= density, x, torch.zeros(()))
        h = torch.einsum("bif,ifh->bih", x, W)
        out = torch.relu(torch.einsum("bih,ifh->bif", h, W) + b)
        loss = (importance * (x - out) ** 2).mean(dim=(0, 2)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    rate = steps / (time.perf_counter() - start)
    return W.detach().transpose(1, 2).contiguous(), b.detach(), rate


def tmslab_train(job: Job, steps: int, batch_size: int = 1024, seed: int = 0):
    sparsity = 1.0 - np.array(job.density)
    kwargs = dict(n_features=job.n_features, n_hidden=job.n_hidden, model="relu_output",
                  sparsity=sparsity, importance=job.importance_base, batch_size=batch_size,
                  seed=seed, progress=False, eval_samples=1)
    train(steps=2, **kwargs)  # compile (or load the cached compiled kernels) outside the timing
    start = time.perf_counter()
    run = train(steps=steps, **kwargs)
    rate = steps / (time.perf_counter() - start)
    return run.W, run.b, rate


@torch.no_grad()
def score(job: Job, W: torch.Tensor, b: torch.Tensor, n_samples: int = 32_768) -> torch.Tensor:
    """Per-instance loss of (W, b) on fresh data, identical for both trainers."""
    gen = torch.Generator().manual_seed(1234)
    sparsity = np.repeat(1.0 - np.array(job.density)[:, None], job.n_features, axis=1)
    importance = torch.tensor(job.importance_base ** np.arange(job.n_features), dtype=torch.float32)
    x = sample_features(n_samples, sparsity, generator=gen)
    return weighted_mse(forward("relu_output", x, W, b), x, importance.expand(len(job.density), -1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2, help="torch and numba threads")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.threads < 1:
        parser.error("--steps and --threads must be >= 1")
    import numba
    torch.set_num_threads(args.threads)
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"{args.steps} steps, batch 1024, AdamW lr 1e-3, {args.threads} threads\n")
    header = (f"{'job':6} {'reference steps/s':>18} {'tmslab steps/s':>15} {'ratio':>7} "
              f"{'ref loss (sum)':>15} {'tmslab loss (sum)':>18} {'median |rel diff|':>18}")
    print(header)
    print("-" * len(header))
    for job in JOBS:
        W_ref, b_ref, ref_rate = reference_train(job, args.steps)
        W_tms, b_tms, tms_rate = tmslab_train(job, args.steps)
        loss_ref, loss_tms = score(job, W_ref, b_ref), score(job, W_tms, b_tms)
        rel = ((loss_tms - loss_ref).abs() / loss_ref).median()
        print(f"{job.name:6} {ref_rate:18.0f} {tms_rate:15.0f} {tms_rate / ref_rate:6.1f}x "
              f"{loss_ref.sum():15.5f} {loss_tms.sum():18.5f} {rel:18.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
