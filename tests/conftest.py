import os

os.environ.setdefault("TMSLAB_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)  # reproducible and fast for the tiny tensors of these tests
