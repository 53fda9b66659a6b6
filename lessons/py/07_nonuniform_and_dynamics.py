# %% [markdown]
# # 07 · Non-uniform superposition and learning dynamics
#
# So far every feature has been drawn independently, with one sparsity for all. Real features are not like
# that: some co-occur (correlated), some exclude each other (anti-correlated), some are rarer than others.
# The paper's section *Non-uniform superposition* asks how the geometry reacts, and its section *Learning
# dynamics* watches the geometry form during training. This lesson trains every model it talks about.
#
# **Learning goals.** After this lesson you can
#
# 1. define correlated and anti-correlated feature sets and predict where a model puts them: correlated pairs
#    **orthogonal**, anti-correlated pairs **antipodal**, and say why only best-of-$K$ finds the latter (the
#    initial weights decide it);
# 2. see correlated sets get **local orthogonal bases**, and correlated pairs **collapse onto their principal
#    component** when the dimensions run short;
# 3. measure how the density of one feature deforms the pentagon, find the **critical density** where the
#    pentagon snaps to two digons (a first-order phase change), and compare it with the paper's "~2.5x";
# 4. compute angular gaps and detect antipodal pairs in a 2-D embedding;
# 5. follow the feature dimensionalities $D_i$ through training, detect **jumps between plateaus** and
#    test whether they come with drops of the loss against a fair baseline (quiet stretches of training).
#
# **Time:** about 50 minutes (the code trains 190 small models, most with the paper's recipe of 10,000 steps;
# under a minute on two cores).
# **Prerequisites:** lessons 02-06 (the ReLU-output model, sparsity, best-of-$K$, $D_i$ and $D^*$, the
# pentagon at 90% sparsity).

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
from tmslab import dynamics, metrics, nonuniform, plots, theory
from tmslab import solutions
from tmslab.checks import adopt
from tmslab.checks.nonuniform import check_angular_gaps, check_antipodal_pairs, check_largest_change
from tmslab.widgets.nonuniform import build_pentagon_explorer, build_training_explorer

tmslab.setup_lesson(seed=0)


def r3(values):
    # rounded list for printing (adding 0.0 turns -0.0 into 0.0)
    return (np.round(np.asarray(values, dtype=float), 3) + 0.0).tolist()


# %% [markdown]
# ## 1. Correlated and anti-correlated features
#
# The paper's two ways for features to depend on each other, for a *set* of features with one density
# $1 - S$:
#
# * **correlated set**: one coin decides whether the whole set is on (probability $1-S$) or off; the active
#   members draw their values independently from $U[0,1]$;
# * **anti-correlated set**: with probability $1-S$ exactly **one** member, chosen uniformly, is on
#   (value $U[0,1]$); members never co-occur.
#
# `tmslab.FeatureGroups` describes this: `FeatureGroups.correlated(2, 2)` is two correlated sets of two
# features (features 0-1 and 2-3). A few samples at density 0.5 show the pattern:

# %%
groups = {"correlated": tmslab.FeatureGroups.correlated(2, 2),
          "anti-correlated": tmslab.FeatureGroups.anticorrelated(2, 2),
          "independent": tmslab.FeatureGroups.independent(4)}
gen = torch.Generator().manual_seed(1)
for name in ("correlated", "anti-correlated"):
    x = tmslab.sample_features(6, np.full(4, 0.5), groups[name], generator=gen)
    print(f"{name} (columns = features 0..3):")
    for row in x:
        print("   ", r3(row))

# %% [markdown]
# Why should this matter? Recall the talk's **ambiguity** example (lesson 02): with the three universities
# at 120° in two neurons, Clemson and Duke both at 0.9 give $h = (0, 0.9)$, and the read-out
# $W^\top h$ claims NC State is at $-0.9$. That failure needs two features **at the same time**. If
# Clemson and Duke were anti-correlated, it could never happen; if they were correlated, it would happen
# every time Clemson is on.

# %%
W_uni = theory.three_universities_W()
h = theory.embed(W_uni, [0.9, 0.9, 0.0])
print("h =", r3(h), "  W^T h =", r3(theory.recover(W_uni, h)), "(Clemson, Duke, NC State)")

# %% [markdown]
# So the prediction is: **anti-correlated** features can share a direction cheaply; the ideal is an antipodal
# pair $W_j = -W_i$, where the ReLU removes the interference exactly because the two are never on together.
# **Correlated** features co-occur, so interference between them is paid every time: they prefer
# **orthogonal** directions. We test it as in the paper ([references, E6](../docs/references.md#e6)): $n = 4$ features in $m = 2$ dimensions, two sets of
# two, importance 1, density $0.1$ for every set, $K = 10$ restarts of each data type (restart $r$ starts from
# the same initial $W$ for all three data types, so they differ only in their data).

# %%
K = 10
pairs = [(0, 1), (2, 3)]                       # the two sets
runs = {name: tmslab.train(4, 2, model="relu_output", sparsity=0.9, importance=1.0, n_seeds=K,
                           feature_groups=g, seed=0, progress=False)
        for name, g in groups.items()}

print(f"{'data':16s} {'all 4 kept':>10s} {'pairs orthogonal':>17s} {'pairs antipodal':>16s} "
      f"{'best loss':>10s}  best model: cos within the two sets")
