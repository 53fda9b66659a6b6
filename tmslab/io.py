"""Save and load trained runs without pickles.

Tensors go into a safetensors file; the configuration, feature groups and a
format version go into its string metadata as JSON. Loading never executes
code (safetensors and ``json`` only) and verifies the whole file before it
returns: every tensor's dtype and shape against the configuration, every value
range (finite weights, sparsity in [0, 1], importance in (0, 1e6], setting and
restart indices, the logging and snapshot steps) and the configuration itself
through the same checks as ``train`` (``tmslab.train.check_config``). A file
from another format version, a damaged file or an inconsistent one gives a
``ValueError`` that names the problem.

Saving writes a temporary file next to the target and renames it into place
(``os.replace``), so an interrupted save never leaves a half-written run.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .data import FeatureGroups
from .models import model_spec
from .run import Run
from .validation import MAX_WEIGHT

FORMAT = "tmslab-run"
VERSION = "1"
_TENSORS = ("W", "b", "W2", "final_loss", "final_loss_se", "sparsity", "importance", "setting", "restart",
            "loss_history", "history_steps", "W_history", "b_history", "snapshot_steps")
_INDEX = ("setting", "restart", "history_steps", "snapshot_steps")
_SNAPSHOTS = ("W_history", "b_history", "snapshot_steps")


def _as_path(path, what: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"{what} must be a file path (str or pathlib.Path), got {type(path).__name__}")
    return Path(path)


def save_run(run: Run, path) -> None:
    """Write ``run`` to the safetensors file ``path`` (atomically: temporary file, then rename).

    The run is verified first with the checks of ``load_run`` (a ``Run.select`` of
    part of a setting's restarts, for example, breaks the setting layout that
    ``Run.best`` relies on and is refused with a ValueError).
    """
    if not isinstance(run, Run):
        raise ValueError(f"run must be a tmslab Run, got {type(run).__name__}")
    path = _as_path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    tensors = {name: getattr(run, name).contiguous() for name in _TENSORS
               if getattr(run, name) is not None}
    try:  # refuse to write what load_run would refuse
        _verify(tensors, run.config, run.groups)
    except ValueError as err:
        raise ValueError(f"run cannot be saved, it is inconsistent: {err}") from None
    metadata = {"format": FORMAT, "version": VERSION,
                "config": json.dumps(run.config.to_dict()),
                "groups": json.dumps(run.groups.to_dict())}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt included: never leave the temporary file behind
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_run(path) -> Run:
    """Read and verify a run saved by ``save_run``; any inconsistency is a ValueError naming it."""
    path = _as_path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"{path.name} is not a readable tmslab run file (corrupted or another "
                         f"format): {err}") from None
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path.name} is not a tmslab run file (format {metadata.get('format')!r})")
    if metadata.get("version") != VERSION:
        raise ValueError(f"{path.name} was saved by format version {metadata.get('version')!r}; "
                         f"this tmslab reads version {VERSION!r}")
    from .train import check_config  # train imports run; importing here keeps io light
    try:
        config = check_config(_json(metadata, "config"))
        groups = _groups(_json(metadata, "groups"))
    except ValueError as err:
        raise ValueError(f"{path.name} has invalid tmslab metadata: {err}") from None
    try:
        _verify(tensors, config, groups)
    except ValueError as err:
        raise ValueError(f"{path.name} is inconsistent: {err}") from None
    return Run(config=config, groups=groups, **tensors)


def _json(metadata: dict, key: str):
    if key not in metadata:
        raise ValueError(f"the metadata has no {key!r} entry")
    try:
        return json.loads(metadata[key])
    except (json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"{key} is not valid JSON ({type(err).__name__})") from None


def _groups(g) -> FeatureGroups:
    if not isinstance(g, dict) or set(g) != {"sizes", "kinds"}:
        raise ValueError(f"groups must be a dict with keys 'sizes' and 'kinds', got {g!r:.100}")
    if not isinstance(g["sizes"], list) or not isinstance(g["kinds"], list):
        raise ValueError("groups 'sizes' and 'kinds' must be lists")
    return FeatureGroups(tuple(g["sizes"]), tuple(g["kinds"]))


def _expected_steps(config) -> torch.Tensor:
    """history_steps of a run: every multiple of log_every, and the last step."""
    steps = torch.arange(1, config.steps // config.log_every + 1) * config.log_every
    if config.steps and config.steps % config.log_every:
        steps = torch.cat([steps, torch.tensor([config.steps])])
    return steps


def _verify(t: dict, config, groups: FeatureGroups) -> None:
    """Raise ValueError naming the first inconsistency between the tensors, config and groups."""
    unknown = sorted(set(t) - set(_TENSORS))
    if unknown:
        raise ValueError(f"unexpected tensors {unknown}")
    tied = model_spec(config.model).tied
    needed = ["W", "b", "final_loss", "sparsity", "importance", "setting", "restart",
              "loss_history", "history_steps"]
    needed += [] if tied else ["W2"]
    needed += list(_SNAPSHOTS) if config.history_every else []
    missing = [k for k in needed if k not in t]
    if missing:
        raise ValueError(f"missing tensors {missing} (model {config.model!r}, "
                         f"history_every={config.history_every})")
    extra = [k for k in ("W2",) + _SNAPSHOTS if k in t and k not in needed]
    if extra:
        raise ValueError(f"tensors {extra} do not belong to a run with model {config.model!r} and "
                         f"history_every={config.history_every}")
    for name, value in t.items():
        want = torch.int64 if name in _INDEX else torch.float32
        if value.dtype != want:
            raise ValueError(f"{name} has dtype {value.dtype}, expected {want}")
    if t["W"].dim() != 3 or t["W"].shape[0] < 1:
        raise ValueError(f"W must have shape (instances, m, n) with at least one instance, "
                         f"got {tuple(t['W'].shape)}")
    inst, m, n = t["W"].shape[0], config.n_hidden, config.n_features
    if groups.n_features != n:
        raise ValueError(f"the feature groups cover {groups.n_features} features, the config has "
                         f"n_features={n}")
    T = len(_expected_steps(config))
    H = config.steps // config.history_every + 1 if config.history_every else 0
    shapes = {"W": (inst, m, n), "b": (inst, n), "W2": (inst, n, m), "final_loss": (inst,),
              "final_loss_se": (inst,), "sparsity": (inst, n), "importance": (inst, n),
              "setting": (inst,), "restart": (inst,), "loss_history": (T, inst), "history_steps": (T,),
              "W_history": (H, inst, m, n), "b_history": (H, inst, n), "snapshot_steps": (H,)}
    for name, value in t.items():
        ok = tuple(value.shape) == shapes[name] or (name == "loss_history" and T == 0 and value.numel() == 0)
        if not ok:
            raise ValueError(f"{name} has shape {tuple(value.shape)}, expected {shapes[name]} for "
                             f"{inst} instance(s), m={m}, n={n}, {T} log entries and {H} snapshots")
    for name in ("W", "b", "W2", "final_loss", "final_loss_se", "loss_history", "W_history", "b_history"):
        if name in t and not torch.isfinite(t[name]).all():
            raise ValueError(f"{name} contains NaN or infinity")
    for name in ("W", "b", "W2", "W_history", "b_history"):
        if name in t and t[name].numel() and t[name].abs().max() > MAX_WEIGHT:
            raise ValueError(f"{name} has entries beyond +-{MAX_WEIGHT:g} (the weight range of tmslab's "
                             f"metrics), largest |entry| {float(t[name].abs().max()):.3g}")
    for name in ("final_loss", "final_loss_se", "loss_history"):
        if name in t and (t[name] < 0).any():
            raise ValueError(f"{name} must be >= 0 (a mean squared error)")
    S, imp = t["sparsity"], t["importance"]
    if not torch.isfinite(S).all() or (S < 0).any() or (S > 1).any():
        raise ValueError(f"sparsity must lie in [0, 1], got values from {float(S.min()):.4g} to "
                         f"{float(S.max()):.4g}")
    from .train import check_importance_scale
    check_importance_scale(imp.double().numpy())
    groups.group_density(S.double().numpy())                  # equal sparsity inside every group
    setting, restart = t["setting"], t["restart"]
    n_settings = int(setting.max()) + 1
    if (setting < 0).any() or inst % n_settings or not torch.equal(
            setting, torch.arange(n_settings).repeat_interleave(inst // n_settings)):
        raise ValueError(f"setting must number the settings 0, 1, ... in order with the same number of "
                         f"instances each (the layout train() and Run.best() produce), got "
                         f"{setting.tolist()[:12]}{' ...' if inst > 12 else ''}")
    if (restart < 0).any() or (restart >= config.n_seeds).any():
        raise ValueError(f"restart indices must lie in [0, n_seeds - 1 = {config.n_seeds - 1}], got "
                         f"values from {int(restart.min())} to {int(restart.max())}")
    if len(set(zip(setting.tolist(), restart.tolist(), strict=True))) != inst:
        raise ValueError("two instances share the same (setting, restart) pair")
    for s in setting.unique().tolist():
        rows = setting == s
        if not (torch.equal(S[rows], S[rows][:1].expand_as(S[rows]))
                and torch.equal(imp[rows], imp[rows][:1].expand_as(imp[rows]))):
            raise ValueError(f"the instances of setting {s} disagree on their sparsity or importance")
    if not torch.equal(t["history_steps"], _expected_steps(config)):
        raise ValueError(f"history_steps must be the multiples of log_every={config.log_every} up to "
                         f"steps={config.steps} (and steps itself)")
    if config.history_every and not torch.equal(
            t["snapshot_steps"], torch.arange(0, config.steps + 1, config.history_every)):
        raise ValueError(f"snapshot_steps must be 0, {config.history_every}, ... up to "
                         f"steps={config.steps}")
