# %% [markdown]
# # 09 · Sparse autoencoders: taking features out of superposition
#
# The talk this course grew from ends its list of key questions with:
#
# > *Is there extension from the "toy model" to describe effects in larger models?*
#
# This lesson answers with the tool that became the field's main way to read large models: the
# **sparse autoencoder** (SAE). The toy model gives us something a language model never does, the
# *ground truth*: we know every feature direction $W_i$, so we can measure whether an SAE finds them.
#
# **Learning goals.** After this lesson you can
#
# 1. say what "finding an overcomplete basis after the fact" (the paper's strategic picture) means, and why
#    an L1 penalty on a code can undo superposition;
# 2. write the SAE forward pass and loss, and explain the role of $\lambda$ and of unit-norm dictionary columns;
# 3. measure recovery against known features with **MMCS** (mean max cosine similarity) and the
#    **recovered feature fraction**, and read the **L0 vs reconstruction** trade-off;
# 4. find **dead latents** and revive them by **resampling**;
# 5. say what changes when the same method meets a real language model.
#
# **Time:** about 45 minutes (the notebook itself runs in well under a minute).
# **Prerequisites:** the ReLU output model $x' = \mathrm{ReLU}(W^\top W x + b)$ and the superposition
# measures of the earlier lessons ($\lVert W_i\rVert$, $W^\top W$, $D^* = m/\lVert W\rVert_F^2$).

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
import tmslab.sae as sae
import tmslab.checks.sae as sae_checks
import tmslab.widgets.sae as sae_widgets
from tmslab import metrics, theory
from tmslab import solutions
from tmslab.checks import adopt, whose
from tmslab.sae_plots import plot_cosine_matrix, plot_sae_sweep

tmslab.setup_lesson(seed=0)
r3 = lambda t: (np.round(np.asarray(t, dtype=float), 3) + 0.0).tolist()   # rounded, no "-0.0"

# %% [markdown]
# ## 1. Why a sparse code can undo superposition
#
# Recall the talk's three universities packed into two neurons:
# $W = \begin{pmatrix} \frac{\sqrt3}{2} & -\frac{\sqrt3}{2} & 0 \\ \frac12 & \frac12 & -1 \end{pmatrix}$.
# Activate Clemson and Duke at 0.9: $h = W x = (0, 0.9)$. The *linear* read-out $W^\top h$ gives
# $(0.45, 0.45, -0.9)$: half of each true value, and a phantom $-0.9$ on NC State. The talk concluded
# "we now have no idea what features were really present".
#
# Ask a different question: which **non-negative, sparse** combination of the three directions explains $h$?
# Every exact non-negative code has the form $c = (0.9 + t,\ 0.9 + t,\ t)$ with $t \ge 0$ (the first row of
# $Wc = h$ forces $c_1 = c_2$, the second then gives $c_1 - c_3 = 0.9$), and its L1 norm $1.8 + 3t$ is
# smallest at $t = 0$: **minimising $\lVert c\rVert_1$ recovers exactly $(0.9, 0.9, 0)$**. Sparsity, the fuel of
# superposition, is also the key to undoing it.

# %%
W_uni = theory.three_universities_W()
h_uni = theory.embed(W_uni, [0.9, 0.9, 0.0])
print("h = W x                :", r3(h_uni))
print("linear read-out W^T h  :", r3(theory.recover(W_uni, h_uni)))
for t in (0.0, 0.1, 0.3):
    c = torch.tensor([0.9 + t, 0.9 + t, t], dtype=torch.float64)
    print(f"code c = {r3(c)}: W c = {r3(W_uni @ c)}, ||c||_1 = {float(c.abs().sum()):.2f}")

