# %% [markdown]
# # 02 · Three universities in two neurons
#
# The talk's worked example, computed live: three features (Clemson, Duke, NC State) squeezed into a
# two-neuron hidden layer. It is the smallest picture of superposition that still shows both of its
# costs, **interference** and **ambiguity**, and of why sparse features make them tolerable.
#
# **Learning goals.** After this lesson you can
#
# 1. build the embedding $W$ ($m \times n = 2 \times 3$) from feature directions and compute $h = Wx$;
# 2. read the **interference matrix** $W^\top W$ and compute the projection of one feature on another;
# 3. de-embed with $x' = W^\top h$ and explain the talk's two "Issues": interference (one active feature)
#    and ambiguity (several active features);
# 4. explain, and measure, why a ReLU with a bias filters interference when features are sparse;
# 5. compare the hand-built triangle with what gradient descent actually learns for 3 features in 2 dimensions.
#
# **Time:** about 35 minutes. **Prerequisites:** lessons 00-01 (notation $h = Wx$, sparsity $S$, importance
# $I_i$), dot products and matrix products.

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
from tmslab import metrics, phase, plots, theory
from tmslab import universities as uni
from tmslab import solutions
from tmslab.checks import adopt
from tmslab.checks.universities import check_de_embed, check_interference_matrix, check_relu_readout
from tmslab.widgets.universities import build_universities_panel, plot_readout

tmslab.setup_lesson(seed=0)


def r3(values):
    # rounded list for printing (adding 0.0 turns -0.0 into 0.0)
    return (np.round(np.asarray(values, dtype=float), 3) + 0.0).tolist()


# %% [markdown]
# ## 1. Three features, two neurons
#
# Suppose a model wants to track three features (is this text about Clemson, Duke or NC State?) but its
# hidden layer has only $m = 2$ neurons. Give every feature a direction in the hidden plane, 120° apart:
#
# $$v_1^{\text{Clemson}} = \left(\tfrac{\sqrt3}{2}, \tfrac12\right), \qquad
#   v_2^{\text{Duke}} = \left(-\tfrac{\sqrt3}{2}, \tfrac12\right), \qquad
#   v_3^{\text{NC State}} = (0, -1).$$
#
# Stacking them as **columns** gives the paper's embedding matrix ($W_i$ = column $i$ = feature $i$):
#
# $$W = \begin{pmatrix} \frac{\sqrt{3}}{2} & -\frac{\sqrt{3}}{2} & 0 \\ \frac{1}{2} & \frac{1}{2} & -1 \end{pmatrix},
# \qquad h = W x \in \mathbb{R}^2 \text{ for } x = (x_{\text{Clemson}}, x_{\text{Duke}}, x_{\text{NC State}}).$$
#
# `tmslab.theory.three_universities_W()` returns exactly this matrix (float64).

# %%
W = theory.three_universities_W()
clemson, duke, nc_state = W.T
for name, v in zip(theory.UNIVERSITIES, W.T):
    print(f"{name:9s} v = {r3(v)}   ||v|| = {float(v.norm()):.3f}")
cos = metrics.cosine_similarity(W)
print("angle Clemson-Duke, Duke-NC State, NC State-Clemson (degrees):",
      r3(np.degrees(np.arccos([cos[0, 1].item(), cos[1, 2].item(), cos[2, 0].item()]))))
print("v1 + v2 + v3 =", r3(W.sum(dim=1)))
fig = plots.plot_features_2d(W, labels=theory.UNIVERSITIES, title="Three universities, two neurons")
fig.axes[0].legend(fontsize=7, loc="lower left")
plt.show()

