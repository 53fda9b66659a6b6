"""Check messages name the point where a mistake shows (issue: errors by array index are unreadable)."""
import numpy as np

from tmslab import theory
from tmslab.checks import report
from tmslab.checks.phase import check_phase_losses


def test_phase_loss_mistake_is_reported_at_its_r_and_density():
    def wrong_for_large_r(r, p):
        losses = dict(theory.phase_losses_2_in_1(r, p))
        losses["superposition"] = losses["superposition"] * np.where(r > 2, 1.1, 1.0)
        return losses

    message = report(check_phase_losses, wrong_for_large_r)
    assert message.startswith("❌") and "at r = 3, 1-S = 0.01" in message, message
    assert "10 of the 25 grid points differ" in message and "index" not in message, message


def test_phase_loss_nan_is_reported_at_its_point():
    def nan_when_dense(r, p):
        losses = dict(theory.phase_losses_2_in_1(r, p))
        losses["dedicated"] = np.where(p == 1.0, np.nan, losses["dedicated"]) + 0 * r
        return losses

    message = report(check_phase_losses, nan_when_dense)
    assert "not finite at r = 0.1, 1-S = 1" in message, message
