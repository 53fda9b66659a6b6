# %% [markdown]
# # 00 · Welcome to tmslab
#
# This course is a hands-on tour of **Toy Models of Superposition** (Elhage et al., 2022): how a small
# neural network can store *more features than it has neurons*, and what that does to the neurons.
# Every lesson trains real toy models with the course's library `tmslab`, shows what they learned, and
# lets you poke at them with widgets and short exercises.
#
# **Learning goals.** After this lesson you can
# 1. set the course up and open it in JupyterLab (`make lab`), and run its tests (`make test`);
# 2. run lessons, use widgets, and work through an exercise (stub → check → your function or the
#    reference solution);
# 3. read the notation used everywhere: $n$, $m$, $W$, $W_i$, $h = Wx$, $x'$, $b$, $S$, $1-S$, $I_i$, $D_i$, $D^*$;
# 4. describe the synthetic data of the paper: sparse features with a sparsity $S$.
#
# **Time:** about 15 minutes. **Prerequisites:** Python, a little NumPy/PyTorch, matrix-vector products.

# %% [markdown]
# ## Setting up
#
# From the repository root:
#
# ```bash
# make lab    # creates .venv with the pinned requirements, installs tmslab, opens this lesson in JupyterLab
# make test   # everything CI runs: unit tests (make unit) + a strict re-run of every lesson (make lessons)
# ```
#
# Both targets build the virtual environment `.venv` first when it is missing or out of date, so
# `make lab` is the only command you need to start. JupyterLab's file browser then shows the whole
# repository: the lessons in `lessons/`, the library in `tmslab/`, and
# [`docs/references.md`](../docs/references.md), the course's page about the paper, the talk and the numbers the
# lessons compare against. Without `make`:
# `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/pip install --no-deps -e .`,
# then `.venv/bin/jupyter lab --ServerApp.root_dir=. lessons/00_welcome.ipynb` (without
# `--ServerApp.root_dir=.` the file browser would start in `lessons/`). Conda users can use `environment.yml`
# (the same pinned versions). Everything runs on a CPU; no data is downloaded (all data is synthetic).
#
# `make test` re-executes every lesson and compares each printed number with the one stored in the
# notebook, so the numbers you read in a lesson are the numbers its code produces.

# %% [markdown]
# ## Working in JupyterLab
#
# * **Run a cell** with <kbd>Shift</kbd>+<kbd>Enter</kbd>; run a whole lesson with *Run → Run All Cells*.
#   Lessons are meant to be run **top to bottom**: later cells use what earlier cells computed.
#   If things get confused, use *Kernel → Restart Kernel and Run All Cells*.
# * **The first code cell** of every lesson calls `tmslab.setup_lesson(seed=0)`: it seeds every random
#   generator, pins PyTorch to one thread and sets the course's plot style, so your numbers match the
#   ones printed in the notebook.
# * **Training** is fast: `tmslab.train` trains many small models side by side on the CPU (a few
#   seconds per lesson). The lessons pass `progress=False` to keep their stored outputs clean; leave it
#   out in your own experiments to see a progress bar.
# * **Widgets** (sliders) redraw their figure and the text above it when you *release* the slider. The
#   live explorer below even retrains a model each time (well under a second) and replays its training.
# * **Exercises** end with a cell that checks your function and says whether the lesson goes on with
#   yours or with the reference solution (next section).

# %%
import numpy as np
import matplotlib.pyplot as plt
import torch

import tmslab
from tmslab import solutions
from tmslab.checks import adopt
from tmslab.checks import intro as intro_checks
from tmslab.checks.predictions import compare_prediction
from tmslab.widgets import intro as intro_widgets
from tmslab.widgets import live

tmslab.setup_lesson(seed=0)
print(f"tmslab {tmslab.__version__} is ready")

