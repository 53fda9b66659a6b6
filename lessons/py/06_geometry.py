# %% [markdown]
# # 06 · The geometry of superposition
#
# In the talk's five-features-in-two-dimensions figure, 80% sparsity gave **antipodal pairs** and 90% sparsity
# a **pentagon**; the three universities of lesson 02 formed a **triangle**. These are not accidents of a tiny
# model. With many identical features the paper finds that trained models organise them into a small zoo
# of regular polytopes (digons, triangles, tetrahedra, pentagons, square antiprisms) sitting in orthogonal
# subspaces, and that the number of dimensions per feature is "sticky" at special fractions
# (paper section "The Geometry of Superposition").
#
# **Learning goals.** After this lesson you can
#
# 1. compute the **dimensions per feature** $D^* = m / \|W\|_F^2$ and explain its plateau at $1/2$;
# 2. compute the **feature dimensionality** $D_i$ of every feature and show that $k$ features forming a
#    regular polytope in $d$ dimensions get $D_i = d/k$;
# 3. read a $D_i$ scatter plot of trained models and name the polytopes behind its clusters;
# 4. split a trained $W$ into its orthogonal pieces (connected components of the feature graph) and check
#    that the dimensionalities add up to $m$;
# 5. compare how many features the models store with the compressed-sensing scaling $m \sim k \log(n/k)$, and
#    find the tetrahedron and the triangular bipyramid in small models.
#
# **Time:** about 40 minutes. **Prerequisites:** lessons 02 (three universities, $W^\top W$) and 04-05
# (sparsity sweeps, antipodal pairs, phase change).

# %%
from fractions import Fraction

import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
from tmslab import geometry, metrics, theory
from tmslab import solutions
from tmslab.checks import adopt
from tmslab.checks.geometry import (check_dimensions_per_feature, check_feature_dimensionality,
                                    check_kgon_dimensionality)
from tmslab.widgets.geometry import build_geometry_explorer

tmslab.setup_lesson(seed=0)


def r3(values):
    # rounded list for printing (adding 0.0 turns -0.0 into 0.0)
    return (np.round(np.asarray(values, dtype=float), 3) + 0.0).tolist()


# %% [markdown]
# ## 1. Uniform superposition: many identical features
#
# Now every feature is the same: importance $I_i = 1$ and the same sparsity $S$, independent. The paper says
# the number of features $n$ does not matter as long as $n \gg m$ (it trains $n = 400$, $m = 30$; the
# official notebook $n = 200$, $m = 20$), because the model only ever represents a few times $m$ of them.
#
# **Size and recipe, and why.** The notebook's $n = 200$, $m = 20$ with 10,000 steps takes about 10 minutes of
# CPU per sweep here (the reference replication, [references, E5](../docs/references.md#e5): 728 s). We use
# $n = 60$ features in $m = 6$ dimensions, 13 sparsities with $1/(1-S)$ log-spaced from 1 to 10, and
# **3,000 steps at lr $3 \times 10^{-3}$** (AdamW, batch 1024). A single small model can tell a story that
# another initialisation does not repeat (an earlier version of this lesson, at 1,000 steps, described
# polytopes that only its own seed produced), so we train **three independent initialisations per sparsity**
# (runs a, b, c: `n_seeds=3`) and print all three wherever the story depends on it. Why not the paper's 10,000
# steps at lr $10^{-3}$? We trained both recipes on seeds 0, 101, 202 and 303: $D^*$ agreed within 0.04 at
# every sparsity, and the same components (only antipodal pairs on the plateau, pentagons or square
# antiprisms at $1/(1-S) \approx 4$, one large block beyond 5) appeared at the same sparsities, at a third of
# the cost. $n = 60$ is still much larger than the number of features the model represents (at most 25 here).
#
# The first measure is the **dimensions per feature**
#
# $$D^* = \frac{m}{\|W\|_F^2}, \qquad \|W\|_F^2 = \sum_i \|W_i\|^2 \approx \#\{\text{represented features}\},$$
#
# since a represented feature has $\|W_i\| \approx 1$ and an ignored one $\approx 0$. $D^* = 1$: one dimension per
# feature, no superposition; $D^* = 1/2$: two features per dimension.

