# %% [markdown]
# # 01 · What is superposition?
#
# > *Superposition is a phenomenon in which neural network models are able to represent more features
# > than they have dimensions.* (the talk)
#
# **Learning goals.** After this lesson you can
# 1. tell **features** from **neurons**, and **monosemantic** from **polysemantic** neurons;
# 2. explain, and show numerically, why a linear hidden layer has a **non-privileged basis** (rotating it
#    changes nothing) while a ReLU hidden layer has a **privileged** one;
# 3. state the **superposition hypothesis** and why it makes polysemanticity inevitable;
# 4. explain with the **Johnson–Lindenstrauss** intuition why $m$ dimensions hold far more than $m$
#    nearly orthogonal directions;
# 5. recognise superposition in a trained toy model (5 features in 2 dimensions).
#
# **Time:** about 40 minutes. **Prerequisites:** lesson 00 (notation, exercises).

# %%
import numpy as np
import matplotlib.pyplot as plt
import torch

import tmslab
from tmslab import solutions
from tmslab.checks import adopt
from tmslab import basis, jl, metrics, plots
from tmslab.checks import intro as intro_checks
from tmslab.models import forward, weighted_mse
from tmslab.widgets import intro as intro_widgets

tmslab.setup_lesson(seed=0)


def rounded(t, digits=3):
    # a tensor as a list of rounded Python floats (for printing)
    return np.round(torch.as_tensor(t).double().numpy(), digits).tolist()


# %% [markdown]
# ## Features and neurons
#
# Take the talk's example: a network that classifies handwritten digits. Useful **features** of a digit
# are properties such as *has a closed loop* or *has a straight edge*:
#
# | digit | closed loop | straight edge |
# |---|---|---|
# | 0 | ✓ | |
# | 1 | | ✓ |
# | 4 | ✓ (closed top) | ✓ |
# | 6, 9 | ✓ | |
# | 7 | | ✓ |
# | 8 | ✓✓ | |
#
# Ideally each **neuron** (one coordinate of a hidden layer) would detect exactly one feature: one neuron
# for closed loops, one for straight edges. Such a neuron is **monosemantic**: it means one thing.
#
# *Is this really what happens? Typically, no.* Real networks are full of **polysemantic** neurons that
# respond to unrelated things. The talk's example, from the work on polysemantic neurons in language
# models: a neuron that responds to both **Clemson football** and **South African safari tours**
# (on its sources, see [references](../docs/references.md#olah)).
#
# **Features are directions.** The talk's first piece of related work shows why a feature need not be
# a neuron: word vectors (Mikolov et al., 2013, [references](../docs/references.md#mikolov)). Trained only to predict
# nearby words, they end up with meaningful *directions*:
# $v(\text{king}) - v(\text{man}) + v(\text{woman})$ lands closest to $v(\text{queen})$, so "male to
# female" is one direction shared by many pairs of words, and it is not a coordinate axis.
#
# In the toy models, a feature $i$ is a **direction** $W_i \in \mathbb{R}^m$ (column $i$ of $W$), and
# neuron $j$ is the $j$-th coordinate of $h = Wx = \sum_i x_i W_i$:
#
# $$h_j = \sum_i W_{ji}\, x_i .$$
#
# So row $j$ of $W$ lists how strongly each feature drives neuron $j$. Neuron $j$ is monosemantic when
# one entry of its row dominates. We measure that with the neuron's **purity**
#
# $$P_j = \frac{\max_i W_{ji}^2}{\sum_i W_{ji}^2} \in \left[\tfrac1n, 1\right],$$
#
# and call a neuron monosemantic when $P_j > 0.9$ (`basis.neuron_purity`, `basis.n_monosemantic`).