summary = {}
for name, run in runs.items():
    C = nonuniform.pair_cosines(run.W, pairs)                      # (K, 2)
    kept = int((metrics.n_represented(run.W) == 4).sum())
    orth = int((C.abs() < 0.1).all(dim=1).sum())
    anti = int((C < -0.95).all(dim=1).sum())
    best = int(run.final_loss.argmin())
    summary[name] = (orth, anti, best)
    print(f"{name:16s} {kept:>7d}/{K} {orth:>14d}/{K} {anti:>13d}/{K} "
          f"{run.final_loss[best].item():>10.5f}  {r3(C[best])}")

# %%
orth, _, best_c = summary["correlated"]
_, anti, best_a = summary["anti-correlated"]
C_best_a = nonuniform.pair_cosines(runs["anti-correlated"].W[best_a], pairs)
print("Paper: correlated features prefer orthogonal dimensions; anti-correlated ones opposite directions.")
print(f"  correlated: within-set |cos| < 0.1 in {orth}/{K} restarts "
      f"(reference replication: 9/10); best restart orthogonal: "
      f"{bool((nonuniform.pair_cosines(runs['correlated'].W[best_c], pairs).abs() < 0.1).all())}")
print(f"  anti-correlated: within-set cos < -0.95 in {anti}/{K} restarts (reference: 1/10); "
      f"best restart antipodal: {bool((C_best_a < -0.95).all())}, "
      f"its loss {runs['anti-correlated'].final_loss[best_a].item():.6f} (reference: ~0)")

# %%
anti_run = runs["anti-correlated"]
C_anti = nonuniform.pair_cosines(anti_run.W, pairs)
stuck = [k for k in range(K) if not bool((C_anti[k] < -0.95).all())]
typical = min(stuck, key=lambda k: anti_run.final_loss[k].item())
Ws = [runs["correlated"].W[best_c], anti_run.W[best_a], anti_run.W[typical],
      runs["independent"].W[summary["independent"][2]]]
titles = ["correlated: best", "anti-correlated: best", f"anti-correlated: restart {typical}",
          "independent: best"]
fig = plots.plot_features_2d_row(Ws, titles, suptitle="Two sets of two features (0-1 and 2-3) in 2 dimensions",
                                 key_label="feature i")
plt.show()


# %% [markdown]
# Read the pictures with the set structure in mind (features 0-1 are one set, 2-3 the other):
#
# * **Correlated**: features 0 and 1 sit at right angles, as do 2 and 3; the *antipodal* partners are from
#   different sets, because features of different sets are independent and rarely on together. Each set gets
#   a **local orthogonal basis**.
# * **Anti-correlated, best restart**: 0 opposite 1 and 2 opposite 3, the two pairs orthogonal. Since two
#   members of a set are never on together and the sets are orthogonal, the ReLU reconstructs every sample
#   exactly: the loss is zero up to float precision.
# * **Independent** (the control): the "sets" are only labels here; the model makes two antipodal pairs out of
#   whichever features its initialisation favours, with a positive loss.
# * **Anti-correlated, a typical restart**: the same layout as the correlated model (within-set pairs
#   orthogonal). It is a local minimum with a positive loss. Gradient descent reached the zero-loss
#   arrangement only in the restarts counted above, which is why the paper fits several models and keeps the
#   lowest loss. Which restarts get there is decided before training starts: we measure it after the
#   exercise.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: find the antipodal pairs
#
# Write `antipodal_pairs(W)` for one $W$ of shape $(m, n)$: return the list of pairs `(i, j)` with $i < j$
# of **represented** features ($\|W_i\| > 0.5$) whose cosine is below $-0.95$. The check includes a short
# feature pointing opposite another one: it is not represented and must not count.

# %% tags=["exercise"]
def antipodal_pairs(W):
    # W: (m, n) tensor. Return [(i, j), ...] with i < j, ||W_i||, ||W_j|| > 0.5 and cos(W_i, W_j) < -0.95.
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
antipodal_pairs = adopt(check_antipodal_pairs, antipodal_pairs, solutions.lesson07.antipodal_pairs)

# %% [markdown]
# Four features in two dimensions end as two antipodal pairs, and there are only three ways to pair four
# features: (0-1, 2-3), (0-2, 1-3) and (0-3, 1-2). Restart $r$ starts from the same initial $W$ for all three
# data types, so the **independent** control shows which pairing each initial $W$ leads to when the data has
# no set structure. Compare it with the anti-correlated model, restart by restart (pairs found with the
# `antipodal_pairs` adopted above):

# %%
pairing = {name: [tuple(antipodal_pairs(run.W[k])) for k in range(K)] for name, run in runs.items()}
kinds = ("independent", "anti-correlated", "correlated")
print(f"{'restart':>7s} " + " ".join(f"{name:>18s}" for name in kinds) + "  anti-correlated loss")
for k in range(K):
    cols = " ".join(f"{str(pairing[name][k]):>18s}" for name in kinds)
    print(f"{k:7d} {cols}  {runs['anti-correlated'].final_loss[k].item():.2e}")
within = ((0, 1), (2, 3))
same = sum(a == b for a, b in zip(pairing["anti-correlated"], pairing["independent"], strict=True))
anti_within = [k for k in range(K) if pairing["anti-correlated"][k] == within]
indep_within = [k for k in range(K) if pairing["independent"][k] == within]
print(f"\nsame pairing in the anti-correlated and the independent model (same initial W): "
      f"{same}/{K} restarts")
