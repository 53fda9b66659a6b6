"""nbval runs these notebooks in kernels started from this process: no progress bars there."""
import os

os.environ.setdefault("TMSLAB_PROGRESS", "0")
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures must display as in the stored outputs
