"""``Run``: what ``tmslab.train`` returns, a batch of trained instances.

Instance k trained setting ``setting[k]`` (a sparsity/importance pair) from
restart ``restart[k]``; instances are ordered setting-major, so
``final_loss.view(n_settings, n_seeds)`` lines restarts up per setting.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import torch

from .data import FeatureGroups


@dataclass(frozen=True)
class TrainConfig:
    """Everything that is the same for every instance of a run."""

    n_features: int
    n_hidden: int
    model: str = "relu_output"
    steps: int = 10_000
    batch_size: int = 1024
    lr: float = 1e-3
    weight_decay: float = 0.01
    n_seeds: int = 1
    seed: int = 0
    eval_samples: int = 32_768
    log_every: int = 100
    history_every: int = 0
    backend: str = "numba"
    device: str = "cpu"

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "TrainConfig":
        names = {f.name for f in fields(TrainConfig)}
        return TrainConfig(**{k: v for k, v in d.items() if k in names})


@dataclass
class Run:
    """Trained instances and their settings (all tensors on the CPU).

    W (I, m, n), b (I, n), W2 (I, n, m) or None (only the 'abs' model has
    untied output weights), final_loss (I,) on fresh evaluation data (mean over
    samples and features, as the official notebook; times n gives the paper's sum over features),
    sparsity / importance (I, n), setting / restart (I,), loss_history
    (T, I) mean training loss over each logging window ending at
    history_steps (T,), and optional snapshots W_history (H, I, m, n),
    b_history (H, I, n) at snapshot_steps (H,). final_loss_se (I,), when the
    trainer provides it: the standard error of each restart's final_loss minus
    its setting's best (0 for the best), from paired batches.
    """

    config: TrainConfig
    W: torch.Tensor
    b: torch.Tensor
    final_loss: torch.Tensor
    sparsity: torch.Tensor
    importance: torch.Tensor
    setting: torch.Tensor
    restart: torch.Tensor
    groups: FeatureGroups
    W2: torch.Tensor | None = None
    final_loss_se: torch.Tensor | None = None
    loss_history: torch.Tensor = field(default_factory=lambda: torch.zeros(0, 0))
    history_steps: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    W_history: torch.Tensor | None = None
    b_history: torch.Tensor | None = None
    snapshot_steps: torch.Tensor | None = None

    @property
    def n_instances(self) -> int:
        return self.W.shape[0]

    @property
    def n_settings(self) -> int:
        return int(self.setting.max()) + 1 if self.n_instances else 0

    @property
    def density(self) -> torch.Tensor:
        """1 - S per instance and feature (I, n): the paper's 'feature probability'."""
        return 1.0 - self.sparsity

    def select(self, index) -> "Run":
        """A Run with only the given instances (a list, slice or bool mask)."""
        idx = torch.arange(self.n_instances)[index]
        idx = idx.reshape(-1)
        pick = lambda t: None if t is None else t[idx]
        pick_t = lambda t: None if t is None else t[:, idx]
        return replace(
            self, W=self.W[idx], b=self.b[idx], W2=pick(self.W2), final_loss=self.final_loss[idx],
            final_loss_se=pick(self.final_loss_se),
            sparsity=self.sparsity[idx], importance=self.importance[idx], setting=self.setting[idx],
            restart=self.restart[idx],
            loss_history=self.loss_history[:, idx] if self.loss_history.numel() else self.loss_history,
            W_history=pick_t(self.W_history), b_history=pick_t(self.b_history))

    def best(self) -> "Run":
        """Keep the lowest-loss restart of every setting (the paper's best-of-K protocol).

        The result has one instance per setting, in setting order. The rule that
        makes "lowest" trustworthy in sparse settings, where a pair of features is
        rarely active together: all restarts of a setting are scored on the same
        fresh batches (common random numbers, so the data's own noise cancels in
        their differences), on about ``eval_samples`` *non-empty* samples each
        (a sparse setting draws up to 2**22 samples, ``train.eval_batches``), and
        ``final_loss_se`` reports the standard error of every restart's gap to the
        winner (``restart_gaps``): a gap of several standard errors is a real one.
        """
        losses = self.final_loss.view(self.n_settings, -1)
        winners = losses.argmin(dim=1) + torch.arange(self.n_settings) * losses.shape[1]
        return self.select(winners)

    def restart_gaps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(settings, n_seeds) each restart's final_loss minus its setting's best, and its standard error.

        The standard error is all zeros when the trainer did not provide one.
        """
        losses = self.restart_losses()
        gaps = losses - losses.min(dim=1, keepdim=True).values
        se = (torch.zeros_like(losses) if self.final_loss_se is None
              else self.final_loss_se.view_as(losses))
        return gaps, se

    def restart_losses(self) -> torch.Tensor:
        """(settings, n_seeds) final losses: how much restarts disagree."""
        return self.final_loss.view(self.n_settings, -1)

    def __repr__(self) -> str:
        c = self.config
        return (f"Run(model={c.model!r}, n={c.n_features}, m={c.n_hidden}, instances={self.n_instances}, "
                f"settings={self.n_settings}, n_seeds={c.n_seeds}, steps={c.steps})")

    def save(self, path) -> None:
        """Save to a safetensors file (no pickles). See ``tmslab.io``."""
        from .io import save_run
        save_run(self, path)

    @staticmethod
    def load(path) -> "Run":
        from .io import load_run
        return load_run(path)