# %%
n, m, K = 60, 6, 3
RUNS = "abc"
inv_density = np.logspace(0, 1, 13)                 # 1/(1-S) from 1 (dense) to 10
sweep = tmslab.train(n, m, sparsity=1 - 1 / inv_density, importance=1.0, steps=3000, lr=3e-3, n_seeds=K,
                     seed=0, progress=False)
Ws = sweep.W.view(len(inv_density), K, m, n)        # (sparsity, run, m, n)
run = sweep.select(sweep.restart == 0)              # run a: one model per sparsity, for the figures
D_all = metrics.feature_dimensionality(sweep.W).view(len(inv_density), K, n)
D_star_all = metrics.dimensions_per_feature(sweep.W).view(len(inv_density), K)
D, D_star = D_all[:, 0], D_star_all[:, 0]           # run a
rep = metrics.represented(run.W)                    # ||W_i|| > 0.5
n_rep = metrics.represented(sweep.W).sum(-1).view(len(inv_density), K)
print(f"{'1/(1-S)':>8s} | {'D* (runs a, b, c)':>20s} | {'#repr':>10s} | {'sum_i D_i':>16s}")
for k, x in enumerate(inv_density):
    print(f"{x:8.2f} | {' '.join(f'{float(v):6.3f}' for v in D_star_all[k])} | "
          f"{' '.join(f'{int(v):3d}' for v in n_rep[k])} | "
          f"{' '.join(f'{float(v):5.2f}' for v in D_all[k].sum(-1))}")
fig = geometry.plot_dimensions_per_feature(inv_density, D_star_all.T, labels=[f"run {r}" for r in RUNS],
                                           title=f"D* for n={n}, m={m}, three initialisations")
plt.show()

# %%
for r, name in enumerate(RUNS):
    plateau = inv_density[np.abs(D_star_all[:, r].numpy() - 0.5) < 0.04]
    print(f"run {name}: D* at S = 0: {float(D_star_all[0, r]):.3f}; "
          f"within 0.04 of 1/2 at 1/(1-S) = {', '.join(f'{x:.2f}' for x in plateau)}")
print("paper: sticky at 1 and 1/2; "
      "reference (n=200, m=20): 1.004 at S = 0, within 0.03 of 1/2 over 2.2 .. 3.2")
sums = D_all.sum(-1)
print(f"sum_i D_i ranges over {float(sums.min()):.2f} .. {float(sums.max()):.2f} for m = {m}"
      "   (paper: the D_i add up to m when packed efficiently; reference: within 0.2%)")