print(f"anti-correlated pairs within the sets (zero loss) in restarts {anti_within}; "
      f"the independent control pairs 0-1 and 2-3 in restarts {indep_within}")

# %% [markdown]
# The anti-correlated data does not steer the model towards its zero-loss arrangement. Each initial $W$
# picks a pairing (which features end up opposite each other), nearly always the same one with or without
# the set structure; the anti-correlated model reaches zero loss in the restarts whose initial $W$ happens to
# favour the pairing 0-1, 2-3, roughly one restart in three. The other restarts keep a cross-set pairing, a
# local minimum. So "anti-correlated features prefer opposite directions" is a statement about the **best**
# of several restarts: the lowest loss, not what gradient descent finds from a given start. (On the seeds
# of the cross-seed tests, the two models pair the features the same way in 8-10 of 10 restarts.)
#
# ## 2. More correlated features: local orthogonal bases, then collapse onto the principal component
#
# With two correlated pairs in two dimensions every pair gets its own orthogonal basis. The same happens at
# a larger size: the paper trains **two correlated sets of ten** features in $m = 10$ dimensions and finds
# that the model "creates a local orthogonal basis" for each set ([references, E6](../docs/references.md#e6)).
# We train $K = 10$ restarts at density 0.05 and measure the cosines within and across the sets.

# %%
basis_run = tmslab.train(20, 10, model="relu_output", sparsity=0.95, importance=1.0, n_seeds=K,
                         feature_groups=tmslab.FeatureGroups.correlated(2, 10), seed=0, progress=False)
blocks = np.kron(np.eye(2, dtype=bool), np.ones((10, 10), dtype=bool))      # same set (incl. diagonal)
same_set = blocks & ~np.eye(20, dtype=bool)
cos_abs = metrics.cosine_similarity(basis_run.W).abs().numpy()                # (K, 20, 20)
within_max = np.array([c[same_set].max() for c in cos_abs])
across_max = np.array([c[~blocks].max() for c in cos_abs])
kept = metrics.n_represented(basis_run.W).numpy()
print(f"all 20 features represented in {int((kept == 20).sum())}/{K} restarts")
print(f"largest |cos| between two features of the same set, per restart: {r3(within_max)}")
print(f"largest |cos| between features of different sets, per restart:  {r3(across_max)}")
basis_best = int(basis_run.final_loss.argmin())
basis_title = plots.WTW + f": two correlated sets of ten, $m = 10$ (restart {basis_best})"
fig = plots.plot_interference(basis_run.W[basis_best], title=basis_title)
plt.show()

# %% [markdown]
# In every restart each set of ten features is stored as an (almost) **orthogonal basis** of the whole
# 10-dimensional space: the $10 \times 10$ diagonal blocks of $W^\top W$ are close to the identity. The
# superposition is all *between* the sets: features of different sets overlap strongly (the off-diagonal
# blocks, mostly as nearly opposite pairs), which costs little because the two sets are rarely on together. Correlated features avoid
# interfering with each other and pay their interference with features they rarely meet.
#
# What if there are more correlated features than the dimensions allow? The paper trains **three**
# correlated pairs ($n = 6$, features 0-1, 2-3, 4-5) in $m = 2$ and raises the density: at low density the
# pairs sit side by side; as co-activation becomes common the pairs **collapse**, one after another, onto a single direction $W_i = W_j$. A collapsed pair is read out
# through its principal component $(x_i + x_j)/\sqrt{2}$: one dimension for two features, the PCA-like
# solution a linear model would choose ([references, E6](../docs/references.md#e6)). The paper's figure
# labels: no collapse for $1-S \lesssim 0.05$, one pair for $0.05$-$0.15$, two for $0.15$-$0.2$, all three
# for $0.25$-$0.5$. We train $K = 10$ restarts at four densities and count the collapsed pairs
# (cos $> 0.95$ within a pair) in the best model of each.

# %%
pca_density = np.array([0.02, 0.1, 0.2, 0.5])
pair3 = [(0, 1), (2, 3), (4, 5)]
pca_run = tmslab.train(6, 2, model="relu_output", sparsity=1 - pca_density, importance=1.0, n_seeds=K,
                       feature_groups=tmslab.FeatureGroups.correlated(3, 2), seed=0, progress=False)
pca_best = pca_run.best()
settings = pca_run.setting.numpy()
print(f"{'1 - S':>6s} {'collapsed (best)':>17s} {'within-pair cos (best)':>25s} {'represented':>12s}  "
      f"collapsed pairs in each restart")
n_collapsed = []
for s, d in enumerate(pca_density):
    W = pca_best.W[s]
    n_collapsed.append(len(nonuniform.collapsed_pairs(W, pair3)))
    each = [len(nonuniform.collapsed_pairs(pca_run.W[k], pair3)) for k in np.flatnonzero(settings == s)]
    print(f"{d:6.2f} {n_collapsed[-1]:>17d} {str(r3(nonuniform.pair_cosines(W, pair3))):>25s} "
          f"{int(metrics.n_represented(W)):>12d}  {each}")
print(f"collapsed pairs never decrease with density: {bool(np.all(np.diff(n_collapsed) >= 0))}")

