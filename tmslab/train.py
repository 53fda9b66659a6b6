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
from dataclasses import dataclass

import numpy as np
import torch

from . import kernels
from .data import FeatureGroups, check_importance, check_sparsity, sample_features
from .models import forward, model_spec, target, weighted_mse
from .run import Run, TrainConfig
from .validation import check_choice, check_device, check_float, check_int, check_threads

_MAX_STEPS = 10_000_000
MAX_IMPORTANCE = 1e6          # importance in (0, 1e6]: I (x' - x)^2 and its gradients stay finite in float32
DEFAULT_MAX_MEMORY_GB = 4.0   # resource guard, overridden by max_memory_gb= or TMSLAB_MAX_MEMORY_GB
DEFAULT_MAX_HOURS = 1.0       # resource guard, overridden by max_hours= or TMSLAB_MAX_HOURS
CHUNK_SECONDS = 0.5           # training runs in chunks of about this long: Ctrl-C waits for one chunk


class TrainingDiverged(ValueError):
    """Training produced NaN or infinity; the message names the settings that caused it."""


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
          backend: str = "auto", device: str | None = None, threads: int | None = None,
          max_memory_gb: float | None = None, max_hours: float | None = None) -> Run:
    """Train every (setting, restart) instance and return a ``Run``.

    n_features (n) and n_hidden (m): model sizes, n >= 1, m >= 1.
    model: 'linear' | 'relu_output' | 'relu_hidden' | 'abs'.
    sparsity: S in [0, 1]; a number, one value per setting, or (settings, n).
    importance: base r in (0, 1] for I_i = r**i, a length-n vector, or (settings, n).
    n_seeds: restarts per setting. steps, batch_size, lr, weight_decay: AdamW recipe.
    seed: everything (init and data) is a function of it: reruns are bit-identical.
    progress: tqdm bar; None reads the TMSLAB_PROGRESS environment variable (default on).
    feature_groups: correlated / anti-correlated blocks (default: all independent).
    eval_samples: non-empty fresh samples for ``final_loss`` per instance (more samples in all when
    features are sparse, see ``eval_batches``); the restarts of a setting share the same data.
    log_every: steps per entry of ``loss_history``; history_every > 0 also stores W.
    backend: 'auto' (numba on CPU, torch elsewhere), 'numba' or 'torch'.
    device: None or 'cpu' (any CPU spelling, e.g. 'cpu:0', means 'cpu'), or an available
    accelerator ('cuda', 'cuda:1', 'mps'); threads: None or 1..numba.config.NUMBA_NUM_THREADS.
    lr * weight_decay must be <= 1 (AdamW multiplies every weight by 1 - lr * weight_decay
    per step); importance entries must be <= 1e6 (``MAX_IMPORTANCE``).

    Resource guard: memory and time are estimated before anything is allocated
    (``estimate_resources``); a request above ``max_memory_gb`` (default 4, or the
    TMSLAB_MAX_MEMORY_GB environment variable) or ``max_hours`` (default 1, or
    TMSLAB_MAX_HOURS) is refused with the estimate in the message. Training runs
    in chunks of at most ``CHUNK_SECONDS`` (0.5 s by the cost model, but at least one
    step), so Ctrl-C stops it within about a second; chunking never changes results.
    A run whose loss or weights become NaN or infinite raises ``TrainingDiverged``
    (a ValueError) naming lr, weight_decay, the importance scale and the instances.
    """
    check_choice("backend", backend, ("auto", "numba", "torch"))
    device = check_device("device", device)
    threads = check_threads("threads", threads)
    if backend == "auto":
        backend = "numba" if device == "cpu" else "torch"
    cfg = check_config(dict(n_features=n_features, n_hidden=n_hidden, model=model, steps=steps,
                            batch_size=batch_size, lr=lr, weight_decay=weight_decay, n_seeds=n_seeds,
                            seed=seed, eval_samples=eval_samples, log_every=log_every,
                            history_every=history_every, backend=backend, device=device))
    n, n_seeds = cfg.n_features, cfg.n_seeds
    groups = feature_groups or FeatureGroups.independent(n)
    if not isinstance(groups, FeatureGroups) or groups.n_features != n:
        raise ValueError(f"feature_groups must be a FeatureGroups covering n_features={n} features")
    S, I_ = _broadcast_settings(check_sparsity(sparsity, n), check_importance(importance, n))
    check_importance_scale(I_)
    groups.group_density(S)  # checks equal sparsity inside every group

    n_settings = S.shape[0]
    estimate = estimate_resources(cfg, S, groups, threads)
    check_resources(estimate, max_memory_gb, max_hours)
    sparsity_i = np.repeat(S, n_seeds, axis=0)
    importance_i = np.repeat(I_, n_seeds, axis=0)
    W0, W2_0 = _initial_weights(cfg, n_settings)
    trainer = _NumbaTrainer if backend == "numba" else _TorchTrainer
    state = trainer(cfg, groups, sparsity_i, importance_i, W0, W2_0, n_settings, threads)
    history = state.fit(_progress_enabled(progress), estimate.chunk_steps)
    final_loss, final_loss_se = state.evaluate()
    W, b, W2 = state.weights()
    return Run(config=cfg, W=W, b=b, W2=W2, final_loss=final_loss, final_loss_se=final_loss_se,
               sparsity=torch.tensor(sparsity_i, dtype=torch.float32),
               importance=torch.tensor(importance_i, dtype=torch.float32),
               setting=torch.arange(n_settings).repeat_interleave(n_seeds),
               restart=torch.arange(n_seeds).repeat(n_settings), groups=groups, **history)