# %% [markdown]
# Reading the curve from dense to sparse: at $S = 0$ the model stores $m$ features, one dimension each
# ($D^* \approx 1$). As features get sparser, $D^*$ drops quickly and then **sticks at $1/2$**: the model
# stores $2m$ features as $m$ antipodal pairs over a range of sparsities, before dropping again as more
# complicated arrangements take over. The paper compares this stickiness to the fractional quantum Hall
# effect. All three runs show it, but where exactly the plateau sits moves by a grid point from run to run,
# and it is shorter here than with $m = 20$ or 30: with 6 dimensions there are few ways to split the space,
# so each arrangement covers fewer sparsities. (On the seeds we measured, every run had at least two
# neighbouring sparsities within 0.04 of $1/2$; within 0.03 some had only one.)
#
# ## 2. Feature dimensionality
#
# $D^*$ is an average. To see *how* each feature is stored, the paper defines the **feature
# dimensionality**
#
# $$D_i = \frac{\|W_i\|^2}{\sum_j \big(\hat W_i \cdot W_j\big)^2}, \qquad \hat W_i = \frac{W_i}{\|W_i\|},$$
#
# where the sum runs over **all** $j$, including $j = i$ (which contributes $\|W_i\|^2$). The numerator
# measures how much the feature is represented, the denominator how many features share its direction. A
# feature orthogonal to all others has $D_i = 1$; an antipodal pair has $D_i = 1/(1 + 1) = 1/2$; an
# unlearned feature has $D_i = 0$.
#
# **Polytopes.** Take $k$ unit vectors $u_1, \dots, u_k$ spanning a $d$-dimensional subspace and
# symmetric enough to be a *tight frame*, $\sum_j u_j u_j^\top = \frac{k}{d} P$ with $P$ the projector on the
# subspace (all regular polygons and the regular polytopes below are). Then for every $i$
#
# $$\sum_j (u_i \cdot u_j)^2 = u_i^\top\Big(\sum_j u_j u_j^\top\Big) u_i = \frac{k}{d}
# \quad\Longrightarrow\quad D_i = \frac{d}{k}.$$
#
# $k$ features sharing $d$ dimensions equally own $d/k$ of a dimension each. If the polytopes sit in mutually
# orthogonal subspaces (the paper calls this a *tegum product*), each block contributes $k \cdot d/k = d$, so
# $\sum_i D_i = m$ when the blocks fill the space.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: feature dimensionality
#
# Write `feature_dimensionality(W)` for a torch $W$ of shape $(m, n)$ returning the $n$ values $D_i$. Give
# features with $\|W_i\| < 10^{-6}$ the value 0 (unlearned; this also avoids dividing by zero).

# %% tags=["exercise"]
def feature_dimensionality(W):
    # W: (m, n) tensor, column i = feature i. Return D (n,).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
feature_dimensionality = adopt(check_feature_dimensionality, feature_dimensionality, solutions.lesson06.feature_dimensionality)


# %% [markdown] tags=["exercise"]
# ### Exercise 2: dimensions per feature
#
# Write `dimensions_per_feature(W)` returning the single number $D^* = m / \|W\|_F^2$ for a $W$ of shape
# $(m, n)$.

# %% tags=["exercise"]
def dimensions_per_feature(W):
    # W: (m, n) tensor. Return D* = m / ||W||_F^2 (one number).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
dimensions_per_feature = adopt(check_dimensions_per_feature, dimensions_per_feature, solutions.lesson06.dimensions_per_feature)

# %% [markdown]
# Now the ideal polytopes behind the paper's reference lines, and the talk's own pictures. `geometry`
# builds each polytope as a $d \times k$ matrix of unit columns; we measure $D_i$ with the `feature_dimensionality` adopted above:

# %%
print(f"{'polytope':17s} {'k':>2s} {'d':>2s} {'measured D_i (all k)':>21s} {'d/k':>5s}")
for name, (build, d, k) in geometry.POLYTOPES.items():
    Dp = feature_dimensionality(geometry.polytope(name))
    print(f"{name:17s} {k:2d} {d:2d} {float(Dp.min()):10.3f} .. {float(Dp.max()):.3f} {str(Fraction(d, k)):>5s}")
W_uni = theory.three_universities_W()
print(f"talk, three universities (lesson 02): D_i = {r3(feature_dimensionality(W_uni))}  (a triangle: 2/3)")
tegum = geometry.tegum(geometry.polytope("pentagon"), geometry.polytope("digon"),
                       geometry.polytope("square antiprism"))
print(f"tegum product pentagon + digon + square antiprism: W is {tuple(tegum.shape)}, "
      f"sum_i D_i = {float(feature_dimensionality(tegum).sum()):.3f} = m, "
      f"D* = {dimensions_per_feature(tegum):.3f}")
fig = geometry.plot_polytope_gallery()
plt.show()


# %% [markdown]
# The talk's 80%-sparsity picture (two antipodal pairs in the plane) therefore has $D_i = 1/2$ for its four
# represented features, and its 90% pentagon has $D_i = 2/5$. The tetrahedron ($3/4$) and square antiprism
# ($3/8$, two squares twisted by 45°) need three dimensions; the octahedron would be three orthogonal
# digons ($1/2$).