# %% [markdown]
# ## The lesson map
#
# | lesson | topic | what you will do |
# |---|---|---|
# | **00** | welcome | set up, notation, the exercise pattern (this lesson) |
# | **01** | what is superposition | features vs neurons, mono- vs polysemantic neurons, privileged bases, Johnson–Lindenstrauss |
# | **02** | three universities | the talk's worked example: 3 features in 2 neurons, interference and ambiguity |
# | **03** | linear vs ReLU | the linear and ReLU-output toy models, $W^\top W$ and $b$ |
# | **04** | sparsity sweeps | 5 features in 2-D and 20 features in 5-D as sparsity grows |
# | **05** | phase change | when does a feature go into superposition? phase diagrams |
# | **06** | geometry | dimensions per feature $D^*$, feature dimensionality $D_i$, polytopes |
# | **07** | non-uniform superposition and learning dynamics | perturbed, correlated and anti-correlated features; how solutions form |
# | **08** | privileged basis and computation | the ReLU-hidden model's neurons; computing $\lvert x\rvert$ in superposition |
# | **09** | sparse autoencoders | recovering the features from superposition with dictionary learning |
#
# Lessons 00–04 follow the talk this course grew from; 05–09 follow the rest of the paper.

# %% [markdown]
# ## Notation
#
# The course uses the paper's notation everywhere (also in the library's docstrings).
#
# | symbol | meaning |
# |---|---|
# | $n$ | number of **features** (the input dimension) |
# | $m$ | number of **hidden dimensions** (neurons); superposition is about $n > m$ |
# | $x \in \mathbb{R}^n$ | a feature vector; $x_i$ is feature $i$'s value |
# | $W$ | the $m \times n$ weight matrix (`run.W` has shape `(instances, m, n)`) |
# | $W_i$ | column $i$ of $W$: feature $i$'s **direction** in the hidden space $\mathbb{R}^m$; $\hat W_i = W_i/\lVert W_i\rVert$ |
# | $h = Wx$ | the hidden activation, $h = \sum_i x_i W_i \in \mathbb{R}^m$ (a ReLU is added in some models) |
# | $x'$ | the model's reconstruction of $x$, e.g. $x' = \mathrm{ReLU}(W^\top W x + b)$ |
# | $b \in \mathbb{R}^n$ | the output bias |
# | $S$ | **sparsity**: $x_i = 0$ with probability $S$ (otherwise $x_i \sim U[0, 1]$) |
# | $1-S$ | **density** (feature probability): how often a feature is active |
# | $I_i$ | **importance** of feature $i$: its weight in the loss $L = \sum_x \sum_i I_i (x_i - x'_i)^2$; often $I_i = r^i$ |
# | $D_i$ | **feature dimensionality**: $D_i = \lVert W_i\rVert^2 / \sum_j (\hat W_i \cdot W_j)^2$, the share of a dimension feature $i$ gets |
# | $D^*$ | **dimensions per feature**: $D^* = m / \lVert W\rVert_F^2$ |

# %% [markdown]
# ## The data: sparse features
#
# The toy models never see real images or text. Their inputs are synthetic: each feature $x_i$ is
#
# $$
# x_i = \begin{cases} 0 & \text{with probability } S \quad(\text{the sparsity}),\\
# u \sim U[0, 1] & \text{with probability } 1 - S \quad(\text{the density}).\end{cases}
# $$
#
# Features are independent, so the number of active features in a sample is
# $\mathrm{Binomial}(n, 1-S)$ with mean $n(1-S)$. At high sparsity almost every sample has zero or one
# active feature: that is what will let a model cram many features into few neurons.
#
# Move the sliders (release to redraw). Left: a few samples, one row each. Right: how many features are
# active at once, measured against the binomial law.

# %%
intro_widgets.build_sparse_data_explorer()