# %% [markdown]
# The paper's *strategic picture* (its section on solving superposition) lists three routes: build models
# without superposition (e.g. an L1 penalty on the hidden layer), **find an overcomplete basis after the fact**,
# or a hybrid. A sparse autoencoder is route two: *dictionary learning* on a model's activations. Nobody hands
# us the dictionary, so we learn it, and in the toy model we can check the answer.
#
# ## 2. A toy model with many features in superposition
#
# We train the ReLU output model with $n = 40$ equally important features in $m = 16$ dimensions at sparsity
# $S = 0.95$ (each feature is on in 5% of samples, so about 2 features are active per sample), with the
# paper's recipe (10,000 steps of AdamW at learning rate $10^{-3}$).

# %%
n, m, S = 40, 16, 0.95
toy = tmslab.train(n_features=n, n_hidden=m, model="relu_output", sparsity=S, importance=1.0,
                   steps=10_000, seed=0, progress=False)
W = toy.W[0]                                    # (m, n): column i = feature i's direction
rep = metrics.represented(W)
cos = metrics.cosine_similarity(W)
off = (cos - torch.eye(n))[rep][:, rep]
print(f"represented features (||W_i|| > 0.5): {int(rep.sum())} of {n}")
print(f"in superposition (sum_j (W^_i.W_j)^2 > 0.1): {int(metrics.n_superposed(W))} of {n}")
print(f"features per hidden dimension 1/D* = ||W||_F^2 / m: {1 / float(metrics.dimensions_per_feature(W)):.2f}")
print(f"largest cosine between two features: {float(off.max()):.3f}; mean bias: {float(toy.b[0].mean()):.3f}")
print("paper (high-sparsity regime): 'models put all features in superposition ... we begin to see "
      "positive interference and negative biases'")
print(f"measured: {int(rep.sum())}/{n} represented, {int(metrics.n_superposed(W))}/{n} superposed, "
      f"max cosine {float(off.max()):.2f} > 0, mean bias {float(toy.b[0].mean()):.2f} < 0 -> "
      f"{'consistent' if rep.all() and float(off.max()) > 0 and float(toy.b[0].mean()) < 0 else 'different'}")

# %%
fig = tmslab.plots.plot_interference(W, toy.b[0], title="Toy model: W^T W and b (n=40, m=16, S=0.95)")
plt.show()


# %% [markdown]
# Sixteen dimensions hold forty features, each overlapping a little with many others. From now on we pretend
# to be interpretability researchers who can see only the hidden activations $h = W x$ and must find the 40
# directions $W_i$ ourselves.
#
# ## 3. The sparse autoencoder
#
# An SAE with $d$ latents maps an activation $h \in \mathbb R^m$ to a code $c \in \mathbb R^d_{\ge 0}$ and back:
#
# $$c = \mathrm{ReLU}\big(W_{\text{enc}}(h - b_{\text{dec}}) + b_{\text{enc}}\big), \qquad
# \hat h = W_{\text{dec}}\, c + b_{\text{dec}},$$
#
# $$\mathcal L = \frac1B \sum_{b=1}^{B} \Big( \lVert h_b - \hat h_b \rVert_2^2 + \lambda \lVert c_b \rVert_1 \Big),$$
#
# with $W_{\text{enc}} \in \mathbb R^{d\times m}$ and $W_{\text{dec}} \in \mathbb R^{m\times d}$. The columns $D_j$ of
# $W_{\text{dec}}$ are the **dictionary**; we rescale them to unit norm after every optimiser step (otherwise the
# SAE would dodge the penalty by shrinking $c$ and growing $W_{\text{dec}}$). The first term asks for a faithful
# reconstruction, the second for few active latents; $\lambda$ sets the exchange rate.
#
# Look familiar? The toy model's own read-out $\mathrm{ReLU}(W^\top h + b)$ is an encoder with $W_{\text{enc}} = W^\top$
# and a negative bias that filters interference. An SAE learns such a read-out *without* knowing $W$.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: the SAE forward pass and loss
#
# Write `sae_forward(h, W_enc, b_enc, W_dec, b_dec, l1_coeff)` for **one** SAE: `h` is `(B, m)`, `W_enc` is
# `(d, m)`, `b_enc` `(d,)`, `W_dec` `(m, d)`, `b_dec` `(m,)`. Return `(c, h_hat, loss)` with `c` of shape `(B, d)`,
# `h_hat` `(B, m)` and `loss` a scalar: the mean over samples of the squared error summed over the $m$
# dimensions, plus $\lambda$ times the mean over samples of $\lVert c\rVert_1$.

