"""Seeds of the cross-seed science tests, and a fixture decorator that trains once per seed.

Each lesson trains with ``seed=0``. The tests in this folder re-run every experiment through the public API
with seeds 101, 202 and 303 (everything a seed decides changes: initial weights, training data, evaluation
data, SAE batches), and assert the lesson's claim as a qualitative outcome or a tolerance band. Runs of one
setup are trained once per seed (module-scoped fixtures) and shared by the tests that read them.
"""
import pytest

SEEDS = (101, 202, 303)       # the lessons use seed 0
IDS = [f"seed{s}" for s in SEEDS]


def seeded(fn):
    """A module-scoped fixture trained once per seed of SEEDS."""
    return pytest.fixture(scope="module", params=SEEDS, ids=IDS)(fn)