# %%
fig = plots.plot_features_2d_row([pca_best.W[s] for s in range(len(pca_density))],
                                 [f"1 - S = {d:g}" for d in pca_density],
                                 suptitle="Three correlated pairs (0-1, 2-3, 4-5) in 2 dimensions, best of "
                                          f"10; collapsed pairs: {', '.join(map(str, n_collapsed))}",
                                 key_label="feature i")
plt.show()

# %% [markdown]
# At the lowest density all six features are kept and the two members of each pair sit **side by side**
# (cos about 0.4, a hexagon-like layout): they cannot be orthogonal, and of the non-orthogonal options the
# model prefers positive interference between features that are on together over pairing them antipodally.
# As the density grows the pairs collapse one by one, and at $1-S = 0.5$ every pair is stored along its
# principal component: three directions for six features. Each count falls in the paper's density range;
# the paper's ranges are approximate, and our grid has only four points.

# %% [markdown]
# ## 3. One feature of a different density deforms the pentagon
#
# Back to independent features, all with importance 1. With $n = 5$, $m = 2$ and density $p = 0.05$ the
# model stores the five features as a regular **pentagon** (lesson 05, the talk's 90%-sparsity panel). Now
# give feature 0 a different density, $f \cdot p$, and keep the others at $p$:
#
# $$1 - S_0 = f\,p, \qquad 1 - S_i = p \quad (i = 1, \dots, 4), \qquad p = 0.05 .$$
#
# The paper's claims: a denser varied feature pushes the others away (it gets more angular space), a sparser
# one takes less; and when it becomes sparse enough ("~2.5x less than others") the pentagon **snaps** to two
# digons (two antipodal pairs) with the varied feature dropped. The snap is a *first-order* phase change: the
# losses of the two geometries cross. We train $K = 10$ restarts at each of 9 values of $f$ and keep, for
# every $f$, the best loss of each geometry.

# %%
factors = np.array([0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0])
p = 0.05
pent_run = tmslab.train(5, 2, model="relu_output", sparsity=nonuniform.perturbed_sparsity(5, p, factors),
                        importance=1.0, n_seeds=K, seed=0, progress=False)
geo = nonuniform.best_loss_by_geometry(pent_run)
pent_best = pent_run.best()

print(f"{'f':>5s} {'best model':>11s} {'#pent':>6s} {'#digons':>8s} {'best pentagon':>14s} "
      f"{'best digons':>12s} {'||W_0||':>8s}  gaps next to feature 0 | all gaps (degrees)")
for k, f in enumerate(factors):
    W = pent_best.W[k]
    before, after = nonuniform.gaps_next_to(W, 0)
    near = "   -" if np.isnan(before) else f"{before:5.1f} {after:5.1f}"
    fmt = lambda x: "none" if np.isnan(x) else f"{x:.6f}"
    print(f"{f:5.2f} {nonuniform.classify_pentagon(W):>11s} {geo['count_pentagon'][k]:>6d} "
          f"{geo['count_two digons'][k]:>8d} {fmt(geo['pentagon'][k]):>14s} {fmt(geo['two digons'][k]):>12s} "
          f"{metrics.feature_norms(W)[0].item():8.3f}  {near} | {np.round(metrics.angular_gaps(W).double().numpy(), 1).tolist()}")

# %%
f_star = nonuniform.crossover(factors, geo["pentagon"], geo["two digons"])
print(f"measured crossover (best pentagon loss = best two-digon loss): f* = {f_star:.3f}, "
      f"i.e. feature 0 {1 / f_star:.1f}x sparser than the others")
print("paper: '~2.5x less than others' (f ~ 0.4); reference replication: f* ~ 0.26-0.27 (~3.7x)")
print(f"at f = 0.4 the best pentagon beats the best digons by "
      f"{100 * (1 - geo['pentagon'][3] / geo['two digons'][3]):.0f}% of the digon loss")
smaller, larger = [], []
for k, f in enumerate(factors):
    W = pent_best.W[k]
    near = sorted(nonuniform.gaps_next_to(W, 0))
    if np.isnan(near[0]) or f == 1.0:
        continue
    gaps = np.sort(metrics.angular_gaps(W).numpy())
    (smaller if f < 1 else larger).append(bool(np.allclose(near, gaps[:2]) if f < 1 else np.allclose(near, gaps[-2:])))
print(f"f < 1: the two gaps next to feature 0 are the two smallest in {sum(smaller)}/{len(smaller)} models; "
      f"f > 1: the two largest in {sum(larger)}/{len(larger)} (paper: sparser takes less space, denser repels)")

# %%
show = [0, 2, 4, 6, 8]
fig = plots.plot_features_2d_row([pent_best.W[k] for k in show], [f"f = {factors[k]:g}" for k in show],
                                 suptitle="Best of 10 restarts; feature 0 (dark purple) has density f x 0.05",
                                 key_label="feature i (equal importance)")
plt.show()

fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
axes[0].plot(factors, 1e3 * geo["pentagon"], "o-", label="best pentagon")
axes[0].plot(factors, 1e3 * geo["two digons"], "s--", label="best two digons (feature 0 dropped)")
axes[0].axvline(f_star, color="crimson", lw=1, label=f"crossover f* = {f_star:.2f}")
axes[0].axvline(0.4, color="0.5", ls=":", lw=1, label="paper's ~2.5x sparser (f = 0.4)")
axes[0].set(xscale="log", xlabel="relative density f of feature 0", ylabel="loss x 1000",
            title="Two geometries, two loss curves")
