# %% [markdown]
# # 04 · Sparsity sweeps: superposition appears
#
# Lesson 03 ended with a hint: the ReLU output model represents more than $m$ features once the data is
# sparse. Here we watch it happen, first in the talk's headline figure (5 features in 2 dimensions at 0%, 80%
# and 90% sparsity), then in the paper's larger sweep ($n = 20$ features in $m = 5$ dimensions, density
# $1-S$ from 1 down to 0.001).
#
# **Learning goals.** After this lesson you can
#
# 1. reproduce the talk's figure and name its three geometries: dedicated orthogonal dimensions, antipodal
#    pairs, a pentagon;
# 2. explain the **best-of-K** protocol (train several restarts, keep the lowest loss) and why single runs
#    get stuck;
# 3. compute the superposition measure $\sum_{j \ne i} (\hat W_i \cdot W_j)^2$ and the number of represented
#    features, and read them off a sweep;
# 4. describe how the number of represented features grows with sparsity, and why biases turn negative.
#
# **Time:** about 45 minutes. **Prerequisites:** lesson 03 (the models, the loss, reading $W^\top W$,
# $b$ and $\|W_i\|$). Running the whole notebook takes well under a minute.

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
from tmslab import geometry2d, metrics, plots, sweeps
from tmslab import solutions
from tmslab.checks import adopt
from tmslab.checks.predictions import compare_prediction
from tmslab.checks.sweeps import check_count_represented, check_superposition
from tmslab.widgets.live import build_live_explorer
from tmslab.widgets.sweeps import build_restart_panel, build_sweep_panel

tmslab.setup_lesson(seed=0)


def r3(values):
    # rounded list for printing (adding 0.0 turns -0.0 into 0.0)
    return (np.round(np.asarray(values, dtype=float), 3) + 0.0).tolist()


# %% [markdown]
# ## 1. Five features in two dimensions
#
# The talk's headline figure: "As sparsity increases, models use superposition to represent more features
# than dimensions". The setup (paper, reproduced by the official notebook): $n = 5$ features,
# $m = 2$ hidden dimensions, the ReLU output model $x' = \operatorname{ReLU}(W^\top W x + b)$, importance
# $I_i = 0.9^i$, and three sparsities $S = 0, 0.8, 0.9$. With $m = 2$ we can draw $W$ directly: one arrow
# $W_i$ per feature, coloured by importance (dark = most important).
#
# ### Best of K restarts
#
# Tiny models are hard for gradient descent: a single run often ends in a local minimum. The paper says so
# for exactly this size: "Getting clean results required fitting each model multiple times and taking the
# solution with the lowest loss." So we train $K = 12$ restarts of each sparsity (different initial $W$ and
# data streams) and keep the restart with the lowest loss on fresh evaluation data. `tmslab.train` trains all
# $3 \times 12 = 36$ models in one call; `run.best()` keeps the winner of each sparsity.

# %% [markdown] tags=["exercise"]
# ### Predict, then run
#
# You know two of the three pictures already: at $S = 0$ the model keeps two features in orthogonal
# dimensions (lesson 00), and at $S = 0.9$ it represents all five. What will the best model at
# $S = 0.8$ look like? Pick one of `"orthogonal"` (two features at right angles), `"antipodal pairs"`
# (four features in two pairs pointing in opposite directions), `"pentagon"` (all five, evenly spread) or
# `"other"`, and set `my_prediction` before running the training cell.

# %% tags=["exercise"]
my_prediction = None   # one of "orthogonal", "antipodal pairs", "pentagon", "other"

# %%
SPARSITIES_2D = [0.0, 0.8, 0.9]
K = 12
intro = tmslab.train(5, 2, model="relu_output", sparsity=SPARSITIES_2D, importance=0.9, n_seeds=K,
                     progress=False)
losses = intro.restart_losses()                       # (3 sparsities, K restarts)
for s, S in enumerate(SPARSITIES_2D):
    print(f"S = {S}: restart losses from {float(losses[s].min()):.5f} to {float(losses[s].max()):.5f}")
best = intro.best()
fig = plots.plot_features_2d_row([best.W[s] for s in range(3)],
                                 ["0% sparsity", "80% sparsity", "90% sparsity"],
                                 suptitle="5 features in 2 dimensions, best of 12 restarts")
plt.show()