# %% [markdown]
# ## Your first toy model
#
# One call trains a model. Here: $n = 5$ features, $m = 2$ hidden dimensions, importances
# $I_i = 0.9^i$, dense data ($S = 0$), the ReLU-output model $x' = \mathrm{ReLU}(W^\top W x + b)$, and the
# paper's recipe (AdamW, learning rate $10^{-3}$, batches of 1024, 10,000 steps).
# With only two dimensions and every feature active, the paper says the model keeps the **two most
# important features in dedicated orthogonal dimensions** and ignores the rest (setting their bias to
# their mean, $\mathbb{E}[x_i] = 0.5$). Let us check.

# %%
run = tmslab.train(n_features=5, n_hidden=2, model="relu_output", sparsity=0.0, importance=0.9,
                   progress=False)
print(run)
norms = tmslab.metrics.feature_norms(run.W[0])
cos01 = float(tmslab.metrics.cosine_similarity(run.W[0])[0, 1])
print("||W_i|| per feature:", np.round(norms.double().numpy(), 2).tolist())
print("bias b_i per feature:", np.round(run.b[0].double().numpy(), 2).tolist())
print(f"|cos(W_0, W_1)| = {abs(cos01):.2f}")

# %%
top_two = bool((norms[:2] > 0.95).all() and (norms[2:] < 0.1).all() and abs(cos01) < 0.1)
print("Paper (intro figure, 0% sparsity): the two most important features get dedicated orthogonal")
print("dimensions, the other features are not embedded.")
print(f"Measured: ||W_0||, ||W_1|| > 0.95, others < 0.1, |cos| < 0.1 -> {top_two}")
print(f"Bias of the ignored features: {np.round(run.b[0, 2:].double().numpy(), 2).tolist()} (paper: E[x_i] = 0.5)")
fig = tmslab.plots.plot_features_2d(run.W[0], title="S = 0: two dedicated dimensions")
fig.axes[0].legend(fontsize=7, loc="lower left")
plt.show()

# %% [markdown] tags=["exercise"]
# ### Predict, then run
#
# Some exercises ask for a **prediction** before a model is trained: you write your guess into
# `my_prediction`, run the training cell, and the cell after it prints your guess next to what the model
# did. Nothing stops if you skip it or guess wrong; a wrong guess is the interesting case.
#
# Dense data left room for two features. Now make the data sparse: $S = 0.9$, so a sample has on average
# only $5 \times 0.1 = 0.5$ active features and two features are rarely active together. How many of the
# five features will the model represent ($\|W_i\| > 0.5$) in its two dimensions? Set `my_prediction` to a
# number from 0 to 5.

# %% tags=["exercise"]
my_prediction = None   # how many of the 5 features are represented at S = 0.9: a number 0-5

# %%
sparse = tmslab.train(n_features=5, n_hidden=2, model="relu_output", sparsity=0.9, importance=0.9,
                      n_seeds=10, progress=False).best()     # the best of 10 restarts (lesson 04 explains why)
sparse_norms = tmslab.metrics.feature_norms(sparse.W[0])
print("S = 0.9, ||W_i|| per feature:", np.round(sparse_norms.double().numpy(), 2).tolist())

# %% tags=["exercise"]
compare_prediction(my_prediction, int((sparse_norms > 0.5).sum()), choices=range(6),
                   what="measured (features with ||W_i|| > 0.5 at S = 0.9)")

# %% [markdown]
# More features than dimensions: that is **superposition**, the subject of the course (lesson 04 draws this
# model and names its shape).
#
# ### Watch a model learn
#
# The explorer below retrains this model whenever you release one of its sliders: the sparsity $S$, the
# importance decay $r$ (importances $I_i = r^i$), the number of features $n$ and of hidden dimensions $m$,
# and the seed (which fixes the initial $W$ and the data). Every retrain is 6,000 steps with a snapshot of
# $W$ and $b$ every 300 steps, and the **training step** slider, or the ▶ button, replays the training from
# those snapshots. Left: the arrows $W_i$ (for $m = 2$; for other $m$ the norms $\|W_i\|$); middle:
# $W^\top W$ with $b$ as its last column; right: the training loss, with the step shown marked. The text
# above the figure names what the model represents. Try $S = 0$ and $S = 0.9$ and press ▶ for each; then
# try a few seeds at $S = 0.8$.