# %% [markdown]
# Three unit vectors at 120° that **sum to zero**: keep that last line in mind, it is the root of the
# ambiguity below. In two dimensions we cannot make three vectors even close to mutually orthogonal, so the
# features must share the neurons: each neuron responds to more than one university (it is *polysemantic*).
#
# ## 2. Quantifying interference
#
# How much does Duke look like Clemson? Project the Duke vector on the Clemson direction:
#
# $$\operatorname{proj}_C(D) = \underbrace{\left(\begin{pmatrix} -\frac{\sqrt{3}}{2} \\ \frac{1}{2} \end{pmatrix}
# \cdot \begin{pmatrix} \frac{\sqrt{3}}{2} \\ \frac{1}{2} \end{pmatrix}\right)}_{\text{dot product}}
# \underbrace{\begin{pmatrix} \frac{\sqrt{3}}{2} \\ \frac{1}{2} \end{pmatrix}}_{\text{direction}}
# = \left(-\tfrac34 + \tfrac14\right)\text{Clemson} = -0.5\ \text{Clemson}.$$
#
# Activating Duke therefore changes the *apparent* activation of Clemson.

# %%
terms = (duke * clemson).tolist()
print(f"dot product terms: {terms[0]:+.3f} {terms[1]:+.3f} = {sum(terms):+.3f}")
print(f"proj_C(D) = {theory.projection_coefficient(duke, clemson):+.3f} x Clemson")
print(f"proj_D(NC State) = {theory.projection_coefficient(nc_state, duke):+.3f} x Duke")


# %% [markdown]
# All pairwise overlaps are collected in one matrix. Entry $(i, j)$ of the **interference matrix**
#
# $$W^\top W = \big(W_i \cdot W_j\big)_{i,j} \in \mathbb{R}^{n \times n}$$
#
# is how strongly feature $j$ leaks into the read-out of feature $i$: the diagonal holds $\|W_i\|^2$, the
# off-diagonal entries are the interference. It is $n \times n$ (one row and column per *feature*), not
# $m \times m$.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: the interference matrix
#
# Write `interference(W)` that takes any $W$ of shape $(m, n)$ (a torch tensor) and returns $W^\top W$ of
# shape $(n, n)$. The check tries the universities and two random matrices.

# %% tags=["exercise"]
def interference(W):
    # W: (m, n) tensor, column i = feature i. Return W^T W, shape (n, n).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
interference = adopt(check_interference_matrix, interference, solutions.lesson02.interference)

# %% [markdown]
# For the universities every diagonal entry is 1 (unit vectors) and every off-diagonal entry is $-\tfrac12$.
# The paper's per-feature measures follow from the same overlaps: superposition
# $\sum_{j \ne i} (\hat W_i \cdot W_j)^2$ and feature dimensionality
# $D_i = \|W_i\|^2 / \sum_j (\hat W_i \cdot W_j)^2$. The paper (geometry section) says a triangle gives
# $D_i = 2/3$: each feature owns two thirds of a dimension.

# %%
WtW = interference(W)
print("W^T W =", r3(WtW))
print("same as tmslab.metrics.interference_matrix:", bool(torch.allclose(WtW, metrics.interference_matrix(W))))
eig = torch.linalg.eigvalsh(WtW)
print("eigenvalues of W^T W:", r3(eig), "-> rank", int((eig > 1e-9).sum()), "of 3: not invertible")
print("superposition per feature:", r3(metrics.superposition(W)))
D = metrics.feature_dimensionality(W)
print(f"feature dimensionality D_i: {r3(D)}   paper (triangle): 2/3 = {2 / 3:.3f}   "
      f"sum D_i = {float(D.sum()):.3f} (= m = 2)")
fig = plots.plot_interference(W, title="Interference matrix " + plots.WTW + " (universities)")
ax = fig.axes[0]
ax.set_xticks(range(3), theory.UNIVERSITIES, fontsize=7)
ax.set_yticks(range(3), theory.UNIVERSITIES, fontsize=7)
plt.show()

