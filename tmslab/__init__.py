"""tmslab: a small library for the course on Toy Models of Superposition."""
from .data import FeatureGroups, expected_feature_value, sample_features
from .run import Run, TrainConfig
from .train import train

__all__ = ["FeatureGroups", "Run", "TrainConfig", "expected_feature_value", "sample_features", "train"]