axes[0].legend(fontsize=7)
near = np.array([nonuniform.gaps_next_to(pent_best.W[k], 0) for k in range(len(factors))])
axes[1].plot(factors, near.mean(axis=1), "o-", color=plots.feature_colors(5)[0], label="gaps next to feature 0 (mean)")
axes[1].axhline(72, color="0.6", ls=":", label="regular pentagon, 72°")
axes[1].set(xscale="log", xlabel="relative density f of feature 0", ylabel="degrees",
            title="Angular space of the varied feature")
axes[1].legend(fontsize=7)
for ax in axes:
    ax.set_xticks(factors, [f"{f:g}" for f in factors], fontsize=7)
    ax.minorticks_off()
fig.tight_layout()
plt.show()

# %% [markdown]
# What the runs show:
#
# * At $f = 1$ the best model is the regular pentagon (all gaps close to 72°). Making feature 0 sparser
#   ($f < 1$) squeezes its two neighbouring gaps; making it denser ($f > 1$) widens them: the varied feature's
#   angular space grows with its density, as the paper says.
# * The best pentagon loss and the best two-digon loss cross between $f = 0.25$ and $f = 0.3$: a
#   first-order transition (the pentagon still exists as a local minimum on the digon side, and vice versa;
#   which restarts find which geometry is visible in the `#pent` / `#digons` columns).
# * The measured threshold (printed above) is **sparser than the paper's "~2.5x"**, in the same direction as
#   the reference replication ([references, E6](../docs/references.md#e6)) ($f^* \approx 0.27$, ~3.7x). Our grid has only two points
#   on the digon side of the switch ($f = 0.2$ and $0.25$), so $f^*$ is a linear interpolation; at the paper's
#   $f = 0.4$ our best pentagon is still clearly better than the best digons. The paper does not publish the
#   training recipe of this figure, so we cannot tell where the difference comes from.
#
# The widget below steps through the best model at every $f$ (the varied feature is highlighted in red).

# %%
build_pentagon_explorer(pent_best, factors, feature=0, geometry_losses=geo)


# %% [markdown] tags=["exercise"]
# ### Exercise 2: angular gaps
#
# Write `angular_gaps(W)` for one $W$ of shape $(2, n)$: take the **represented** features
# ($\|W_i\| > 0.5$), compute their polar angles in degrees in $[0, 360)$ (`torch.atan2(y, x)`), sort them,
# and return the differences between consecutive angles **including the wrap-around gap** from the largest
# angle back to the smallest ($+360°$). The gaps of a regular pentagon are five times 72°, and the gaps
# always sum to 360°.

# %% tags=["exercise"]
def angular_gaps(W):
    # W: (2, n) tensor. Return a 1-D tensor of gaps in degrees, in order of increasing angle.
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
angular_gaps = adopt(check_angular_gaps, angular_gaps, solutions.lesson07.angular_gaps)

# %%
for k in (0, 6, 8):
    print(f"f = {factors[k]:g}: gaps {r3(angular_gaps(pent_best.W[k]))}, sum {angular_gaps(pent_best.W[k]).sum().item():.1f}")

# %% [markdown]
# ## 4. Learning dynamics: jumps between plateaus
#
# The paper's *Learning dynamics* section trains a uniform model (equal importance and density) whose features
# all end up in antipodal pairs, and plots every feature's dimensionality
#
# $$D_i = \frac{\|W_i\|^2}{\sum_j (\hat W_i \cdot W_j)^2}$$
#
# over training. The $D_i$ do not drift smoothly: they sit on plateaus and **jump** from one value to another,
# and, the paper says, each jump coincides with a sudden drop of the loss. (Conjecture in the paper: the smooth loss curves of
# big models are many such small jumps added together.)
#
# We use the smallest model that ends in the "all antipodal pairs" regime: $n = 6$ features of importance 1
# in $m = 2$ dimensions at density $1/3$ ($1/(1-S) = 3$, the $D^* = 1/2$ plateau of lesson 06). Two antipodal
# pairs fill the plane, so four features end with $D_i = 1/2$, two with $D_i = 0$, and
# $\sum_i D_i = m = 2$. `history_every=20` stores $W$ every 20 steps; we train 6 restarts for 5,000 steps and
# evaluate every snapshot on one fixed batch (so the loss curve has no sampling noise).

# %%
dyn = tmslab.train(6, 2, model="relu_output", sparsity=2 / 3, importance=1.0, n_seeds=6, steps=5000,
                   history_every=20, seed=0, progress=False)
steps = dyn.snapshot_steps.numpy()
snap_loss = dynamics.snapshot_losses(dyn, n_samples=4096, seed=0).numpy()      # (H, restarts)
print(f"{dyn.W_history.shape[0]} snapshots of W, from step {steps[0]} to {steps[-1]}")