# %% tags=["exercise"]
compare_prediction(my_prediction, geometry2d.classify_2d(best.W[1]).kind, choices=geometry2d.KINDS,
                   what="measured (best of 12 restarts at S = 0.8)")

# %% [markdown]
# The talk's three panels, read off the models we just trained:
#
# * **0% sparsity:** "The two most important features are given **dedicated orthogonal dimensions**, while
#   other features are **not embedded**." Dense data behaves like the linear model of lesson 03: keep the top
#   $m$ features, like PCA.
# * **80% sparsity:** "The four most important features are represented as **antipodal pairs**. The least
#   important features are **not embedded**." Two features share one line, pointing in opposite directions
#   ($W_j \approx -W_i$): when feature $i$ is active, feature $j$'s readout $W_j \cdot W_i x_i$ is negative
#   and the ReLU clips it to 0. Sparsity makes it rare that both are active at once.
# * **90% sparsity:** "All five features are embedded **as a pentagon**, but there is now 'positive
#   interference'." Neighbours in the pentagon are $72°$ apart, so an active feature leaks a *positive*
#   amount into its two neighbours; the model answers with **negative biases**.
#
# The numbers behind the pictures, and the reference replication's checks ([references, E1](../docs/references.md#e1)):

# %%
for s, S in enumerate(SPARSITIES_2D):
    geometry = geometry2d.classify_2d(best.W[s])
    norms = r3(metrics.feature_norms(best.W[s]))
    print(f"S = {S}: {geometry.label():<28} ||W_i|| = {norms}  b = {r3(best.b[s])}")
W0, W8, W9 = best.W
cos0 = float(metrics.cosine_similarity(W0)[0, 1])
print(f"\nS = 0:   |cos(W_0, W_1)| = {abs(cos0):.3f} (< 0.1), unembedded biases {r3(best.b[0][2:])} "
      f"(E[x_i] = 0.5, tolerance 0.06)")
cos8 = metrics.cosine_similarity(W8)
pairs = geometry2d.classify_2d(W8).pairs
print("S = 0.8: pair cosines", [round(float(cos8[i, j]), 3) for i, j in pairs],
      f"(< -0.95), between pairs {abs(float(cos8[pairs[0][0], pairs[1][0]])):.3f} (< 0.1), "
      f"||W_4|| = {float(metrics.feature_norms(W8)[4]):.3f} (< 0.1)")
gaps = metrics.angular_gaps(W9)
print(f"S = 0.9: angular gaps {[round(float(g), 1) for g in gaps]} degrees (72 +- 10), "
      f"all b_i < 0: {bool((best.b[2] < 0).all())}")

# %% [markdown]
# The pentagon's norms are **above 1**, and its biases are negative. Both come together: a lone active
# feature at $x_i = 1$ is reconstructed exactly when $\|W_i\|^2 + b_i = 1$, so a negative bias (which cancels
# the positive interference from the neighbours) needs a longer arrow. The reference replication notes that the paper's
# formula $\|W_i\| = 1/(1-b_i)$ does not fit the measured models; compare both on ours:

# %%
norms9, b9 = metrics.feature_norms(W9), best.b[2]
print("||W_i||^2 + b_i   :", r3(norms9**2 + b9), "  (1 means an exact reconstruction of x_i = 1)")
print("||W_i||           :", r3(norms9))
print("1 / (1 - b_i)     :", r3(1 / (1 - b9)), "  (the paper's formula)")

# %% [markdown]
# ### How often does a single restart find the paper's picture?
#
# `tmslab.geometry2d` names the geometry of every restart (orthogonal, antipodal pairs, pentagon, or other,
# with the embedded features). Here are all $3 \times 12$ restarts grouped by outcome, best first, with the
# reference's count next to ours (the replication in [references, E1](../docs/references.md#e1) trained 10 seeds per
# sparsity with the official notebook's
# recipe; its initialisation differs slightly from ours, so expect different fractions, the same winners):