# %% [markdown] tags=["exercise"]
# ### Exercise 3: what does a regular $k$-gon give?
#
# Write `kgon_dimensionality(k)` that builds $k$ unit vectors at angles $2\pi j/k$ in the plane (a
# $2 \times k$ tensor) and returns their $D_i$ (use `feature_dimensionality` from exercise 1). Then look at the numbers
# for $k = 2, \dots, 8$ and guess the formula.

# %% tags=["exercise"]
def kgon_dimensionality(k):
    # Return the k values D_i of the regular k-gon (k unit vectors at angles 2 pi j / k).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
kgon_dimensionality = adopt(check_kgon_dimensionality, kgon_dimensionality, solutions.lesson06.kgon_dimensionality)

# %%
for k in range(2, 9):
    d = 1 if k == 2 else 2          # a digon spans a line, every other k-gon the plane
    print(f"k = {k}: D_i = {float(kgon_dimensionality(k)[0]):.3f}   d/k = {d}/{k} = {d / k:.3f}")

# %% [markdown]
# Every regular $k$-gon with $k \ge 3$ gives $2/k$: $k$ features share the 2 dimensions of their plane equally
# (a square is two orthogonal digons, $2/4 = 1/2$). The digon, $k = 2$, lives on a line: $1/2 = 1/2$ as well.
#
# ## 3. Which polytopes does the trained model use?
#
# Plot every represented feature's $D_i$ ($\|W_i\| > 0.5$) against $1/(1-S)$, with the reference lines at
# $d/k$ (run a). Clusters on a line suggest that the model uses that polytope.

# %%
LINES = {**geometry.FRACTIONS, **geometry.NOTEBOOK_FRACTIONS}    # the paper's fractions + the notebook's 2/7, 1/4
fig = geometry.plot_feature_dimensionality(inv_density, D, rep, fractions=LINES,
                                           title=f"D_i of represented features, n={n}, m={m}, run a")
plt.show()

# %% [markdown]
# A $D_i$ near $2/3$ does not prove a triangle: a feature inside a larger, irregular block can have any $D_i$.
# So we count a polytope only where it really is one: a connected component of the feature graph (section 4
# explains it) whose size and rank are the polytope's ($k$ points in $d$ dimensions) and whose mean $D_i$ is
# within 0.03 of $d/k$ (`geometry.polytope_clusters`). The table lists, for every run, how many features sit
# in each named polytope:

# %%
PAPER = {"tetrahedron": "3/4", "triangle": "2/3", "digon": "1/2", "pentagon": "2/5",
         "square antiprism": "3/8"}
found = [set() for _ in RUNS]
print(f"{'1/(1-S)':>7s} | " + " | ".join(f"run {r:35s}" for r in RUNS))
for k, x in enumerate(inv_density):
    cells = []
    for r in range(K):
        clusters = geometry.polytope_clusters(Ws[k, r])
        found[r] |= set(clusters)
        cells.append(", ".join(f"{c} {name}" for name, c in clusters.items()) or "-")
    print(f"{x:7.2f} | " + " | ".join(f"{c:39s}" for c in cells))
for r, name in enumerate(RUNS):
    yes = ", ".join(f"{p} ({f})" for p, f in PAPER.items() if p in found[r]) or "none"
    no = ", ".join(f"{p} ({f})" for p, f in PAPER.items() if p not in found[r]) or "none"
    print(f"run {name}: the paper's polytopes found: {yes} | not found: {no}")