all_jumps = {}
for r in range(dyn.n_instances):
    D = dynamics.dimensionality_history(dyn, r).numpy()
    all_jumps[r] = dynamics.detect_jumps(D, steps, min_change=0.1, tol=0.02, min_plateau=200)
    print(f"restart {r}: final D_i {r3(D[-1])}, sum {D[-1].sum():.3f}, D* {metrics.dimensions_per_feature(dyn.W[r]).item():.3f}, "
          f"loss {snap_loss[-1, r]:.5f}, {len(all_jumps[r])} jumps")

# %% [markdown]
# `dynamics.detect_jumps` finds, for every feature, the stretches where $D_i$ stays within $\pm 0.02$ of a
# level for at least 200 steps (plateaus), and reports a jump when two consecutive plateaus differ by more
# than 0.1.
#
# Does the loss drop *suddenly* during a jump? "Larger than a typical window" is too weak a test: late in
# training most windows barely move the loss, so almost any drop beats their median. We compare each jump's
# loss drop with the drops over **quiet** windows of the same length in the same restart: windows that
# overlap no jump of that restart and start after the initial transient (the first 1,000 steps, where every
# $D_i$ and the loss move at once). A jump counts when its drop beats the **90th percentile** of the quiet
# drops (`dynamics.quiet_drop`). Jumps inside the transient cannot be tested this way (everything drops
# there), so they are listed but not counted.

# %%
TRANSIENT = 1000
rows = []
for r, jumps in all_jumps.items():
    for j in jumps:
        drop = dynamics.loss_drop(snap_loss[:, r], steps, j.start, j.end)
        length = max(j.end - j.start, 20)
        quiet = dynamics.quiet_drop(snap_loss[:, r], steps, length, jumps, after=TRANSIENT, q=90)
        rows.append((r, j, drop, quiet))
print(f"{'restart':>7s} {'feature':>7s} {'steps':>12s} {'D_i before -> after':>20s} {'loss drop':>10s} "
      f"{'quiet, 90th pct':>16s}")
for r, j, drop, quiet in rows:
    note = "  (transient)" if j.start < TRANSIENT else ("  beats it" if drop > quiet else "")
    print(f"{r:7d} {j.feature:7d} {j.start:5d}-{j.end:<6d} {j.before:9.2f} -> {j.after:5.2f} {drop:10.2e} "
          f"{quiet:16.2e}{note}")
late = [(drop, quiet) for _, j, drop, quiet in rows if j.start >= TRANSIENT]
beat = sum(drop > quiet for drop, quiet in late)
print(f"\njumps found: {len(rows)} in {dyn.n_instances} restarts, "
      f"{len(rows) - len(late)} of them in the first {TRANSIENT} steps")
print(f"jumps after step {TRANSIENT} whose loss drop beats the 90th percentile of quiet windows: "
      f"{beat}/{len(late)}")
print("paper: every jump in D_i coincides with a sudden drop of the loss")

# %%
chosen = max((r for r in all_jumps if all_jumps[r]), key=lambda r: max(j.start for j in all_jumps[r]))
print(f"restart with the latest jump (the longest plateau before it): restart {chosen}")
D = dynamics.dimensionality_history(dyn, chosen).numpy()
fig = dynamics.plot_dimensionality_and_loss(
    steps, D, snap_loss[:, chosen], all_jumps[chosen],
    title=f"Feature dimensionality during training (restart {chosen}); grey: detected jumps")
plt.show()

# %% [markdown]
# In the chosen restart the features first settle on intermediate plateaus, then, after a long quiet stretch,
# some $D_i$ move within a few hundred steps to their final values ($1/2$ for the paired features, $0$ for the
# dropped ones), and the loss falls in a step at the same time. Many jumps happen during the first 1,000
# steps, where everything moves at once; of the later ones, which we can test, most come with a loss drop
# larger than 90% of the quiet stretches (the count above; on the seeds of the cross-seed tests 71-100% of
# the later jumps per seed). How many jumps a restart shows, and when, varies a lot between restarts.
#
# Note what the plateaus are *not*: most intermediate levels (the "before" column of the table) are not the
# polytope fractions $1/2$, $2/3$, $2/5$ that the final geometries have; in this uniform setup the $D_i$
# reach a polytope fraction only at the end. A small non-uniform setup below does pause on polytope
# fractions.
#
# Scrub through training with the slider: the left panel shows the feature directions at that step, the
# middle one all $D_i(t)$ and the right one the loss.

# %%
build_training_explorer(dyn, instance=chosen, loss=snap_loss[:, chosen], jumps=all_jumps[chosen])


# %% [markdown] tags=["exercise"]
# ### Exercise 3: where does $D_i$ move most?
#
# A simpler jump detector: for one trajectory `d` (shape $(T,)$, sampled at `steps`) and a window of `window`
# snapshots, compute the changes $d[t + \text{window}] - d[t]$ for every $t$, pick the $t$ with the largest
# **absolute** change, and return `(steps[t], change)` with its sign (the first $t$ on ties).

# %% tags=["exercise"]
def largest_change(d, steps, window):
    # d, steps: 1-D numpy arrays of equal length; window: int >= 1. Return (step, signed change).
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
largest_change = adopt(check_largest_change, largest_change, solutions.lesson07.largest_change)

# %%
window = 10                                     # 10 snapshots = 200 steps
for i in range(6):
    step, change = largest_change(D[:, i], steps, window)
    print(f"restart {chosen}, feature {i}: largest 200-step change {change:+.2f} starting at step {step}")