# %%
for s, S in enumerate(SPARSITIES_2D):
    kind, features = geometry2d.PAPER_GEOMETRY[S]
    restarts = intro.select(intro.setting == s)
    found = sum(g.matches(kind, features) for g in geometry2d.classify_many(restarts.W))
    winner = geometry2d.classify_2d(best.W[s]).matches(kind, features)
    ref_count, ref_loss = sweeps.REFERENCE_E1[S]
    print(f"S = {S}: paper's geometry = {kind} of features {features}")
    print(f"  found by {found}/{K} restarts (reference: {ref_count}); best restart shows it: {winner}; "
          f"best loss {float(best.final_loss[s]):.5f} (reference {ref_loss})")
    for label, count, low in geometry2d.restart_outcomes(restarts.W, restarts.final_loss):
        print(f"    {count:2d} x {label:<30} lowest loss {low:.5f}")

# %% [markdown]
# What the table shows:
#
# * At $S = 0$ every restart finds the same solution: dense problems have one basin.
# * At $S = 0.8$ about half of the restarts find two antipodal pairs of features 0-3, in different pairings
#   with slightly different losses. The others pair up the wrong four features (dropping feature 2 or 3
#   instead of the least important feature 4), build a pentagon or embed only three features, and every one of those has
#   a **higher loss**: the lowest-loss restart is the paper's picture.
# * At $S = 0.9$ the pentagon wins, but some restarts stop at two antipodal pairs, a higher-loss local
#   minimum (the reference's loss ordering: pentagon < antipodal pairs < other).
#
# A single training run is a sample from these outcomes; the best of $K$ is an estimate of the optimum.
# Browse the restarts yourself: pick a sparsity and a restart, and the widget shows its features, its loss,
# its rank among the 12 and its geometry.

# %%
build_restart_panel(intro)

# %% [markdown]
# ### Watch the geometries form
#
# The restarts above are finished models. The live explorer trains a new one every time you release a
# slider (one restart, 6,000 steps, a snapshot every 300 steps) and replays its training with the
# **training step** slider or the ▶ button. It starts at $S = 0.8$. Things to try:
#
# * press ▶ and watch two antipodal pairs form. Seed 0 pairs up features 0, 1, 3 and 4 and leaves out
#   feature 2: one of the higher-loss pairings of the table above. Step through the seeds: the pairing
#   changes from seed to seed, only some leave out feature 4 as the best restart does, and some seeds end in
#   a pentagon (single runs are samples from the table's outcomes);
# * move $S$ to 0.9 and watch the pentagon appear; then lower the importance decay $r$ towards 0.5 and see
#   the least important feature drop out again, leaving two antipodal pairs;
# * try $m = 1$ (a single neuron: how many features fit on one line?) and $m = 3$ with $n = 10$.

# %%
build_live_explorer(sparsity=0.8)


# %% [markdown]
# ## 2. Measuring superposition
#
# With more than two hidden dimensions we cannot draw $W$, so we need numbers. The paper's measure of how
# much feature $i$ shares its direction with the others is
#
# $$
# \text{superposition}_i = \sum_{j \neq i} \big(\hat W_i \cdot W_j\big)^2, \qquad \hat W_i = \frac{W_i}{\|W_i\|}.
# $$
#
# It is 0 when $W_i$ is orthogonal to every other feature (a dedicated dimension), about 1 for a member of
# an antipodal pair ($\hat W_i \cdot W_j = -1$), and $\ge 1$ when "some group of other features can activate
# $W_i$ as strongly as feature $i$ itself". Only $W_i$ is normalised: a weakly represented $W_j$ contributes
# little. An unlearned feature ($W_i = 0$) gets 0; for a nearly unlearned one ($\|W_i\| \approx 0.01$) the
# measure says where its tiny arrow points and means little, so we only read it for represented features.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: the superposition measure
#
# Write `superposition_measure(W)` for one $W$ of shape $(m, n)$ (features are columns) returning a tensor
# of shape $(n,)$. Guard the division for unlearned features: divide by
# $\max(\|W_i\|, 10^{-6})$. The check compares with `tmslab.metrics.superposition`.

# %% tags=["exercise"]
def superposition_measure(W):
    # W: (m, n) tensor, column i = feature i. Return sum_{j != i} (hat W_i . W_j)^2 for every i, shape (n,).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
superposition_measure = adopt(check_superposition, superposition_measure, solutions.lesson04.superposition_measure)


# %% [markdown] tags=["exercise"]
# ### Exercise 2: counting represented features
#
# A feature counts as **represented** when $\|W_i\| > 0.5$ (the reference's threshold). Write
# `count_represented(W, threshold=0.5)` returning that number (an `int`) for one $W$ of shape $(m, n)$.
# The check compares with `tmslab.metrics.n_represented` on crafted matrices with norms near the threshold.

