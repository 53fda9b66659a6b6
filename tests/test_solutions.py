"""Reference solutions and the honest exercise mechanics (``tmslab.checks.adopt``).

For every exercise of every lesson (``tmslab.solutions.lessonNN.CHECKS``):
the reference passes its check; the untouched stub and a plausible wrong
answer are rejected, and ``adopt`` then continues with the reference and says
so; a correct learner function is kept and called "yours". Stored lessons run
with their stubs untouched, so nbval runs every reference inside its lesson too.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tmslab.solutions as solutions
from tmslab.checks import adopt, run_check, whose

EXERCISES = [(lesson, name) for lesson, module in solutions.lesson_modules().items()
             for name in module.CHECKS]

# One plausible wrong answer per exercise (new lessons: add theirs here).
WRONG = {
    ("lesson00", "embed"): lambda W, x: W.T @ (W @ x),                       # the reconstruction
    ("lesson00", "density"): lambda S: S,                                    # the sparsity itself
    ("lesson01", "rotate"): lambda W, R: R.T @ W,                            # the inverse rotation
    ("lesson01", "relu_hidden_forward"): lambda W, b, x: torch.relu(x @ W.T @ W + b),  # no hidden ReLU
    ("lesson01", "max_abs_cos"): lambda V: float((V @ V.T).abs().max()),     # diagonal, not normalised
    ("lesson02", "interference"): lambda W: W @ W.T,                         # m x m, not n x n
    ("lesson02", "de_embed"): lambda W, h: torch.linalg.pinv(W) @ h,         # pseudo-inverse
    ("lesson02", "relu_readout"): lambda W, h, b: torch.relu(W.T @ h) + b,   # bias after the ReLU
    ("lesson03", "forward_pass"): lambda x, W, b, relu: x @ W.T @ W + b,     # ignores relu
    ("lesson03", "weighted_loss"): lambda x_hat, x, importance: ((x - x_hat) ** 2).mean(),  # no I_i
    ("lesson03", "sample_batch"):
        lambda B, S: torch.rand((B, *S.shape)) * (torch.rand((B, *S.shape)) < S),  # zero with prob 1 - S
    ("lesson03", "batched_forward"):
        lambda x, W, b: torch.einsum("imn,bim->bin", W, torch.einsum("imn,bin->bim", W, x)) + b,  # no ReLU
    ("lesson03", "batched_loss"): lambda x_hat, x, importance: (importance * (x - x_hat) ** 2).mean(),  # one number
    ("lesson03", "train_model"): lambda W, b, sparsity, importance, steps, batch_size=1024, lr=1e-3:
        _loop_without_zero_grad(W, b, sparsity, importance, steps, batch_size, lr),
    ("lesson04", "superposition_measure"):
        lambda W: ((W.T @ W) ** 2).sum(dim=1) - (W.T @ W).diagonal() ** 2,  # W_i not normalised
    ("lesson04", "count_represented"):
        lambda W, threshold=0.5: int((W.norm(dim=1) > threshold).sum()),    # rows, not columns
    ("lesson05", "phase_losses"):
        lambda r, p: {"not learned": p / 3 - p**2 / 4 + 0 * r, "dedicated": r * (p / 3 - p**2 / 4),
                      "superposition": (1 + r) * p**2 / 6},                 # first two swapped
    ("lesson05", "classify_phase"):
        lambda W: ("not learned" if abs(float(W[0, 1])) < 0.5 else
                   "dedicated" if abs(float(W[0, 0])) < 0.5 else "superposition"),  # ignores signs
    ("lesson06", "feature_dimensionality"):
        lambda W: W.norm(dim=0) ** 2 / ((W.T @ W) ** 2).sum(dim=1).clamp_min(1e-12),  # W_i not normalised
    ("lesson06", "dimensions_per_feature"): lambda W: float((W**2).sum()) / W.shape[0],  # inverted
    ("lesson06", "kgon_dimensionality"): lambda k: torch.full((k,), 1.0 / k, dtype=torch.float64),
    ("lesson07", "antipodal_pairs"):
        lambda W: [(i, j) for i in range(W.shape[1]) for j in range(i + 1, W.shape[1])
                   if float(W[:, i] @ W[:, j]) < 0],                        # any negative overlap
    ("lesson07", "angular_gaps"):
        lambda W: torch.diff(torch.rad2deg(torch.atan2(W[1], W[0]))),       # unsorted, not closed
    ("lesson07", "largest_change"):
        lambda d, steps, window: (int(np.argmax(np.abs(d[window:] - d[:-window]))),
                                  float(np.max(np.abs(d[window:] - d[:-window])))),  # index, unsigned
    ("lesson08", "count_monosemantic"):
        lambda W, threshold: int(((W > threshold).sum(dim=0) == 1).sum()),  # columns, not neurons
    ("lesson08", "attack_direction"): lambda W, i, lam: lam * (W.T @ W)[i],  # not normalised
    ("lesson09", "sae_forward"):
        lambda h, W_enc, b_enc, W_dec, b_dec, l1_coeff: (
            torch.relu(h @ W_enc.T + b_enc), torch.relu(h @ W_enc.T + b_enc) @ W_dec.T + b_dec,
            (((h - torch.relu(h @ W_enc.T + b_enc) @ W_dec.T - b_dec) ** 2).sum(dim=1).mean()
             + l1_coeff * torch.relu(h @ W_enc.T + b_enc).sum(dim=1).mean())),  # b_dec not subtracted
    ("lesson09", "recovery"):
        lambda F, D, t: (float(((F / F.norm(dim=0)).T @ (D / D.norm(dim=0))).abs().max(dim=1).values.mean()),
                         float((((F / F.norm(dim=0)).T @ (D / D.norm(dim=0))).abs().max(dim=1).values > t)
                               .float().mean())),                           # |cos| instead of cos
    ("lesson09", "find_dead"): lambda codes: (codes > 0).float().mean(dim=0) < 0.01,  # rare != dead
    ("lesson10", "topk_activation"):
        lambda z, k: torch.zeros_like(z).scatter(-1, z.topk(k, dim=-1).indices, z.topk(k, dim=-1).values),  # no ReLU
    ("lesson10", "jumprelu"):
        lambda z, theta, eps: (torch.relu(z - theta), -(theta / eps) * ((z - theta).abs() < eps / 2)),  # shifted
    ("lesson10", "count_census"):
        lambda cos, fires, t: (int(((cos > t).sum(dim=1) >= 2).sum()),
                               int(((cos > t).sum(dim=0) == 0).sum())),     # dead latents counted as matches
}


def _loop_without_zero_grad(W, b, sparsity, importance, steps, batch_size, lr):
    """lesson03.train_model without optimizer.zero_grad(): gradients pile up from step to step."""
    from tmslab.solutions.lesson03 import batched_forward, batched_loss, sample_batch
    W, b = torch.nn.Parameter(W.clone()), torch.nn.Parameter(b.clone())
    optimizer = torch.optim.AdamW([W, b], lr=lr)
    losses = []
    for _ in range(steps):
        x = sample_batch(batch_size, sparsity)
        loss = batched_loss(batched_forward(x, W, b), x, importance).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return W.detach(), b.detach(), losses


def _stub(*args, **kwargs):
    raise NotImplementedError("your code here")


def _parts(lesson, name):
    module = getattr(solutions, lesson)
    return module.CHECKS[name], getattr(module, name)


def test_every_lesson_module_lists_its_checks():
    modules = solutions.lesson_modules()
    assert len(modules) >= 10
    for lesson, module in modules.items():
        assert module.CHECKS, f"{lesson} has no CHECKS"
        for name, check in module.CHECKS.items():
            assert callable(getattr(module, name)), f"{lesson}.{name} is not a function"
            assert callable(check), f"{lesson}.CHECKS[{name!r}] is not a check"


def test_every_exercise_has_a_wrong_answer_here():
    assert set(EXERCISES) <= set(WRONG), sorted(set(EXERCISES) - set(WRONG))


@pytest.mark.parametrize("lesson, name", EXERCISES, ids=[f"{l}.{n}" for l, n in EXERCISES])
def test_reference_passes_its_check(lesson, name):
    check, reference = _parts(lesson, name)
    passed, message = run_check(check, reference)
    assert passed and message.startswith("✅"), message


@pytest.mark.parametrize("lesson, name", EXERCISES, ids=[f"{l}.{n}" for l, n in EXERCISES])
def test_stub_and_wrong_answer_continue_with_the_reference_and_say_so(lesson, name, capsys):
    check, reference = _parts(lesson, name)
    for answer in (_stub, WRONG[(lesson, name)]):
        passed, message = run_check(check, answer)
        assert not passed and message.startswith("❌ Not yet"), message
        # the untouched stub is reported as such (what every stored lesson shows), never misdiagnosed
        assert ("still raises NotImplementedError" in message) == (answer is _stub), message
        capsys.readouterr()
        kept = adopt(check, answer, reference)
        out = capsys.readouterr().out
        assert kept is reference
        assert whose(kept) == "the reference"
        assert out.startswith("❌ Not yet")
        assert f"continues with the reference `{name}` (tmslab/solutions/{lesson}.py)" in out


@pytest.mark.parametrize("lesson, name", EXERCISES, ids=[f"{l}.{n}" for l, n in EXERCISES])
def test_a_correct_learner_function_is_kept(lesson, name, capsys):
    check, reference = _parts(lesson, name)

    def learners(*args, **kwargs):        # the learner's own code, equal to the reference
        return reference(*args, **kwargs)

    kept = adopt(check, learners, reference)
    out = capsys.readouterr().out
    assert kept is learners and whose(kept) == "your"
    assert out.startswith("✅") and f"continues with your `{name}`" in out


def test_running_adopt_again_on_the_reference_does_not_call_it_yours(capsys):
    check, reference = _parts("lesson00", "embed")
    kept = adopt(check, reference, reference)
    out = capsys.readouterr().out
    assert kept is reference and "your `embed`" not in out and "still the reference" in out


def test_adopt_and_whose_validate_their_arguments():
    check, reference = _parts("lesson00", "density")
    with pytest.raises(TypeError, match="check"):
        adopt(None, reference, reference)
    with pytest.raises(TypeError, match="reference"):
        adopt(check, reference, 0.5)
    with pytest.raises(TypeError, match="fn"):
        whose(0.5)
    with pytest.raises(ValueError, match="tmslab.solutions"):
        solutions.show(np.mean)
    with pytest.raises(AttributeError):
        solutions.lesson99  # noqa: B018


def test_show_prints_the_reference_source(capsys):
    solutions.show(solutions.lesson03.forward_pass)
    assert capsys.readouterr().out.startswith("def forward_pass(x, W, b, relu):")
