"""``train``: one call trains a whole batch of toy-model instances.

A *setting* is one (sparsity, importance) pair; every setting is trained from
``n_seeds`` restarts, and ``Run.best()`` keeps the lowest-loss restart (the
paper's best-of-K protocol). All instances are independent: a single call
with 7 settings x 10 restarts trains 70 models side by side.

Recipe (the official notebook's): AdamW(lr=1e-3, betas=(0.9, 0.999),
eps=1e-8, weight_decay=0.01), constant learning rate, 1024 fresh samples per
step, 10,000 steps, W ~ Xavier-normal with std sqrt(2 / (m + n)) per instance
(the notebook's 3-D xavier call also folds the instance count into the
fan-in; we use the per-model value), b = 0. Restart r of every setting starts
from the same W, so settings are compared from equal starts.

Backends: 'numba' (default on CPU) runs the fused kernels of
``tmslab.kernels``; 'torch' is the plain autograd version of the same maths
and runs on any torch device, CUDA included.
"""
from __future__ import annotations

import hashlib
import math
import os

import numpy as np
import torch

from . import kernels
from .data import FeatureGroups, check_importance, check_sparsity, sample_features
from .models import forward, model_spec, target, weighted_mse
from .run import Run, TrainConfig
from .validation import check_choice, check_float, check_int

_MAX_STEPS = 10_000_000


def _progress_enabled(progress) -> bool:
    if progress is None:
        return os.environ.get("TMSLAB_PROGRESS", "1") != "0"
    return bool(progress)


def _broadcast_settings(sparsity: np.ndarray, importance: np.ndarray):
    n_settings = max(len(sparsity), len(importance))
    for name, arr in (("sparsity", sparsity), ("importance", importance)):
        if len(arr) not in (1, n_settings):
            raise ValueError(f"sparsity gives {len(sparsity)} settings and importance "
                             f"{len(importance)}; they must match or one must be a single setting")
    return (np.broadcast_to(sparsity, (n_settings, sparsity.shape[1])),
            np.broadcast_to(importance, (n_settings, importance.shape[1])))


def _initial_weights(cfg: TrainConfig, n_settings: int):
    """W (I, m, n) and W2 (I, n, m) or None; restart r uses generator (seed, r)."""
    m, n = cfg.n_hidden, cfg.n_features
    std = math.sqrt(2.0 / (m + n))
    W, W2 = [], []
    for r in range(cfg.n_seeds):
        rng = np.random.default_rng([cfg.seed, r])
        W.append(rng.standard_normal((m, n)) * std)
        W2.append(rng.standard_normal((n, m)) * std)
    W = np.tile(np.stack(W), (n_settings, 1, 1)).astype(np.float32)
    W2 = np.tile(np.stack(W2), (n_settings, 1, 1)).astype(np.float32)
    return W, (W2 if not model_spec(cfg.model).tied else None)