# %% tags=["exercise"]
def sae_forward(h, W_enc, b_enc, W_dec, b_dec, l1_coeff):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
sae_forward = adopt(sae_checks.check_sae_forward, sae_forward, solutions.lesson09.sae_forward)

# %% [markdown]
# ## 4. Training a sweep of SAEs in one go
#
# We collect activations $h = Wx$ from fresh samples (32,768 for training, 16,384 held out for measuring), and
# train **eight SAEs side by side**, one per $\lambda$, with $d = 40$ latents each. `tmslab.sae.train_sae`
# batches them like `tmslab.train` batches toy models: every parameter carries an instance axis, all eight see
# the same batches and start from the same weights, so they differ only in $\lambda$. (Adam, learning rate
# $3\cdot10^{-3}$, 1,500 steps of 256 samples.)

# %%
h_train, x_train = sae.toy_activations(W, S, n_samples=32768, seed=1)
h_eval, x_eval = sae.toy_activations(W, S, n_samples=16384, seed=2)
true_l0 = float((x_eval > 0).sum(dim=1).float().mean())
print(f"activations: train {tuple(h_train.shape)}, held out {tuple(h_eval.shape)}")
print(f"true mean number of active features per sample: {true_l0:.2f} (n (1-S) = {n * (1 - S):.2f})")

lambdas = [0.01, 0.02, 0.04, 0.07, 0.14, 0.27, 0.5, 1.0]
config = sae.SAEConfig(n_latents=40, l1_coeffs=lambdas, steps=1500, batch_size=256, lr=3e-3, seed=0)
saes = sae.train_sae(h_train, config)
saes


# %% [markdown] tags=["exercise"]
# ### Exercise 2: measuring recovery
#
# For each true feature $i$, take its best-matching dictionary atom, $\max_j \cos(W_i, D_j)$. The **MMCS** is the
# mean of these over features (Sharkey et al. 2022); the **recovered feature fraction** is the share of
# features whose best cosine exceeds a threshold (0.9 here). Use *signed* cosines: codes are non-negative,
# so an atom pointing along $-W_i$ cannot represent feature $i$.
#
# Write `recovery(features, dictionary, threshold)`: `features` is `(m, n)` (columns $W_i$, not necessarily unit
# length), `dictionary` is `(m, d)` (columns $D_j$); return `(mmcs, recovered_fraction)` as two numbers.

# %% tags=["exercise"]
def recovery(features, dictionary, threshold):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
recovery = adopt(sae_checks.check_recovery, recovery, solutions.lesson09.recovery)

# %% [markdown]
# Now the sweep. Besides recovery we record **L0** (mean number of active latents per sample), the
# reconstruction error (MSE and the fraction of variance unexplained, FVU) and the number of **dead
# latents** (never active on the 16,384 held-out samples).

# %%
stats = saes.evaluate(h_eval)
mmcs = sae.mmcs(W, saes.W_dec, which=rep)                           # over represented features
recovered = sae.recovered_fraction(W, saes.W_dec, 0.9, which=rep)
print("   lambda    L0     MSE     FVU   MMCS  recovered  dead")
for k, lam in enumerate(lambdas):
    print(f"{lam:9.2f} {float(stats['l0'][k]):5.2f} {float(stats['mse'][k]):7.4f} {float(stats['fvu'][k]):7.3f} "
          f"{float(mmcs[k]):6.3f} {float(recovered[k]):9.3f} {int(stats['n_dead'][k]):5d}")
