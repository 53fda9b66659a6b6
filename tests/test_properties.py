"""Property-based tests (hypothesis) of the public API.

Random valid inputs must give finite results of the documented shapes; random
invalid inputs must give a ValueError or TypeError that names the argument,
never another exception type. Covered: metrics, data sampling, train (tiny runs,
both backends), SAE training (tiny) and load_run on randomly mutated files.

Budget: the whole module runs in about a minute on a shared 2-core machine
(``max_examples`` per test below). No example database is written
(``database=None``), so nothing lands in the repository.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import tmslab
from tmslab import FeatureGroups, metrics, sae, train
from tmslab.data import sample_features

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def budget(n: int):
    """Hypothesis settings: n examples, no deadline (shared machine), no example database."""
    return settings(max_examples=n, deadline=None, database=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


def raises_naming(fn, *names):
    """fn() must raise ValueError or TypeError whose message contains one of ``names``."""
    try:
        fn()
    except (ValueError, TypeError) as err:
        assert any(name in str(err) for name in names), f"{type(err).__name__}: {err} (expected {names})"
        return err
    raise AssertionError(f"no error; expected one naming {names}")


# -------------------------------------------------------------------------------- metrics

# any float32 value allowed for weights (|W| <= 1e12, tmslab.validation.MAX_WEIGHT), subnormals included
finite32 = st.floats(-999999995904.0, 999999995904.0, allow_nan=False, allow_infinity=False, width=32)
moderate = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def weights(draw, elements=finite32, min_dims=2, max_dims=4):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=5))
    return draw(hnp.arrays(np.float32, shape, elements=elements))


@budget(150)
@given(weights())
def test_metrics_of_any_finite_W_are_finite_with_documented_shapes(W):
    *lead, m, n = W.shape
    lead = tuple(lead)
    norms = metrics.feature_norms(W)
    assert norms.shape == lead + (n,) and torch.isfinite(norms).all() and (norms >= 0).all()
    assert metrics.interference_matrix(W).shape == lead + (n, n)
    assert torch.isfinite(metrics.interference_matrix(W)).all()
    sup = metrics.superposition(W)
    assert sup.shape == lead + (n,) and torch.isfinite(sup).all() and (sup >= -1e-3 * (1 + sup.abs())).all()
    D = metrics.feature_dimensionality(W)
    assert D.shape == lead + (n,) and torch.isfinite(D).all() and (D >= 0).all() and (D <= 1 + 1e-3).all()
    dpf = metrics.dimensions_per_feature(W)
    assert dpf.shape == lead and not torch.isnan(dpf).any() and (dpf > 0).all()
    frob = (torch.as_tensor(W).double() ** 2).sum((-2, -1))
    assert torch.equal(torch.isinf(dpf), (frob == 0) | (m / frob > torch.finfo(torch.float32).max))
    cos = metrics.cosine_similarity(W)
    assert cos.shape == lead + (n, n) and torch.isfinite(cos).all() and (cos.abs() <= 1 + 1e-5).all()
    count = metrics.n_represented(W)
    assert count.shape == lead and (count >= 0).all() and (count <= n).all()
    assert metrics.n_superposed(W).shape == lead


@budget(60)
@given(st.integers(1, 7).flatmap(lambda n: hnp.arrays(np.float32, (2, n), elements=moderate)))
def test_angular_gaps_close_the_circle(W):
    gaps = metrics.angular_gaps(W)
    assert torch.isfinite(gaps).all() and (gaps >= 0).all()
    assert len(gaps) in (0,) + tuple(range(2, W.shape[1] + 1))
    if len(gaps):
        assert float(gaps.sum()) == pytest.approx(360.0, abs=1e-2)


junk = st.one_of(st.none(), st.text(max_size=5), st.lists(st.text(max_size=3), min_size=1, max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(object()),
                 st.floats(allow_nan=True), st.just([[1.0, float("nan")], [0.0, 1.0]]),
                 st.just(np.full((2, 3), np.inf)), st.just(np.zeros(3)), st.just(np.zeros((0, 3))),
                 st.just(torch.zeros(2, 0)), st.just([[1, 2], [3]]), st.just(np.full((2, 2), 1e13)))


@budget(120)
@given(junk, st.sampled_from(["feature_norms", "interference_matrix", "superposition",
                              "feature_dimensionality", "dimensions_per_feature", "cosine_similarity",
                              "n_represented", "angles_2d", "angular_gaps"]))
def test_metrics_reject_junk_naming_W(W, name):
    raises_naming(lambda: getattr(metrics, name)(W), "W")


@budget(60)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda t: not 0 <= t < math.inf),
                 st.text(max_size=3), st.none(), st.booleans()))
def test_thresholds_are_checked(threshold):
    raises_naming(lambda: metrics.n_represented(np.eye(2), threshold), "threshold")


@budget(80)
@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=3), st.none()),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.none(),
                 st.text(max_size=2)))
def test_jl_lower_bound(m, epsilon):
    valid = (isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 100_000
             and isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool)
             and 0 < epsilon <= 1)
    if valid:
        value = metrics.jl_lower_bound(m, epsilon)
        assert value >= 1.0 and not math.isnan(value)
    else:
        raises_naming(lambda: metrics.jl_lower_bound(m, epsilon), "m must", "epsilon")


# -------------------------------------------------------------------------------- data sampling

@st.composite
def groups_and_sparsity(draw):
    blocks = draw(st.lists(st.tuples(st.sampled_from(["independent", "correlated", "anticorrelated"]),
                                     st.integers(1, 3)), min_size=1, max_size=4))
    sizes = tuple(1 if kind == "independent" else size for kind, size in blocks)
    groups = FeatureGroups(sizes, tuple(kind for kind, _ in blocks))
    instances = draw(st.integers(0, 3))
    rows = []
    for _ in range(max(instances, 1)):
        per_group = draw(st.lists(st.floats(0, 1), min_size=len(sizes), max_size=len(sizes)))
        rows.append(np.repeat(per_group, sizes))
    S = np.array(rows) if instances else np.array(rows[0])
    return groups, S


@budget(100)
@given(groups_and_sparsity(), st.integers(1, 40), st.booleans(), st.integers(0, 2**32))
def test_sample_features_shapes_and_ranges(gs, n_samples, signed, seed):
    groups, S = gs
    x = sample_features(n_samples, S, groups, signed=signed, generator=torch.Generator().manual_seed(seed))
    assert x.shape == (n_samples,) + S.shape and x.dtype == torch.float32
    assert torch.isfinite(x).all() and x.max() <= 1 and x.min() >= (-1 if signed else 0)
    zero = torch.as_tensor(S == 1.0).expand_as(x)
    assert (x[zero] == 0).all()                                    # S = 1: never active
    on = x != 0
    start = 0
    for size, kind in zip(groups.sizes, groups.kinds, strict=True):
        block = on[..., start:start + size]
        if kind == "anticorrelated":
            assert (block.sum(-1) <= 1).all()
        start += size


@budget(100)
@given(st.data())
def test_sample_features_rejects_bad_input_naming_it(data):
    name = data.draw(st.sampled_from(["n_samples", "sparsity", "groups"]))
    args = dict(n_samples=4, sparsity=[0.5, 0.5], groups=None)
    bad = {"n_samples": st.sampled_from([0, -3, 2.5, "4", None, True]),
           "sparsity": st.sampled_from([[-0.1, 0.5], [0.5, 1.01], [float("nan"), 0.0], "abc", [],
                                        np.zeros((2, 2, 2)), [[0.1, 0.2, 0.3]] * 0, None]),
           "groups": st.sampled_from([FeatureGroups.independent(3)])}[name]
    args[name] = data.draw(bad)
    raises_naming(lambda: sample_features(**args), name, "groups cover")


@budget(60)
@given(st.lists(st.one_of(st.integers(-2, 4), st.floats(allow_nan=True), st.text(max_size=2)),
                min_size=0, max_size=3),
       st.lists(st.one_of(st.sampled_from(["independent", "correlated", "anticorrelated"]),
                          st.text(max_size=4), st.integers()), min_size=0, max_size=3))
def test_feature_groups_reject_bad_blocks(sizes, kinds):
    try:
        g = FeatureGroups(tuple(sizes), tuple(kinds))
    except (ValueError, TypeError) as err:
        assert any(w in str(err) for w in ("group", "FeatureGroups", "independent")), err
    else:
        assert g.n_features == sum(g.sizes) >= 1


# -------------------------------------------------------------------------------- train

@st.composite
def tiny_runs(draw, backend):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 4))
    lr = draw(st.floats(1e-4, 10.0))
    kwargs = dict(
        n_features=n, n_hidden=m,
        model=draw(st.sampled_from(["linear", "relu_output", "relu_hidden", "abs"])),
        sparsity=draw(st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=3))),
        importance=draw(st.one_of(st.floats(1e-3, 1.0),
                                  st.lists(st.floats(1e-3, 1e6), min_size=n, max_size=n))),
        n_seeds=draw(st.integers(1, 2)), steps=draw(st.integers(0, 25 if backend == "numba" else 6)),
        batch_size=draw(st.integers(1, 24)), lr=lr,
        weight_decay=draw(st.floats(0.0, min(1.0, 1.0 / lr))), seed=draw(st.integers(0, 2**63 - 1)),
        eval_samples=draw(st.integers(1, 48)), log_every=draw(st.integers(1, 30)),
        history_every=draw(st.integers(0, 12)), backend=backend, progress=False,
        threads=draw(st.sampled_from([None, 1])))
    return kwargs


def _check_run(run, kw):
    n, m = kw["n_features"], kw["n_hidden"]
    settings_count = 1 if np.ndim(kw["sparsity"]) == 0 else len(kw["sparsity"])
    inst = settings_count * kw["n_seeds"]
    assert run.W.shape == (inst, m, n) and run.b.shape == (inst, n) and run.final_loss.shape == (inst,)
    assert (run.W2 is None) == (kw["model"] != "abs")
    for t in (run.W, run.b, run.final_loss, run.loss_history) + ((run.W2,) if run.W2 is not None else ()):
        assert torch.isfinite(t).all()
    assert (run.final_loss >= 0).all()
    steps, log_every = kw["steps"], kw["log_every"]
    expected = list(range(log_every, steps + 1, log_every))
    if steps and steps % log_every:
        expected.append(steps)
    assert run.history_steps.tolist() == expected and run.loss_history.shape == (len(expected), inst)
    if kw["history_every"]:
        H = steps // kw["history_every"] + 1
        assert run.W_history.shape == (H, inst, m, n) and run.snapshot_steps.tolist()[0] == 0
    assert run.best().n_instances == settings_count


@budget(40)
@given(tiny_runs("numba"))
def test_train_numba_tiny_runs_are_finite(kw):
    _check_run(train(**kw), kw)


@budget(12)
@given(tiny_runs("torch"))
def test_train_torch_tiny_runs_are_finite(kw):
    _check_run(train(**kw), kw)


BAD_TRAIN = {
    "n_features": [0, -1, 1.5, "3", None, True, 10**6],
    "n_hidden": [0, -2, 2.0, "2", None, 10**6],
    "model": ["mlp", 3, None, ""],
    "sparsity": [-0.1, 1.1, float("nan"), "a", [[0.1] * 7], [[0.1, 0.2]], None, np.zeros((1, 1, 5))],
    "importance": [0.0, -1.0, 1.5, float("nan"), [1.0] * 4, [2e6] * 5, "x", None],
    "n_seeds": [0, -1, 1.5, "1", 10**6],
    "steps": [-1, 2.5, "10", 10**9, None],
    "batch_size": [0, -5, 3.5, 10**7, None],
    "lr": [0.0, -1e-3, float("nan"), float("inf"), 11.0, "1e-3", None, True],
    "weight_decay": [-0.1, 1.5, float("nan"), "0.01", None],
    "seed": [-1, 1.5, "0", 2**64, None],
    "eval_samples": [0, 2.5, 10**9, None],
    "log_every": [0, -1, 1.5, None],
    "history_every": [-1, 2.5, None],
    "backend": ["jax", None, 1],
    "device": ["gpu", 3, "cuda:99", "meta", "npu"],
    "threads": ["2", 0, -1, 10**4, 1.0],
    "feature_groups": [FeatureGroups.independent(4), "groups", FeatureGroups.correlated(1, 5)],
    "max_memory_gb": [0, -1.0, float("nan"), "4"],
    "max_hours": [0, -1.0, float("nan"), "1"],
}


@budget(150)
@given(st.data())
def test_train_rejects_any_bad_argument_naming_it(data):
    name = data.draw(st.sampled_from(sorted(BAD_TRAIN)))
    value = data.draw(st.sampled_from(BAD_TRAIN[name]))
    if name == "device" and value == "cuda:99" and torch.cuda.device_count() > 99:
        return
    kwargs = dict(n_features=5, n_hidden=2, steps=3, batch_size=8, eval_samples=8, progress=False)
    if name == "feature_groups" and isinstance(value, FeatureGroups) and value.kinds[0] == "correlated":
        kwargs["sparsity"] = [[0.1, 0.2, 0.3, 0.4, 0.5]]      # one setting, unequal inside the group
    kwargs[name] = value
    raises_naming(lambda: train(**kwargs), name,
                  *(("settings", "sparsity") if name in ("sparsity", "importance") else ()),
                  *(("equal within a feature group",) if name == "feature_groups" else ()))


@budget(40)
@given(st.floats(1e-3, 10.0), st.floats(0.0, 1.0))
def test_lr_times_weight_decay(lr, weight_decay):
    kwargs = dict(n_features=3, n_hidden=2, steps=2, batch_size=4, eval_samples=4, progress=False,
                  lr=lr, weight_decay=weight_decay)
    if lr * weight_decay <= 1:
        assert torch.isfinite(train(**kwargs).W).all()
    else:
        raises_naming(lambda: train(**kwargs), "lr * weight_decay")


# -------------------------------------------------------------------------------- SAE training

@budget(25)
@given(st.integers(1, 40), st.integers(1, 4), st.integers(1, 6),
       st.lists(st.floats(0, 10), min_size=1, max_size=3), st.integers(0, 12), st.integers(1, 16),
       st.floats(1e-4, 0.1), st.integers(0, 2**31), st.floats(1e-3, 1e3))
def test_sae_training_tiny_is_finite(N, m, d, l1, steps, batch, lr, seed, scale):
    gen = torch.Generator().manual_seed(seed)
    h = torch.rand(N, m, generator=gen) * scale
    config = sae.SAEConfig(n_latents=d, l1_coeffs=tuple(l1), steps=steps, batch_size=batch, lr=lr, seed=seed,
                           log_every=5)
    try:
        out = sae.train_sae(h, config)
    except ValueError as err:       # divergence must be reported, never returned as NaN
        assert "diverged" in str(err), err
        return
    L = len(l1)
    assert out.W_enc.shape == (L, d, m) and out.W_dec.shape == (L, m, d)
    assert out.b_enc.shape == (L, d) and out.b_dec.shape == (L, m)
    for t in (out.W_enc, out.b_enc, out.W_dec, out.b_dec, out.loss_history):
        assert torch.isfinite(t).all()
    assert out.loss_history.shape == (-(-steps // 5), L)


@budget(60)
@given(st.one_of(st.just(np.full((4, 2), np.nan)), st.just(np.full((4, 2), 1e20)), st.just(np.zeros((0, 2))),
                 st.just(np.zeros(5)), st.text(max_size=3), st.none(), st.just([[1, 2], [3]]),
                 hnp.arrays(np.float64, (3, 2), elements=st.floats(allow_nan=True, allow_infinity=True))
                 .filter(lambda a: not np.all(np.isfinite(a)) or np.abs(a).max() > 1e6)))
def test_sae_rejects_bad_activations_naming_them(h):
    config = sae.SAEConfig(n_latents=3, steps=2, batch_size=2)
    raises_naming(lambda: sae.train_sae(h, config), "activations")


# -------------------------------------------------------------------------------- load_run

@pytest.fixture(scope="module")
def saved_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    paths = []
    for k, kw in enumerate((dict(sparsity=[0.0, 0.9], n_seeds=2, history_every=10),
                            dict(model="abs", n_seeds=1),
                            dict(feature_groups=FeatureGroups.correlated(1, 2) + FeatureGroups.independent(3),
                                 sparsity=[[0.5, 0.5, 0.1, 0.2, 0.3]]))):
        run = train(n_features=5, n_hidden=2, steps=20, batch_size=16, eval_samples=32, progress=False, **kw)
        path = folder / f"run{k}.safetensors"
        run.save(path)
        paths.append(path)
    return paths


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6)),
                           lambda children: st.one_of(st.lists(children, max_size=3),
                                                      st.dictionaries(st.text(max_size=6), children,
                                                                      max_size=3)), max_leaves=6)
element_values = st.sampled_from([float("nan"), float("inf"), -float("inf"), -1.0, 0.0, 0.5, 1.0, 2.0,
                                  7.0, -7.0, 1e30, 1e-30])
dtypes = st.sampled_from([torch.float64, torch.float16, torch.int64, torch.int32, torch.bool, torch.uint8])
CONFIG_KEYS = ["n_features", "n_hidden", "model", "steps", "batch_size", "lr", "weight_decay", "n_seeds",
               "seed", "eval_samples", "log_every", "history_every", "backend", "device"]


@st.composite
def mutations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["element", "dtype", "shape", "drop", "extra", "config", "config_del",
                                     "groups", "meta"]))
        ops.append((kind, draw(st.integers(0, 10**6)),
                    draw(element_values), draw(dtypes), draw(json_values),
                    draw(st.sampled_from(CONFIG_KEYS))))
    return ops


def _apply(ops, src, dst):
    t = load_file(str(src))
    with safe_open(str(src), "pt") as f:
        md = dict(f.metadata())
    for kind, pick, value, dtype, jvalue, key in ops:
        names = sorted(t)
        name = names[pick % len(names)] if names else None
        if kind == "element" and name and t[name].numel():
            flat = t[name].reshape(-1).clone()
            if not flat.is_floating_point():
                value = int(max(min(value, 1e9), -1e9)) if math.isfinite(value) else 0
            flat[pick % flat.numel()] = value
            t[name] = flat.reshape(t[name].shape)
        elif kind == "dtype" and name:
            t[name] = t[name].to(dtype)
        elif kind == "shape" and name:
            t[name] = t[name][1:] if pick % 2 and len(t[name]) else torch.cat([t[name], t[name][:1]])
        elif kind == "drop" and name:
            del t[name]
        elif kind == "extra":
            t[f"extra{pick % 3}"] = torch.zeros(2)
        elif kind in ("config", "config_del"):
            c = json.loads(md["config"])
            if isinstance(c, dict):                 # an earlier 'meta' op may have replaced it
                if kind == "config":
                    c[key] = jvalue
                else:
                    c.pop(key, None)
                md["config"] = json.dumps(c)
        elif kind == "groups":
            md["groups"] = json.dumps(jvalue)
        elif kind == "meta":
            md[["format", "version", "config", "groups"][pick % 4]] = json.dumps(jvalue)
    save_file({k: v.contiguous() for k, v in t.items()}, str(dst), metadata=md)


@budget(150)
@given(st.integers(0, 2), mutations())
def test_load_run_on_mutated_files_raises_valueerror_or_gives_a_usable_run(saved_runs, tmp_path, which, ops):
    dst = tmp_path / "mutated.safetensors"
    _apply(ops, saved_runs[which], dst)
    try:
        run = tmslab.load_run(dst)
    except ValueError:
        return
    # what loads is consistent and usable: finite weights, valid settings, best() and metrics work
    assert torch.isfinite(run.W).all() and torch.isfinite(run.final_loss).all()
    assert ((run.sparsity >= 0) & (run.sparsity <= 1)).all() and (run.importance > 0).all()
    assert run.best().n_instances == run.n_settings
    assert torch.isfinite(metrics.superposition(run.W)).all()
    assert run.W.shape[1:] == (run.config.n_hidden, run.config.n_features)


@budget(30)
@given(st.binary(max_size=200))
def test_load_run_on_random_bytes(tmp_path, blob):
    path = tmp_path / "blob.safetensors"
    path.write_bytes(blob)
    raises_naming(lambda: tmslab.load_run(path), "blob.safetensors")
