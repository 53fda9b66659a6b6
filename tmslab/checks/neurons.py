"""Checks for lesson 08 (privileged basis, computation in superposition, adversarial examples)."""
from __future__ import annotations

import torch

from .. import adversarial, neurons
from .base import ExerciseError, as_number, check_close, expects_function, passed


def _neuron_examples() -> list[tuple[str, torch.Tensor]]:
    """Named (m, n) weight matrices of ReLU-hidden models."""
    dense = torch.zeros(5, 10, dtype=torch.float64)
    dense[torch.arange(5), torch.tensor([2, 4, 1, 0, 3])] = 1.0
    code = torch.zeros(5, 10, dtype=torch.float64)
    code[0, 2] = code[2, 0] = code[4, 1] = 1.0
    code[1, 3:6] = torch.tensor([0.87, 0.86, -0.71])
    code[3, 3:6] = torch.tensor([0.88, -0.82, 0.82])
    inhibit = torch.tensor([[1.0, -0.9, 0.0], [0.05, 1.0, -2.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    return [("a dense model (one feature per neuron)", dense),
            ("the paper's 1-S = 0.3 code (3 monosemantic neurons, 3 features on 2 neurons)", code),
            ("neurons with strong negative (inhibitory) weights and a dead neuron", inhibit),
            ("a model where every neuron carries two features",
             torch.tensor([[0.8, 0.7, 0.0], [0.0, 0.6, 0.9]], dtype=torch.float64))]


@expects_function("count_monosemantic")
def check_count_monosemantic(fn) -> str:
    """fn(W (m, n), threshold) -> number of neurons (rows) with exactly one weight > threshold."""
    for what, W in _neuron_examples():
        for threshold in (0.3, 0.75):
            got = fn(W.clone(), threshold)
            if got is None:
                raise ExerciseError("count_monosemantic returned None: did you forget a `return`?")
            number = as_number(got, "the count of monosemantic neurons")
            if number != int(number):
                raise ExerciseError(f"return a whole number of neurons, got {number:g}")
            value = int(number)
            expected = int(neurons.monosemantic_neurons(W, threshold).sum())
            if value != expected:
                hint = ("; only positive weights can switch a neuron on for inputs x >= 0, "
                        "so compare W itself (not |W|) with the threshold, row by row")
                raise ExerciseError(f"for {what} (threshold {threshold}) you count {value}, "
                                    f"expected {expected}{hint}")
    return passed("monosemantic neurons counted correctly (rows with exactly one weight above "
                  "the threshold; inhibitory weights and dead neurons handled)")


@expects_function("attack_direction")
def check_attack_direction(fn) -> str:
    """fn(W (m, n), i, lam) -> delta (n,) = lam (W^T W)_i / ||(W^T W)_i||."""
    gen = torch.Generator().manual_seed(8)
    cases = [("dedicated dimensions (no superposition)", torch.eye(3, 5, dtype=torch.float64)),
             ("an antipodal pair plus a dedicated feature",
              torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)),
             ("a random 4 x 9 W", torch.randn(4, 9, generator=gen, dtype=torch.float64))]
    for what, W in cases:
        for i, lam in ((0, 0.1), (1, 0.25)):
            got = fn(W.clone(), i, lam)
            expected = lam * adversarial.attack_directions(W)[i]
            try:
                check_close(got, expected, f"the attack on feature {i} for {what} (lambda {lam})",
                            atol=1e-6, rtol=1e-5)
            except ExerciseError as err:
                raise ExerciseError(f"{err}. The direction is row i of W^T W (an n-vector in input "
                                    "space), divided by its L2 norm, times lambda") from None
    return passed("attack directions match lambda (W^T W)_i / ||(W^T W)_i||: with dedicated "
                  "dimensions it is lambda e_i, in an antipodal pair it also pushes the partner down")
