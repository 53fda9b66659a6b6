"""Cross-seed science tests of lesson 08: privileged basis, |x| in superposition, adversarial vulnerability.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""

import numpy as np
import pytest
import torch
from seeding import seeded

import tmslab
from tmslab import adversarial, basis, metrics, neurons

pytestmark = pytest.mark.slow


HIDDEN_DENSITIES = np.array([1.0, 0.3, 0.15, 0.06, 0.03])


@seeded
def hidden(request):
    """Lesson 08 cell 3: ReLU hidden layer, n=10, m=5, I_i = 0.75^i, 5 densities, best of 10, 10k steps."""
    return tmslab.train(10, 5, model="relu_hidden", sparsity=1 - HIDDEN_DENSITIES, importance=0.75,
                        n_seeds=10, seed=request.param, progress=False).best()


def test_08_neurons_go_from_monosemantic_to_polysemantic_as_features_get_sparser(hidden):
    """Lesson 08 cells 3-4: monosemantic neurons never increase with sparsity (5 dense, 0 at 0.06 and 0.03),
    represented features never decrease; the paper's regimes hold at 1-S = 1 (5 mono, 5 features), 0.3
    (3 mono, 6 features) and 0.06 (all 5 polysemantic, 8 features)."""
    s = [neurons.neuron_summary(W, threshold=0.3) for W in hidden.W]
    mono, rep = [x["monosemantic"] for x in s], [x["represented"] for x in s]
    assert mono[0] == 5 and mono[-1] == 0 and s[-1]["polysemantic"] == 5, mono
    assert all(b <= a for a, b in zip(mono, mono[1:])), mono
    assert all(b >= a for a, b in zip(rep, rep[1:])) and rep[-1] > 5, rep
    assert (mono[0], rep[0]) == (5, 5) and (mono[1], rep[1]) == (3, 6), (mono, rep)
    assert (mono[3], s[3]["polysemantic"], rep[3]) == (0, 5, 8), (mono, rep)


def test_08_three_in_two_code_at_density_0_3(hidden):
    """Lesson 08 cells 5-6: three monosemantic neurons for features 0-2; the other two neurons share three
    features, one of them orthogonal to the other two, which are antipodal."""
    W = hidden.W[1]
    mask = neurons.neuron_feature_mask(W, threshold=0.3)
    mono = [k for k in range(5) if int(mask[k].sum()) == 1]
    assert sorted(int(torch.nonzero(mask[k])[0]) for k in mono) == [0, 1, 2], mask
    poly = [k for k in range(5) if int(mask[k].sum()) > 1]
    shared = sorted({int(i) for k in poly for i in torch.nonzero(mask[k]).ravel()})
    assert len(poly) == 2 and len(shared) == 3, (poly, shared)
    cos = metrics.cosine_similarity(W[poly][:, shared])
    pairs = [(a, b) for a in range(3) for b in range(a + 1, 3)]
    anti = [(a, b) for a, b in pairs if float(cos[a, b]) < -0.9]
    assert len(anti) == 1, cos
    lone = ({0, 1, 2} - set(anti[0])).pop()
    assert all(abs(float(cos[lone, j])) < 0.2 for j in anti[0]), cos


def test_08_rotating_the_hidden_space_changes_the_relu_hidden_model(hidden):
    rot = basis.rotation_experiment(hidden.select([0]), seed=0)
    assert float(rot.loss_after[0]) > 3 * float(rot.loss_before[0]), (rot.loss_before, rot.loss_after)
    assert int(rot.monosemantic_after[0]) < int(rot.monosemantic_before[0])


@seeded
def abs3(request):
    """Lesson 08 cell 17: |x| model, n=3, m=6, dense, 10 restarts, 10k steps."""
    return tmslab.train(3, 6, model="abs", sparsity=0.0, importance=1.0, n_seeds=10, seed=request.param,
                        progress=False)


def test_08_absolute_value_circuit_uses_a_plus_minus_neuron_pair_per_feature(abs3):
    """The lowest-loss restart is the exact circuit; most restarts find it (lesson: 7/10, reference 8/10)."""
    ok = np.array([bool((neurons.sign_counts(W, threshold=0.3) >= 1).all()) and float(loss) < 1e-4
                   for W, loss in zip(abs3.W, abs3.final_loss)])
    assert ok.sum() >= 6 and ok[int(abs3.final_loss.argmin())], (ok, abs3.final_loss)


ABS_DENSITIES = np.array([1.0, 0.1, 0.03, 0.01, 0.003])
ABS_IMPORTANCE = 0.8 ** (40 / 12)      # the paper's importance at feature m = 40, reached at feature 12


@seeded
def abs_sweep(request):
    """Lesson 08 cell 19: |x| model, n=32, m=12, I_i = 0.475^i, 5 densities, best of 10, 10k steps. (Best of
    4 keeps a different model, with a different monosemantic count, at 2-3 of the 5 densities on seeds 0 and
    202: the lesson uses the paper's K = 10.)"""
    return tmslab.train(32, 12, model="abs", sparsity=1 - ABS_DENSITIES, importance=ABS_IMPORTANCE, n_seeds=10,
                        seed=request.param, progress=False).best()


def test_08_abs_neurons_go_polysemantic_with_sparsity_clearly_at_the_ends(abs_sweep):
    """Lesson 08 cells 19-21: dense, all 12 neurons monosemantic (10 allowed: on some seeds the lowest-loss
    restart has one opposite pair that reads two features); at 0.1 most (>= 8 of 12, paper 35/40); at 0.003
    at most 2 of 12; in between fewer than dense but unevenly (measured with seeds 0/101/202/303: 4-10 at 0.03,
    0-6 at 0.01); the mean number of features per neuron grows 2.2- to 3-fold from dense to the sparsest
    density, and is higher at 0.1 than dense."""
    s = [neurons.neuron_summary(W, threshold=0.3, inputs="signed", rescale=True) for W in abs_sweep.W]
    mono = np.array([x["monosemantic"] for x in s])
    mean = [x["mean_features_per_neuron"] for x in s]
    assert mono[0] >= 10 and mono[1] >= 8 and mono[-1] <= 2, mono
    assert max(mono[2], mono[3]) < mono[0], mono
    assert mean[-1] >= 2.2 * mean[0] and mean[0] <= mean[1] < mean[-1], mean


def test_08_abs_polysemantic_neurons_have_on_average_a_more_important_primary_feature(abs_sweep):
    """Lesson 08 cells 19 and 21: pooled over 1-S <= 0.03, the primary features of polysemantic neurons are on
    average more important (lower mean rank) than their secondary features; only on average: in many neurons
    a less important feature carries the largest weight (seed 303: the primary is the most important carried
    feature in 12 of 31 neurons, and the median ranks tie at 2)."""
    pooled = [neurons.primary_and_secondary(W) for W in abs_sweep.W[2:]]
    prim, sec = sum((p for p, _ in pooled), []), sum((q for _, q in pooled), [])
    assert np.mean(prim) < np.mean(sec), (prim, sec)
    top_first = sum((neurons.primary_is_most_important(W) for W in abs_sweep.W[2:]), [])
    assert 0 < sum(top_first) < len(top_first), top_first


def test_08_asymmetric_motif_with_inhibitor_partner_exists(abs_sweep):
    """Lesson 08 cells 23-24: neurons in the paper's sign pattern (opposite input signs, positive outputs)
    with an inhibitor partner exist, at least two with asymmetry > 2. Measured (best of 10): 5, 4 and 5 such
    neurons on seeds 101/202/303, largest asymmetry 9.1, 28.3 and 18.5 (seed 0: 5, up to 14.4); the paper's
    example: 16."""
    asym = []
    for W1, W2 in zip(abs_sweep.W, abs_sweep.W2):
        for m in neurons.asymmetric_neurons(W1, W2, min_ratio=2.0, min_weak=0.15):
            paper_signs = m["in_strong"] * m["in_weak"] < 0 and m["out_strong"] > 0 and m["out_weak"] > 0
            sign = float(np.sign(m["in_strong"]))
            if paper_signs and neurons.find_inhibitors(W1, W2, m["strong"], m["weak"], sign=sign):
                asym.append(m["asymmetry"])
    assert sum(a > 2 for a in asym) >= 2, asym


INV_DENSITY_ADV = np.array([1.0, 1.5, 2.5, 4.0, 6.5, 10.0, 16.0])


@seeded
def vulnerability(request):
    """Lesson 08 cells 25-26: n=20, m=5, I = 1, 7 densities, one model each, 10k steps; both reductions."""
    run = tmslab.train(20, 5, model="relu_output", sparsity=1 - 1 / INV_DENSITY_ADV, importance=1.0,
                       seed=request.param, progress=False)
    return {reduce: adversarial.relative_vulnerability(run, n_samples=4096, fraction=0.1, seed=request.param,
                                                       reduce=reduce)
            for reduce in adversarial.REDUCTIONS}


def test_08_adversarial_vulnerability_tracks_features_per_dimension(vulnerability):
    """Lesson 08 cell 27: per input, vulnerability rises by more than 3x and its rank correlation with
    ||W||_F^2 / m is >= 0.9; one universal attack flattens (about 2.5x: between 2 and 3.2, less than half the
    per-input rise, rho < 0.9)."""
    per, univ = vulnerability["per_example"], vulnerability["universal"]
    fpd = per["features_per_dimension"]
    rise = per["relative"].max() / per["relative"][0]
    assert rise > 3 and adversarial.spearman(per["relative"], fpd) >= 0.9, (per["relative"], fpd)
    univ_rise = univ["relative"].max() / univ["relative"][0]
    assert 2 < univ_rise < 3.2 and univ_rise < rise / 2, (univ["relative"], per["relative"])
    assert adversarial.spearman(univ["relative"], fpd) < 0.9, univ["relative"]