# %% [markdown]
# As the features get sparser the models move through a sequence of arrangements: only antipodal pairs
# (digons, $1/2$) over the plateau, then pentagons ($2/5$) and square antiprisms ($3/8$) next to digons around
# $1/(1-S) \approx 4$ (every run has at least one of the two, though not always both), and beyond that one large
# block that no simple polytope describes; the $D_i$ figure shows its features drifting down towards the
# notebook's lines at $1/3$, $2/7$ and $1/4$ as more features crowd in. Triangles ($2/3$) are rare at $m = 6$:
# here one run has a single triangle, at $1/(1-S) = 1.78$ just below the plateau; any other $D_i$ near $2/3$
# in the figure belongs to an irregular block and is not counted. The tetrahedron's $3/4$ does not appear at
# all (nor did it in the reference replication's $n = 200$, $m = 20$ sweeps); section 6 finds it in a smaller
# setting. Note that there is no cluster at $1$ even in the dense regime: at $S = 0$ the model
# learns an arbitrary rotation of $m$ features, so the individual $\|W_i\|$ are not 0 or 1 (the paper's
# footnote) although $D^* \approx 1$.
#
# ## 4. Taking a trained $W$ apart
#
# The paper's claim behind the clusters: the features split into **orthogonal groups**, and each group is
# a polytope. Check it directly. Build the *feature graph* of one trained $W$: nodes are the represented
# features, edges join features with $|\cos(W_i, W_j)| > 0.2$. Each connected component is a candidate
# polytope; its size $k$ and the numerical rank $d$ of its columns tell which (`geometry.component_summary`).

# %%
for target in (3.16, 3.83, 4.64, 6.81):
    k = int(np.argmin(np.abs(inv_density - target)))
    print(f"1/(1-S) = {inv_density[k]:.2f}")
    for r, name in enumerate(RUNS):
        comps = geometry.component_summary(Ws[k, r], cos_threshold=0.2)
        listed = ", ".join(f"{c.name} ({c.size} pts, rank {c.rank}, mean D_i {c.mean_dimensionality:.3f})"
                           for c in comps[:4]) + (f", ... {len(comps) - 4} more" if len(comps) > 4 else "")
        print(f"   run {name}: {len(comps)} components, "
              f"sum of ranks {sum(c.rank for c in comps)} of m = {m}: {listed}")
print("reference (n=200, m=20): at 1/(1-S) = 3.98, 17 digons + 1 pentagon; "
      "at 4.66, 7 digons, 3 pentagons, one 8-point rank-3 component (square antiprism) and a 14-point block")

# %% [markdown]
# Each component's mean $D_i$ equals its rank over its size, $d/k$, and the ranks add up to $m$: the trained
# models really are tegum products of small regular polytopes, the paper's picture. Which polytopes share
# the six dimensions differs between runs at the same sparsity (two runs may use a pentagon and a square
# antiprism where the third uses a square antiprism and digons): several tegum products have almost the same
# loss, and the initialisation picks one. At the sparsest settings the components merge into one big block
# that this simple threshold does not split (the reference replication saw the same for the $1/3$, $2/7$ and
# $1/4$ clusters).
#
# Explore every sparsity with the widget: the slider picks a trained model of run a; the left panel is the histogram
# of its $D_i$, the right panel its $W^\top W$ restricted to represented features and **ordered by component**,
# so each polytope is a diagonal block (boxed). The readout lists the components it finds.

# %%
build_geometry_explorer(run)

# %% [markdown]
# ## 5. How many features fit? The compressed-sensing bound
#
# How many sparse features can $m$ dimensions hold at all? Compressed sensing answers a closely related
# question: a vector of $\mathbb{R}^n$ with at most $k$ non-zero entries can be recovered from $m$ linear
# measurements $h = Wx$ only if $m \gtrsim k \log(n/k)$, and random $W$ achieve it. The paper's appendix proves
# the toy-model version: if $x' = \mathrm{ReLU}(W^\top W x + b)$ recovers every $k$-sparse $x$ well, then
# $m = \Omega(k \log(n/k))$, up to a constant it does not fix. For features of density $p = 1 - S$ about
# $k = p\,n$ are active at once, so $m \sim p\,n \ln(1/p)$: the number of features per dimension can grow like
# $n/m \sim 1/(p \ln(1/p))$, linear in $m$ and faster the sparser the features.
#
# A trained model chooses how many features to store, $\|W\|_F^2 \approx m / D^*$ of them, so the scaling with
# constant 1 reads $D^* = p \ln(1/p)$ (`geometry.compressed_sensing_dimensions`). How do our three runs
# compare?

