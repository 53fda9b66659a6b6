"""Cross-seed science tests of lesson 07: correlated and anti-correlated sets, collapse to the principal
component, the perturbed pentagon, learning dynamics (jumps, the correlated octahedron).

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0). Every setup is the
lesson's: the paper's recipe (10,000 steps, lr 1e-3) with K = 10 restarts, except the n=6, m=2 dynamics
run (5,000 steps).
"""

import numpy as np
import pytest

import tmslab
from tmslab import dynamics, metrics, nonuniform

from seeding import seeded

pytestmark = pytest.mark.slow

K = 10
PAIRS = [(0, 1), (2, 3)]


@seeded
def groups(request):
    """Lesson 07 section 1: n=4, m=2, two sets of two at density 0.1, K = 10, three data types
    (restart r starts from the same initial W for all three)."""
    kinds = {"correlated": tmslab.FeatureGroups.correlated(2, 2),
             "anti-correlated": tmslab.FeatureGroups.anticorrelated(2, 2),
             "independent": tmslab.FeatureGroups.independent(4)}
    return {name: tmslab.train(4, 2, model="relu_output", sparsity=0.9, importance=1.0, n_seeds=K,
                               feature_groups=g, seed=request.param, progress=False)
            for name, g in kinds.items()}


def test_07_correlated_features_get_orthogonal_directions(groups):
    run = groups["correlated"]
    C = nonuniform.pair_cosines(run.W, PAIRS)
    orthogonal = (C.abs() < 0.1).all(dim=1)
    assert int(orthogonal.sum()) >= 8, C                      # robust across restarts (9-10/10 measured)
    assert bool(orthogonal[int(run.final_loss.argmin())])
    assert int((metrics.n_represented(run.W) == 4).sum()) >= 8


def test_07_anti_correlated_features_best_restart_is_antipodal_with_zero_loss(groups):
    run, control = groups["anti-correlated"], groups["independent"]
    antipodal = (nonuniform.pair_cosines(run.W, PAIRS) < -0.95).all(dim=1)
    best = int(run.final_loss.argmin())
    assert bool(antipodal[best]) and float(run.final_loss[best]) < 1e-8, run.final_loss
    assert 1 <= int(antipodal.sum()) <= K - 1, antipodal       # only some restarts get there
    assert float(run.final_loss[~antipodal].min()) > 1e-4      # the others stop in a local minimum
    assert float(control.final_loss.min()) > 1e-4             # independent features always pay some loss


def test_07_the_initial_weights_decide_the_anti_correlated_outcome(groups):
    """Lesson 07 cells after exercise 1: the anti-correlated model pairs the features into antipodal pairs
    the same way as the independent control from the same initial W (measured 10, 10, 8, 8, 9 of 10 for
    seeds 0, 101, 202, 303, 404), and the restarts that reach the within-set pairing are about one in three
    (3, 5, 4, 4, 2 of 10)."""
    pair = {name: [tuple(nonuniform.antipodal_pairs(run.W[k])) for k in range(K)]
            for name, run in groups.items()}
    same = sum(a == b for a, b in zip(pair["anti-correlated"], pair["independent"], strict=True))
    assert same >= 8, pair
    within = sum(p == ((0, 1), (2, 3)) for p in pair["anti-correlated"])
    assert 1 <= within <= 6, pair["anti-correlated"]


@seeded
def basis(request):
    """Lesson 07 section 2: two correlated sets of ten in m = 10, density 0.05, K = 10."""
    return tmslab.train(20, 10, model="relu_output", sparsity=0.95, importance=1.0, n_seeds=K,
                        feature_groups=tmslab.FeatureGroups.correlated(2, 10), seed=request.param,
                        progress=False)


def test_07_each_correlated_set_gets_a_local_orthogonal_basis(basis):
    """Every restart: all 20 features kept, within-set |cos| <= 0.06 (measured max 0.054 over seeds 0,
    101, 202, 303), across-set |cos| up to 0.85-0.91 (the superposition is between the sets)."""
    blocks = np.kron(np.eye(2, dtype=bool), np.ones((10, 10), dtype=bool))
    same_set = blocks & ~np.eye(20, dtype=bool)
    cos_abs = metrics.cosine_similarity(basis.W).abs().numpy()
    assert bool((metrics.n_represented(basis.W) == 20).all())
    assert max(c[same_set].max() for c in cos_abs) < 0.08
    assert min(c[~blocks].max() for c in cos_abs) > 0.7


PCA_DENSITY = np.array([0.02, 0.1, 0.2, 0.5])
PAIRS3 = [(0, 1), (2, 3), (4, 5)]


@seeded
def pca(request):
    """Lesson 07 section 2: three correlated pairs in m = 2 at four densities, K = 10."""
    return tmslab.train(6, 2, model="relu_output", sparsity=1 - PCA_DENSITY, importance=1.0, n_seeds=K,
                        feature_groups=tmslab.FeatureGroups.correlated(3, 2), seed=request.param,
                        progress=False)