# %% [markdown]
# ## Privileged and non-privileged bases
#
# Do the features have any reason to line up with the neurons? Rotate the hidden space with an orthogonal
# $m \times m$ matrix $R$ ($R^\top R = \mathbb{1}$): every feature direction moves, $W \to RW$.
#
# * **Linear model** $x' = W^\top W x + b$ (and the ReLU-output model $x' = \mathrm{ReLU}(W^\top W x + b)$):
#   $$ (RW)^\top (RW) = W^\top R^\top R\, W = W^\top W ,$$
#   so the rotated model computes **exactly the same function**. No direction of the hidden space is
#   special: the basis is **non-privileged**, and nothing pushes features onto single neurons.
# * **ReLU-hidden model** $x' = \mathrm{ReLU}(W^\top \mathrm{ReLU}(Wx) + b)$: the hidden ReLU acts on each
#   neuron separately, and $\mathrm{ReLU}(Rh) \ne R\,\mathrm{ReLU}(h)$. For example, with the 90° rotation
#   $R = \left(\begin{smallmatrix}0 & -1\\ 1 & 0\end{smallmatrix}\right)$ and $h = (1, -1)$:
#   $\mathrm{ReLU}(Rh) = \mathrm{ReLU}((1, 1)) = (1, 1)$ but $R\,\mathrm{ReLU}(h) = R\,(1, 0) = (0, 1)$.
#   Rotating changes the function: the neuron basis is **privileged**, and features are *incentivised* to
#   align with neurons.
#
# Let us check this on trained models rather than take it on faith. The setup is the paper's
# privileged-basis experiment: $n = 10$ features, $m = 5$ neurons, importance $I_i = 0.75^i$, density
# $1 - S = 0.5$, where the paper reports that every neuron of the ReLU-hidden model is dedicated to one of
# the most important features. We train the three models with the paper's recipe (10,000 steps each, the
# default of `tmslab.train`), keeping the best of 3 restarts for the ReLU-hidden model.

# %%
setup = dict(n_features=10, n_hidden=5, sparsity=0.5, importance=0.75, progress=False)
runs = {"linear": tmslab.train(model="linear", **setup),
        "relu_output": tmslab.train(model="relu_output", **setup),
        "relu_hidden": tmslab.train(model="relu_hidden", n_seeds=3, **setup).best()}
for name, run in runs.items():
    print(f"{name:12s} loss {float(run.final_loss[0]):.5f}   "
          f"monosemantic neurons {int(basis.n_monosemantic(run.W[0]))} / 5")

# %% [markdown]
# Now rotate each model's hidden space with the same random rotation $R$ and evaluate before and after on
# the same 8,192 fresh samples: the loss, and the largest change of any output $\max |x'_\text{after} -
# x'_\text{before}|$.

# %%
R = basis.random_rotation(5, seed=0)
print("R^T R = 1:", bool(torch.allclose(R.T @ R, torch.eye(5, dtype=torch.float64))),
      f"  det R = {float(torch.linalg.det(R)):.3f}")
results = {name: basis.rotation_experiment(run, R=R) for name, run in runs.items()}
print(f"{'model':12s} {'loss before':>12s} {'loss after':>11s} {'max|change|':>12s} {'mono before':>12s} "
      f"{'mono after':>11s}")
for name, res in results.items():
    print(f"{name:12s} {float(res.loss_before[0]):12.5f} {float(res.loss_after[0]):11.5f} "
          f"{float(res.max_output_change[0]):12.4f} {int(res.monosemantic_before[0]):12d} "
          f"{int(res.monosemantic_after[0]):11d}")

# %%
fig = basis.plot_neuron_weights(
    [runs["relu_hidden"].W[0], results["relu_hidden"].W_after[0], runs["linear"].W[0]],
    ["ReLU-hidden: W", "ReLU-hidden: R W (rotated)", "linear: W"],
    suptitle="Rows are neurons: one strong entry = a monosemantic neuron")
plt.show()

# %% [markdown]
# Left: the trained ReLU-hidden model gives each of the five most important features its own neuron.
# Middle: the same model rotated; every neuron now mixes several features, and the loss jumps. Right: the
# linear model stores the same five features, but in an arbitrary rotated basis (training found one of
# infinitely many equally good rotations), so its neurons are polysemantic even though nothing is in
# superposition. The comparison with the paper:

# %%
W_hidden = runs["relu_hidden"].W[0]
pure = basis.neuron_purity(W_hidden) > 0.9
features_of_neurons = sorted(int(i) for i in W_hidden.abs().argmax(dim=1)[pure])
lin, hid = results["linear"], results["relu_hidden"]
print("Paper (privileged basis, 1-S = 0.5): every neuron is dedicated to one of the top features.")
print(f"Measured: {int(pure.sum())}/5 neurons monosemantic (purity > 0.9), for features "
      f"{features_of_neurons}")