# %% tags=["exercise"]
def count_represented(W, threshold=0.5):
    # W: (m, n) tensor. Return how many features have ||W_i|| > threshold.
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
count_represented = adopt(check_count_represented, count_represented, solutions.lesson04.count_represented)

# %% [markdown]
# ## 3. The sweep: 20 features in 5 dimensions
#
# The paper's demonstration: $n = 20$, $m = 5$, $I_i = 0.7^i$, the ReLU output model at densities
# $1 - S \in \{1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001\}$. Ten restarts per density, the paper's recipe, keeping
# the best (lesson 03 met a stuck single run at $1-S = 0.3$): $7 \times 10 = 70$ models in one call. (With only
# three restarts the kept model is up to 14% worse at some densities, and its count differs by one or two, on
# each of four seeds we tried.)

# %% [markdown] tags=["exercise"]
# ### Predict, then run
#
# At $1 - S = 1$ the model represents 5 features, like the linear model. Lesson 03's single run at
# $1 - S = 0.01$ gave a first hint. How many of the 20 features will the best model represent at
# $1 - S = 0.01$, in its 5 dimensions? Set `my_prediction` to a number from 0 to 20 (a guess within 1
# counts as a match).

# %% tags=["exercise"]
my_prediction = None   # how many of the 20 features are represented at 1 - S = 0.01: a number 0-20

# %%
DENSITIES = sweeps.DENSITIES
sweep = tmslab.train(20, 5, model="relu_output", sparsity=[1 - d for d in DENSITIES], importance=0.7,
                     n_seeds=10, progress=False)
swept = sweep.best()
print("restart losses at 1-S = 0.3:", [f"{v:.5f}" for v in sweep.restart_losses()[1].tolist()],
      f"-> keep {float(swept.final_loss[1]):.5f}")
print(f"x 20 = {20 * float(swept.final_loss[1]):.5f} in lesson 03's units (the linear model there: 0.04318)")
fig = plots.plot_sweep(swept, suptitle="ReLU output model, $n = 20$, $m = 5$, $I_i = 0.7^i$, best of 10 restarts")
plt.show()

# %% tags=["exercise"]
compare_prediction(my_prediction, int(metrics.n_represented(swept.W[DENSITIES.index(0.01)])),
                   choices=range(21), tolerance=1, what="measured (best of 10 restarts at 1-S = 0.01)")

# %% [markdown]
# How to read it (the paper's figure, our models). **Top row:** $\|W_i\|$ for features 0-19 (most important
# first), each bar coloured by its superposition measure: dark blue = 0 (a dedicated dimension), orange to
# yellow = about 1 or more (shared with other features). **Bottom row:** $W^\top W$ with the bias $b$ as
# the last column.
#
# * $1-S = 1$: exactly the linear model's solution: five dedicated features, the rest dropped with bias
#   0.5.
# * $1-S = 0.3$ and $0.1$: a few more features appear, in superposition, while the most important ones keep
#   dedicated dimensions: several at $1-S = 0.3$, only the most important one or two at $0.1$ (the line
#   under the table lists them). The paper: superposition "starts with less important features, and
#   gradually affects the most important ones. Initially this involves arranging them in antipodal pairs"
#   (the blue off-diagonal entries of $W^\top W$ at $-1$).
# * $1-S \le 0.03$: every represented feature is in superposition, more and more features are packed in,
#   and $W^\top W$ fills with small positive (red) interference, answered by negative (blue) biases.
#
# The talk's conclusion in numbers, next to the reference replication's table ([references, E2](../docs/references.md#e2), three single
# seeds per density; the last column is the minimum the reference asserts). The count uses the
# `count_represented` and the superposition measure the `superposition_measure` adopted above (yours if
# they passed their checks):