# %% [markdown]
# The paper's definition: a linear representation exhibits superposition exactly when $W^\top W$ is
# **not invertible**. Here its rank is 2: one direction of feature space, $(1, 1, 1)$, is lost completely.
#
# ## 3. Issue 1: interference (one active feature)
#
# The talk's first issue: *even if only one sparse feature is active, using linear dot-product projection on
# the superposition leads to interference, which the model must tolerate or filter.*
#
# The general read-out of the linear model is $x' = W^\top h = W^\top W x$, feature by feature
#
# $$x'_i = \|W_i\|^2 x_i + \sum_{j \ne i} (W_i \cdot W_j)\, x_j
# \quad\overset{\text{universities}}{=}\quad x_i - \tfrac12 \sum_{j \ne i} x_j .$$
#
# With a single active feature the other two read $-\tfrac12$ of it: the interference is **negative**. A ReLU
# read-out $x' = \operatorname{ReLU}(W^\top W x + b)$ clips negative values to 0, so the lone feature comes
# back exactly with $b = 0$. The paper's trained models use a small *negative* bias as a safety margin
# (useful when some interference is positive, as in a pentagon); here it only costs $|b|$ on the active feature.

# %%
print(f"{'active alone at 0.9':20s} {'W^T W x':>22s} {'ReLU(.. + 0)':>20s} {'ReLU(.. - 0.1)':>20s}")
for i, name in enumerate(theory.UNIVERSITIES):
    x = torch.zeros(3, dtype=torch.float64)
    x[i] = 0.9
    h = theory.embed(W, x)
    linear = theory.recover(W, h)
    relu0 = theory.recover(W, h, b=torch.zeros(3), relu=True)
    relu_neg = theory.recover(W, h, b=torch.full((3,), -0.1), relu=True)
    print(f"{name:20s} {str(r3(linear)):>22s} {str(r3(relu0)):>20s} {str(r3(relu_neg)):>20s}")

# %% [markdown]
# ## 4. Issue 2: ambiguity (several active features)
#
# The second issue: *if the features aren't as sparse as the superposition expects, multiple present features
# can additively interfere, so that there are multiple possible reconstructions of an activation vector.*
#
# Activate Clemson and Duke both at 0.9:
#
# $$h = W x = \begin{pmatrix} \frac{\sqrt{3}}{2} & -\frac{\sqrt{3}}{2} & 0 \\ \frac{1}{2} & \frac{1}{2} & -1 \end{pmatrix}
# \begin{pmatrix} 0.9 \\ 0.9 \\ 0 \end{pmatrix} = \begin{pmatrix} 0 \\ 0.9 \end{pmatrix},
# \qquad h \cdot v_3 = \begin{pmatrix} 0 \\ 0.9 \end{pmatrix} \cdot \begin{pmatrix} 0 \\ -1 \end{pmatrix} = -0.9 .$$
#
# The horizontal parts of Clemson and Duke cancel, and the NC State channel sees a signal of $-0.9$ although
# NC State is absent.

# %%
x_cd = torch.tensor([0.9, 0.9, 0.0], dtype=torch.float64)
h = theory.embed(W, x_cd)
print("h = W x =", r3(h))
print(f"NC State reads h . v3 = {float(h @ nc_state):+.3f}")


# %% [markdown] tags=["exercise"]
# ### Exercise 2: de-embedding
#
# To read every feature at once, take the dot product of $h$ with every feature direction: the rows of
# $W^\top$ are the feature vectors, so
#
# $$x' = W^\top h .$$
#
# Write `de_embed(W, h)` for any $W$ of shape $(m, n)$ and $h$ of shape $(m,)$, returning $x'$ of shape $(n,)$.

# %% tags=["exercise"]
def de_embed(W, h):
    # W: (m, n), h: (m,). Return x' = W^T h, shape (n,).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
de_embed = adopt(check_de_embed, de_embed, solutions.lesson02.de_embed)