def test_07_correlated_pairs_collapse_onto_their_principal_component(pca):
    """Best model: 0 collapsed pairs at 1-S = 0.02 (pairs side by side, cos ~0.4), then 1, 2 and 3 (measured
    on seeds 0, 101, 202: exactly 0, 1, 2, 3), never decreasing; all six features kept."""
    best = pca.best()
    counts = [len(nonuniform.collapsed_pairs(best.W[s], PAIRS3)) for s in range(len(PCA_DENSITY))]
    assert counts[0] == 0 and counts[-1] == 3, counts
    assert np.all(np.diff(counts) >= 0), counts
    assert counts == [0, 1, 2, 3], counts
    side_by_side = nonuniform.pair_cosines(best.W[0], PAIRS3)
    assert bool(((side_by_side > 0.2) & (side_by_side < 0.7)).all()), side_by_side
    assert all(int(metrics.n_represented(best.W[s])) == 6 for s in range(len(PCA_DENSITY)))


FACTORS = np.array([0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0])


@seeded
def pentagon(request):
    """Lesson 07 section 3: n=5, m=2, density 0.05 with feature 0 at f x 0.05, K = 10."""
    run = tmslab.train(5, 2, model="relu_output", sparsity=nonuniform.perturbed_sparsity(5, 0.05, FACTORS),
                       importance=1.0, n_seeds=K, seed=request.param, progress=False)
    return run, nonuniform.best_loss_by_geometry(run)


def test_07_varied_density_deforms_the_pentagon(pentagon):
    """f = 1 gives the regular pentagon; a sparser feature 0 gets the two smallest gaps, a denser one the
    two largest."""
    best = pentagon[0].best()
    assert nonuniform.classify_pentagon(best.W[6]) == "pentagon"
    assert ((metrics.angular_gaps(best.W[6]) - 72).abs() < 2).all(), metrics.angular_gaps(best.W[6])
    checked = 0
    for k, f in enumerate(FACTORS):
        W = best.W[k]
        if f == 1.0 or nonuniform.classify_pentagon(W) != "pentagon":
            continue
        near = np.sort(nonuniform.gaps_next_to(W, 0))
        gaps = np.sort(metrics.angular_gaps(W).numpy())
        assert np.allclose(near, gaps[:2] if f < 1 else gaps[-2:]), (f, near, gaps)
        checked += 1
    assert checked >= 5


def test_07_pentagon_snaps_to_two_digons_when_one_feature_is_sparse_enough(pentagon):
    """A first-order switch to two digons with feature 0 dropped, at a crossover between f = 0.25 and 0.3
    (the lesson's wording), sparser than the paper's ~2.5x (f = 0.4), where the best pentagon is still
    clearly better."""
    run, geo = pentagon
    best = run.best()
    assert nonuniform.classify_pentagon(best.W[0]) == "two digons"
    assert float(metrics.feature_norms(best.W[0])[0]) < 0.1
    f_star = nonuniform.crossover(FACTORS, geo["pentagon"], geo["two digons"])
    assert 0.25 < f_star < 0.3, f_star
    assert geo["pentagon"][3] < 0.95 * geo["two digons"][3], (geo["pentagon"][3], geo["two digons"][3])
    digon_side = FACTORS < f_star
    assert all(nonuniform.classify_pentagon(best.W[k]) == "two digons" for k in np.flatnonzero(digon_side))
    assert all(nonuniform.classify_pentagon(best.W[k]) == "pentagon" for k in np.flatnonzero(~digon_side))


@seeded
def dyn(request):
    """Lesson 07 section 4: n=6, m=2, 1/(1-S) = 3, 6 restarts, 5,000 steps, W stored every 20 steps."""
    run = tmslab.train(6, 2, model="relu_output", sparsity=2 / 3, importance=1.0, n_seeds=6, steps=5000,
                       history_every=20, seed=request.param, progress=False)
    return run, dynamics.snapshot_losses(run, n_samples=4096, seed=0).numpy()


def test_07_training_ends_with_two_antipodal_pairs_filling_the_plane(dyn):
    """sum_i D_i = m = 2 for every restart; the best restart has four features at D_i = 1/2 and two at 0.
    (Not every restart: 1-2 of 6 per seed end in a higher-loss minimum with D ~ (0.07, 0.07, 0.08, 0.5,
    0.5, 0.77).)"""
    run, loss = dyn
    final = metrics.feature_dimensionality(run.W).numpy()
    assert np.all(np.abs(final.sum(axis=1) - 2) < 0.02), final.sum(axis=1)
    best = np.sort(final[int(np.argmin(loss[-1]))])
    assert np.allclose(best, [0, 0, 0.5, 0.5, 0.5, 0.5], atol=0.02), best


