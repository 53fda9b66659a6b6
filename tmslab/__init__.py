"""tmslab: a small library for the course on Toy Models of Superposition.

    import tmslab
    tmslab.setup_lesson()
    run = tmslab.train(n_features=20, n_hidden=5, model="relu_output",
                       sparsity=[0.0, 0.9, 0.99], importance=0.7, n_seeds=3)
    best = run.best()                       # lowest-loss restart per setting
    tmslab.metrics.superposition(best.W)    # (settings, n)

Modules: data, models, train, run, metrics, theory, plots, widgets, checks, io, repro.
"""
from . import checks, data, metrics, models, plots, theory
from .data import FeatureGroups, expected_feature_value, sample_features
from .io import load_run, save_run
from .repro import set_seed, setup_lesson
from .run import Run, TrainConfig
from .train import TrainingDiverged, estimate_resources, train

__version__ = "0.1.0"
__all__ = ["FeatureGroups", "Run", "TrainConfig", "TrainingDiverged", "checks", "data",
           "estimate_resources", "expected_feature_value", "load_run", "metrics", "models", "plots",
           "sample_features", "save_run", "set_seed", "setup_lesson", "theory", "train"]