print(f"Rotation, linear model:      max |change of x'| = {float(lin.max_output_change[0]):.4f} "
      f"(theory: 0, the function is unchanged)")
print(f"Rotation, ReLU-hidden model: loss {float(hid.loss_before[0]):.4f} -> "
      f"{float(hid.loss_after[0]):.4f} ({float(hid.loss_after[0] / hid.loss_before[0]):.1f}x), "
      f"monosemantic neurons {int(hid.monosemantic_before[0])} -> {int(hid.monosemantic_after[0])}")


# %% [markdown] tags=["exercise"]
# ### Exercise 1: rotate the hidden space
#
# Write `rotate(W, R)` that returns the weights of the rotated model: every feature direction $W_i$
# (column $i$ of `W`, shape $(m, n)$) becomes $R W_i$, for an $m \times m$ rotation `R`. Do not modify
# `W` in place.

# %% tags=["exercise"]
def rotate(W, R):
    """W (m, n), R (m, m) orthogonal -> the rotated weights (m, n)."""
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
rotate = adopt(intro_checks.check_rotate, rotate, solutions.lesson01.rotate)


# %% [markdown] tags=["exercise"]
# ### Exercise 2: the ReLU-hidden model
#
# Write `relu_hidden_forward(W, b, x)` for a batch `x` of shape $(B, n)$ (one sample per row) returning
# $x' = \mathrm{ReLU}(W^\top \mathrm{ReLU}(W x) + b)$ for every sample, shape $(B, n)$. With samples as
# rows, $Wx$ for all samples at once is `x @ W.T`.

# %% tags=["exercise"]
def relu_hidden_forward(W, b, x):
    """W (m, n), b (n,), x (B, n) -> x' (B, n) of the ReLU-hidden model."""
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
relu_hidden_forward = adopt(intro_checks.check_relu_hidden_forward, relu_hidden_forward, solutions.lesson01.relu_hidden_forward)

# %% [markdown]
# With the two functions adopted above (yours if they passed), repeat the experiment by hand on the trained ReLU-hidden model, and compare
# with what the same rotation does to the **linear** model's product $W^\top W$:

# %%
x = tmslab.sample_features(4096, np.full(10, 0.5), generator=torch.Generator().manual_seed(1))
W_h, b_h = runs["relu_hidden"].W[0].double(), runs["relu_hidden"].b[0].double()
out_before = relu_hidden_forward(W_h, b_h, x.double())
out_after = relu_hidden_forward(rotate(W_h, R), b_h, x.double())
print(f"ReLU-hidden: max |change of x'| = {float((out_after - out_before).abs().max()):.3f}")
W_l = runs["linear"].W[0].double()
WtW_change = (rotate(W_l, R).T @ rotate(W_l, R) - W_l.T @ W_l).abs().max()
print(f"linear:      max |change of W^T W| = {float(WtW_change):.6f}")

# %% [markdown]
# ## The superposition hypothesis
#
# The talk puts the three ideas side by side:
#
# * **Non-privileged basis**: features can be embedded in *any* direction (linear hidden layers,
#   the residual stream of a transformer). Asking what a single neuron means is not even well posed.
# * **Privileged basis**: an activation function acting on each neuron separately gives features an
#   incentive to align with the neurons, as the ReLU-hidden model just did. We then *expect*
#   monosemantic neurons.
# * **Superposition**: the network wants to represent **more features than it has neurons**, $n > m$.
#   Then the features *cannot* all align with the basis: there are only $m$ neurons and $m$ orthogonal
#   directions. **Polysemanticity is inevitable** if this happens: some neurons must respond to several
#   features.
#
# For the linear model the paper gives a crisp test: a representation is in superposition when $W^\top W$
# is not invertible. Read it for the features the model stores. $W^\top W$ itself is $n \times n$ with
# rank at most $m$, so for $n > m$ it is *never* invertible, even for a model that simply drops the extra
# features (the linear model of lesson 03). Restricted to the $k$ represented features (columns with
# $\|W_i\| \approx 1$), the $k \times k$ block of $W^\top W$ is invertible only when those $k$ directions
# are linearly independent, which needs $k \le m$: storing more than $m$ features forces superposition.
# Superposition has a cost: feature directions can no longer all be orthogonal, so an active
# feature $j$ leaks into feature $i$ by $W_i \cdot W_j$. This **interference** is the subject of lesson 02.
#
# Why would a model accept interference at all? Because in high dimensions you can have *many* directions
# that are *almost* orthogonal.

