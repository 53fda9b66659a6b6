"""The live-training explorer (tmslab.widgets.live): every slider retrains or redraws, extremes included."""
from __future__ import annotations

import pytest
import torch

from tmslab.widgets import live
from tmslab.widgets.live import build_live_explorer, train_live

SHORT = dict(steps=400, history_every=100)     # 5 snapshots: quick, same code paths as the default


def test_train_live_keeps_snapshots_and_window_losses():
    run = train_live(5, 2, 0.9, 0.9, 0, **SHORT)
    assert run.W_history.shape == (5, 1, 2, 5) and run.b_history.shape == (5, 1, 5)
    assert run.snapshot_steps.tolist() == [0, 100, 200, 300, 400]
    assert run.history_steps.tolist() == [100, 200, 300, 400]
    assert torch.equal(run.W_history[-1], run.W)
    assert run.loss_history[-1, 0] < run.loss_history[0, 0]


def test_default_explorer_shows_the_final_step_of_the_pentagon_setting():
    panel = build_live_explorer()
    assert panel.retrains == 1 and panel.controls["step"].value == live.STEPS
    assert panel.run.W_history.shape[0] == live.STEPS // live.HISTORY_EVERY + 1
    text = panel.readout.value
    assert f"step {live.STEPS} of {live.STEPS}" in text and "represented features" in text
    assert "geometry:" in text and bytes(panel.image.value).startswith(b"\x89PNG")
    assert repr(panel) == "<Live training explorer: interactive widget>"


@pytest.mark.parametrize("name, values", [
    ("sparsity", live.SPARSITY_RANGE),
    ("decay", live.DECAY_RANGE),
    ("n_features", live.N_RANGE),
    ("n_hidden", live.M_RANGE),
    ("seed", live.SEED_RANGE),
])
def test_every_training_slider_retrains_at_its_extremes(name, values):
    panel = build_live_explorer(**SHORT)
    for value in values:
        before = (panel.image.value, panel.readout.value, panel.retrains)
        if panel.controls[name].value == value:
            continue
        panel.controls[name].value = value
        assert panel.retrains == before[2] + 1, (name, value)
        assert panel.image.value != before[0] and panel.readout.value != before[1], (name, value)
        v = panel.values
        assert panel.run.W.shape == (1, v["n_hidden"], v["n_features"])
        assert torch.isfinite(panel.run.W_history).all()
        assert ("geometry:" in panel.readout.value) == (v["n_hidden"] == 2)


def test_all_extremes_at_once_do_not_crash():
    panel = build_live_explorer(**SHORT)
    for name, value in (("n_features", 10), ("n_hidden", 3), ("sparsity", 0.99), ("decay", 0.5), ("seed", 9)):
        panel.controls[name].value = value
    for name, value in (("n_features", 2), ("n_hidden", 1), ("sparsity", 0.0), ("decay", 1.0), ("seed", 0)):
        panel.controls[name].value = value
    assert "of 2" in panel.readout.value and panel.retrains == 11


def test_step_slider_and_play_redraw_from_snapshots_without_retraining():
    panel = build_live_explorer(**SHORT)
    retrains = panel.retrains
    images = {panel.image.value}
    panel.controls["step"].value = 0
    assert "untrained (step 0)" in panel.readout.value
    images.add(panel.image.value)
    panel.play.value = 200                      # the Play button moves the step slider (linked)
    assert panel.controls["step"].value == 200 and "step 200 of 400" in panel.readout.value
    assert "training loss" in panel.readout.value
    images.add(panel.image.value)
    assert len(images) == 3 and panel.retrains == retrains
    assert panel.play in panel.children[0].children


def test_returning_to_a_setting_uses_the_cache():
    panel = build_live_explorer(**SHORT)
    panel.controls["sparsity"].value = 0.5
    panel.controls["sparsity"].value = 0.9
    assert panel.retrains == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(sparsity=1.5), "sparsity"),
    (dict(decay=0.1), "decay"),
    (dict(n_features=11), "n_features"),
    (dict(n_hidden=0), "n_hidden"),
    (dict(seed=10), "seed"),
    (dict(steps=450, history_every=100), "multiple"),
    (dict(steps=1000, history_every=1), "200 snapshots"),
])
def test_explorer_validates_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_live_explorer(**kwargs)


def test_train_live_validates_its_arguments():
    with pytest.raises(ValueError, match="multiple"):
        train_live(5, 2, 0.9, 0.9, 0, steps=150, history_every=100)
    with pytest.raises(ValueError, match="history_every"):
        train_live(5, 2, 0.9, 0.9, 0, steps=100, history_every=0)


def test_what_lessons_00_and_04_say_the_explorer_shows():
    """The prose beside the explorer: lesson 00 (S = 0 keeps two orthogonal features, S = 0.9 all five)
    and lesson 04 (S = 0.8, seed 0: two antipodal pairs leaving out feature 2; some of seeds 0-9 end in a
    pentagon and only some leave out feature 4; S = 0.9: a pentagon, and at r = 0.5 two pairs without
    feature 4; most seeds settle within 3,000 steps)."""
    from tmslab.geometry2d import classify_2d

    def final(S, r=0.9, seed=0):
        run = train_live(5, 2, S, r, seed)
        labels = [classify_2d(run.W_history[k, 0]) for k in range(run.W_history.shape[0])]
        settled = next(int(run.snapshot_steps[k]) for k in range(len(labels))
                       if all(g.label() == labels[-1].label() for g in labels[k:]))
        return labels[-1], settled

    assert final(0.0)[0].label().startswith("orthogonal {0,1}")
    assert final(0.9)[0].kind == "pentagon"
    seeds = [final(0.8, seed=s) for s in range(10)]
    first = seeds[0][0]
    assert first.kind == "antipodal pairs" and 2 not in {i for pair in first.pairs for i in pair}
    kinds = [g.kind for g, _ in seeds]
    assert "pentagon" in kinds and "other" not in kinds
    left_out = [set(range(5)) - {i for pair in g.pairs for i in pair}
                for g, _ in seeds if g.kind == "antipodal pairs"]
    assert 0 < sum(s == {4} for s in left_out) < len(left_out)
    assert sum(settled <= 3000 for _, settled in seeds) > len(seeds) / 2
    low_r = final(0.9, r=0.5)[0]
    assert low_r.kind == "antipodal pairs" and 4 not in {i for pair in low_r.pairs for i in pair}