best = int(torch.argmax(recovered + mmcs))                          # most features recovered, then MMCS
print(f"\nbest lambda = {lambdas[best]}: MMCS {float(mmcs[best]):.3f}, "
      f"recovered feature fraction {float(recovered[best]):.3f} "
      f"({int(round(float(recovered[best]) * int(rep.sum())))} of {int(rep.sum())} features with cosine > 0.9), "
      f"L0 {float(stats['l0'][best]):.2f} vs true {true_l0:.2f}")
mm_you, frac_you = recovery(W, saes.W_dec[best], 0.9)
print(f"{whose(recovery)} recovery() on the same SAE: MMCS {mm_you:.3f}, recovered feature fraction {frac_you:.3f}")

# %% [markdown]
# Are these numbers good? Two baselines that know nothing about the features: the **neuron basis**
# (read the 16 hidden dimensions directly, as $\pm e_k$: 32 atoms), and **random dictionaries** of 40 unit
# vectors (averaged over 100 draws). Then the comparison with what the literature reports.

# %%
neurons = torch.cat([torch.eye(m), -torch.eye(m)], dim=1)           # (m, 2m) atoms +-e_k
random_dicts = torch.randn(100, m, 40, generator=torch.Generator().manual_seed(3))
base_neuron = float(sae.mmcs(W, neurons))
base_random = float(sae.mmcs(W, random_dicts).mean())
print(f"baseline MMCS: neuron basis {base_neuron:.3f} (recovered {float(sae.recovered_fraction(W, neurons)):.3f}), "
      f"random 40-atom dictionary {base_random:.3f} "
      f"(recovered {float(sae.recovered_fraction(W, random_dicts).mean()):.3f})")

lo, hi = 0, len(lambdas) - 1
print("\nSharkey et al. 2022 (docs/references.md#follow-up) vs measured here:")
print(f"- well-chosen lambda, d >= n: MMCS close to 1      -> lambda {lambdas[best]}: MMCS {float(mmcs[best]):.3f}")
print(f"- too small lambda: dense, unaligned codes          -> lambda {lambdas[lo]}: L0 {float(stats['l0'][lo]):.2f} "
      f"(true {true_l0:.2f}), MMCS {float(mmcs[lo]):.3f}, recovered {float(recovered[lo]):.3f}")
print(f"- too large lambda: falling MMCS and dead features  -> lambda {lambdas[hi]}: MMCS {float(mmcs[hi]):.3f}, "
      f"FVU {float(stats['fvu'][hi]):.3f}, dead latents {int(stats['n_dead'][hi])} "
      f"({'MMCS falls' if float(mmcs[hi]) < float(mmcs[best]) else 'MMCS does not fall'}; "
      f"{'dead latents seen' if int(stats['n_dead'][hi]) > 0 else 'no dead latents at this learning rate, see section 5'})")

# %%
fig = plot_sae_sweep(lambdas, stats["l0"], stats["fvu"], mmcs, recovered, true_l0=true_l0,
                     baselines={"random dictionary": base_random, "neuron basis": base_neuron})
plt.show()

# %% [markdown]
# Read the left panel from right to left: a small $\lambda$ buys an almost perfect reconstruction with a dense
# code (many latents per sample, far above the 2 true features): the SAE has found *a* basis of the
# 16-dimensional space, not *the* features. As $\lambda$ grows the code gets sparser, and at the elbow, where L0
# approaches the true number of active features, the dictionary snaps onto the true directions. Beyond that the
# penalty shrinks every code (the L1 "shrinkage" bias), the reconstruction error grows, and recovery drops again.
#
# The cosine matrices show the same thing feature by feature (latents sorted by their best-matching feature, so
# a perfect recovery is a diagonal):

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, k in zip(axes, (0, best)):
    plot_cosine_matrix(W, saes.W_dec[k], ax=ax, title=f"λ = {lambdas[k]}: MMCS {float(mmcs[k]):.2f}")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Explore: the L1 coefficient