# %% [markdown]
# ### Plateaus at polytope fractions
#
# Make one feature less important than the others and it is learned last. With $n = 4$ features in $m = 2$
# dimensions, importance $(1, 1, 1, 0.3)$ and density $0.15$ for all, the end point is two antipodal pairs
# (all $D_i = 1/2$). On the way, some restarts hold a different arrangement for thousands of steps: one
# antipodal pair ($D_i = 1/2, 1/2$), one feature **alone** on the other axis ($D_i = 1$) and feature 3 not
# represented ($D_i = 0$); $\sum_i D_i = 2 = m$ throughout. We train $K = 10$ restarts (the paper's recipe)
# and look for jumps of at least 0.2 between plateaus (500 steps or longer) whose levels are both within 0.03
# of $0$, $1/2$ or $1$, with the loss drop across each against the quiet windows as above.

# %%
frac_run = tmslab.train(4, 2, model="relu_output", sparsity=0.85, importance=[1.0, 1.0, 1.0, 0.3], n_seeds=K,
                        history_every=50, seed=0, progress=False)
frac_steps = frac_run.snapshot_steps.numpy()
frac_loss = dynamics.snapshot_losses(frac_run, n_samples=8192, seed=0).numpy()
LEVELS = np.array([0.0, 0.5, 1.0])
frac_jumps, beats = {}, 0
for r in range(frac_run.n_instances):
    D_r = dynamics.dimensionality_history(frac_run, r).numpy()
    jumps = dynamics.detect_jumps(D_r, frac_steps, min_change=0.2, tol=0.02, min_plateau=500)
    at_levels = [j for j in jumps if min(abs(LEVELS - j.before)) < 0.03 and min(abs(LEVELS - j.after)) < 0.03]
    lines = []
    for j in at_levels:
        drop = dynamics.loss_drop(frac_loss[:, r], frac_steps, j.start, j.end)
        quiet = dynamics.quiet_drop(frac_loss[:, r], frac_steps, max(j.end - j.start, 50), jumps,
                                    after=TRANSIENT, q=90)
        beats += drop > quiet
        lines.append(f"feature {j.feature} {j.before:.2f} -> {j.after:.2f} at steps {j.start}-{j.end} "
                     f"(loss drop {drop:.1e}, quiet 90th pct {quiet:.1e})")
    if at_levels:
        frac_jumps[r] = at_levels
    found = "; ".join(lines) if lines else "no jump between 0, 1/2, 1"
    print(f"restart {r}: final D_i {r3(D_r[-1])}; {found}")
n_frac = sum(len(v) for v in frac_jumps.values())
print(f"\nrestarts with a jump between polytope fractions: {len(frac_jumps)}/{frac_run.n_instances}; "
      f"loss drop above the quiet 90th percentile in {beats}/{n_frac} of these jumps")

# %%
late_r = max(frac_jumps, key=lambda r: frac_jumps[r][0].start)
fig = dynamics.plot_dimensionality_and_loss(
    frac_steps, dynamics.dimensionality_history(frac_run, late_r).numpy(), frac_loss[:, late_r],
    frac_jumps[late_r], labels=[f"feature {i} ($I_{i}$ = {v:g})" for i, v in enumerate([1.0, 1.0, 1.0, 0.3])],
    levels=LEVELS, title=f"Importance (1, 1, 1, 0.3), density 0.15 (restart {late_r}); grey: jumps",
    figsize=(8, 4.6))
plt.show()

# %% [markdown]
# Here the plateaus are polytope fractions: a digon ($1/2, 1/2$) next to a lone feature ($1$) and a
# dropped one ($0$), held for up to several thousand steps; then two features jump together, the lone one
# from $1$ to $1/2$ and feature 3 from $0$ to $1/2$ (it moves in opposite the lone feature: a second digon),
# and the loss falls in a step, by orders of magnitude more than the 90th percentile of the quiet windows. Other restarts take the direct route and show no
# such plateau (on the seeds of the cross-seed tests 2 to 5 of 10 restarts show it). This is the paper's
# "energy level" picture in its smallest form.

# %% [markdown]
# ### The paper's correlated example: to an octahedron
#
# The paper's second dynamics example has $n = 6$ features in $m = 3$ dimensions, in **two correlated sets
# of three** (features 0-2 and 3-5). It ends in an **octahedron** whose antipodal pairs each take one
# feature from each set ([references, E7](../docs/references.md#e7)): members of a set are on together, so
# they must not cancel each other; features of different sets are rarely on together, so they can share a
# direction with opposite signs. Every feature of an octahedron has $D_i = 1/2$. We train 4 restarts at
# density 0.1 with the full recipe and record $W$ every 50 steps.

# %%
oct_groups = tmslab.FeatureGroups.correlated(2, 3)
octa = tmslab.train(6, 3, model="relu_output", sparsity=0.9, importance=1.0, n_seeds=4, history_every=50,
                    feature_groups=oct_groups, seed=0, progress=False)
oct_steps = octa.snapshot_steps.numpy()
oct_loss = dynamics.snapshot_losses(octa, n_samples=4096, seed=0).numpy()
for r in range(octa.n_instances):
    W = octa.W[r]
    octahedron = nonuniform.is_cross_set_octahedron(W, oct_groups)
    print(f"restart {r}: antipodal pairs {nonuniform.antipodal_pairs(W)}, "
          f"cross-set octahedron: {octahedron}, final D_i {r3(metrics.feature_dimensionality(W))}")