# %%
print("1-S     represented      in superposition   ||W||_F^2           mean b     largest")
print("        ours  reference  ours  reference    ours  reference     (repr.)    ||W_i||")
counts, dedicated = [], []
for k, d in enumerate(DENSITIES):
    W, b = swept.W[k], swept.b[k]
    n_rep = count_represented(W)
    rep = W.norm(dim=0) > 0.5
    n_sup = int(((superposition_measure(W) > 0.1) & rep).sum())
    ref_rep, ref_sup, ref_frob, ref_min = sweeps.REFERENCE_E2_RELU[d]
    info = sweeps.instance_summary(W, b, d)
    counts.append(n_rep)
    dedicated.append([int(i) for i in torch.nonzero(rep & (superposition_measure(W) < 0.05)).flatten()])
    floor = f">= {ref_min}" if ref_min else ""
    print(f"{d:<7.3g} {n_rep:<5d} {ref_rep:<10} {n_sup:<5d} {ref_sup:<12} {info['frobenius2']:<5.2f} "
          f"{ref_frob:<13} {info['mean_bias_represented']:<+10.3f} {info['max_norm']:.3f}  {floor}")
print("dedicated dimensions (represented, measure < 0.05):",
      "; ".join(f"{d:g}: {f}" for d, f in zip(DENSITIES, dedicated)))

# %% [markdown]
# And the reference replication's checks ([references, E2](../docs/references.md#e2)) on our sweep, with what we measured:

# %%
sup = torch.stack([superposition_measure(W) for W in swept.W])         # (7 densities, 20 features)
rep = metrics.represented(swept.W)
mean_b = [sweeps.instance_summary(W, b, d)["mean_bias_represented"]
          for W, b, d in zip(swept.W, swept.b, DENSITIES)]
max_norm = metrics.feature_norms(swept.W).max(dim=1).values
floors = {d: v[3] for d, v in sweeps.REFERENCE_E2_RELU.items() if v[3]}
dense_bias = max(float(swept.b[k][rep[k]].abs().max()) for k in range(3))
checks = [
    ("count never drops by more than 1 as sparsity grows",
     all(b >= a - 1 for a, b in zip(counts, counts[1:])), f"counts {counts}"),
    ("counts reach the floors (5, >=7, >=8, >=10, >=11)",
     all(counts[DENSITIES.index(d)] >= f for d, f in floors.items()), f"counts {counts[:5]}"),
    ("1-S = 0.3: features 0 and 1 untouched (measure < 0.05)",
     bool((sup[1, :2] < 0.05).all()), f"measures {r3(sup[1, :2])}"),
    ("1-S = 0.3: >= 2 represented features with measure > 0.5 (partners)",
     int(((sup[1] > 0.5) & rep[1]).sum()) >= 2, f"{int(((sup[1] > 0.5) & rep[1]).sum())} features"),
    ("1-S >= 0.1: all |b_i| of represented features < 0.02",
     dense_bias < 0.02, f"largest {dense_bias:.3f}"),
    ("1-S <= 0.01: mean bias of represented <= -0.09",
     all(mean_b[k] <= -0.09 for k in range(4, 7)), f"{r3(mean_b[4:])}"),
    ("1-S <= 0.01: largest ||W_i|| > 1.1",
     all(float(max_norm[k]) > 1.1 for k in range(4, 7)), f"{r3(max_norm[4:])}"),
]
for name, ok, measured in checks:
    print(f"{'PASS' if ok else 'FAIL'}  {name:<68} ({measured})")
print("\n1-S = 0.3, features 0-7: measure", r3(sup[1, :8]))
print("                          ||W_i|| ", r3(metrics.feature_norms(swept.W[1])[:8]))
print("                          b_i     ", r3(swept.b[1][:8]))

# %% [markdown]
# On this seed all but one check pass. (On other seeds the count can also dip at the sparsest density, e.g.
# from 14 at $1-S = 0.003$ to 12 at 0.001 with seed 303: there each feature is active in only about one sample
# per batch, question 5.) The failure is small and worth reading: at $1-S = 0.3$ two represented features in
# antipodal pairs (features 5 and 6 above, norms a little below 1) keep small *positive* biases, up to about
# 0.03, where the reference's three seeds stayed below 0.02. A positive bias tops up a feature whose arrow is
# slightly too short; it costs a little on samples where the feature is off. The paper's qualitative claim,
# negative biases at high sparsity, holds in every sparse model here.
#
# ## 4. Explore the sweep
#
# Move the slider through the densities: the widget redraws the bars and $W^\top W \mid b$ of the best
# restart and reports how many features are represented, how many are in superposition, $\|W\|_F^2$ (about
# the number of represented features), the mean bias of the represented features and the largest norm.
# Watch for: the first antipodal pairs, the moment the most important features lose their dedicated
# dimensions, and the biases turning negative while norms grow above 1.

