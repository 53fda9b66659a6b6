"""Learning dynamics: feature dimensionality over training (paper section
"Learning dynamics", the "energy level" jumps).

``tmslab.train(..., history_every=k)`` stores snapshots W_history (H, I, m, n)
and b_history (H, I, n) at snapshot_steps (H,). From them:
  * D_i(t) = ||W_i||^2 / sum_j (hat W_i . W_j)^2 for every snapshot (the
    feature dimensionality of ``tmslab.metrics``), shape (H, n) per instance;
  * the loss of every snapshot on one fixed evaluation batch (no sampling
    noise between snapshots), shape (H, I);
  * plateaus: stretches where D_i(t) stays within +-tol of a level for at
    least ``min_length`` steps; a *jump* is the move of one feature from one
    plateau to the next with levels more than ``min_change`` apart;
  * the loss drop across a jump, and the same drop over "quiet" windows of
    equal length (no jump, after the initial transient) to compare it with.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import metrics
from .data import sample_features
from .models import forward, model_spec, weighted_mse
from .validation import as_array, check_float, check_int


@dataclass(frozen=True)
class Plateau:
    """D_i stays within +-tol of ``level`` from step ``start`` to step ``end``."""

    start: int
    end: int
    level: float


@dataclass(frozen=True)
class Jump:
    """Feature ``feature`` leaves a plateau at step ``start`` and reaches the next at ``end``."""

    feature: int
    start: int
    end: int
    before: float
    after: float

    @property
    def size(self) -> float:
        return self.after - self.before


def _needs_history(run):
    from .run import Run
    if not isinstance(run, Run):
        raise ValueError(f"run must be a tmslab Run (what tmslab.train returns), got {type(run).__name__}")
    if run.W_history is None:
        raise ValueError("this run has no snapshots: train with history_every > 0")


def dimensionality_history(run, instance: int = 0) -> torch.Tensor:
    """D_i at every snapshot of one instance: (H, n)."""
    _needs_history(run)
    instance = check_int("instance", instance, 0, run.n_instances - 1)
    return metrics.feature_dimensionality(run.W_history[:, instance])


def snapshot_losses(run, n_samples: int = 4096, seed: int = 0) -> torch.Tensor:
    """(H, I) loss of every snapshot on one fixed batch of ``n_samples`` per instance.

    Only tied models (linear, relu_output, relu_hidden) keep every parameter
    in the snapshots.
    """
    _needs_history(run)
    if not model_spec(run.config.model).tied:
        raise ValueError(f"snapshot_losses needs a tied model, got {run.config.model!r}")
    n_samples = check_int("n_samples", n_samples, 1, 1_000_000)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    x = sample_features(n_samples, run.sparsity.numpy(), run.groups, generator=gen)   # (B, I, n)
    H, I, m, n = run.W_history.shape
    chunk = max(1, 2_000_000 // (n_samples * I * max(n, m)))
    out = []
    with torch.no_grad():
        for lo in range(0, H, chunk):
            W = run.W_history[lo:lo + chunk].reshape(-1, m, n)                      # (h I, m, n)
            b = run.b_history[lo:lo + chunk].reshape(-1, n)
            h = W.shape[0] // I
            xs = x.repeat(1, h, 1)                                                  # (B, h I, n)
            loss = weighted_mse(forward(run.config.model, xs, W, b), xs, run.importance.repeat(h, 1))
            out.append(loss.view(h, I))
    return torch.cat(out)


def find_plateaus(d, steps, tol: float = 0.02, min_length: int = 200) -> list[Plateau]:
    """Maximal stretches of one trajectory d (T,) that stay within a band of width 2 tol.

    steps (T,) increasing training steps; a stretch counts when it lasts at
    least min_length steps. Greedy left to right; level = median of the stretch.
    """
    d = as_array("d", d, -np.inf, np.inf).ravel()
    steps = as_array("steps", steps, 0, np.inf).ravel()
    if len(d) != len(steps):
        raise ValueError(f"d and steps must have the same length, got {len(d)} and {len(steps)}")
    tol = check_float("tol", tol, 0.0, low_open=True)
    min_length = check_int("min_length", min_length, 0)
    out, t, T = [], 0, len(d)
    while t < T:
        lo = hi = d[t]
        e = t
        while e + 1 < T and max(hi, d[e + 1]) - min(lo, d[e + 1]) <= 2 * tol:
            e += 1
            lo, hi = min(lo, d[e]), max(hi, d[e])
        if steps[e] - steps[t] >= min_length and e > t:
            out.append(Plateau(int(steps[t]), int(steps[e]), float(np.median(d[t:e + 1]))))
            t = e + 1
        else:
            t += 1
    return out


def detect_jumps(D, steps, min_change: float = 0.1, tol: float = 0.02,
                 min_plateau: int = 200) -> list[Jump]:
    """Jumps between consecutive plateaus of every feature, sorted by start step.

    D (T, n) dimensionality trajectories, steps (T,). A jump is reported when
    two consecutive plateaus (``find_plateaus`` with tol, min_plateau) of a
    feature differ by more than min_change (> 0).
    """
    D = as_array("D", D, -np.inf, np.inf)
    if D.ndim != 2:
        raise ValueError(f"D must have shape (snapshots, n), got {D.shape}")
    min_change = check_float("min_change", min_change, 0.0, low_open=True)
    jumps = []
    for i in range(D.shape[1]):
        plateaus = find_plateaus(D[:, i], steps, tol, min_plateau)
        for p, q in zip(plateaus[:-1], plateaus[1:]):
            if abs(q.level - p.level) > min_change:
                jumps.append(Jump(i, p.end, q.start, p.level, q.level))
    return sorted(jumps, key=lambda j: (j.start, j.feature))


def loss_drop(loss, steps, start: int, end: int) -> float:
    """loss(start) - loss(end) for a curve loss (T,) sampled at steps (T,) (nearest snapshots)."""
    loss = as_array("loss", loss, -np.inf, np.inf).ravel()
    steps = as_array("steps", steps, 0, np.inf).ravel()
    a = int(np.argmin(np.abs(steps - start)))
    b = int(np.argmin(np.abs(steps - end)))
    return float(loss[a] - loss[b])


def quiet_drop(loss, steps, length: int, jumps=(), after: int = 0, q: float = 90.0) -> float:
    """The q-th percentile of the loss drops over *quiet* windows of ``length`` steps.

    loss (T,) sampled at steps (T,). A window [t, t + length] (snapshots t
    and t + w, w = round(length / snapshot spacing)) is quiet when it starts
    at or after step ``after`` (leave out the initial transient, where
    everything moves at once) and overlaps no jump interval [start, end]
    (``jumps``: ``Jump`` objects or (start, end) pairs). Its drop is
    loss(t) - loss(t + length). A jump "comes with a sudden loss drop" when
    its own drop exceeds this percentile: larger than all but (100 - q)% of
    the stretches of the same length in which no D_i jumps. Returns NaN when
    no window is quiet. q in [0, 100].
    """
    loss = as_array("loss", loss, -np.inf, np.inf).ravel()
    steps = as_array("steps", steps, 0, np.inf).ravel()
    if len(loss) != len(steps):
        raise ValueError(f"loss and steps must have the same length, got {len(loss)} and {len(steps)}")
    length = check_int("length", length, 1)
    after = check_int("after", after, 0)
    q = check_float("q", q, 0.0, 100.0)
    intervals = []
    for j in jumps:
        start, end = (j.start, j.end) if isinstance(j, Jump) else j
        intervals.append((float(start), float(end)))
    dt = float(np.median(np.diff(steps)))
    w = max(1, int(round(length / dt)))
    if w >= len(loss):
        raise ValueError(f"length {length} is longer than the recorded training")
    t0, t1 = steps[:-w], steps[w:]
    quiet = t0 >= after
    for start, end in intervals:
        quiet &= (t1 < start) | (t0 > end)
    if not quiet.any():
        return float("nan")
    return float(np.percentile((loss[:-w] - loss[w:])[quiet], q))


def largest_change(d, steps, window: int) -> tuple[int, float]:
    """Where one trajectory d (T,) moves most over ``window`` consecutive snapshots.

    Returns (steps[t], d[t + window] - d[t]) for the t maximising |d[t + window] - d[t]|
    (the first such t on ties); window >= 1 and < T.
    """
    d = as_array("d", d, -np.inf, np.inf).ravel()
    steps = as_array("steps", steps, 0, np.inf).ravel()
    if len(d) != len(steps):
        raise ValueError(f"d and steps must have the same length, got {len(d)} and {len(steps)}")
    window = check_int("window", window, 1, len(d) - 1)
    change = d[window:] - d[:-window]
    t = int(np.argmax(np.abs(change)))
    return int(steps[t]), float(change[t])


def plot_dimensionality_and_loss(steps, D, loss, jumps=(), labels=None, levels=(0.5, 0.0),
                                 title: str = "Feature dimensionality during training", figsize=(8, 5),
                                 linestyles=None):
    """D_i(t) and the loss over training, one above the other, with the detected jumps shaded grey.

    steps (H,) snapshot steps; D (H, n) feature dimensionalities (``dimensionality_history``);
    loss (H,) the loss at each snapshot (``snapshot_losses``, drawn on a log axis); jumps:
    ``Jump`` objects (their [start, end] is shaded in both panels); labels: one legend label per
    feature (default 'feature i'); levels: D values marked by dotted lines; linestyles: one per
    feature (default solid). Returns the figure.
    """
    import matplotlib.pyplot as plt

    from .plots import feature_colors
    D = as_array("D", D, -np.inf, np.inf)
    steps = as_array("steps", steps, 0, np.inf).ravel()
    loss = as_array("loss", loss, 0, np.inf).ravel()
    if D.ndim != 2 or len(D) != len(steps) or len(loss) != len(steps):
        raise ValueError(f"D must be (H, n) and loss (H,) for H = {len(steps)} snapshot steps, got D "
                         f"{D.shape} and loss {loss.shape}")
    n = D.shape[1]
    labels = [f"feature {i}" for i in range(n)] if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(f"labels must name the {n} features, got {len(labels)}")
    linestyles = ["-"] * n if linestyles is None else list(linestyles)
    if len(linestyles) != n:
        raise ValueError(f"linestyles must give one style per feature ({n}), got {len(linestyles)}")
    colors = feature_colors(n)
    fig, axes = plt.subplots(2, 1, figsize=figsize, sharex=True)
    for j in jumps:
        for ax in axes:
            ax.axvspan(j.start, j.end, color="0.88", zorder=0)
    for i in range(n):
        axes[0].plot(steps, D[:, i], color=colors[i], lw=1.5, ls=linestyles[i], label=labels[i])
    for level in levels:
        axes[0].axhline(level, color="0.6", ls=":", lw=0.8)
    axes[0].set(ylabel="$D_i$", title=title)
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[1].plot(steps, loss, color="k")
    axes[1].set(xlabel="training step", ylabel="loss (fixed batch)", yscale="log", title="Loss")
    fig.tight_layout()
    return fig