n_oct = sum(nonuniform.is_cross_set_octahedron(octa.W[r], oct_groups) for r in range(octa.n_instances))
print(f"octahedron with every antipodal pair mixing the two sets: {n_oct}/{octa.n_instances} restarts")

# %%
fig = dynamics.plot_dimensionality_and_loss(
    oct_steps, dynamics.dimensionality_history(octa, 0).numpy(), oct_loss[:, 0],
    labels=[f"feature {i} (set {i // 3})" for i in range(6)], linestyles=["-"] * 3 + ["--"] * 3, levels=(0.5,),
    title="Two correlated sets of three in 3 dimensions (restart 0)", figsize=(8, 4.6))
plt.show()

# %% [markdown]
# The final arrangement is the paper's: an octahedron with mixed pairs, all $D_i = 1/2$, in the restarts
# counted above (on the seeds of the cross-seed tests in 11 of 12 restarts, always including the
# lowest-loss one: a strong attractor, as the paper says). The path to it is less clean than the
# paper's figure: the $D_i$ wander through intermediate values and settle on $1/2$ within a few thousand
# steps, without long plateaus at other polytope fractions.

# %% [markdown]
# ## Summary
#
# * **Correlated** features (always on together) are stored in orthogonal directions: each correlated set gets
#   a local orthogonal basis, and antipodal partners come from different sets. Robust across restarts.
# * **Anti-correlated** features (never on together) are best stored antipodally: interference between them
#   never fires, and with two orthogonal antipodal pairs the loss is essentially zero. Gradient descent found
#   this only in a few restarts; the others stop in a correlated-style local minimum. Which restarts succeed
#   is set by the initial weights (the same pairing as the independent control). Best-of-$K$ matters.
# * Two correlated sets of ten in ten dimensions each get a **local orthogonal basis**; the superposition is
#   between the sets. With more correlated pairs than the dimensions allow, the pairs first sit side by side,
#   then **collapse onto their principal component** one after another as the density grows.
# * Changing the density of one feature **deforms** the pentagon continuously (sparser: narrower gaps around it;
#   denser: wider) until a **first-order** transition to two digons with that feature dropped. The lesson
#   prints the measured crossover next to the paper's "~2.5x sparser"; our models switch later (sparser).
# * During training, feature dimensionalities sit on plateaus and **jump**; the jumps after the initial
#   transient mostly come with a loss drop larger than 90% of the quiet stretches, and at the end
#   $\sum_i D_i = m$. In the uniform model the intermediate plateaus are not polytope fractions; with one
#   less important feature, some restarts pause at a digon plus a lone feature ($1/2, 1/2, 1, 0$) before
#   jumping to two digons. The paper's correlated example (two sets of three in 3-D) ends in its octahedron.
#
# ## Check your understanding
#
# 1. Two features are always active together. Why is putting them antipodal a bad idea, even with a ReLU?
# <details><summary>Answer</summary>
#
# With $W_j = -W_i$ the read-out of feature $i$ is $\operatorname{ReLU}(\|W_i\|^2 (x_i - x_j) + b_i)$. If both
# are always on, the interference $-x_j$ is paid on every sample, and the ReLU cannot remove it (it only clips
# negative *totals*). Orthogonal directions avoid it completely, so the model spends its dimensions on them.
# </details>
#
# 2. Why does the best anti-correlated model reach a loss of (almost) exactly zero, while the best independent
#    model with the same density does not?
# <details><summary>Answer</summary>
#
# In the anti-correlated model at most one feature of each set is on, and the two sets live in orthogonal
# directions. So every sample activates at most one member of each antipodal pair; the partner's read-out is
# negative and clipped by the ReLU: exact reconstruction. Independent features sometimes activate both members of a
# pair at once, and then the two cancel: a positive expected loss.
# </details>
#
# 3. The pentagon-to-digons transition is called first-order. What in the measurements tells you so?
# <details><summary>Answer</summary>
#
# Both geometries exist as (local) minima on both sides of the critical $f$, and their loss curves cross: the
# optimum jumps from one to the other instead of one solution continuously turning into the other. The varied
# feature's norm goes from about 1.1 to exactly 0 at the switch, not gradually.
# </details>
#
# 4. After training, the four paired features have $D_i = 1/2$ and two have $D_i = 0$. What is $D^*$ and why does
#    $\sum_i D_i = m$ here?
# <details><summary>Answer</summary>
#
# $\|W\|_F^2 \approx 4$ (four features of norm about 1), so $D^* = m / \|W\|_F^2 \approx 2/4 = 1/2$. Each antipodal
# pair shares one dimension and each member owns half of it; two pairs in two orthogonal dimensions give
# $4 \times 1/2 = 2 = m$: the plane is packed efficiently.
# </details>
#
# 5. Why do we evaluate every snapshot on one fixed batch instead of plotting the training loss?
# <details><summary>Answer</summary>
#
# The training loss at each step is measured on a fresh random batch of 1024 samples, so it carries sampling noise
# that can hide a small step in the loss. On one fixed batch, the change from one snapshot to the next comes
# only from the change in $W$ and $b$.
# </details>