# %%
build_sweep_panel(swept)

# %% [markdown]
# ## Summary
#
# * Five features in two dimensions reproduce the talk's figure on models trained here: dedicated orthogonal
#   dimensions at $S = 0$, two antipodal pairs (feature 4 dropped) at $S = 0.8$, a pentagon with norms above
#   1 and negative biases at $S = 0.9$.
# * The live explorer retrains the 5-in-2 model on every slider move and replays its training: in most seeds
#   the geometry forms within the first 3,000 steps, and single runs often end in a higher-loss one.
# * Single training runs get stuck in higher-loss geometries; the paper's pictures are the **lowest-loss of
#   several restarts**. Always report how many restarts found a geometry, not just the winner.
# * The superposition measure $\sum_{j\ne i}(\hat W_i \cdot W_j)^2$ is 0 for a dedicated feature and about 1
#   for an antipodal pair; a feature is represented when $\|W_i\| > 0.5$.
# * In the $n = 20$, $m = 5$ sweep the number of represented features grows with sparsity, from 5 (the
#   linear/PCA solution) to well over twice the number of dimensions; superposition starts with the less
#   important features in antipodal pairs and reaches the most important ones; at high sparsity positive
#   interference is cancelled by negative biases.
# * The talk's conclusion: "As sparsity is increased, more features are stored [with] interference and
#   ambiguous effects are mitigated".
#
# ## Check your understanding
#
# 1. Why is an antipodal pair cheap for the ReLU output model but expensive for the linear model?
# <details><summary>Answer</summary>
#
# With $W_j = -W_i$, an active feature $i$ produces the readout $W_j \cdot W_i\, x_i = -x_i < 0$ for feature
# $j$. The ReLU clips it to 0, so as long as the two features are rarely active together, there is no
# error. The linear model outputs $-x_i$ and pays $(W_j \cdot W_i)^2 = 1$ of interference (lesson 03).
# </details>
#
# 2. At $S = 0.8$ some restarts embed features $\{0, 1, 2, 4\}$ instead of $\{0, 1, 2, 3\}$. Why is that
#    worse, and why does gradient descent still end there?
# <details><summary>Answer</summary>
#
# Feature 3 is more important than feature 4 ($0.9^3 > 0.9^4$), so leaving it out costs more. But once the
# four arrows have settled into two pairs, swapping which feature fills a slot means passing through
# configurations with higher loss: a local minimum. Restarts from other initial $W$ avoid it.
# </details>
#
# 3. In the pentagon, $\|W_i\| \approx 1.1$ and $b_i \approx -0.2$. Show that a lone active feature at
#    $x_i = 1$ is then reconstructed almost exactly, and explain what the negative bias does for the
#    neighbours.
# <details><summary>Answer</summary>
#
# $x'_i = \operatorname{ReLU}(\|W_i\|^2 x_i + b_i) \approx \operatorname{ReLU}(1.21 - 0.2) \approx 1$.
# A neighbour $j$ at $72°$ sees $W_j \cdot W_i \approx 1.21 \cos 72° \approx 0.37$; the bias lowers that to
# about $0.17$, and for smaller $x_i$ below $0.2 / 0.37 \approx 0.5$ the readout is clipped to 0 entirely.
# </details>
#
# 4. Why would $\|W\|_F^2$ be a reasonable but imperfect count of represented features?
# <details><summary>Answer</summary>
#
# $\|W\|_F^2 = \sum_i \|W_i\|^2$, so each feature with norm 1 adds 1 and each dropped feature adds 0. But
# norms above 1 (the high-sparsity regime) overcount and half-learned features add fractions, so at
# $1-S \le 0.01$ it exceeds the count of $\|W_i\| > 0.5$.
# </details>
#
# 5. If you had to show superposition at $1 - S = 0.001$ to a sceptic, what would you change in the
#    training and why?
# <details><summary>Answer</summary>
#
# At that density a batch of 1024 samples contains only about one active value per feature
# ($1024 \times 0.001 \approx 1$), so a feature is seen about 10,000 times in the whole run of 10,000 steps,
# and the least important ones (tiny weight in the loss as well) barely learn (the reference also sees only 12-14 of 20 represented).
# Train longer or with bigger batches, and keep the best of several restarts.
# </details>
