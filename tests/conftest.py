import os
import tempfile

os.environ.setdefault("TMSLAB_PROGRESS", "0")
# hypothesis (tests/test_properties.py) keeps caches outside the repository
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      os.path.join(tempfile.gettempdir(), "tmslab-hypothesis"))
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)  # reproducible and fast for the tiny tensors of these tests