# %% [markdown]
# ## Why more features than dimensions is possible: Johnson–Lindenstrauss
#
# Call a set of unit vectors **$\varepsilon$-nearly orthogonal** when every pair has
# $|\cos| < \varepsilon$. In $\mathbb{R}^m$ at most $m$ vectors are exactly orthogonal, but nearly
# orthogonal ones are far more plentiful. For two independent random unit vectors $u, v \in \mathbb{R}^m$,
# $u \cdot v$ concentrates around 0 with spread about $1/\sqrt{m}$, and
#
# $$ P\left(|u \cdot v| \ge \varepsilon\right) \le 2\, e^{-m\varepsilon^2/2} .$$
#
# Among $N$ random directions the expected number of bad pairs is at most
# $\binom{N}{2} \cdot 2e^{-m\varepsilon^2/2} < N^2 e^{-m\varepsilon^2/2}$. When this is below 1, some draw
# has no bad pair at all, so
#
# $$ N = e^{m \varepsilon^2 / 4} $$
#
# $\varepsilon$-nearly orthogonal directions exist (`metrics.jl_lower_bound`): a number that grows
# **exponentially** with $m$. This is the intuition behind the **Johnson–Lindenstrauss lemma**, which the
# talk cites as the mathematical justification of superposition ([references](../docs/references.md#jl)). The lemma:
# *for any $0 < \varepsilon < 1$ and any $N$ points in $\mathbb{R}^d$, a linear map into $\mathbb{R}^k$
# with $k \ge 4 \ln N / (\varepsilon^2/2 - \varepsilon^3/3)$ keeps every squared distance between the
# points within a factor $1 \pm \varepsilon$* (a random projection does it with high probability).
# Apply it to the one-hot vectors $e_1, \dots, e_N$ and $0$: the images have
# $\|f(e_i)\|^2 \in [1 - \varepsilon, 1 + \varepsilon]$ and
# $\|f(e_i) - f(e_j)\|^2 \in [2 - 2\varepsilon, 2 + 2\varepsilon]$, so $|f(e_i) \cdot f(e_j)| \le 2\varepsilon$:
# $N$ features fit in $k = O(\log N / \varepsilon^2)$ dimensions with small interference.
#
# The bound is loose; a direct experiment (`metrics.johnson_lindenstrauss_count`) draws random
# directions one by one and keeps each one whose $|\cos|$ with every kept direction is below
# $\varepsilon$. Its count is a lower bound on what fits, and it depends on how many candidates are
# drawn: more candidates, more directions kept.

# %%
eps = 0.3
print(f"epsilon = {eps}: directions in R^m with every pairwise |cos| < {eps} (greedy, 2000 candidates)")
print(f"{'m':>5s} {'greedy count':>13s} {'count / m':>10s} {'exp(m eps^2/4)':>15s}")
for m in (5, 10, 20, 50, 100):
    count = metrics.johnson_lindenstrauss_count(m, eps, n_candidates=2000)
    print(f"{m:5d} {count:13d} {count / m:10.2f} {metrics.jl_lower_bound(m, eps):15.2f}")
by_candidates = {c: metrics.johnson_lindenstrauss_count(100, eps, n_candidates=c) for c in (500, 1000, 2000, 4000)}
print("m = 100, greedy count by number of candidates drawn:", by_candidates)