# %%
cs = geometry.compressed_sensing_dimensions(1 / inv_density)
print(f"{'1/(1-S)':>8s} {'p ln(1/p)':>10s} | {'D* / (p ln(1/p)), runs a, b, c':>30s}")
for k, x in enumerate(inv_density[1:], start=1):
    print(f"{x:8.2f} {cs[k]:10.3f} | {' '.join(f'{float(v) / cs[k]:6.2f}' for v in D_star_all[k])}")
sparse = inv_density >= 5.5
ratio = D_star_all[sparse].numpy() / cs[sparse, None]
print(f"for 1/(1-S) >= 5.5: D* / (p ln(1/p)) between {ratio.min():.2f} and {ratio.max():.2f} "
      "in all three runs")
fig = geometry.plot_dimensions_per_feature(inv_density, D_star_all.T, labels=[f"run {r}" for r in RUNS],
                                           compressed_sensing=True,
                                           title="D* against the compressed-sensing scaling")
plt.show()

# %% [markdown]
# In the sparse regime the trained models sit right on the compressed-sensing scaling, with a constant close
# to 1: they store about as many features as $m \approx k \ln(n/k)$ allows. Less sparse, they store fewer
# (the plateau at $1/2$ lies well above the dashed curve): there, too many features are active at once for
# the ReLU to filter their interference, and antipodal pairs are the better deal. Two caveats: the bound is
# stated up to an unknown constant, so "close to 1" is an observation about these models, not part of the
# theorem; and the theorem is about recovering every sparse input, while the toy model only minimises the
# average loss.
#
# ## 6. The tetrahedron and the triangular bipyramid
#
# The paper names the tetrahedron ($3/4$) among its clusters and says that non-uniform solutions of the
# Thomson problem (points on a sphere that repel) show up as **tegum products** of uniform ones: five points
# in three dimensions form a *triangular bipyramid*, a triangle in a plane plus an antipodal pair (digon) on
# the orthogonal axis, whose features have $D_i = 2/3$ (three of them) and $1/2$ (two), not the $3/5$ of a
# uniform five-point frame. Neither shows up in our $m = 6$ sweep, but both appear in the smallest models that
# can hold them: $n = 4$ and $n = 5$ features in $m = 3$ dimensions. Each point is the best of 10
# restarts, 3,000 steps at lr $3 \times 10^{-3}$ (a few seconds):

# %%
small_inv = np.array([1.2, 1.35, 1.5, 1.7, 2.0, 3.0])
for n_small in (4, 5):
    small = tmslab.train(n_small, 3, sparsity=1 - 1 / small_inv, importance=1.0, steps=3000, lr=3e-3,
                         n_seeds=10, seed=0, progress=False).best()
    print(f"n = {n_small} features in m = 3 dimensions (best of 10 restarts):")
    for k, x in enumerate(small_inv):
        clusters = geometry.polytope_clusters(small.W[k])
        named = " + ".join(f"{name} ({c} feature{'s' if c > 1 else ''})" for name, c in clusters.items())
        Dk = np.sort(metrics.feature_dimensionality(small.W[k]).numpy())[::-1]
        print(f"   1/(1-S) = {x:4.2f}: D_i = {r3(Dk)}  -> {named or 'no named polytope'}")

# %% [markdown]
# With four features, a **tetrahedron** (four points in three dimensions, mean $D_i = 3/4$; the individual
# $D_i$ scatter a little because it is not perfectly regular) wins from the dense side up to about
# $1/(1-S) = 1.5$; sparser, the model snaps to one antipodal pair plus two dedicated dimensions
# ($1/2, 1/2, 1, 1$), another first-order change. With five features, just before the same snap, the best model
# is the **triangular bipyramid**: three features at $2/3$ and two at $1/2$, a triangle and a digon in
# orthogonal subspaces, as the paper says. Slightly denser the five features share the three dimensions
# evenly instead ($D_i \approx 3/5$), and sparser they form two digons and one dedicated dimension. The sum of
# the $D_i$ is 3 in every case: the polytopes fill the space.

