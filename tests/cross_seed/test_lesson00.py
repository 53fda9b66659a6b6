"""Cross-seed science tests of lesson 00: five features in two dimensions, dense and sparse.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""
import pytest

import tmslab
from tmslab import metrics

from seeding import seeded

pytestmark = pytest.mark.slow


@seeded
def dense_and_sparse(request):
    """Lesson 00 cells 9 and 13: n=5, m=2, I_i = 0.9^i; dense (one run) and S = 0.9 (best of 10), 10k steps."""
    common = dict(n_features=5, n_hidden=2, model="relu_output", importance=0.9, seed=request.param,
                  progress=False)
    return (tmslab.train(sparsity=0.0, **common),
            tmslab.train(sparsity=0.9, n_seeds=10, **common).best())


def test_00_dense_keeps_the_top_two_features_orthogonal_and_sparse_represents_all_five(dense_and_sparse):
    dense, sparse = dense_and_sparse
    norms = metrics.feature_norms(dense.W[0])
    assert (norms[:2] > 0.95).all() and (norms[2:] < 0.1).all(), norms
    assert abs(float(metrics.cosine_similarity(dense.W[0])[0, 1])) < 0.1
    assert int((metrics.feature_norms(sparse.W[0]) > 0.5).sum()) == 5, metrics.feature_norms(sparse.W[0])
