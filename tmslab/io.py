"""Save and load trained runs without pickles.

Tensors go into a safetensors file; the configuration, feature groups and a
format version go into its string metadata as JSON. Loading never executes
code, and a file from another format version, or a damaged file, gives a
``ValueError`` that says so.
"""
from __future__ import annotations

import json
from pathlib import Path

from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .data import FeatureGroups
from .run import Run, TrainConfig

FORMAT = "tmslab-run"
VERSION = "1"
_TENSORS = ("W", "b", "W2", "final_loss", "sparsity", "importance", "setting", "restart",
            "loss_history", "history_steps", "W_history", "b_history", "snapshot_steps")


def save_run(run: Run, path) -> None:
    tensors = {name: getattr(run, name).contiguous() for name in _TENSORS
               if getattr(run, name) is not None}
    metadata = {"format": FORMAT, "version": VERSION,
                "config": json.dumps(run.config.to_dict()),
                "groups": json.dumps(run.groups.to_dict())}
    save_file(tensors, str(path), metadata=metadata)


def load_run(path) -> Run:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as err:
        raise ValueError(f"{path.name} is not a readable tmslab run file (corrupted or another "
                         f"format): {err}") from None
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path.name} is not a tmslab run file (format {metadata.get('format')!r})")
    if metadata.get("version") != VERSION:
        raise ValueError(f"{path.name} was saved by format version {metadata.get('version')!r}; "
                         f"this tmslab reads version {VERSION!r}")
    try:
        config = TrainConfig.from_dict(json.loads(metadata["config"]))
        g = json.loads(metadata["groups"])
        groups = FeatureGroups(tuple(g["sizes"]), tuple(g["kinds"]))
        kwargs = {name: tensors.get(name) for name in _TENSORS}
        run = Run(config=config, groups=groups, **{k: v for k, v in kwargs.items() if v is not None})
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.name} has damaged tmslab metadata: {err!r}") from None
    if run.W.shape[1:] != (config.n_hidden, config.n_features):
        raise ValueError(f"{path.name} is inconsistent: W has shape {tuple(run.W.shape)} but the "
                         f"config says m={config.n_hidden}, n={config.n_features}")
    return run