# %% [markdown]
# ## Summary
#
# * With $n \gg m$ identical features, $D^* = m/\|W\|_F^2$ falls from 1 (dense) as features get sparser and
#   **sticks at $1/2$** (antipodal pairs) over a range of sparsities.
# * The feature dimensionality $D_i = \|W_i\|^2 / \sum_j (\hat W_i \cdot W_j)^2$ is $d/k$ for $k$ features forming a
#   regular polytope in $d$ dimensions: digon $1/2$, triangle $2/3$, tetrahedron $3/4$, pentagon $2/5$, square
#   antiprism $3/8$, regular $k$-gon $2/k$.
# * Trained models cluster at these fractions; their features split into orthogonal components (a tegum
#   product of polytopes) whose ranks add up to $m$, so $\sum_i D_i \approx m$ at every sparsity.
# * The talk's pictures fit the same scheme: dedicated dimensions (1), antipodal pairs (1/2), the pentagon
#   (2/5), the universities' triangle (2/3).
# * Which polytopes a model uses at a given sparsity depends on its initialisation; the plateau, the digons on
#   it, pentagons or square antiprisms around $1/(1-S) \approx 4$ and $\sum_i D_i = m$ held in every run.
# * In the sparse regime the number of features stored follows the compressed-sensing scaling
#   $m \approx k \ln(n/k)$, i.e. $D^* \approx p \ln(1/p)$.
# * Small models show the tetrahedron ($4 \times 3/4$) and the triangular bipyramid ($3 \times 2/3 + 2 \times 1/2$,
#   a tegum product of a triangle and a digon).

# %% [markdown]
# ## Check your understanding
#
# 1. A trained model with $m = 6$ has $\|W\|_F^2 = 12$ and every represented feature has $D_i = 1/2$. What does
#    it look like?
# <details><summary>Answer</summary>
#
# $D^* = 6/12 = 1/2$: twelve unit-norm features in six antipodal pairs, one pair per dimension, the pairs
# mutually orthogonal (an octahedron-like tegum product of six digons).
# </details>
#
# 2. Why is $\sum_i D_i = m$ for a tegum product of polytopes that fills the space?
# <details><summary>Answer</summary>
#
# A polytope of $k$ features in its own $d$-dimensional subspace gives each of them $d/k$, so $d$ in total;
# the subspaces are orthogonal and their dimensions add up to $m$.
# </details>
#
# 3. Which $D_i$ does a regular hexagon give, and why is it less attractive than two triangles in orthogonal
#    planes for six features in four dimensions?
# <details><summary>Answer</summary>
#
# $2/6 = 1/3$, using 2 dimensions for 6 features. Two orthogonal triangles give $2/3$ each but use 4
# dimensions. Whether the model prefers one or the other depends on sparsity: the hexagon packs more features per
# dimension but has more (and larger positive) interference between neighbours at 60°, which costs loss
# unless the features are sparse enough.
# </details>
#
# 4. Why does $D_i$ include $j = i$ in its denominator, and what would an antipodal pair give without it?
# <details><summary>Answer</summary>
#
# So that an isolated feature gets $\|W_i\|^2 / \|W_i\|^2 = 1$ and $D_i$ is the *share* of a dimension. Without
# the $j = i$ term an antipodal pair would give $1/1 = 1$ and an isolated feature $\|W_i\|^2/0$: no longer a
# fraction of a dimension.
# </details>
#
# 5. At $S = 0$, $D^* \approx 1$ but the individual $D_i$ are not 1. Why?
# <details><summary>Answer</summary>
#
# With dense features the ReLU output model behaves like the linear one: it learns the best rank-$m$
# projection, and any rotation of it within the $m$-dimensional space is equally good. The represented
# "directions" are mixtures of many features with partial norms, so the per-feature $D_i$ are spread out,
# while $\|W\|_F^2 \approx m$ still gives $D^* \approx 1$.
# </details>