TRANSIENT = 1000


def test_07_later_jumps_come_with_loss_drops_above_the_quiet_90th_percentile(dyn):
    """The lesson's statistic: for every jump that starts after step 1,000, its loss drop against the 90th
    percentile of the drops over quiet windows of the same length (after step 1,000, overlapping no jump of
    that restart). Measured: 9/9 (seed 0), 4/4, 4/4, 5/7, 3/4 (seeds 101-404), 25/28 in all; 35-65% of
    all jumps fall in the first 1,000 steps and are not tested."""
    run, loss = dyn
    steps = run.snapshot_steps.numpy()
    beat = late = 0
    for r in range(run.n_instances):
        D = dynamics.dimensionality_history(run, r).numpy()
        jumps = dynamics.detect_jumps(D, steps, min_change=0.1, tol=0.02, min_plateau=200)
        for j in jumps:
            if j.start < TRANSIENT:
                continue
            drop = dynamics.loss_drop(loss[:, r], steps, j.start, j.end)
            length = max(j.end - j.start, 20)
            quiet = dynamics.quiet_drop(loss[:, r], steps, length, jumps, after=TRANSIENT, q=90)
            beat += drop > quiet
            late += 1
    assert late >= 3, late
    assert beat >= 0.7 * late, (beat, late)


@seeded
def octahedron(request):
    """Lesson 07, the paper's correlated dynamics example: n=6, m=3, two correlated sets of three, density
    0.1, 4 restarts, W stored every 50 steps."""
    g = tmslab.FeatureGroups.correlated(2, 3)
    return g, tmslab.train(6, 3, model="relu_output", sparsity=0.9, importance=1.0, n_seeds=4,
                           history_every=50, feature_groups=g, seed=request.param, progress=False)


def test_07_two_correlated_sets_of_three_end_in_a_mixed_octahedron(octahedron):
    """Measured: 4/4 restarts (seeds 0, 101, 202, 404), 3/4 (seed 303, whose exception has all D_i = 1/2
    too but a higher loss, 0.00168 vs 0.00162); the best restart is always the octahedron."""
    g, run = octahedron
    octa = [nonuniform.is_cross_set_octahedron(run.W[r], g) for r in range(run.n_instances)]
    assert sum(octa) >= 3, octa
    assert octa[int(run.final_loss.argmin())], (octa, run.final_loss)
    for r in range(run.n_instances):
        D = dynamics.dimensionality_history(run, r).numpy()
        assert np.allclose(D[-1], 0.5, atol=0.02), D[-1]


LEVELS = np.array([0.0, 0.5, 1.0])


@seeded
def fractions(request):
    """Lesson 07, plateaus at polytope fractions: n=4, m=2, importance (1, 1, 1, 0.3), density 0.15,
    K = 10, W stored every 50 steps."""
    run = tmslab.train(4, 2, model="relu_output", sparsity=0.85, importance=[1.0, 1.0, 1.0, 0.3], n_seeds=K,
                       history_every=50, seed=request.param, progress=False)
    return run, dynamics.snapshot_losses(run, n_samples=8192, seed=0).numpy()


def test_07_some_restarts_pause_at_a_digon_and_a_lone_feature(fractions):
    """Some restarts hold D = (1/2, 1/2, 1, 0) for 500+ steps, then the lone feature (1 -> 1/2) and feature 3
    (0 -> 1/2) jump together to two digons, with a loss drop above the quiet 90th percentile (measured: 5, 5,
    4, 2 of 10 restarts for seeds 0, 101, 202, 303; every such jump's loss drop is 13 times the quiet 90th
    percentile or more). Every restart ends with all D_i within 0.03 of 1/2."""
    run, loss = fractions
    steps = run.snapshot_steps.numpy()
    with_plateau = 0
    for r in range(run.n_instances):
        D = dynamics.dimensionality_history(run, r).numpy()
        assert np.allclose(D[-1], 0.5, atol=0.03), D[-1]
        jumps = dynamics.detect_jumps(D, steps, min_change=0.2, tol=0.02, min_plateau=500)
        at_levels = [j for j in jumps
                     if min(abs(LEVELS - j.before)) < 0.03 and min(abs(LEVELS - j.after)) < 0.03]
        if not at_levels:
            continue
        with_plateau += 1
        assert any(j.feature == 3 and j.before < 0.03 for j in at_levels), at_levels
        for j in at_levels:
            drop = dynamics.loss_drop(loss[:, r], steps, j.start, j.end)
            quiet = dynamics.quiet_drop(loss[:, r], steps, max(j.end - j.start, 50), jumps,
                                        after=TRANSIENT, q=90)
            assert drop > quiet, (r, j, drop, quiet)
    assert with_plateau >= 2, with_plateau