# %%
live.build_live_explorer()


# %% [markdown]
# ## How exercises work
#
# Every exercise has three cells:
#
# 1. **the task** (a markdown cell like the one below);
# 2. **a stub**: a function whose body is `raise NotImplementedError("your code here")`. Replace that
#    line with your code and run the cell;
# 3. **a check**, e.g. `embed = adopt(intro_checks.check_embed, embed, solutions.lesson00.embed)`. It
#    runs the check on your function and prints one of two things:
#    * `✅ Correct: ...`, and the lesson continues with **your** function;
#    * `❌ Not yet: ...` with a precise hint, and the lesson continues with the **reference solution**,
#      saying so. Fix your stub, run it, run the check again, and your function takes over.
#
# So *Run All* never replaces your code behind your back, and a lesson always runs to the end (the
# stored outputs show what the check says for an untouched stub). Stuck? The reference solutions are
# kept away from the exercises, in `tmslab/solutions/` (this lesson's:
# [tmslab/solutions/lesson00.py](../tmslab/solutions/lesson00.py)), so you do not see one by accident;
# `solutions.show(solutions.lesson00.embed)` in a new cell prints one. App mode (`make app`) leaves the
# exercises out.
#
# Try it with two tiny exercises.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: embed features into the hidden space
#
# Write `embed(W, x)` returning $h = Wx$ for a weight matrix `W` of shape $(m, n)$ and a feature vector
# `x` of shape $(n,)$ (PyTorch tensors). $h$ has one entry per hidden dimension: $h = \sum_i x_i W_i$.

# %% tags=["exercise"]
def embed(W, x):
    """h = W x: features (n,) -> hidden activations (m,)."""
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
embed = adopt(intro_checks.check_embed, embed, solutions.lesson00.embed)

# %% [markdown]
# The `embed` adopted above (yours once it passes its check) on the talk's example (lesson 02 takes it apart): three universities, Clemson, Duke and
# NC State, are three features stored in two neurons at 120° from each other. Activate Clemson and Duke
# at 0.9:

# %%
W_universities = tmslab.theory.three_universities_W()
h = embed(W_universities, torch.tensor([0.9, 0.9, 0.0], dtype=torch.float64))
print("W =", np.round(W_universities.numpy(), 3).tolist())
print("h = W (0.9, 0.9, 0) =", np.round(h.numpy(), 3).tolist(), "(the talk: (0, 0.9))")


# %% [markdown] tags=["exercise"]
# ### Exercise 2: from sparsity to density
#
# Write `density(S)` returning the **feature density**: the probability that a feature is *not* zero,
# for a sparsity $S \in [0, 1]$.

# %% tags=["exercise"]
def density(S):
    """Feature density (probability that x_i != 0) for sparsity S."""
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
density = adopt(intro_checks.check_density, density, solutions.lesson00.density)

# %% [markdown]
# The talk's headline figure shows five features in two dimensions at 0%, 80% and 90% sparsity
# (lessons 01 and 04 train those models). Here is what those sparsities mean for the data, measured on
# samples drawn with `tmslab.sample_features`:

# %%
generator = torch.Generator().manual_seed(0)
for S in (0.0, 0.8, 0.9):
    x = tmslab.sample_features(100_000, np.full(5, S), generator=generator)
    active = (x > 0).sum(dim=1).float()
    print(f"S = {S:.0%}: density {density(S):.2f}; active features per sample: expected "
          f"{5 * density(S):.2f}, measured {active.mean():.2f}; samples with <= 1 active: "
          f"{(active <= 1).float().mean():.0%}")

