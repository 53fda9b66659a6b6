"""Lesson 08, neurons: monosemantic counts, stacked weight plots, motifs, widget, checks."""
import numpy as np
import pytest
import torch

import tmslab
from tmslab import checks, neurons
from tmslab.checks import neurons as ck
from tmslab.widgets import neurons as wd

CODE = torch.tensor([[0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                     [0.0, 0.0, 0.0, 0.87, 0.86, -0.71],
                     [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                     [0.0, 0.0, 0.0, 0.88, -0.82, 0.82],
                     [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]])


def test_paper_three_in_two_code_counts():
    s = neurons.neuron_summary(CODE)
    assert s["monosemantic"] == 3 and s["polysemantic"] == 2 and s["dead"] == 0
    assert s["represented"] == 6
    assert s["features_per_neuron"] == [1, 2, 1, 2, 1]
    assert s["neurons_per_feature"] == [1, 1, 1, 2, 1, 1]
    assert s["mean_features_per_neuron"] == pytest.approx(1.4)


def test_negative_weights_only_count_for_signed_inputs():
    W = torch.tensor([[1.0, -0.9], [0.0, 0.0]])
    assert neurons.features_per_neuron(W).tolist() == [1, 0]
    assert neurons.features_per_neuron(W, inputs="signed").tolist() == [2, 0]
    assert neurons.neuron_summary(W)["dead"] == 1
    with pytest.raises(ValueError, match="inputs"):
        neurons.features_per_neuron(W, inputs="both")
    with pytest.raises(ValueError, match="threshold"):
        neurons.features_per_neuron(W, threshold=-1)


def test_rescale_rows_sets_each_row_maximum_to_one():
    W = torch.tensor([[2.0, -0.5], [0.0, 0.0], [0.1, -0.4]])
    R = neurons.rescale_rows(W)
    np.testing.assert_allclose(R.abs().amax(1), [1.0, 0.0, 1.0])
    np.testing.assert_allclose(R[0], [1.0, -0.25])
    # rescaled threshold: feature 1 carried by neuron 0 only when 0.25 > threshold
    assert neurons.features_per_neuron(W, 0.2, "signed", rescale=True).tolist() == [2, 0, 2]
    assert neurons.features_per_neuron(W, 0.3, "signed", rescale=True).tolist() == [1, 0, 1]


def test_asymmetric_neuron_found_with_reversed_outputs():
    W1 = torch.tensor([[2.0, -0.5, 0.0], [0.0, 0.0, 1.0], [1.0, 0.9, 0.0]])
    W2 = torch.tensor([[0.5, 0.0, 0.3], [2.0, 0.0, 0.3], [0.0, 1.0, 0.0]])
    found = neurons.asymmetric_neurons(W1, W2, min_ratio=2.0)
    assert [d["neuron"] for d in found] == [0]
    d = found[0]
    assert (d["strong"], d["weak"]) == (0, 1)
    assert d["in_strong"] == pytest.approx(1.0) and d["in_weak"] == pytest.approx(-0.25)
    assert d["out_strong"] == pytest.approx(1.0) and d["out_weak"] == pytest.approx(4.0)
    assert d["ratio"] == pytest.approx(4.0) and d["asymmetry"] == pytest.approx(16.0)
    assert neurons.asymmetric_neurons(W1, W2, min_ratio=5.0) == []
    with pytest.raises(ValueError, match="W2"):
        neurons.asymmetric_neurons(W1, W2.T[:2])


def test_neuron_stack_plots():
    fig = neurons.plot_neuron_stack(CODE, title="code")
    ax = fig.axes[0]
    assert ax.get_title() == "code" and ax.get_xlabel() == "neuron k"
    lo, hi = ax.get_ylim()
    assert lo < -0.7 and hi > 1.7                       # negative weights drawn below the axis
    fig = neurons.plot_neuron_stack_row([CODE, CODE * 2], ["a", "b"])
    assert [a.get_title() for a in fig.axes[:2]] == ["a", "b"]
    with pytest.raises(ValueError, match="titles"):
        neurons.plot_neuron_stack_row([CODE], ["a", "b"])


@pytest.fixture(scope="module")
def hidden_best():
    return tmslab.train(10, 5, model="relu_hidden", sparsity=[0.0, 0.7, 0.97], importance=0.75,
                        steps=300).best()


def test_neuron_explorer_redraws(hidden_best):
    panel = wd.build_neuron_explorer(hidden_best)
    first, image = panel.readout.value, panel.image.value
    assert "1-S = 1" in first and "monosemantic" in first
    panel.controls["density"].value = 2                 # extreme: the sparsest model
    assert "1-S = 0.03" in panel.readout.value and panel.image.value != image
    panel.controls["density"].value = 1
    assert "1-S = 0.3" in panel.readout.value
    with pytest.raises(ValueError, match="inputs"):
        wd.build_neuron_explorer(hidden_best, inputs="x")


def test_neuron_explorer_for_abs_models():
    best = tmslab.train(6, 4, model="abs", sparsity=[0.0, 0.9], importance=0.8, steps=100).best()
    panel = wd.build_neuron_explorer(best, inputs="signed", rescale=True)
    panel.controls["density"].value = 1
    assert "1-S = 0.1" in panel.readout.value


# ---------------------------------------------------------------- checks
def reference_count(W, threshold):
    return int(neurons.monosemantic_neurons(W, threshold).sum())


def test_check_count_monosemantic():
    assert checks.report(ck.check_count_monosemantic, reference_count).startswith("✅ Correct")

    def with_abs(W, threshold):
        return int(((W.abs() > threshold).sum(1) == 1).sum())

    def per_feature(W, threshold):
        return int(((W > threshold).sum(0) == 1).sum())

    assert "positive weights" in checks.report(ck.check_count_monosemantic, with_abs)
    assert checks.report(ck.check_count_monosemantic, per_feature).startswith("❌ Not yet")
    assert "None" in checks.report(ck.check_count_monosemantic, lambda W, t: None)


def test_order_neurons_by_primary_feature():
    W = torch.tensor([[0.0, 0.1, 0.9], [0.0, 0.0, 0.0], [1.0, 0.2, 0.0], [0.1, -0.8, 0.0]])
    assert neurons.order_neurons(W).tolist() == [2, 3, 0, 1]


def test_primary_and_secondary_features():
    W = torch.tensor([[1.0, 0.0, 0.0, 0.5], [0.0, -1.0, 0.4, 0.0], [0.0, 0.0, 1.0, 0.0]])
    primary, secondary = neurons.primary_and_secondary(W)
    assert primary == [0, 1] and secondary == [3, 2]


def test_primary_is_most_important():
    W = torch.tensor([[1.0, 0.0, 0.0, 0.5], [0.0, 0.4, -1.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0] * 4])
    assert neurons.primary_is_most_important(W) == [True, False]     # neuron 1: primary 2, but 1 is carried
    assert neurons.primary_is_most_important(torch.eye(3)) == []
    with pytest.raises(ValueError):
        neurons.primary_is_most_important(torch.zeros(2, 3, 4))


def test_sign_counts_detect_the_abs_circuit():
    W1 = torch.tensor([[1.0, 0.0], [-1.2, 0.0], [0.0, 0.9], [0.0, 0.8], [0.5, 0.5]])
    counts = neurons.sign_counts(W1)
    assert counts.tolist() == [[1, 1], [2, 0]]          # feature 1 lacks a negative-side neuron


def test_find_inhibitors():
    W1 = torch.tensor([[2.0, -0.5], [1.0, 0.0], [-1.0, 0.0]])
    W2 = torch.tensor([[0.5, 1.0, 0.0], [2.0, -0.8, -0.9]])
    found = neurons.find_inhibitors(W1, W2, source=0, victim=1, sign=1)
    assert [d["neuron"] for d in found] == [1]
    assert found[0]["out_victim"] == pytest.approx(-0.8)
    assert [d["neuron"] for d in neurons.find_inhibitors(W1, W2, 0, 1, sign=-1)] == [2]
    with pytest.raises(ValueError, match="sign"):
        neurons.find_inhibitors(W1, W2, 0, 1, sign=0)
    with pytest.raises(ValueError, match="victim"):
        neurons.find_inhibitors(W1, W2, 0, 5, sign=1)