# %% [markdown]
# Apply it to the talk's ambiguous $h$:
#
# $$\begin{bmatrix} x'_{\text{Clemson}} \\ x'_{\text{Duke}} \\ x'_{\text{NC State}} \end{bmatrix}
# = \underbrace{\begin{bmatrix} \frac{\sqrt{3}}{2} & \frac{1}{2} \\ -\frac{\sqrt{3}}{2} & \frac{1}{2} \\ 0 & -1 \end{bmatrix}}_{W^\top \text{ (feature rows)}}
# \underbrace{\begin{bmatrix} 0 \\ 0.9 \end{bmatrix}}_{h}
# = \begin{bmatrix} 0.45 \\ 0.45 \\ -0.9 \end{bmatrix}$$

# %%
x_rec = de_embed(W, h)
print("x' = W^T h =", r3(x_rec), " (input was", r3(x_cd), ")")
print(f"Clemson and Duke come back at {x_rec[0].item():.2f}: each loses half of its 0.9 to the other "
      f"(-0.5 x {x_cd[1].item():.1f} = {-0.5 * x_cd[1].item():+.2f})")
z = uni.null_space(W)[:, 0]
print("null space of W (direction with W z = 0):", r3(z))
x_other = x_cd + 0.1 * torch.ones(3, dtype=torch.float64)
print(f"x = {r3(x_cd)} gives h = {r3(theory.embed(W, x_cd))}; "
      f"x = {r3(x_other)} gives h = {r3(theory.embed(W, x_other))}")
fig = plot_readout(x_cd, b=0.0, title="Clemson = Duke = 0.9: h = (0, 0.9) and its read-outs")
plt.show()


# %% [markdown]
# **We now have no idea what features were really present.** The hidden vector $h = (0, 0.9)$ is produced
# by "Clemson and Duke at 0.9" but also by "Clemson and Duke at 1.0 plus a little NC State", because adding
# any multiple of $(1, 1, 1)$ (the null space of $W$) does not change $h$. The linear read-out halves the true
# features and invents a $-0.9$ NC State; a ReLU removes the $-0.9$ but cannot undo the halving. The talk's
# diagnosis: *a problem due to not having sparsity.*

# %% [markdown] tags=["exercise"]
# ### Exercise 3 (optional): a ReLU read-out with a bias
#
# The paper's ReLU output model reads features as $x' = \operatorname{ReLU}(W^\top h + b)$ with a bias
# vector $b \in \mathbb{R}^n$. Write `relu_readout(W, h, b)` (shapes $(m, n)$, $(m,)$, $(n,)$; returns $(n,)$).

# %% tags=["exercise"]
def relu_readout(W, h, b):
    # W: (m, n), h: (m,), b: (n,). Return ReLU(W^T h + b), shape (n,).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
relu_readout = adopt(check_relu_readout, relu_readout, solutions.lesson02.relu_readout)

# %%
b_small = torch.full((3,), -0.1, dtype=torch.float64)
h_lone = theory.embed(W, torch.tensor([0.9, 0.0, 0.0], dtype=torch.float64))
print("Clemson alone at 0.9 -> ReLU(W^T h - 0.1) =", r3(relu_readout(W, h_lone, b_small)))
print("Clemson + Duke at 0.9 -> ReLU(W^T h - 0.1) =", r3(relu_readout(W, h, b_small)))

# %% [markdown]
# With one active feature the ReLU read-out is exact up to the bias; with two it stays wrong.
#
# ## 5. Try it: the universities widget
#
# Move the three activations and the bias. The table shows $h = Wx$, the linear de-embedding $W^\top h$ and
# the ReLU read-out $\operatorname{ReLU}(W^\top h + b)$; the left picture shows $h$ among the feature arrows.
#
# * Put a **single** university at any value with $b = 0$: the ReLU read-out is exact.
# * Add a **second** university: both are under-read by half of the other, the third goes negative.
# * Set all three equal: $h = 0$, every feature reads 0. Which inputs can you not tell apart from $x = 0$?
# * Make $b$ positive: features that are off start leaking through. Make it very negative: everything is off.

# %%
build_universities_panel(clemson=0.9, duke=0.9, nc_state=0.0, bias=0.0)