# %% [markdown]
# ## Where this comes from
#
# * **The paper.** Nelson Elhage, Tristan Hume, Catherine Olsson, Nicholas Schiefer, Tom Henighan,
#   Shauna Kravec, Zac Hatfield-Dodds, Robert Lasenby, Dawn Drain, Carol Chen, Roger Grosse, Sam
#   McCandlish, Jared Kaplan, Dario Amodei, Martin Wattenberg, Christopher Olah.
#   *Toy Models of Superposition*. Transformer Circuits Thread, 2022.
#   [transformer-circuits.pub/2022/toy_model](https://transformer-circuits.pub/2022/toy_model/index.html),
#   [arXiv:2209.10652](https://arxiv.org/abs/2209.10652). Official notebook:
#   `github.com/anthropics/toy-models-of-superposition`.
# * **The talk** this course grew from: Tristan Thomas, *Toy Models of Superposition*, November 2025.
#   Its examples (the digit-classification neurons, the "Clemson football and South African safari
#   tours" neuron, the three universities, the 0%/80%/90% sparsity figure) appear in lessons 01–04.
# * **Our notes on both**: [docs/references.md](../docs/references.md) summarises the paper's experiments as the
#   lessons use them, the talk slide by slide, and the numbers the lessons compare against.
# * Training follows the official notebook's recipe; the course checks its models against the outcomes
#   the paper states and prints each comparison.

# %% [markdown]
# ## Summary
#
# * `make lab` opens the course, `make test` re-runs every check and every lesson.
# * Run lessons top to bottom; `tmslab.setup_lesson(seed=0)` makes the numbers reproducible.
# * Exercises: edit the stub, run the check. `❌ Not yet` tells you what to fix, and the lesson continues
#   with the reference solution until yours passes; `✅ Correct` and the lesson uses yours.
# * $W$ is $m \times n$; column $W_i$ is feature $i$'s direction; $h = Wx$; $x'$ is the reconstruction.
# * Features are sparse: active with probability $1-S$; at $S = 0.9$ a sample of 5 features has on
#   average only 0.5 active ones.
# * Already with dense data, the trained 5-feature, 2-dimension model keeps only the two most important
#   features, in orthogonal directions, as the paper says; with sparse data ($S = 0.9$) it represents all
#   five in two dimensions.

# %% [markdown]
# ## Check your understanding
#
# 1. A model has $n = 20$ features and $m = 5$ hidden dimensions. What is the shape of $W$, of $h$, and of
#    $W_3$?
#    <details><summary>Answer</summary>
#
#    $W$ is $5 \times 20$ (in `run.W`: `(instances, 5, 20)`), $h$ has 5 entries, and $W_3$ (column 3) is a
#    vector in $\mathbb{R}^5$: the direction of feature 3 in the hidden space.
#    </details>
#
# 2. At sparsity $S = 0.95$ with $n = 20$ features, how many features are active in a sample on average?
#    <details><summary>Answer</summary>
#
#    $n(1-S) = 20 \times 0.05 = 1$.
#    </details>
#
# 3. Why does `tmslab.setup_lesson(seed=0)` matter for the stored outputs of a lesson?
#    <details><summary>Answer</summary>
#
#    It fixes every random seed and PyTorch's thread count, so re-running the lesson reproduces the same
#    models and the same printed numbers; `make test` compares them with the stored ones.
#    </details>
#
# 4. In the dense 5-features-in-2-dimensions model above, why do the three ignored features get a bias
#    of about 0.5 instead of 0?
#    <details><summary>Answer</summary>
#
#    With no room in $W$ for them, the best constant guess under squared error is their mean,
#    $\mathbb{E}[x_i] = (1-S)/2 = 0.5$ for $U[0,1]$ values that are always active.
#    </details>
#
# 5. What does the check print for an untouched stub, and what happens to the rest of the lesson?
#    <details><summary>Answer</summary>
#
#    `❌ Not yet: the function still raises NotImplementedError; ...`: the check runs your function on
#    fixed cases and reports what went wrong instead of showing a traceback. The next line says that
#    the lesson continues with the reference solution, so later cells still run; once your function
#    passes, they use yours.
#    </details>