def _setting_key(cfg: TrainConfig, groups: FeatureGroups, sparsity: np.ndarray,
                 importance: np.ndarray, restart: int, purpose: int) -> int:
    """A 32-bit data-stream key that depends only on (seed, this setting, restart, purpose).

    The setting enters through the float32 bytes of its sparsity and importance
    rows and its feature groups, so an instance's data never depend on its
    position in a sweep or on which other settings share the call.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(sparsity, dtype=np.float32).tobytes())
    digest.update(np.ascontiguousarray(importance, dtype=np.float32).tobytes())
    digest.update(repr(groups.to_dict()).encode())
    words = np.frombuffer(digest.digest(), dtype=np.uint32)
    rng = np.random.default_rng([cfg.seed, restart, purpose, *map(int, words)])
    return int(rng.integers(0, 2**32))


def _stream_keys(cfg: TrainConfig, groups: FeatureGroups, sparsity: np.ndarray, importance: np.ndarray,
                 purpose: int, per_restart: bool) -> np.ndarray:
    """(I,) uint64 keys, one per instance (rows of sparsity / importance, setting-major).

    per_restart=False gives every restart of a setting the same stream (common
    random numbers for comparing restarts).
    """
    restarts = np.tile(np.arange(cfg.n_seeds), len(sparsity) // cfg.n_seeds)
    return np.array([_setting_key(cfg, groups, s, imp, int(r) if per_restart else 0, purpose)
                     for s, imp, r in zip(sparsity, importance, restarts)], dtype=np.uint64)


def train(n_features: int, n_hidden: int, model: str = "relu_output", sparsity=0.0,
          importance=1.0, n_seeds: int = 1, steps: int = 10_000, batch_size: int = 1024,
          lr: float = 1e-3, seed: int = 0, progress: bool | None = None,
          feature_groups: FeatureGroups | None = None, weight_decay: float = 0.01,
          eval_samples: int = 32_768, log_every: int = 100, history_every: int = 0,
          backend: str = "auto", device: str | None = None, threads: int | None = None) -> Run:
    """Train every (setting, restart) instance and return a ``Run``.

    n_features (n) and n_hidden (m): model sizes, n >= 1, m >= 1.
    model: 'linear' | 'relu_output' | 'relu_hidden' | 'abs'.
    sparsity: S in [0, 1]; a number, one value per setting, or (settings, n).
    importance: base r in (0, 1] for I_i = r**i, a length-n vector, or (settings, n).
    n_seeds: restarts per setting. steps, batch_size, lr, weight_decay: AdamW recipe.
    seed: everything (init and data) is a function of it: reruns are bit-identical.
    progress: tqdm bar; None reads the TMSLAB_PROGRESS environment variable (default on).
    feature_groups: correlated / anti-correlated blocks (default: all independent).
    eval_samples: fresh samples for ``final_loss`` (the same data for every restart).
    log_every: steps per entry of ``loss_history``; history_every > 0 also stores W.
    backend: 'auto' (numba on CPU, torch elsewhere), 'numba' or 'torch'; device: torch device.
    """
    n = check_int("n_features", n_features, 1, 100_000)
    m = check_int("n_hidden", n_hidden, 1, 100_000)
    spec = model_spec(model)
    n_seeds = check_int("n_seeds", n_seeds, 1, 100_000)
    steps = check_int("steps", steps, 0, _MAX_STEPS)
    batch_size = check_int("batch_size", batch_size, 1, 1_000_000)
    lr = check_float("lr", lr, 0.0, 10.0, low_open=True)
    weight_decay = check_float("weight_decay", weight_decay, 0.0, 1.0)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    eval_samples = check_int("eval_samples", eval_samples, 1, 100_000_000)
    log_every = check_int("log_every", log_every, 1)
    history_every = check_int("history_every", history_every, 0)
    check_choice("backend", backend, ("auto", "numba", "torch"))
    device = str(device or "cpu")
    if backend == "auto":
        backend = "numba" if device == "cpu" else "torch"
    if backend == "numba" and device != "cpu":
        raise ValueError(f"backend 'numba' runs on device 'cpu' only, got device={device!r}")
    groups = feature_groups or FeatureGroups.independent(n)
    if not isinstance(groups, FeatureGroups) or groups.n_features != n:
        raise ValueError(f"feature_groups must be a FeatureGroups covering n_features={n} features")
    S, I_ = _broadcast_settings(check_sparsity(sparsity, n), check_importance(importance, n))
    groups.group_density(S)  # checks equal sparsity inside every group

    cfg = TrainConfig(n_features=n, n_hidden=m, model=spec.name, steps=steps, batch_size=batch_size,
                      lr=lr, weight_decay=weight_decay, n_seeds=n_seeds, seed=seed,
                      eval_samples=eval_samples, log_every=log_every, history_every=history_every,
                      backend=backend, device=device)
    n_settings = S.shape[0]
    sparsity_i = np.repeat(S, n_seeds, axis=0)
    importance_i = np.repeat(I_, n_seeds, axis=0)
    W0, W2_0 = _initial_weights(cfg, n_settings)
    trainer = _NumbaTrainer if backend == "numba" else _TorchTrainer
    state = trainer(cfg, groups, sparsity_i, importance_i, W0, W2_0, n_settings, threads)
    history = state.fit(_progress_enabled(progress))
    final_loss = state.evaluate()
    W, b, W2 = state.weights()
    return Run(config=cfg, W=W, b=b, W2=W2, final_loss=final_loss,
               sparsity=torch.tensor(sparsity_i, dtype=torch.float32),
               importance=torch.tensor(importance_i, dtype=torch.float32),
               setting=torch.arange(n_settings).repeat_interleave(n_seeds),
               restart=torch.arange(n_seeds).repeat(n_settings), groups=groups, **history)


def _chunks(cfg: TrainConfig) -> list[int]:
    """End steps of the logging windows (and snapshots, if requested)."""
    ends = set(range(cfg.log_every, cfg.steps + 1, cfg.log_every))
    if cfg.history_every:
        ends |= set(range(cfg.history_every, cfg.steps + 1, cfg.history_every))
    ends.add(cfg.steps)
    return sorted(e for e in ends if e > 0)


class _Trainer:
    """Shared loop: advance to each chunk end, log the loss, take snapshots."""

    def fit(self, progress: bool) -> dict:
        cfg = self.cfg
        bar = None
        if progress and cfg.steps > 0:
            from tqdm.auto import tqdm
            bar = tqdm(total=cfg.steps, desc=f"train {cfg.model} x{len(self.importance)}", leave=False)
        done, log_steps, log_losses, snap_steps, snaps_W, snaps_b = 0, [], [], [], [], []
        window_loss, window_steps = np.zeros(len(self.importance)), 0

        def snapshot(step):
            W, b, _ = self.weights()
            snap_steps.append(step)
            snaps_W.append(W)
            snaps_b.append(b)

        if cfg.history_every:
            snapshot(0)
        for end in _chunks(cfg):
            mean = self.advance(done, end - done)
            window_loss += mean * (end - done)
            window_steps += end - done
            if bar is not None:
                bar.update(end - done)
            done = end
            if end % cfg.log_every == 0 or end == cfg.steps:
                log_steps.append(end)
                log_losses.append(window_loss / window_steps)
                window_loss, window_steps = np.zeros(len(self.importance)), 0
            if cfg.history_every and end % cfg.history_every == 0:
                snapshot(end)
        if bar is not None:
            bar.close()
        out = {"loss_history": torch.tensor(np.array(log_losses).reshape(-1, len(self.importance)),
                                            dtype=torch.float32),
               "history_steps": torch.tensor(log_steps, dtype=torch.long)}
        if cfg.history_every:
            out.update(W_history=torch.stack(snaps_W), b_history=torch.stack(snaps_b),
                       snapshot_steps=torch.tensor(snap_steps, dtype=torch.long))
        return out


class _NumbaTrainer(_Trainer):
    def __init__(self, cfg, groups, sparsity, importance, W0, W2_0, n_settings, threads):
        import numba
        self.cfg, self.spec = cfg, model_spec(cfg.model)
        self.importance = importance.astype(np.float32)
        # the kernels see float32-rounded densities, so a run depends only on float32 settings
        self.density = groups.group_density(sparsity).astype(np.float32).astype(np.float64)
        self.starts, self.anti = groups.starts, groups.anti
        self.W = np.ascontiguousarray(W0)
        self.V = self.W if self.spec.tied else np.ascontiguousarray(W2_0.transpose(0, 2, 1))
        self.b = np.zeros_like(self.importance)
        size = cfg.n_hidden * cfg.n_features + cfg.n_features
        self.adam = np.zeros((len(self.W), 6, size), np.float32)
        self.train_keys = _stream_keys(cfg, groups, sparsity, importance, purpose=1, per_restart=True)
        self.eval_keys = _stream_keys(cfg, groups, sparsity, importance, purpose=2, per_restart=False)
        n_threads = threads or numba.get_num_threads()
        # cost of an instance ~ drawing its active entries + compute on its non-empty samples
        sizes = np.asarray(groups.sizes, np.float64)
        entries = (self.density * sizes).sum(axis=1)
        nonempty = 1.0 - np.prod(1.0 - self.density, axis=1)
        work = cfg.n_features * cfg.n_hidden * (5 if self.spec.tied else 6)
        cost = 0.1 * cfg.n_features + entries + nonempty * work
        self.schedule = kernels.balanced_schedule(cost, n_threads)

    def _flags(self):
        s = self.spec
        return s.hidden_relu, s.output_relu, s.signed_inputs, s.tied

    def advance(self, done: int, n_steps: int) -> np.ndarray:
        mean = np.zeros(len(self.W), np.float64)
        kernels.train_steps(self.W, self.V, self.b, self.adam, self.importance, self.density,
                            self.starts, self.anti, self.train_keys, self.schedule, done, n_steps,
                            self.cfg.batch_size, self.cfg.lr, self.cfg.weight_decay,
                            *self._flags(), mean)
        return mean

    def evaluate(self) -> torch.Tensor:
        batch = min(self.cfg.eval_samples, 4096)
        n_batches = math.ceil(self.cfg.eval_samples / batch)
        out = np.zeros(len(self.W), np.float64)
        kernels.evaluate(self.W, self.V, self.b, self.importance, self.density, self.starts,
                         self.anti, self.eval_keys, self.schedule, n_batches, batch,
                         *self._flags(), out)
        return torch.tensor(out, dtype=torch.float32)

    def weights(self):
        W2 = None if self.spec.tied else torch.tensor(self.V.transpose(0, 2, 1).copy())
        return torch.tensor(self.W.copy()), torch.tensor(self.b.copy()), W2


class _TorchTrainer(_Trainer):
    """Plain autograd + torch.optim.AdamW on any device (CUDA included)."""

    def __init__(self, cfg, groups, sparsity, importance, W0, W2_0, n_settings, threads):
        self.cfg, self.groups = cfg, groups
        dev = torch.device(cfg.device)
        self.dev = dev
        self.sparsity = sparsity
        self.importance = importance
        self.imp = torch.tensor(importance, dtype=torch.float32, device=dev)
        self.W = torch.nn.Parameter(torch.tensor(W0, device=dev))
        self.b = torch.nn.Parameter(torch.zeros(len(W0), cfg.n_features, device=dev))
        self.W2 = None if W2_0 is None else torch.nn.Parameter(torch.tensor(W2_0, device=dev))
        params = [p for p in (self.W, self.b, self.W2) if p is not None]
        self.opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.gen = torch.Generator(device=dev).manual_seed(cfg.seed)
        self.signed = model_spec(cfg.model).signed_inputs

    def _loss(self, n_samples: int) -> torch.Tensor:
        x = sample_features(n_samples, self.sparsity, self.groups, self.signed, self.gen, self.dev)
        out = forward(self.cfg.model, x, self.W, self.b, self.W2)
        return weighted_mse(out, target(self.cfg.model, x), self.imp)

    def advance(self, done: int, n_steps: int) -> np.ndarray:
        total = torch.zeros(len(self.importance), device=self.dev)
        for _ in range(n_steps):
            per_instance = self._loss(self.cfg.batch_size)
            self.opt.zero_grad(set_to_none=True)
            per_instance.sum().backward()
            self.opt.step()
            total += per_instance.detach()
        return (total / max(n_steps, 1)).cpu().double().numpy()

    @torch.no_grad()
    def evaluate(self) -> torch.Tensor:
        self.gen.manual_seed(self.cfg.seed + 1)
        left, total, count = self.cfg.eval_samples, 0.0, 0
        while left > 0:
            k = min(left, 4096)
            total = total + self._loss(k) * k
            count += k
            left -= k
        return (total / count).float().cpu()

    def weights(self):
        W2 = None if self.W2 is None else self.W2.detach().cpu().clone()
        return self.W.detach().cpu().clone(), self.b.detach().cpu().clone(), W2
