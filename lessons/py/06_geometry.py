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
#    that the dimensionalities add up to $m$.
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
# CPU per sweep here (the reference replication, [references, E5](../docs/references.md#e5): 728 s). We use $n = 60$ features in $m = 6$ dimensions,
# 13 sparsities with $1/(1-S)$ log-spaced from 1 to 10, and **1,000 steps at lr $6 \times 10^{-3}$** (AdamW,
# batch 1024, one initialisation per sparsity). While writing the lesson we checked that $n = 100$, $m = 10$ at
# 5,000 steps and lr $10^{-3}$ shows the same clusters and plateau at about ten times the cost. $n = 60$ is
# still much larger than the number of features the model represents (at most 22 here).
#
# The first measure is the **dimensions per feature**
#
# $$D^* = \frac{m}{\|W\|_F^2}, \qquad \|W\|_F^2 = \sum_i \|W_i\|^2 \approx \#\{\text{represented features}\},$$
#
# since a represented feature has $\|W_i\| \approx 1$ and an ignored one $\approx 0$. $D^* = 1$: one dimension per
# feature, no superposition; $D^* = 1/2$: two features per dimension.

# %%
n, m = 60, 6
inv_density = np.logspace(0, 1, 13)                 # 1/(1-S) from 1 (dense) to 10
run = tmslab.train(n, m, sparsity=1 - 1 / inv_density, importance=1.0, steps=1000, lr=6e-3, seed=0,
                   progress=False)
D = metrics.feature_dimensionality(run.W)           # (13, n)
D_star = metrics.dimensions_per_feature(run.W)      # (13,)
frob = (run.W**2).sum(dim=(1, 2))
rep = metrics.represented(run.W)                    # ||W_i|| > 0.5
print(f"{'1/(1-S)':>8s} {'D*':>6s} {'||W||_F^2':>9s} {'#repr':>5s} {'sum_i D_i':>9s}")
for k, x in enumerate(inv_density):
    print(f"{x:8.2f} {float(D_star[k]):6.3f} {float(frob[k]):9.2f} {int(rep[k].sum()):5d} {float(D[k].sum()):9.2f}")
fig = geometry.plot_dimensions_per_feature(inv_density, D_star, title=f"D* for n={n}, m={m}")
plt.show()

# %%
plateau = inv_density[np.abs(D_star.numpy() - 0.5) < 0.03]
print(f"D* at S = 0: {float(D_star[0]):.3f}   (paper: sticky at 1; reference: 1.004)")
print(f"D* within 0.03 of 1/2 at 1/(1-S) = {', '.join(f'{x:.2f}' for x in plateau)}"
      "   (reference, n=200, m=20: 2.2 .. 3.2)")
print(f"sum_i D_i ranges over {float(D.sum(1).min()):.2f} .. {float(D.sum(1).max()):.2f} for m = {m}"
      "   (paper: the D_i add up to m when packed efficiently; reference: within 0.2%)")


# %% [markdown]
# Reading the curve from dense to sparse: at $S = 0$ the model stores $m$ features, one dimension each
# ($D^* \approx 1$). As features get sparser, $D^*$ drops quickly and then **sticks at $1/2$**: the model
# stores $2m$ features as $m$ antipodal pairs over a range of sparsities, before dropping again as more
# complicated arrangements take over. The paper compares this stickiness to the fractional quantum Hall
# effect. The plateau is shorter here than with $m = 20$ or 30: with 6 dimensions there are few ways to
# split the space, so each arrangement covers fewer sparsities.
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
# $d/k$. Clusters on a line mean the model uses that polytope.

# %%
LINES = {**geometry.FRACTIONS, **geometry.NOTEBOOK_FRACTIONS}    # the paper's fractions + the notebook's 2/7, 1/4
fig = geometry.plot_feature_dimensionality(inv_density, D, rep, fractions=LINES,
                                           title=f"D_i of represented features, n={n}, m={m}")