# %% [markdown]
# For small $m$ random directions do no better than an orthonormal basis ($m$ directions, $\cos = 0$),
# but the count grows much faster than $m$: at $m = 100$, several hundred directions have every pairwise
# $|\cos| < 0.3$, and drawing more candidates finds more (the last line), so the true maximum is larger
# still. The guaranteed $e^{m\varepsilon^2/4}$ is far smaller: it is a worst-case existence bound. Explore $m$ and $\varepsilon$ below. Left: cosines between 200 random directions (the band is
# $|\cos| < \varepsilon$); right: $m$, the greedy count (1000 candidates) and the bound, on a log scale.

# %%
intro_widgets.build_jl_explorer()


# %% [markdown] tags=["exercise"]
# ### Exercise 3: how orthogonal is a set of directions?
#
# Write `max_abs_cos(V)` for a tensor `V` of shape $(k, m)$ holding $k$ directions as rows (not
# necessarily of unit length). Return the largest $|\cos(V_a, V_b)|$ over all pairs $a \ne b$ as a
# Python float: 0 for mutually orthogonal directions, 1 when two are parallel or antiparallel.

# %% tags=["exercise"]
def max_abs_cos(V):
    """V (k, m), k >= 2 directions as rows -> max over a != b of |cos(V_a, V_b)|."""
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
max_abs_cos = adopt(intro_checks.check_max_abs_cosine, max_abs_cos, solutions.lesson01.max_abs_cos)

# %%
for m in (5, 50, 500, 5000):
    V = jl.random_directions(20, m, seed=0)
    print(f"20 random directions in R^{m:<4d}: max |cos| = {max_abs_cos(V):.3f}   "
          f"(1/sqrt(m) = {m ** -0.5:.3f})")

# %% [markdown]
# ## A first look: five features in two dimensions
#
# Back to a trained model. The talk's headline figure embeds 5 features of decreasing importance
# ($I_i = 0.9^i$) in $m = 2$ dimensions with the ReLU-output model. Lesson 00 showed the dense case (two
# dedicated dimensions). At **90% sparsity** the paper reports: *"All five features are embedded as a
# pentagon, but there is now 'positive interference'."* Five directions in a plane cannot be orthogonal,
# yet the model stores all of them, because two features are rarely active together.
#
# Small models like this one often get stuck in worse local minima, so, as in the paper, we train
# **10 restarts** and keep the one with the lowest loss (`run.best()`).

# %%
teaser = tmslab.train(n_features=5, n_hidden=2, model="relu_output", sparsity=0.9, importance=0.9,
                      n_seeds=10, progress=False)
losses = teaser.restart_losses()[0]
print("loss of each restart (x 1000):", rounded(losses * 1000, 2))
print("features represented (||W_i|| > 0.5) per restart:", metrics.n_represented(teaser.W).tolist())
best = teaser.best()
W_best = best.W[0]
print("best restart:", int(losses.argmin()), f"  loss {float(best.final_loss[0]):.5f}")
print("||W_i||:", rounded(metrics.feature_norms(W_best), 2))
print("angles between neighbouring features (degrees):", rounded(metrics.angular_gaps(W_best), 1))
print("bias b_i:", rounded(best.b[0], 2))

# %%
worst = teaser.select([int(losses.argmax())])
fig = plots.plot_features_2d_row(
    [W_best, worst.W[0]],
    [f"best restart: loss {float(losses.min()) * 1000:.2f}e-3",
     f"worst restart: loss {float(losses.max()) * 1000:.2f}e-3"],
    suptitle="5 features in 2 dimensions at 90% sparsity (colour = importance)")
plt.show()

# %%
norms, gaps = metrics.feature_norms(W_best), metrics.angular_gaps(W_best)
pentagon = bool(len(gaps) == 5 and (norms > 0.95).all() and (norms < 1.2).all()
                and ((gaps - 72).abs() < 10).all())
print('Paper (intro figure, 90% sparsity): "All five features are embedded as a pentagon".')
print(f"Measured (best of 10): 5 norms in [0.95, 1.2] and all gaps 72 +- 10 degrees -> {pentagon}")
print(f"Restarts that found all 5 features: {int((metrics.n_represented(teaser.W) == 5).sum())} / 10 "
      "(the reference replication: 3/10 seeds, docs/references.md#e1; best-of-K matters)")
print(f"All biases negative: {bool((best.b[0] < 0).all())} "
      "(a negative bias filters the small positive interference)")