# %% [markdown]
# ## 6. Why sparsity makes superposition tolerable: counting active features
#
# With the ReLU read-out and $b = 0$, a wrong answer needs **at least two** active features. For two active
# features with values $x, y \sim U[0, 1]$ the universities read $\operatorname{ReLU}(x - y/2)$ and
# $\operatorname{ReLU}(y - x/2)$, so each loses $\min(x, y/2)$, and
#
# $$\mathbb{E}\big[\min(x, y/2)^2\big] = \int_0^1 \Big(\tfrac{y^2}{4} - \tfrac{2}{3}\tfrac{y^3}{8}\Big)\,dy
# = \tfrac1{12} - \tfrac1{48} = \tfrac1{16}.$$
#
# Averaged over the 3 features, the error per input with two active features is $2 \cdot \tfrac1{16} / 3 =
# \tfrac1{24} \approx 0.0417$. The linear read-out is wrong already with one active feature: two features read
# $-x/2$, error $2 \cdot \tfrac14 \cdot \mathbb E[x^2] / 3 = \tfrac1{18} \approx 0.0556$.
#
# Below we measure the mean squared error (mean over samples and features, importance 1) on 100,000 random
# inputs with exactly $k$ active features, using `tmslab.models.forward` and `weighted_mse`.

# %%
zero_b, neg_b = torch.zeros(3), torch.full((3,), -0.1)
by_k = {
    "linear  W^T W x": uni.error_by_active_count(W, zero_b, ks=(1, 2, 3), readout="linear"),
    "ReLU(W^T W x)": uni.error_by_active_count(W, zero_b, ks=(1, 2, 3)),
    "ReLU(W^T W x - 0.1)": uni.error_by_active_count(W, neg_b, ks=(1, 2, 3)),
}
print(f"{'read-out':22s} {'k=1 active':>11s} {'k=2 active':>11s} {'k=3 active':>11s}")
for name, errs in by_k.items():
    print(f"{name:22s} " + " ".join(f"{e:11.4f}" for e in errs))
print(f"exact: linear k=1: 1/18 = {1 / 18:.4f} | ReLU k=1: 0 | ReLU k=2: 1/24 = {1 / 24:.4f} | "
      f"ReLU(-0.1) k=1: {(0.1 ** 3 / 3 + 0.01 * 0.9) / 3:.4f}")

# %% [markdown]
# Now the paper's data: every feature is 0 with probability $S$ and $U[0, 1]$ otherwise. With density
# $p = 1 - S$, two features are active together with probability $\approx 3p^2$ while the signal itself
# scales like $p$ ($\mathbb E[x_i^2] = p/3$). So the **relative** error of the ReLU read-out should shrink
# roughly in proportion to $p$ as features get sparser, while the linear read-out's relative error cannot
# fall below $1/2$: a lone feature $x$ already costs it $2 \cdot x^2/4$, half of the $x^2$ that answering 0
# would cost. As a yardstick without superposition, give Clemson and Duke one
# neuron each, drop NC State and set its bias to its mean $p/2$; the paper's closed form for a dropped
# feature is $p/3 - p^2/4$ per sample (summed over features), i.e. divided by 3 here.

# %%
S_grid = np.array([0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99])
p_grid = 1 - S_grid
W_ded, _ = uni.dedicated_solution(3, 2, 0.0)
b_ded = np.stack([uni.dedicated_solution(3, 2, s)[1].numpy() for s in S_grid])
N = 200_000
sweep = {
    "triangle, linear": uni.error_vs_sparsity(W, 0.0, S_grid, readout="linear", n_samples=N),
    "triangle, ReLU (b = 0)": uni.error_vs_sparsity(W, 0.0, S_grid, n_samples=N),
    "2 dedicated + bias (no superposition)": uni.error_vs_sparsity(W_ded, b_ded, S_grid, n_samples=N),
}
yard = uni.zero_readout_error(S_grid)
relative = {name: err / yard for name, err in sweep.items()}
theory_ded = theory.phase_losses_2_in_1(1.0, p_grid)["dedicated"] / 3
print(f"{'S':>5s} {'tri linear':>11s} {'tri ReLU':>9s} {'dedicated':>10s} | dedicated loss: measured  paper formula")
for k, s in enumerate(S_grid):
    rel = [relative[name][k] for name in sweep]
    print(f"{s:5.2f} {rel[0]:11.3f} {rel[1]:9.3f} {rel[2]:10.3f} | "
          f"{sweep['2 dedicated + bias (no superposition)'][k]:16.5f} {theory_ded[k]:13.5f}")
