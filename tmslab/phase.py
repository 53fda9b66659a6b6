"""Superposition as a phase change (paper E4): grid experiments over r and 1 - S.

Setting. n features, m = n - 1 hidden dimensions, ReLU output model. The
first n - 1 ("normal") features have importance 1; the last ("extra")
feature has relative importance r. All features share one density
p = 1 - S. A *phase grid* is the Cartesian product of ``p_values`` (rows)
and ``r_values`` (columns); setting k = row * len(r_values) + column.

What the extra feature does in a trained W (m, n), with W_e its column and
the other *represented* features j (||W_j|| > 0.5):
    'not learned'    ||W_e|| < 0.5
    'dedicated'      ||W_e|| > 0.5 and |cos(W_e, W_j)| < 0.3 for every such j
    'superposition'  ||W_e|| > 0.5 and some such j has cos(W_e, W_j) < -0.3
    'same sign'      otherwise (positive overlap: the "confused feature")
For n = 2, m = 1 every cosine is +-1, so this is exactly the rule of paper
E4a: not learned if |W_2| < 0.5; dedicated if |W_2| > 0.5 and |W_1| < 0.5;
superposition if both > 0.5 with opposite signs; 'same sign' otherwise.

Theory (``tmslab.theory``): closed-form losses of the candidate solutions;
the winner is the lowest. On the line r = 1 candidates tie (the extra
feature is then just another normal feature), so agreement with theory
counts a trained label as correct when it is *any* of the tied winners.

Losses: ``Run.final_loss`` is a mean over features; the closed forms are
sums over features, so ``loss_sum = n * final_loss`` is compared with them.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from . import metrics, theory
from .models import forward, weighted_mse
from .plots import PHASE_COLORS, plot_phase_diagram
from .run import Run
from .train import train
from .validation import as_array, as_weights, check_float, check_int

PHASES = theory.PHASES
"""The three theoretical phases: 'not learned', 'superposition', 'dedicated'."""
LABELS = PHASES + ("same sign",)
"""Every label ``classify`` can return."""
_TIE_RTOL = 1e-9


def _check_n_features(n_features) -> int:
    n = check_int("n_features", n_features, 2, 3)
    return n


@dataclass(frozen=True)
class PhaseGrid:
    """r_values (R,) relative importances > 0, p_values (P,) densities in (0, 1]."""

    n_features: int
    r_values: np.ndarray
    p_values: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(P, R): rows are densities, columns relative importances."""
        return len(self.p_values), len(self.r_values)

    @property
    def n_settings(self) -> int:
        return len(self.p_values) * len(self.r_values)

    @property
    def r(self) -> np.ndarray:
        """(P * R,) relative importance of every setting (row-major)."""
        return np.tile(self.r_values, len(self.p_values))

    @property
    def p(self) -> np.ndarray:
        """(P * R,) density of every setting (row-major)."""
        return np.repeat(self.p_values, len(self.r_values))

    def sparsity(self) -> np.ndarray:
        """(settings, n) S = 1 - p for every feature of every setting."""
        return np.repeat((1.0 - self.p)[:, None], self.n_features, axis=1)

    def importance(self) -> np.ndarray:
        """(settings, n): 1 for the normal features, r for the extra (last) feature."""
        imp = np.ones((self.n_settings, self.n_features))
        imp[:, -1] = self.r
        return imp

    def reshape(self, values) -> np.ndarray:
        """(P * R, ...) per-setting values -> (P, R, ...)."""
        values = np.asarray(values)
        if values.shape[0] != self.n_settings:
            raise ValueError(f"values must have {self.n_settings} settings first, got shape {values.shape}")
        return values.reshape(self.shape + values.shape[1:])


def make_grid(n_features: int, r_values, p_values) -> PhaseGrid:
    """A phase grid for n_features in {2, 3}; r in [1e-3, 1e3], p in (0, 1]."""
    n = _check_n_features(n_features)
    r = as_array("r_values", r_values, 1e-3, 1e3).reshape(-1)
    p = as_array("p_values", p_values, 0.0, 1.0).reshape(-1)
    if np.any(p <= 0):
        raise ValueError("p_values (densities 1 - S) must be > 0")
    return PhaseGrid(n, r, p)