plt.show()
FRACS = list(LINES)
found = set()
print("represented features within 0.02 of each fraction:")
for k, x in enumerate(inv_density):
    clusters = geometry.dimensionality_clusters(D[k][rep[k]], fractions=FRACS)
    found |= set(clusters)
    listed = ", ".join(f"{c} at {f}" for f, c in clusters.items()) or "none"
    print(f"  1/(1-S) = {x:5.2f} ({int(rep[k].sum()):2d} represented): {listed}")
paper = [Fraction(3, 4), Fraction(2, 3), Fraction(1, 2), Fraction(2, 5), Fraction(3, 8)]
print("paper's clusters 3/4, 2/3, 1/2, 2/5, 3/8 -> found here:",
      ", ".join(str(f) for f in paper if f in found), "| not found:",
      ", ".join(str(f) for f in paper if f not in found) or "none")

# %% [markdown]
# As the features get sparser the model moves through a sequence of arrangements, each visible as a
# cluster: a couple of features at $2/3$ (triangle-like) just below the dense regime, then only antipodal
# pairs ($1/2$) over the plateau, then pentagons ($2/5$) and square antiprisms ($3/8$) side by side, and then
# ever smaller fractions ($1/3$, $2/7$, $1/4$) as more features crowd in. The paper's text names $3/4$, $2/3$,
# $1/2$, $2/5$ and $3/8$; we find four of them. Like the reference replication ($n = 200$, $m = 20$) we do not
# see the tetrahedron's $3/4$ (the paper's larger $n = 400$, $m = 30$ models do). The official notebook also
# draws lines at $2/7$ (heptagon) and $1/4$ (octagon or icosahedron), where our sparsest models cluster. Note that there is no cluster at $1$ even in the dense regime: at
# $S = 0$ the model learns an arbitrary rotation of $m$ features, so the individual $\|W_i\|$ are not 0 or 1
# (the paper's footnote) although $D^* \approx 1$.
#
# ## 4. Taking a trained $W$ apart
#
# The paper's claim behind the clusters: the features split into **orthogonal groups**, and each group is
# a polytope. Check it directly. Build the *feature graph* of one trained $W$: nodes are the represented
# features, edges join features with $|\cos(W_i, W_j)| > 0.2$. Each connected component is a candidate
# polytope; its size $k$ and the numerical rank $d$ of its columns tell which (`geometry.component_summary`).

# %%
for target in (1.78, 3.16, 4.64):
    k = int(np.argmin(np.abs(inv_density - target)))
    comps = geometry.component_summary(run.W[k], cos_threshold=0.2)
    print(f"1/(1-S) = {inv_density[k]:.2f}: {len(comps)} components, "
          f"dimensions used = sum of ranks = {sum(c.rank for c in comps)} of m = {m}")
    for c in comps:
        print(f"   {c.size} feature{'s' if c.size > 1 else ''}, rank {c.rank}, mean D_i = {c.mean_dimensionality:.3f} "
              f"(d/k = {c.rank}/{c.size} = {c.rank / c.size:.3f}): {c.name}")
print("reference (n=200, m=20): at 1/(1-S) = 3.98, 17 digons + 1 pentagon; "
      "at 4.66, 7 digons, 3 pentagons, one 8-point rank-3 component (square antiprism) and a 14-point block")

# %% [markdown]
# Each component's mean $D_i$ equals its rank over its size, $d/k$, and at $1/(1-S) = 3.16$ and $4.64$ the
# ranks add up to $m$: the trained model really is a tegum product of small regular polytopes (at 4.64 a
# square antiprism, a pentagon and a digon: $3 + 2 + 1 = 6$ dimensions), exactly the paper's picture. The
# exception is instructive: at 1.78 one lone feature has $D_i \approx 0.73$, not 1, because it still overlaps
# weakly (below the 0.2 threshold) with other, barely represented features that share the sixth dimension. At the sparsest
# settings the components merge into one big block that this simple threshold does not split (the
# reference replication saw the same for the $1/3$, $2/7$ and $1/4$ clusters).
#
# Explore every sparsity with the widget: the slider picks a trained model; the left panel is the histogram
# of its $D_i$, the right panel its $W^\top W$ restricted to represented features and **ordered by component**,
# so each polytope is a diagonal block (boxed). The readout lists the components it finds.

# %%
build_geometry_explorer(run)

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