print(f"Superposition sum_(j != i) (W^_i . W_j)^2 per feature: {rounded(metrics.superposition(W_best), 2)}")

# %% [markdown]
# Each feature's neighbours sit at about 72°, so an active feature leaks $\cos 72° \approx 0.3$ of its
# value into two neighbours (positive interference) and $\cos 144° \approx -0.8$ into the other two
# (negative interference, which the output ReLU removes). The negative bias cancels the small positive
# leaks. Every neuron (both coordinates of $h$) responds to all five features: the model is in
# superposition and its neurons are polysemantic. Lessons 03 and 04 explain when and why this happens.

# %% [markdown]
# ## Summary
#
# * A **feature** is a direction $W_i$ in the hidden space; a **neuron** is a coordinate $h_j$. A neuron is
#   monosemantic when one feature dominates its row of $W$, polysemantic otherwise (the "Clemson football
#   and South African safari tours" neuron). Features are *directions*, as in word vectors
#   (king - man + woman is closest to queen).
# * **Non-privileged basis**: in the linear and ReLU-output models, rotating the hidden space, $W \to RW$,
#   leaves $W^\top W$ and the function unchanged (measured: max output change 0.0000). **Privileged
#   basis**: with a hidden ReLU the same rotation raises the loss and destroys the monosemantic neurons
#   (the table above), and training aligns features with neurons.
# * **Superposition hypothesis**: networks represent more features than neurons; then features cannot all
#   align with the basis and **polysemanticity is inevitable**.
# * **Johnson–Lindenstrauss**: $N$ points keep their distances within $1 \pm \varepsilon$ in
#   $O(\log N / \varepsilon^2)$ dimensions, so the number of $\varepsilon$-nearly orthogonal directions grows
#   like $e^{cm\varepsilon^2}$, so $m$ dimensions can host far more than $m$ features with small interference.
# * A trained 5-feature, 2-dimension model at 90% sparsity stores all five features as a pentagon
#   (best of 10 restarts), as the paper says.

# %% [markdown]
# ## Check your understanding
#
# 1. Why is it meaningless to ask what neuron 3 of the *linear* toy model detects?
#    <details><summary>Answer</summary>
#
#    Its basis is not privileged: any rotation $RW$ of a trained $W$ computes exactly the same function
#    ($W^\top R^\top R W = W^\top W$) and has the same loss, so which mixture of features lands on
#    coordinate 3 is an accident of training, not something the model needs.
#    </details>
#
# 2. The ReLU-output model $x' = \mathrm{ReLU}(W^\top W x + b)$ has a ReLU. Why is its hidden basis still
#    not privileged?
#    <details><summary>Answer</summary>
#
#    Its ReLU acts on the *output* $x'$, after $W^\top W$; the hidden layer $h = Wx$ itself is linear and
#    enters only through $W^\top W$, which rotations leave unchanged. Only a nonlinearity acting on the
#    hidden coordinates (the ReLU-hidden model) privileges them.
#    </details>
#
# 3. A model with $m = 5$ neurons represents $n = 8$ features. Must some neuron be polysemantic?
#    <details><summary>Answer</summary>
#
#    Yes. A monosemantic neuron responds to one feature only; five neurons could at most cover five
#    features one each, so the other three must share neurons with them (or be stored in directions that
#    mix neurons). More features than neurons makes polysemanticity inevitable.
#    </details>
#
# 4. Using $N = e^{m\varepsilon^2/4}$, roughly how many directions with $|\cos| < 0.1$ are guaranteed in
#    $m = 10{,}000$ dimensions?
#    <details><summary>Answer</summary>
#
#    $e^{10000 \times 0.01 / 4} = e^{25} \approx 7 \times 10^{10}$: vastly more than $10{,}000$.
#    </details>
#
# 5. Why train 10 restarts and keep the lowest loss for the 5-features-in-2-dimensions model?
#    <details><summary>Answer</summary>
#
#    Small models often converge to local minima (here several restarts stored only four features). The
#    paper's figures show the lowest-loss solution; the reference replication found the pentagon in only
#    3 of 10 seeds ([references, E1](../docs/references.md#e1)).
#    </details>