fig = uni.plot_error_vs_density(p_grid, relative, title="Fixed universities W: relative error vs density")
plt.show()

# %%
rel_relu = relative["triangle, ReLU (b = 0)"]
rel_lin, rel_ded = relative["triangle, linear"], relative["2 dedicated + bias (no superposition)"]
print(f"triangle + ReLU: relative error {rel_relu[0]:.3f} at S = 0 -> {rel_relu[-1]:.4f} at S = 0.99 "
      f"(shrinks {rel_relu[0] / rel_relu[-1]:.0f}x)")
print(f"triangle + linear read-out: {rel_lin[0]:.3f} -> {rel_lin[-1]:.3f} (never below {rel_lin.min():.3f})")
first = S_grid[np.argmax(rel_relu < rel_ded)]
print(f"triangle + ReLU beats 'no superposition' from S = {first:.2f} on "
      f"(at S = 0.99: {rel_relu[-1]:.4f} vs {rel_ded[-1]:.3f})")

# %% [markdown]
# This is the talk's conclusion in numbers: *as sparsity increases, more features can be stored in
# superposition and the ambiguous effects are mitigated.* Dense data favour giving the two neurons to two
# features; sparse data favour packing all three, because the ReLU turns the interference of a lone feature
# into zero error and collisions become rare.
#
# ## 7. Does gradient descent build the triangle?
#
# The triangle is a hand-made illustration. Train the paper's ReLU output model
# $x' = \operatorname{ReLU}(W^\top W x + b)$ on three equally important features ($I_i = 1$) in $m = 2$
# dimensions at $S = 0.9$ and look at what it learns (best of 6 restarts, the notebook's recipe: AdamW,
# lr $10^{-3}$, batch 1024, 10,000 steps).
#
# Besides each restart's loss on fresh samples (`final_loss`, all restarts scored on the same samples), we
# print its gap to the best restart with the gap's standard error (`run.restart_gaps()`), and its **exact**
# expected loss: `phase.expected_loss` integrates the model's loss over the data distribution numerically,
# with no sampling noise (lesson 05 uses it to compare solutions).

# %%
run = tmslab.train(3, 2, model="relu_output", sparsity=0.9, importance=np.ones(3), n_seeds=6, seed=0,
                    progress=False)
best = run.best()
W_learned, b_learned = best.W[0], best.b[0]
print("best restart: ||W_i||:", r3(metrics.feature_norms(W_learned)), "  b:", r3(b_learned))
print("angular gaps (degrees):", np.round(metrics.angular_gaps(W_learned).numpy(), 0).tolist())
print("feature dimensionality D_i:", r3(metrics.feature_dimensionality(W_learned)))
W_anti = uni.antipodal_pair_solution()
gaps, gap_se = run.restart_gaps()
exact = phase.expected_loss(run.W, run.b, 0.1, np.ones(3)) / 3     # mean over the 3 features, like final_loss
print(f"{'restart':>7s} {'sampled loss':>12s} {'gap to best +- s.e.':>22s} {'exact loss':>10s}  D_i, own dimension")
for r in range(run.n_instances):
    D_r = metrics.feature_dimensionality(run.W[r])
    print(f"{r:7d} {run.final_loss[r].item():12.6f} {gaps[0, r].item():+11.6f} +- {gap_se[0, r].item():.6f} "
          f"{exact[r]:10.6f}  {r3(D_r)} {theory.UNIVERSITIES[int(D_r.argmax())]}")