_CONFIG_FIELDS = ("n_features", "n_hidden", "model", "steps", "batch_size", "lr", "weight_decay",
                  "n_seeds", "seed", "eval_samples", "log_every", "history_every", "backend", "device")


def check_config(fields: dict) -> TrainConfig:
    """A ``TrainConfig`` from a dict of all its fields, each checked as ``train`` checks it.

    ``train`` builds its config here and ``load_run`` rebuilds a saved one here, so a
    file cannot carry a configuration that ``train`` would refuse. backend must be
    'numba' or 'torch' (as resolved by ``train``); device must parse as a torch
    device string (it need not exist on this machine: a run trained on a GPU loads
    anywhere); 'numba' runs on 'cpu' only.
    """
    if not isinstance(fields, dict):
        raise ValueError(f"config must be a dict of TrainConfig fields, got {type(fields).__name__}")
    unknown = sorted(set(fields) - set(_CONFIG_FIELDS))
    missing = [k for k in _CONFIG_FIELDS if k not in fields]
    if unknown or missing:
        raise ValueError(f"config must have exactly the fields {', '.join(_CONFIG_FIELDS)}; "
                         f"unknown {unknown}, missing {missing}")
    f = fields
    lr = check_float("lr", f["lr"], 0.0, 10.0, low_open=True)
    weight_decay = check_float("weight_decay", f["weight_decay"], 0.0, 1.0)
    if lr * weight_decay > 1.0:
        raise ValueError(f"lr * weight_decay must be <= 1 (AdamW multiplies every weight by "
                         f"1 - lr * weight_decay each step; below 0 the weights flip sign and grow), "
                         f"got lr={lr:g}, weight_decay={weight_decay:g}")
    backend = check_choice("backend", f["backend"], ("numba", "torch"))
    device = f["device"]
    if not isinstance(device, str):
        raise ValueError(f"device must be a device string, got {device!r}")
    try:
        torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"device must be a torch device string such as 'cpu' or 'cuda:0', "
                         f"got {device!r}") from None
    if backend == "numba" and device != "cpu":
        raise ValueError(f"backend 'numba' runs on device 'cpu' only, got device={device!r}")
    return TrainConfig(
        n_features=check_int("n_features", f["n_features"], 1, 100_000),
        n_hidden=check_int("n_hidden", f["n_hidden"], 1, 100_000),
        model=model_spec(f["model"]).name,
        steps=check_int("steps", f["steps"], 0, _MAX_STEPS),
        batch_size=check_int("batch_size", f["batch_size"], 1, 1_000_000),
        lr=lr, weight_decay=weight_decay,
        n_seeds=check_int("n_seeds", f["n_seeds"], 1, 100_000),
        seed=check_int("seed", f["seed"], 0, 2**63 - 1),
        eval_samples=check_int("eval_samples", f["eval_samples"], 1, 100_000_000),
        log_every=check_int("log_every", f["log_every"], 1, _MAX_STEPS),
        history_every=check_int("history_every", f["history_every"], 0, _MAX_STEPS),
        backend=backend, device=device)


