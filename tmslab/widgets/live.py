"""Lessons 00 and 04: a live-training explorer that retrains a toy model when a slider moves.

``build_live_explorer`` trains one ReLU output model, x' = ReLU(W^T W x + b), with
``tmslab.train`` whenever a training slider is released (sparsity S, importance decay r
with I_i = r^i, features n, hidden dimensions m, seed), keeping snapshots of W and b
every ``history_every`` steps. A step slider (and a Play button linked to it) walks
through the snapshots without retraining: for m = 2 the figure draws the arrows W_i in
the plane, for other m the bars ||W_i||; beside them W^T W with b, and the training
loss with the current step marked. Runs are cached per setting, so returning to a
setting or animating it never retrains.

Sizes stay small so a retrain takes well under a second: n <= 10, m <= 3, 6,000 steps of
1,024 samples (enough for the dense 5-in-2 model to settle on two orthogonal features, which
2,000 steps are not), snapshots every 300 steps. Measured on a shared 2-core machine: 0.12 s
(n = 2, m = 1) to 0.45 s (n = 10, m = 3, dense) per retrain, plus about 0.3-1 s to draw.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import metrics, plots
from ..geometry2d import classify_2d
from ..run import Run
from ..train import train
from ..validation import check_int
from .base import Panel, slider
from .intro import int_slider

#: slider ranges (the tests try every extreme)
SPARSITY_RANGE = (0.0, 0.99)
DECAY_RANGE = (0.5, 1.0)
N_RANGE = (2, 10)
M_RANGE = (1, 3)
SEED_RANGE = (0, 9)
#: training length and snapshot period of every retrain
STEPS = 6_000
HISTORY_EVERY = 300
#: how many trained runs the explorer keeps (each is a few kB)
CACHE_SIZE = 64


def train_live(n: int, m: int, sparsity: float, decay: float, seed: int, steps: int = STEPS,
               history_every: int = HISTORY_EVERY) -> Run:
    """One ReLU output model with snapshots: ``Run`` with W_history (H, 1, m, n), H = steps / history_every + 1.

    The loss is logged every ``history_every`` steps (``loss_history`` (T, 1), the mean training
    loss of each window), so snapshot k > 0 has the loss of the window that ends at it. The final
    evaluation is kept minimal (``eval_samples=1``): the explorer shows training losses only.
    """
    steps = check_int("steps", steps, 1, 100_000)
    history_every = check_int("history_every", history_every, 1, steps)
    if steps % history_every:
        raise ValueError(f"steps must be a multiple of history_every, got steps={steps}, "
                         f"history_every={history_every}")
    return train(n, m, model="relu_output", sparsity=sparsity, importance=decay, n_seeds=1, steps=steps,
                 seed=seed, progress=False, history_every=history_every, log_every=history_every,
                 eval_samples=1)


class LiveExplorer(Panel):
    """A ``Panel`` whose draw retrains on the training sliders; ``play`` animates ``controls['step']``.

    ``retrains`` counts the training runs (cache misses); ``run`` is the run on display.
    """

    def __init__(self, description: str, controls: dict, draw, state: dict, play: widgets.Play, **kwargs):
        self._state = state
        self.play = play
        super().__init__(description, controls, draw, **kwargs)
        widgets.link((play, "value"), (controls["step"], "value"))
        row = self.children[0]
        row.children = (play,) + tuple(row.children)

    @property
    def retrains(self) -> int:
        return self._state["retrains"]

    @property
    def run(self) -> Run | None:
        return self._state["run"]


def _settings(v: dict) -> tuple:
    return (int(v["n_features"]), int(v["n_hidden"]), round(float(v["sparsity"]), 4),
            round(float(v["decay"]), 4), int(v["seed"]))


def build_live_explorer(sparsity: float = 0.9, decay: float = 0.9, n_features: int = 5, n_hidden: int = 2,
                        seed: int = 0, steps: int = STEPS, history_every: int = HISTORY_EVERY) -> LiveExplorer:
    """Sliders for S, the importance decay r, n, m and the seed (retrain on release) and the step.

    Initial values: the arguments (within the slider ranges). ``steps`` and
    ``history_every``: the training length and the snapshot period (``steps`` a
    multiple of ``history_every``, at most 200 snapshots). Returns a ``LiveExplorer``
    (a ``Panel``): results in its ``image`` and ``readout`` traits, nothing printed.
    """
    steps = check_int("steps", steps, 1, 100_000)
    history_every = check_int("history_every", history_every, 1, steps)
    if steps % history_every or steps // history_every > 200:
        raise ValueError(f"steps must be a multiple of history_every with at most 200 snapshots, got "
                         f"steps={steps}, history_every={history_every}")
    for name, value, (low, high) in (("sparsity", sparsity, SPARSITY_RANGE), ("decay", decay, DECAY_RANGE)):
        if not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    n_features = check_int("n_features", n_features, *N_RANGE)
    n_hidden = check_int("n_hidden", n_hidden, *M_RANGE)
    seed = check_int("seed", seed, *SEED_RANGE)

    controls = {
        "sparsity": slider("sparsity S", float(sparsity), *SPARSITY_RANGE, 0.01),
        "decay": slider("decay r", float(decay), *DECAY_RANGE, 0.01),     # importances I_i = r^i
        "n_features": int_slider("features n", n_features, *N_RANGE),
        "n_hidden": int_slider("dimensions m", n_hidden, *M_RANGE),
        "seed": int_slider("seed", seed, *SEED_RANGE),
        "step": int_slider("training step", steps, 0, steps, history_every),
    }
    cache: dict[tuple, Run] = {}
    state = {"retrains": 0, "run": None}

    def run_for(key: tuple) -> Run:
        if key not in cache:
            if len(cache) >= CACHE_SIZE:
                cache.pop(next(iter(cache)))
            n, m, S, r, s = key
            cache[key] = train_live(n, m, S, r, s, steps=steps, history_every=history_every)
            state["retrains"] += 1
        return cache[key]

    def draw(v):
        n, m, S, r, s = key = _settings(v)
        run = run_for(key)
        state["run"] = run
        k = min(int(v["step"]) // history_every, len(run.snapshot_steps) - 1)
        step = int(run.snapshot_steps[k])
        W, b = run.W_history[k, 0], run.b_history[k, 0]
        losses = run.loss_history[:, 0].numpy()
        loss_steps = run.history_steps.numpy()

        fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.3), gridspec_kw={"width_ratios": [1.25, 1.15, 1.0]})
        fig.subplots_adjust(left=0.05, right=0.98, bottom=0.17, top=0.86, wspace=0.4)
        if m == 2:
            plots.plot_features_2d(W, ax=axes[0], title=f"$W_i$ at step {step}")
            plots.importance_colorbar(fig, axes[0], n, label="feature i (0 = most important)",
                                      ticks=range(n), shrink=0.8)
        else:
            plots.plot_feature_norms(W, ax=axes[0], title=f"{plots.NORM_WI} at step {step}", colorbar=True)
        plots.plot_interference(W, b, ax=axes[1], title=f"{plots.WTW} and $b$")
        axes[2].plot(loss_steps, losses, color="#3182bd", lw=1.5)
        axes[2].axvline(step, color="#e6550d", lw=1.2, ls="--")
        if step > 0:
            axes[2].plot([step], [losses[np.searchsorted(loss_steps, step)]], "o", color="#e6550d", ms=5)
        axes[2].set(xlim=(0, steps * 1.04), ylim=(0, None), title="training loss", xlabel="step",
                    ylabel="loss (mean per window)")
        fig.suptitle(f"n = {n} features in m = {m} dimensions, S = {S:.2f}, $I_i = {r:.2f}^i$, seed {s}",
                     fontsize=10)

        norms = metrics.feature_norms(W)
        count = int((norms > 0.5).sum())
        window = np.searchsorted(loss_steps, step) if step > 0 else None
        loss_text = (f"training loss {losses[window]:.5f} (steps {step - history_every + 1}-{step})"
                     if window is not None else "untrained (step 0)")
        geometry = f"; geometry: {classify_2d(W).label()}" if m == 2 else ""
        html = (f"step {step} of {steps}: {loss_text}; represented features (||W_i|| &gt; 0.5): "
                f"{count} of {n}{geometry}. Largest ||W_i|| = {float(norms.max()):.2f}, "
                f"biases from {float(b.min()):+.2f} to {float(b.max()):+.2f}.")
        return fig, html

    play = widgets.Play(value=steps, min=0, max=steps, step=history_every, interval=400,
                        description="play the training", show_repeat=False)
    return LiveExplorer("Live training explorer", controls, draw, state, play, image_width="900px")
