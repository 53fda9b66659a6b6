"""Reproducibility: one call at the top of every lesson and test.

torch on the CPU is bit-reproducible for a fixed seed *and* thread count
(different thread counts reorder reductions), so lessons pin one torch
thread. The compiled trainer needs no pinning: each instance runs on one
thread with its own random stream, so its result never depends on how many
threads there are.
"""
from __future__ import annotations

import random

import numpy as np
import torch

from .validation import check_int


def set_seed(seed: int = 0, threads: int = 1) -> None:
    """Seed python, numpy and torch; fix torch's thread count; prefer deterministic kernels."""
    seed = check_int("seed", seed, 0, 2**32 - 1)
    threads = check_int("threads", threads, 1, 1024)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def setup_lesson(seed: int = 0) -> None:
    """Seed everything, pin one torch thread and apply the course's matplotlib style."""
    set_seed(seed, threads=1)
    from .plots import use_course_style
    use_course_style()