#
# Move the $\lambda$ slider to switch between the eight SAEs trained above (nothing is retrained), and the
# threshold slider to change what counts as "recovered". Watch the diagonal appear and fade, and how L0 and the
# reconstruction error move in opposite directions.

# %%
sae_widgets.build_sae_explorer(W, saes, h_eval, threshold=0.9, true_l0=true_l0)


# %% [markdown]
# ## 5. Dead latents and resampling
#
# A latent whose pre-activation $W_{\text{enc},j}(h - b_{\text{dec}}) + b_{\text{enc},j}$ is negative on *every* input
# outputs 0, and the ReLU passes **no gradient** back to it: it is **dead**, and plain training never revives it.
# In real SAEs with large dictionaries, a large fraction of latents can die, and every dead latent is a feature
# the dictionary cannot represent.

# %% [markdown] tags=["exercise"]
# ### Exercise 3: find dead latents
#
# Write `find_dead(codes)`: `codes` is `(N, d)` (non-negative SAE codes on $N$ samples); return a boolean
# tensor `(d,)`, `True` for latents that are zero on **every** sample. (Rarely active is not dead.)

# %% tags=["exercise"]
def find_dead(codes):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
find_dead = adopt(sae_checks.check_find_dead, find_dead, solutions.lesson09.find_dead)

# %% [markdown]
# With the learning rate used above no latent died (last column of the table). A ten times larger learning rate
# ($3\cdot10^{-2}$) kills some: large early updates push latents out of the data's reach. We train three SAEs
# ($\lambda$ = 0.27, 0.5, 1.0) for 1,000 steps at that rate, count the dead latents, then continue for 600
# steps at the normal rate in two arms trained side by side: **as they are**, and after **resampling**.
#
# Resampling (a simplified version of Bricken et al. 2023): for each latent that is dead on the training
# activations, draw a training input with probability proportional to the square of its reconstruction loss
# (badly explained inputs are likely), point
# the dead latent's dictionary column at it, $D_j = (h - b_{\text{dec}})/\lVert h - b_{\text{dec}}\rVert$, set its encoder
# row to the same direction scaled to 0.2 times the average live encoder norm, and its bias to 0.

# %%
dead_lams = [0.27, 0.5, 1.0]
hot = sae.train_sae(h_train, sae.SAEConfig(n_latents=40, l1_coeffs=dead_lams, steps=1000, batch_size=256,
                                           lr=3e-2, seed=0))
codes_hot = hot.encode(h_eval)                                       # (N, 3 SAEs, d)
print(f"dead latents after phase 1 on the held-out activations, by {whose(find_dead)} find_dead():",
      [int(find_dead(codes_hot[:, k]).sum()) for k in range(len(dead_lams))])
revived, n_resampled = sae.resample_dead(hot, h_train, seed=0)
arms = sae.train_sae(h_train, sae.SAEConfig(n_latents=40, l1_coeffs=dead_lams * 2, steps=600,
                                            batch_size=256, lr=3e-3, seed=1),
                     init=sae.concat([hot, revived]))
plain, resampled = arms.select(slice(0, 3)), arms.select(slice(3, 6))
rows = {"after phase 1 (lr 3e-2)": hot, "continued as is": plain, "resampled, continued": resampled}
print("                           lambda  dead   MMCS  recovered    FVU")
for name, model in rows.items():
    ev = model.evaluate(h_eval)
    mm, rec = sae.mmcs(W, model.W_dec, which=rep), sae.recovered_fraction(W, model.W_dec, 0.9, which=rep)
    for k, lam in enumerate(dead_lams):
        print(f"{name if k == 0 else '':26s} {lam:6.2f} {int(ev['n_dead'][k]):5d} {float(mm[k]):6.3f} "
              f"{float(rec[k]):10.3f} {float(ev['fvu'][k]):6.3f}")