nonzero = gap_se[0] > 0
print(f"largest gap / its standard error: {float((gaps[0, nonzero] / gap_se[0, nonzero]).max()):.1f}")
print(f"exact losses {exact.min():.6f} .. {exact.max():.6f}: {100 * (exact.max() - exact.min()) / exact.min():.2f}% "
      f"apart; sampled losses {100 * float(gaps.max() / run.final_loss.min()):.1f}% apart")
fig = plots.plot_features_2d_row([W, W_anti, W_learned],
                                 ["universities triangle", "antipodal pair + dedicated",
                                  "learned, best of 6 (S = 0.9)"], labels=theory.UNIVERSITIES)
plt.show()

# %% [markdown]
# The trained model does **not** build the triangle: in every restart it puts two features in an antipodal
# pair ($D_i = 1/2$) and gives the third a dimension of its own ($D_i = 1$); only *which* university gets the
# dimension changes from restart to restart. That choice costs nothing: the three features are
# interchangeable, and the exact losses of the restarts agree to a fraction of a per cent. The sampled losses
# differ by more, because each pairing loses on the samples where *its* pair is active together, and
# different pairs collide on different samples; no gap is large against its standard error. So which
# restart `best()` keeps, and which university ends up with its own dimension in the picture, is decided by
# the evaluation's noise (another `seed` may give another university). The paper's
# $n = 3, m = 2$ analysis lists this solution ("$W \perp [1, 1, 0]$") with expected loss $p^2/3$ per
# sample (summed over features), and deliberately leaves the triangle out. Why does it win? Per collision of
# two active features the antipodal pair loses $2\,\mathbb E[\min(x, y)^2] = 1/3$, but only one of the three
# pairs collides; the triangle loses $2 \cdot \tfrac1{16} = \tfrac18$ for **every** pair. Averaged over pairs:
# $\tfrac19 < \tfrac18$. Scored on the same samples:

# %%
S_check = [0.9]
scores = {
    "universities triangle, ReLU b = 0": uni.error_vs_sparsity(W, 0.0, S_check, n_samples=N)[0],
    "antipodal pair + dedicated, b = 0": uni.error_vs_sparsity(W_anti, 0.0, S_check, n_samples=N)[0],
    "learned model (its own b)": uni.error_vs_sparsity(W_learned, b_learned, S_check, n_samples=N)[0],
}
for name, loss in scores.items():
    print(f"{name:36s} loss {loss:.6f}")
p = 0.1
print(f"paper E4b formula for the antipodal solution: p^2/3 per sample / 3 features = {p ** 2 / 9:.6f}")
print(f"leading order for the triangle: 3 pairs x p^2 x 1/8 / 3 features = {p ** 2 / 8:.6f} "
      f"(plus rarer 3-feature events)")
print("learned model closer to the antipodal pair than to the triangle:",
      bool(abs(scores["learned model (its own b)"] - scores["antipodal pair + dedicated, b = 0"])
           < abs(scores["learned model (its own b)"] - scores["universities triangle, ReLU b = 0"])))