def check_importance_scale(importance) -> None:
    """Importance entries must be finite and in (0, ``MAX_IMPORTANCE``] = (0, 1e6].

    The loss I_i (x'_i - x_i)^2, its gradient and Adam's squared gradient are float32;
    above about 1e19 they overflow to infinity, so the bound leaves a wide margin
    (the course uses importances between 1e-3 and 1e3).
    """
    imp = np.asarray(importance, dtype=np.float64)
    if not np.all(np.isfinite(imp)) or np.any(imp <= 0) or np.any(imp > MAX_IMPORTANCE):
        raise ValueError(f"importance entries must be finite and in (0, {MAX_IMPORTANCE:g}], got values "
                         f"from {np.nanmin(imp):.4g} to {np.nanmax(imp):.4g}; rescaling every importance "
                         f"by the same factor only rescales the loss")


@dataclass(frozen=True)
class ResourceEstimate:
    """What a ``train`` call will need, estimated before anything is allocated.

    memory_bytes: peak memory (``parts`` breaks it down); seconds: training plus
    evaluation time with ``threads`` threads; step_seconds: one step of every
    instance on one thread; chunk_steps: steps per chunk (a deterministic function
    of the configuration, so chunking never depends on the machine's speed).
    The time model is conservative on purpose (about 1.5-2x this project's 2-core
    machine for the numba backend).
    """

    memory_bytes: float
    seconds: float
    step_seconds: float
    chunk_steps: int
    threads: int
    parts: dict

    def describe(self) -> str:
        parts = ", ".join(f"{k} {_gb(v)}" for k, v in self.parts.items() if v >= 1e6)
        return (f"about {_gb(self.memory_bytes)} of memory ({parts or 'all parts < 1 MB'}) and "
                f"{_duration(self.seconds)} on {self.threads} thread(s)")


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.3g} GB"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def estimate_resources(cfg: TrainConfig, sparsity: np.ndarray, groups: FeatureGroups,
                       threads: int | None = None) -> ResourceEstimate:
    """Memory and time of training ``cfg`` on the settings' sparsity rows (settings, n).

    Every setting is trained from ``cfg.n_seeds`` restarts: I = settings x n_seeds instances.

    Memory (bytes, float32 = 4): weights W (and W2 for 'abs') and b, AdamW's two
    moments, gradients, the initial weights, the per-thread workspace of the
    numba kernels (batch-sized buffers, about B (28 n + 24 m + 17) bytes) or the
    torch backend's activations (about 20 B I (n + m) floats), the loss history
    (T = steps / log_every rows of I) and the snapshots (steps / history_every + 1
    copies of W and b). Time: per sample and instance about 50 + 5 n + 10 a +
    1.5 n m q nanoseconds on one thread (a = expected active features, q =
    probability that a sample is not all zero), plus evaluation (``eval_batches`` samples,
    at 0.6 of that cost, in one kernel call that Ctrl-C waits for); torch on the CPU: 10 ms
    of overhead per step plus 3 n m + 30 n ns per sample and instance (an accelerator:
    1 ms plus a 50th of that).
    """
    import numba
    n, m, B = cfg.n_features, cfg.n_hidden, cfg.batch_size
    inst = int(sparsity.shape[0]) * cfg.n_seeds
    tied = model_spec(cfg.model).tied
    density = groups.group_density(np.asarray(sparsity, dtype=np.float64))      # (settings, G)
    sizes = np.asarray(groups.sizes, np.float64)
    active = (density * sizes).sum(axis=1)                                    # (settings,)
    nonempty = 1.0 - np.prod(1.0 - density, axis=1)                           # (settings,)
    n_weights = m * n * (1 if tied else 2) + n
    if cfg.backend == "numba":
        n_threads = min(threads or numba.get_num_threads(), inst)
        cost_ns = 50.0 + 5.0 * n + 10.0 * active + 1.5 * n * m * nonempty * (1 if tied else 1.3)
        step_seconds = B * cfg.n_seeds * float(cost_ns.sum()) * 1e-9
        eval_batch, eval_counts = eval_batches(cfg.eval_samples, density)     # per setting
        eval_seconds = 0.6 * cfg.n_seeds * float((eval_batch * eval_counts * cost_ns).sum()) * 1e-9
        workspace = n_threads * (max(B, eval_batch) * (28 * n + 24 * m + 17) + 8 * m * n)
        workspace += 8.0 * inst * int(eval_counts.max())                         # per-batch eval losses
        params = 4.0 * inst * (n_weights + 6 * (m * n + n))
    else:
        n_threads = max(1, torch.get_num_threads())
        per_sample_ns = (3.0 * n * m * (1 if tied else 2) + 30.0 * n) * inst   # dense: no skipping
        step_seconds = 0.01 + B * per_sample_ns * 1e-9
        eval_seconds = 0.6 * cfg.eval_samples * per_sample_ns * 1e-9
        workspace = 4.0 * 20 * max(B, min(cfg.eval_samples, 4096)) * inst * (n + m)
        params = 4.0 * inst * n_weights * 4                     # weights, gradients, exp_avg, exp_avg_sq
        step_seconds = step_seconds if cfg.device == "cpu" else 1e-3 + step_seconds / 50
        eval_seconds = eval_seconds if cfg.device == "cpu" else eval_seconds / 50
    initial = 2.0 * m * n * (8 * cfg.n_seeds + 4 * inst) + 3 * 4.0 * inst * n_weights   # + copies returned
    n_logs = -(-cfg.steps // cfg.log_every)
    history = 12.0 * n_logs * inst
    n_snaps = cfg.steps // cfg.history_every + 1 if cfg.history_every else 0
    snapshots = 2 * 4.0 * n_snaps * inst * (m * n + n)          # the list and the stacked tensor
    settings = 40.0 * inst * n                    # per-instance sparsity, importance, density copies
    parts = {"weights and AdamW state": params + initial, "workspace": workspace,
             "settings": settings, "loss history": history, "snapshots": snapshots}
    parallel = n_threads if cfg.backend == "numba" else 1
    seconds = (cfg.steps * step_seconds + eval_seconds) / parallel
    chunk = max(1, min(cfg.steps, int(CHUNK_SECONDS / step_seconds))) if cfg.steps else 1
    return ResourceEstimate(memory_bytes=float(sum(parts.values())), seconds=seconds,
                            step_seconds=step_seconds, chunk_steps=chunk, threads=n_threads, parts=parts)


def _limit(name: str, value, env: str, default: float) -> float:
    if value is None:
        text = os.environ.get(env)
        if text is None or not text.strip():
            return default
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"environment variable {env} must be a number > 0, got {text!r}") from None
        name = env
    return check_float(name, value, 0.0, math.inf, low_open=True)