def candidate_losses(r, p, n_features: int = 2) -> dict[str, np.ndarray]:
    """Closed-form loss (sum over features) of every candidate solution; r, p broadcast.

    n = 2, m = 1 (``theory.phase_losses_2_in_1``):
        'ignore extra'         W = [1, 0]     r (p/3 - p^2/4)
        'dedicate to extra'    W = [0, 1]     p/3 - p^2/4
        'antipodal'            W = [1, -1]    (1 + r) p^2 / 6
    n = 3, m = 2 adds, with the same three (the remaining normal feature
    keeps its own dimension at no loss),
        'normal pair antipodal, extra dedicated'    p^2 / 3
    (the 2-in-1 antipodal loss at r = 1, as the pair is two importance-1 features).
    """
    n = _check_n_features(n_features)
    two = theory.phase_losses_2_in_1(r, p)
    out = {"ignore extra": two["not learned"], "dedicate to extra": two["dedicated"],
           "antipodal": two["superposition"]}
    if n == 3:
        pair = theory.phase_losses_2_in_1(1.0, p)["superposition"]
        out["normal pair antipodal, extra dedicated"] = pair + 0 * out["antipodal"]
    return out


def candidate_solutions(p: float, n_features: int = 2) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Hand-built (W (m, n), b (n,)) float32 for every candidate of ``candidate_losses``.

    An ignored feature gets W_i = 0 and the bias b_i = E[x_i] = p/2 (its best
    constant guess); represented features get unit columns and b_i = 0.
    """
    n = _check_n_features(n_features)
    p = check_float("p", p, 0.0, 1.0)
    half = p / 2
    t = lambda rows: torch.tensor(rows, dtype=torch.float32)
    if n == 2:
        return {"ignore extra": (t([[1.0, 0.0]]), t([0.0, half])),
                "dedicate to extra": (t([[0.0, 1.0]]), t([half, 0.0])),
                "antipodal": (t([[1.0, -1.0]]), t([0.0, 0.0]))}
    return {"ignore extra": (t([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), t([0.0, 0.0, half])),
            "dedicate to extra": (t([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), t([half, 0.0, 0.0])),
            "antipodal": (t([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]), t([0.0, 0.0, 0.0])),
            "normal pair antipodal, extra dedicated": (t([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]),
                                                       t([0.0, 0.0, 0.0]))}


def expected_loss(W, b, p: float, importance, resolution: int = 32) -> np.ndarray:
    """Exact-up-to-quadrature expected loss (sum over features) of K ReLU output models.

    W (K, m, n) with n <= 4, b (K, n), importance (n,) or (K, n). Each
    feature is 0 with probability 1 - p and U[0,1] otherwise, so
        E[L] = sum over active sets A of p^|A| (1-p)^(n-|A|) * E_{x_A ~ U[0,1]^|A|}[L(x)],
    and every inner expectation is a midpoint rule with ``resolution``
    points per active feature (error O(1/resolution^2), no sampling noise,
    so two solutions can be compared to a fraction of a percent).
    L(x) = sum_i I_i (x_i - ReLU(W_i . W x + b_i))^2. Returns (K,) float64.
    """
    W = as_weights("W", W, min_dims=3).to(torch.float64)
    K, _, n = W.shape
    if n > 4:
        raise ValueError(f"expected_loss integrates over at most n = 4 features, got n = {n}")
    b = torch.as_tensor(b, dtype=torch.float64)
    if b.shape != (K, n):
        raise ValueError(f"b must have shape (K, n) = {(K, n)}, got {tuple(b.shape)}")
    p = check_float("p", p, 0.0, 1.0)
    resolution = check_int("resolution", resolution, 1, 512)
    imp = torch.broadcast_to(torch.as_tensor(as_array("importance", importance, 0.0, np.inf)), (K, n))
    mid = (torch.arange(resolution, dtype=torch.float64) + 0.5) / resolution
    total = torch.zeros(K, dtype=torch.float64)
    for mask in range(2**n):
        active = [i for i in range(n) if mask >> i & 1]
        prob = p ** len(active) * (1 - p) ** (n - len(active))
        if prob == 0:
            continue
        if active:
            grids = torch.meshgrid(*([mid] * len(active)), indexing="ij")
            x = torch.zeros(grids[0].numel(), n, dtype=torch.float64)
            for col, g in zip(active, grids):
                x[:, col] = g.reshape(-1)
        else:
            x = torch.zeros(1, n, dtype=torch.float64)
        xs = x[:, None, :].expand(len(x), K, n)
        total += prob * n * weighted_mse(forward("relu_output", xs, W, b), xs, imp)
    return total.numpy()


CANDIDATE_PHASE = {"ignore extra": "not learned", "dedicate to extra": "dedicated",
                   "antipodal": "superposition", "normal pair antipodal, extra dedicated": "dedicated"}
"""Which phase of the extra feature each candidate solution belongs to."""


def theory_losses(r, p, n_features: int = 2) -> dict[str, np.ndarray]:
    """Best closed-form loss of each phase (broadcast r, p)."""
    n = _check_n_features(n_features)
    return (theory.phase_losses_2_in_1 if n == 2 else theory.phase_losses_3_in_2)(r, p)


def theory_labels(r, p, n_features: int = 2) -> np.ndarray:
    """Winning phase name per (r, p) (object array); ties go to the first of PHASES."""
    return theory.phase(r, p, _check_n_features(n_features))


def optimal_phases(r, p, n_features: int = 2) -> np.ndarray:
    """Bool (..., 3) over PHASES: which phases reach the minimal loss (ties on r = 1)."""
    losses = theory_losses(r, p, n_features)
    shape = np.broadcast(*losses.values()).shape
    stacked = np.stack([np.broadcast_to(losses[name], shape) for name in PHASES], axis=-1)
    best = stacked.min(axis=-1, keepdims=True)
    return stacked <= best * (1 + _TIE_RTOL) + 1e-15


def winning_phases(r: float, p: float, n_features: int = 2) -> list[str]:
    """Names of the theoretically optimal phase(s) at one (r, p): two on a tie (r = 1)."""
    ok = optimal_phases(check_float("r", r, 1e-3, 1e3), check_float("p", p, 0.0, 1.0), n_features)
    return [name for name, flag in zip(PHASES, ok) if flag]


def describe_winner(r: float, p: float, n_features: int = 2) -> str:
    """'superposition', or "'not learned' = 'dedicated' (a tie)" when the candidates tie."""
    names = winning_phases(r, p, n_features)
    return f"'{names[0]}'" if len(names) == 1 else " = ".join(f"'{x}'" for x in names) + " (a tie)"


def classify(W, threshold: float = 0.5, cos_threshold: float = 0.3) -> np.ndarray:
    """Phase of the extra (last) feature of W (..., m, n) -> object array (...) of labels.

    See the module docstring for the rule; ``threshold`` is the norm above
    which a feature counts as represented, ``cos_threshold`` the overlap
    above which two represented features count as sharing a direction.
    """
    W = as_weights("W", W)
    if W.shape[-1] < 2:
        raise ValueError(f"W must have n >= 2 features (columns), got shape {tuple(W.shape)}")
    threshold = check_float("threshold", threshold, 0.0)
    cos_threshold = check_float("cos_threshold", cos_threshold, 0.0, 1.0)
    norms = metrics.feature_norms(W)                                  # (..., n)
    cos = metrics.cosine_similarity(W)[..., -1, :-1]                  # (..., n-1)
    others = norms[..., :-1] > threshold
    learned = norms[..., -1] > threshold
    negative = (others & (cos < -cos_threshold)).any(dim=-1)
    positive = (others & (cos > cos_threshold)).any(dim=-1)
    codes = torch.where(~learned, 0, torch.where(negative, 1, torch.where(positive, 3, 2)))
    return np.array(LABELS, dtype=object)[codes.numpy()]


def agreement(labels, r, p, n_features: int = 2) -> np.ndarray:
    """Bool array: the trained label is one of the theoretically optimal phases at (r, p)."""
    labels = np.asarray(labels, dtype=object)
    unknown = set(labels.ravel()) - set(LABELS)
    if unknown:
        raise ValueError(f"labels must be among {LABELS}, got {sorted(map(str, unknown))}")
    ok = optimal_phases(r, p, n_features)
    ok = np.broadcast_to(ok, labels.shape + (len(PHASES),))
    out = np.zeros(labels.shape, dtype=bool)
    for k, name in enumerate(PHASES):
        out |= (labels == name) & ok[..., k]
    return out


@dataclass
class PhaseResult:
    """A trained phase grid.

    run: every restart (settings * K instances); best: lowest-loss restart per
    setting (by exact expected loss when exact_loss (P, R, K) is set, else by
    ``Run.best()``). labels, theory, agrees, loss_sum, theory_loss: (P, R);
    restart_labels: (P, R, K). ``loss_sum`` = n * final_loss of the best
    restart, ``theory_loss`` = the lowest closed-form candidate loss.
    """

    grid: PhaseGrid
    run: Run
    best: Run
    labels: np.ndarray
    theory: np.ndarray
    agrees: np.ndarray
    loss_sum: np.ndarray
    theory_loss: np.ndarray
    restart_labels: np.ndarray
    exact_loss: np.ndarray | None = None

    @property
    def n_agree(self) -> int:
        return int(self.agrees.sum())

    @property
    def n_points(self) -> int:
        return int(self.agrees.size)

    def summary(self) -> str:
        """One line: 'best-of-K agrees with theory at a/b grid points (c%)'."""
        K = self.run.config.n_seeds
        return (f"n={self.grid.n_features}, m={self.grid.n_features - 1}: best-of-{K} agrees with "
                f"theory at {self.n_agree}/{self.n_points} grid points "
                f"({100 * self.n_agree / self.n_points:.0f}%)")

    def at(self, r: float, p: float) -> Run:
        """Every restart trained at the grid point nearest to (r, p) (log distance)."""
        r = check_float("r", r, 1e-3, 1e3)
        p = check_float("p", p, 0.0, 1.0, low_open=True)
        j = int(np.argmin(np.abs(np.log(self.grid.r_values / r))))
        i = int(np.argmin(np.abs(np.log(self.grid.p_values / p))))
        K = self.run.config.n_seeds
        k = i * len(self.grid.r_values) + j
        return self.run.select(slice(k * K, (k + 1) * K))

    def single_seed_agreement(self) -> float:
        """Fraction of all (point, restart) pairs whose own label agrees with theory."""
        r = self.grid.reshape(self.grid.r)[..., None]
        p = self.grid.reshape(self.grid.p)[..., None]
        return float(agreement(self.restart_labels, r, p, self.grid.n_features).mean())

    def candidate_gaps(self, resolution: int = 16) -> np.ndarray:
        """(P, R) relative gap of the kept restart to the best hand-built candidate, by exact loss.

        gap = (L(best restart) - min over candidates L) / min over candidates L,
        both by ``expected_loss`` at the same resolution (no sampling noise).
        gap < 0: the trained model beats the theory's list; gap > 0: it is above
        the theory's minimum (a worse optimum, or training not finished).
        """
        n = self.grid.n_features
        imp = self.grid.importance()
        gaps = np.zeros(self.grid.n_settings)
        for k in range(self.grid.n_settings):
            p = float(self.grid.p[k])
            cands = candidate_solutions(p, n)
            Ws = torch.stack([self.best.W[k]] + [w for w, _ in cands.values()])
            bs = torch.stack([self.best.b[k]] + [b for _, b in cands.values()])
            losses = expected_loss(Ws, bs, p, imp[k], resolution=resolution)
            gaps[k] = (losses[0] - losses[1:].min()) / losses[1:].min()
        return self.grid.reshape(gaps)

    def mismatches(self, tol: float = 0.01, resolution: int = 32) -> list[dict]:
        """Every disagreeing point: r, p, labels, and an exact loss comparison.

        The trained best (W, b) and every hand-built candidate of
        ``candidate_solutions`` are scored by ``expected_loss`` (quadrature,
        no sampling noise). gap = (trained - best candidate) / best candidate;
        'beats candidates' when gap < -tol (the model found a solution outside
        the theory's list), 'stuck' when gap > tol (a worse local optimum),
        'near tie' otherwise.
        """
        tol = check_float("tol", tol, 0.0, 1.0)
        out = []
        n = self.grid.n_features
        R = len(self.grid.r_values)
        for i, j in zip(*np.nonzero(~self.agrees)):
            r, p = float(self.grid.r_values[j]), float(self.grid.p_values[i])
            k = int(i) * R + int(j)
            cands = candidate_solutions(p, n)
            Ws = torch.stack([self.best.W[k]] + [w for w, _ in cands.values()])
            bs = torch.stack([self.best.b[k]] + [b for _, b in cands.values()])
            losses = expected_loss(Ws, bs, p, self.grid.importance()[k], resolution=resolution)
            best_cand = float(losses[1:].min())
            gap = (float(losses[0]) - best_cand) / best_cand
            why = "beats candidates" if gap < -tol else ("stuck" if gap > tol else "near tie")
            out.append({"r": r, "p": p, "trained": str(self.labels[i, j]), "theory": str(self.theory[i, j]),
                        "trained_loss": float(losses[0]), "candidate_loss": best_cand, "gap": gap,
                        "why": why})
        return out


def restart_expected_losses(run: Run, grid: PhaseGrid, resolution: int = 16) -> np.ndarray:
    """(settings, n_seeds) exact expected loss (sum over features) of every restart of a phase grid.

    Each restart's (W, b) is scored by ``expected_loss`` at its grid point's
    density and importances: quadrature, no sampling noise, so restarts whose
    losses differ by far less than a sampled evaluation's error are still ranked
    correctly. ``resolution`` points per active feature (error O(1/resolution^2),
    the same for every restart of a setting, so it hardly moves their order).
    """
    if not isinstance(grid, PhaseGrid) or run.n_settings != grid.n_settings:
        raise ValueError("run and grid must come from the same train_phase_grid call")
    K = run.config.n_seeds
    imp = grid.importance()
    out = np.zeros((grid.n_settings, K))
    for k in range(grid.n_settings):
        sl = slice(k * K, (k + 1) * K)
        out[k] = expected_loss(run.W[sl], run.b[sl], float(grid.p[k]), imp[k], resolution=resolution)
    return out


def train_phase_grid(grid: PhaseGrid, n_seeds: int = 10, steps: int = 10_000, lr: float = 1e-3,
                     batch_size: int = 1024, seed: int = 0, select: str = "exact",
                     **train_kwargs) -> PhaseResult:
    """Train n_seeds restarts of the ReLU output model (m = n - 1) at every grid point.

    Defaults are the notebook recipe (10k steps, lr 1e-3, batch 1024); the
    lesson documents the shorter recipe it uses. select: 'exact' keeps, at
    every point, the restart with the lowest exact expected loss
    (``restart_expected_losses``, no sampling noise); 'sampled' keeps
    ``Run.best()``'s choice (lowest ``final_loss`` on fresh samples).
    ``exact_loss`` of the result holds every restart's exact loss (P, R, K),
    or None with 'sampled'.
    """
    if not isinstance(grid, PhaseGrid):
        raise ValueError(f"grid must be a PhaseGrid from make_grid, got {type(grid).__name__}")
    if select not in ("exact", "sampled"):
        raise ValueError(f"select must be 'exact' or 'sampled', got {select!r}")
    n = grid.n_features
    run = train(n, n - 1, model="relu_output", sparsity=grid.sparsity(), importance=grid.importance(),
                n_seeds=n_seeds, steps=steps, lr=lr, batch_size=batch_size, seed=seed, **train_kwargs)
    exact = None
    if select == "exact":
        exact = restart_expected_losses(run, grid)
        K = run.config.n_seeds
        best = run.select(torch.as_tensor(exact.argmin(axis=1) + np.arange(grid.n_settings) * K))
        exact = exact.reshape(grid.shape + (K,))
    else:
        best = run.best()
    labels = grid.reshape(classify(best.W))
    r2, p2 = grid.reshape(grid.r), grid.reshape(grid.p)
    losses = theory_losses(r2, p2, n)
    theory_loss = np.min(np.stack([np.broadcast_to(v, r2.shape) for v in losses.values()]), axis=0)
    K = run.config.n_seeds
    restart = classify(run.W).reshape(grid.shape + (K,))
    return PhaseResult(grid=grid, run=run, best=best, labels=labels,
                       theory=theory_labels(r2, p2, n), agrees=agreement(labels, r2, p2, n),
                       loss_sum=grid.reshape(n * best.final_loss.numpy().astype(np.float64)),
                       theory_loss=theory_loss, restart_labels=restart, exact_loss=exact)


def plot_phase_comparison(result: PhaseResult, resolution: int = 200):
    """Theory on a fine grid (left) next to the trained best-of-K labels (right).

    Mismatching cells are marked with a black cross; dashed lines are the
    theory's phase boundaries; the star is the triple point r = 1, p = 4/7.
    """
    if not isinstance(result, PhaseResult):
        raise ValueError(f"result must be a PhaseResult, got {type(result).__name__}")
    resolution = check_int("resolution", resolution, 2, 2000)
    g = result.grid
    r_fine = np.logspace(np.log10(g.r_values.min()), np.log10(g.r_values.max()), resolution)
    p_fine = np.logspace(np.log10(g.p_values.min()), np.log10(g.p_values.max()), resolution)
    fine = theory_labels(r_fine[None, :], p_fine[:, None], g.n_features)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
    n, K = g.n_features, result.run.config.n_seeds
    plot_phase_diagram(fine, r_fine, p_fine, ax=axes[0],
                       title=f"Theory, n={n}, m={n - 1} ({resolution}x{resolution})")
    plot_phase_diagram(result.labels, g.r_values, g.p_values, ax=axes[1],
                       title=f"Trained, best of {K}: {result.n_agree}/{result.n_points} agree (x: not)")
    bad_i, bad_j = np.nonzero(~result.agrees)
    axes[1].scatter(g.r_values[bad_j], g.p_values[bad_i], marker="x", color="k", s=30, label="disagrees")
    for ax in axes:  # both axes are logarithmic, labelled in r and 1-S themselves
        for name in PHASES:  # theory's phase boundaries, dashed, on both panels
            inside = (fine == name).astype(float)
            if 0 < inside.sum() < inside.size:
                ax.contour(r_fine, p_fine, inside, levels=[0.5], colors="k", linewidths=0.7, linestyles="--")
        ax.plot(theory.TRIPLE_POINT[0], theory.TRIPLE_POINT[1], marker="*", color="k", ms=9, ls="")
    fig.tight_layout()
    return fig


def plot_candidate_losses(r: float, p: float, n_features: int = 2):
    """Closed-form candidate losses vs density at fixed r (left) and vs r at fixed p (right).

    The current (r, p) is marked; the title names the winning phase.
    """
    n = _check_n_features(n_features)
    r = check_float("r", r, 1e-3, 1e3)
    p = check_float("p", p, 0.0, 1.0, low_open=True)
    p_axis = np.logspace(-2, 0, 200)
    r_axis = np.logspace(-1, 1, 200)
    curves_p = candidate_losses(r, p_axis, n)
    curves_r = candidate_losses(r_axis, p, n)
    here = candidate_losses(r, p, n)
    winner = describe_winner(r, p, n)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.4))
    styles = {"ignore extra": "-", "dedicate to extra": "-", "antipodal": "-",
              "normal pair antipodal, extra dedicated": "--"}
    for name in curves_p:
        color = PHASE_COLORS[CANDIDATE_PHASE[name]]
        color = "0.45" if color == PHASE_COLORS["not learned"] else color
        axes[0].plot(p_axis, np.broadcast_to(curves_p[name], p_axis.shape), styles[name], color=color,
                     label=name)
        axes[1].plot(r_axis, np.broadcast_to(curves_r[name], r_axis.shape), styles[name], color=color,
                     label=name)
        axes[0].plot(p, float(here[name]), "o", color=color, ms=5)
        axes[1].plot(r, float(here[name]), "o", color=color, ms=5)
    axes[0].axvline(p, color="k", lw=0.8, ls=":")
    axes[1].axvline(r, color="k", lw=0.8, ls=":")
    axes[0].set(xscale="log", yscale="log", xlabel="density 1-S", ylabel="expected loss (sum over features)",
                title=f"vs density at r = {r:.2f}", ylim=(1e-5, 20))
    axes[1].set(xscale="log", yscale="log", xlabel="relative importance r of the extra feature",
                title=f"vs r at 1-S = {p:.3f}", ylim=(1e-5, 20))
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"n={n}, m={n - 1}: the extra feature is {winner} at r={r:.2f}, 1-S={p:.3f}")
    fig.tight_layout()
    return fig