print(f"\nlatents resampled per SAE (dead on the training activations): {n_resampled.tolist()}")
ev_plain, ev_res = plain.evaluate(h_eval), resampled.evaluate(h_eval)
rec_plain = sae.recovered_fraction(W, plain.W_dec, 0.9, which=rep)
rec_res = sae.recovered_fraction(W, resampled.W_dec, 0.9, which=rep)
for k, lam in enumerate(dead_lams):
    if int(n_resampled[k]):
        print(f"lambda {lam}: {int(n_resampled[k])} resampled; dead on the held-out set afterwards "
              f"{int(ev_plain['n_dead'][k])} (as is) vs {int(ev_res['n_dead'][k])} (resampled); recovered feature "
              f"fraction {float(rec_plain[k]):.3f} (as is) vs {float(rec_res[k]):.3f} (resampled)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, (name, model) in zip(axes, (("continued as is", plain), ("resampled, continued", resampled))):
    k = len(dead_lams) - 1
    dead = sae.dead_latents(model.encode(h_eval))[k]
    plot_cosine_matrix(W, model.W_dec[k], dead=dead, ax=ax, title=f"λ = {dead_lams[k]}, {name}")
fig.tight_layout()
plt.show()

# %% [markdown]
# Where many latents died ($\lambda = 1$), the SAE continued as is keeps most of them dead, and the features
# those latents could have covered stay missing: a dead latent gets no gradient, and only an accidental shift
# of $b_{\text{dec}}$ or of the other latents could bring it back. Resampled, (nearly) all come back and the
# recovered fraction rises a lot: resampling gives each dead latent a second chance, aimed at the inputs the
# SAE explains worst, which tend to contain the missing features. Where only one or two latents died (at the
# smaller $\lambda$, depending on the seed), resampling revives them too, but recovery changes by at most a
# feature or two: a revived latent can only add a feature that was missing. On the four seeds we tried
# (this one and three others), the recovered fraction never fell where latents were resampled, and rose by
# 0.2 to 0.4 at $\lambda = 1$. Real SAE training runs resample (or add auxiliary losses against dead latents)
# several times during training.
#
# ## 6. From the toy model to language models (context, not measured here)
#
# Everything above used a luxury real models do not offer: **ground truth**. What changes:
#
# * **No ground truth.** In a language model nobody knows the features, so MMCS cannot be computed. Researchers
#   judge a dictionary by reconstruction (how much of the model's loss survives when $h$ is replaced by
#   $\hat h$), by L0, by dead and dense latents, and by how *interpretable* latents look (automated and
#   human inspection of the inputs that activate them). Sharkey, Braun and Millidge (2022) ran exactly this
#   lesson's experiment on synthetic activations built from known directions and showed that the L1-penalised
#   autoencoder recovers them (MMCS near 1), which is what justified trusting the method where no ground truth
#   exists; they also compared dictionaries of different sizes with each other to guess the right size.
# * **Much larger dictionaries, many more activations.** *Towards Monosemanticity* (Bricken et al., 2023)
#   trained SAEs on the 512-neuron MLP layer of a one-layer transformer and decomposed it into thousands of
#   interpretable features (the summary page mentions more than 4,000), for example DNA sequences, legal text,
#   HTTP requests, Hebrew and Arabic script, where individual neurons were polysemantic. Cunningham et al. (2023)
#   found interpretable SAE features in the residual stream of language models too. Later SAEs change how
#   sparsity is enforced: TopK (Gao et al., 2024) keeps the $k$ largest pre-activations, JumpReLU
#   (Rajamanoharan et al., 2024) learns a threshold per latent, and Matryoshka SAEs (Bussmann et al., 2025)
#   train nested dictionaries ([references](../docs/references.md#saes)).
# * **The same knobs.** The L0 vs reconstruction trade-off, the choice of $\lambda$, dead latents and
#   resampling all come back at scale; the toy model is where you can see *why* they matter, because you can
#   check the answer.
#
# So the answer to the talk's question is a qualified yes: the toy model's picture (sparse features stored as
# almost-orthogonal directions, read out with a thresholding nonlinearity) is exactly the assumption under
# which SAEs work, and SAEs built on that picture do find meaningful features in real models.

# %% [markdown]
# ## Summary
#
# * Superposition stores $n$ sparse features in $m < n$ dimensions; the paper's second route to "solving" it is to
#   find an **overcomplete basis after the fact**. An SAE learns that basis from activations alone.
# * SAE: $c = \mathrm{ReLU}(W_{\text{enc}}(h - b_{\text{dec}}) + b_{\text{enc}})$, $\hat h = W_{\text{dec}} c + b_{\text{dec}}$,
#   loss $\lVert h - \hat h\rVert^2 + \lambda\lVert c\rVert_1$, unit-norm dictionary columns.
# * On our toy model (40 features in 16 dimensions) the right $\lambda$ recovers the features almost perfectly,
#   far above the neuron-basis and random-dictionary baselines; too small a $\lambda$ gives a dense code that
#   reconstructs well but matches no feature, too large a $\lambda$ shrinks codes and loses features.
# * Dead latents get no gradient; resampling them towards badly reconstructed inputs brings features back.
# * In language models there is no ground truth, dictionaries are far larger, and interpretability has to be
#   judged indirectly, but the toy model explains why the method can work.

# %% [markdown]
# ## Check your understanding
#
# 1. Why must the dictionary columns have a fixed norm? What would happen to the L1 term otherwise?
# <details><summary>Answer</summary>
#
# The loss only sees the product $W_{\text{dec}} c$. Scaling column $j$ up by $a$ and $c_j$ down by $a$ leaves the
# reconstruction unchanged and divides the L1 penalty by $a$, so without a norm constraint the SAE would make
# $\lambda\lVert c\rVert_1$ arbitrarily small without becoming any sparser.
#
# </details>
#
# 2. With $\lambda = 0.01$ the SAE reconstructs the activations almost perfectly. Why is that *not* evidence that it
# found the features?
# <details><summary>Answer</summary>
#
# Any dictionary that spans the 16-dimensional space reconstructs $h$ perfectly with a dense code. Reconstruction
# alone cannot tell a basis from the features; what singles out the true features is that they give the
# *sparsest* exact code (section 1). The table shows it: L0 far above the true 2 active features, MMCS close to
# the random-dictionary baseline.
#
# </details>
#
# 3. Why use signed cosines for MMCS, not absolute values?
# <details><summary>Answer</summary>
#
# Codes are non-negative, so an atom $D_j = -W_i/\lVert W_i\rVert$ can only add $-W_i$ to the reconstruction: it
# cannot represent feature $i$, which only ever points along $+W_i$ (its values are $\ge 0$). Absolute cosines
# would count such an atom as a perfect match.
#
# </details>
#
# 4. Our SAE had exactly $d = n = 40$ latents. What would you expect with $d = 20$, and with $d = 160$?
# <details><summary>Answer</summary>
#
# With $d = 20$ at most 20 features can have an atom of their own, so the recovered fraction is at most 0.5:
# an atom within cosine 0.9 of two features needs those two features to have cosine above $2\cdot0.9^2 - 1 = 0.62$,
# and the largest cosine between two of our features, printed in section 2, is below 0.2. With $d = 160$ several latents can share a feature
# (duplicates) or die; MMCS can still be high, since it only needs one good atom per feature. In real models
# $n$ is unknown, which is why dictionary size is swept.
#
# </details>
#
# 5. Why does a dead latent never come back under gradient descent, and why resample towards *badly
# reconstructed* inputs?
# <details><summary>Answer</summary>
#
# Its pre-activation is negative on every input, so the ReLU's derivative is 0 everywhere: no gradient reaches its
# encoder row or bias, and its decoder column gets zero gradient as well because $c_j = 0$. Inputs with large
# reconstruction error are the ones the current dictionary fails to explain, typically those containing a
# feature with no atom, so pointing a fresh latent at them is the quickest way to cover a missing feature.
#
# </details>