def check_resources(estimate: ResourceEstimate, max_memory_gb=None, max_hours=None) -> None:
    """Refuse a run whose estimate exceeds the memory or time limit (see ``train``)."""
    memory_gb = _limit("max_memory_gb", max_memory_gb, "TMSLAB_MAX_MEMORY_GB", DEFAULT_MAX_MEMORY_GB)
    hours = _limit("max_hours", max_hours, "TMSLAB_MAX_HOURS", DEFAULT_MAX_HOURS)
    if estimate.memory_bytes > memory_gb * 1e9:
        raise ValueError(f"this run needs {estimate.describe()}, above the memory limit "
                         f"max_memory_gb={memory_gb:g}. Use fewer instances (settings x n_seeds), a "
                         f"smaller model, batch_size, or fewer history snapshots; or raise the limit "
                         f"with max_memory_gb=... or the TMSLAB_MAX_MEMORY_GB environment variable")
    if estimate.seconds > hours * 3600:
        raise ValueError(f"this run needs {estimate.describe()}, above the time limit "
                         f"max_hours={hours:g}. Use fewer steps or instances or a smaller model; or "
                         f"raise the limit with max_hours=... or the TMSLAB_MAX_HOURS environment variable")


def _next_multiple(done: int, period: int) -> int:
    return (done // period + 1) * period


MAX_EVAL_SAMPLES = 2**22   # the evaluation of one instance never draws more samples than this
EVAL_CALL_SAMPLES = 2**21  # samples scored per kernel call over all instances (well under a second)


def eval_batches(eval_samples: int, density: np.ndarray):
    """Batch size and (I,) batch counts of the final evaluation: the noise shrinks as density falls.

    Only non-empty samples tell restarts apart (an empty sample costs every model
    the same bias term), and interference only shows when two or more feature
    groups are active together. So instance i draws N_i samples, enough for
    eval_samples non-empty ones and for eval_samples / 4 with >= 2 active groups:
    N_i = max(eval_samples / P(>= 1 active), eval_samples / (4 P(>= 2 active))),
    at least eval_samples and at most MAX_EVAL_SAMPLES, in batches of up to 4,096.
    density: (I, G) group densities.
    """
    p = np.asarray(density, np.float64)
    none, one = np.ones(len(p)), np.zeros(len(p))      # P(0 active), P(exactly 1 active)
    for g in range(p.shape[1]):
        none, one = none * (1.0 - p[:, g]), one * (1.0 - p[:, g]) + none * p[:, g]
    some, several = 1.0 - none, np.maximum(1.0 - none - one, 0.0)
    with np.errstate(divide="ignore"):
        wanted = np.maximum(np.where(some > 0, eval_samples / some, 0.0),
                            np.where(several > 0, eval_samples / (4.0 * several), 0.0))
    samples = np.ceil(np.clip(wanted, eval_samples, max(eval_samples, MAX_EVAL_SAMPLES)))
    batch = int(min(4096, samples.max()))
    return batch, np.ceil(samples / batch).astype(np.int64)


def restart_gap_se(per_batch: np.ndarray, n_batches: np.ndarray, loss: np.ndarray, n_seeds: int):
    """(I,) standard error of each restart's loss minus its setting's best restart's loss.

    Restarts of one setting are scored on the same batches (common random
    numbers), so the difference is estimated from paired per-batch losses:
    se = std_t(L_r,t - L_best,t) / sqrt(T). 0 for the best restart itself.
    per_batch (I, >= T), n_batches (I,), loss (I,), instances setting-major.
    """
    se = np.zeros(len(loss))
    for start in range(0, len(loss), n_seeds):
        rows = np.arange(start, start + n_seeds)
        best = rows[np.argmin(loss[rows])]
        T = int(n_batches[best])
        if T < 2:
            continue
        for r in rows:
            if r != best:
                diff = per_batch[r, :T] - per_batch[best, :T]
                se[r] = diff.std(ddof=1) / np.sqrt(T)
    return se


def _chunks(cfg: TrainConfig, max_chunk: int | None = None):
    """End steps of the chunks, in order (a generator: O(1) memory for any step count).

    A chunk ends at every logging step, every snapshot step, every multiple of
    ``max_chunk`` and at ``steps``. Results do not depend on the chunking (the data
    of step s depend only on the instance's key and s, and AdamW's state carries
    over); only where the loss is averaged does.
    """
    periods = [cfg.log_every] + ([cfg.history_every] if cfg.history_every else [])
    periods += [max_chunk] if max_chunk else []
    done = 0
    while done < cfg.steps:
        done = min([cfg.steps] + [_next_multiple(done, p) for p in periods])
        yield done


class _Trainer:
    """Shared loop: advance chunk by chunk, log the loss, take snapshots, watch for divergence."""

    def fit(self, progress: bool, max_chunk: int | None = None) -> dict:
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

        try:  # a KeyboardInterrupt between chunks propagates; the bar is closed either way
            if cfg.history_every:
                snapshot(0)
            for end in _chunks(cfg, max_chunk):
                mean = self.advance(done, end - done)
                self._check_finite(mean, done, end)
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
        finally:
            if bar is not None:
                bar.close()
        out = {"loss_history": torch.tensor(np.array(log_losses).reshape(-1, len(self.importance)),
                                            dtype=torch.float32),
               "history_steps": torch.tensor(log_steps, dtype=torch.long)}
        if cfg.history_every:
            out.update(W_history=torch.stack(snaps_W), b_history=torch.stack(snaps_b),
                       snapshot_steps=torch.tensor(snap_steps, dtype=torch.long))
        return out

    def _check_finite(self, mean: np.ndarray, start: int, end: int) -> None:
        """Raise ``TrainingDiverged`` if any instance's loss or weights are NaN or infinite."""
        bad = ~np.isfinite(np.asarray(mean, dtype=np.float64))
        for t in self.weights():
            if t is not None:
                bad |= ~torch.isfinite(t.reshape(len(bad), -1)).all(dim=1).numpy()
        if not bad.any():
            return
        cfg = self.cfg
        which = np.flatnonzero(bad)
        shown = ", ".join(f"{k} (setting {k // cfg.n_seeds}, restart {k % cfg.n_seeds})" for k in which[:5])
        more = f" and {len(which) - 5} more" if len(which) > 5 else ""
        imp = np.asarray(self.importance, dtype=np.float64)[which]
        raise TrainingDiverged(
            f"training diverged between steps {start} and {end}: the loss or weights of "
            f"{len(which)} of {len(bad)} instance(s) became NaN or infinite: {shown}{more}. Settings: "
            f"lr={cfg.lr:g}, weight_decay={cfg.weight_decay:g}, importance scale (largest I_i of "
            f"those instances) {imp.max():.3g}, batch_size={cfg.batch_size}, model={cfg.model!r}. "
            f"AdamW moves every weight by up to lr per step: try a smaller lr (the recipe uses 1e-3) "
            f"or smaller importances")


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
        cost = kernels.step_cost_ns(self.density, groups.sizes, cfg.n_hidden, cfg.batch_size, self.spec.tied)
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

    def evaluate(self):
        """final_loss (I,) and final_loss_se (I,): see ``eval_batches`` and ``restart_gap_se``."""
        batch, n_batches = eval_batches(self.cfg.eval_samples, self.density)
        per_batch = np.zeros((len(self.W), int(n_batches.max())), np.float64)
        # in calls of at most EVAL_CALL_SAMPLES samples over all instances, so Ctrl-C is honoured quickly
        step = max(1, EVAL_CALL_SAMPLES // (batch * len(self.W)))
        for first in range(0, int(n_batches.max()), step):
            kernels.evaluate(self.W, self.V, self.b, self.importance, self.density, self.starts,
                             self.anti, self.eval_keys, self.schedule, first,
                             np.minimum(n_batches, first + step), batch, *self._flags(), per_batch)
        loss = np.array([row[:k].mean() for row, k in zip(per_batch, n_batches)])
        se = restart_gap_se(per_batch, n_batches, loss, self.cfg.n_seeds)
        return torch.tensor(loss, dtype=torch.float32), torch.tensor(se, dtype=torch.float32)

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
        return (total / count).float().cpu(), None

    def weights(self):
        W2 = None if self.W2 is None else self.W2.detach().cpu().clone()
        return self.W.detach().cpu().clone(), self.b.detach().cpu().clone(), W2