# %% [markdown]
# So the triangle is a fine picture of *how* superposition works, not the optimum for three equal features in
# two dimensions. Triangles do appear in trained models when many features share many dimensions: the
# paper's geometry section finds features with $D_i = 2/3$ inside larger models (lesson on geometry).
#
# ## Summary
#
# * Features are directions $W_i$ (columns of $W$); the hidden vector is $h = Wx$; the linear read-out is
#   $x' = W^\top h = W^\top W x$. Entry $(i, j)$ of the **interference matrix** $W^\top W$ is $W_i \cdot W_j$.
# * Three universities at 120° in two neurons: $W^\top W$ has 1 on the diagonal and $-\tfrac12$ elsewhere;
#   $\operatorname{proj}_C(D) = -0.5$ Clemson; $D_i = 2/3$; rank 2, so $W^\top W$ is not invertible.
# * **Issue 1, interference:** one active feature leaks $-\tfrac12$ of itself into the others. It is negative,
#   so $\operatorname{ReLU}(W^\top W x + b)$ with $b \le 0$ filters it (exact with $b = 0$).
# * **Issue 2, ambiguity:** Clemson = Duke = 0.9 gives $h = (0, 0.9)$, NC State reads $-0.9$ and
#   $x' = (0.45, 0.45, -0.9)$; $x$ and $x + t(1,1,1)$ give the same $h$.
# * Errors with a ReLU need two active features, so the relative error falls roughly like the density:
#   measured here from about 0.5 when dense to below 0.01 at $S = 0.99$, while the linear read-out never
#   gets below 0.5. Sparse enough, superposition beats giving neurons to only two features.
# * A trained 3-in-2 ReLU model prefers an antipodal pair plus a dedicated feature to the triangle.
#
# ## Check your understanding
#
# 1. Only Duke is active, at 0.6. What do $W^\top h$ and $\operatorname{ReLU}(W^\top h)$ give?
# <details><summary>Answer</summary>
#
# $h = 0.6\, v_2$, so $W^\top h = 0.6\,(W^\top W)_{:,2} = (-0.3, 0.6, -0.3)$; the ReLU clips the negative
# interference: $(0, 0.6, 0)$, exact.
# </details>
#
# 2. Why is $W^\top W$ ($3 \times 3$) not invertible, and what does that mean for reading features from $h$?
# <details><summary>Answer</summary>
#
# $W^\top W$ is $3 \times 3$ but has rank at most $m = 2 < n = 3$. The three directions sum to zero, so $W(1,1,1)^\top = 0$:
# $x$ and $x + t(1,1,1)$ give the same $h$ and no read-out, linear or not, can tell them apart. The paper
# calls a representation with non-invertible $W^\top W$ "in superposition".
# </details>
#
# 3. Someone computes `W @ W.T` and gets the $2 \times 2$ identity times 1.5. Is that the interference matrix?
# <details><summary>Answer</summary>
#
# No. $W W^\top$ ($m \times m$) compares the two *neurons*; interference is between *features*, entries of the
# $n \times n$ matrix $W^\top W$. ($WW^\top = \tfrac32 I$ says the three directions form a tight frame.)
# </details>
#
# 4. Why does a negative bias only cost here, while the paper's pentagon models learn one?
# <details><summary>Answer</summary>
#
# Every off-diagonal entry of this $W^\top W$ is negative, so a lone feature never pushes another read-out above
# 0 and $b = 0$ already filters it; a bias $b < 0$ then only shrinks the active feature by $|b|$. In a pentagon
# neighbouring features overlap positively ($\cos 72° > 0$), so a negative bias is needed to keep that positive
# interference below 0, and the model grows $\|W_i\|$ so that $\|W_i\|^2 + b_i \approx 1$.
# </details>
#
# 5. The relative error of $\operatorname{ReLU}(W^\top W x)$ at $S = 0.99$ was over 100 times smaller than at
# $S = 0$ in section 6. Why does the linear read-out not improve in the same way?
# <details><summary>Answer</summary>
#
# The ReLU read-out is exact for a single active feature, so its error comes from collisions (probability
# $\propto p^2$) while the signal scales like $p$: the ratio falls like $p$. The linear read-out already errs on
# a single active feature ($-x/2$ on two others), an error proportional to $p$, the same order as the signal.
# </details>
#
# 6. For three equal features in two dimensions, why does the trained model prefer an antipodal pair plus a
# dedicated dimension to the triangle?
# <details><summary>Answer</summary>
#
# Both are exact for one active feature. For two active features the antipodal pair costs $1/3$ but only for
# one of the three pairs ($1/9$ on average), the triangle costs $1/8$ for every pair. The pair wins by about
# 11%, which the measured losses reflect.
# </details>
