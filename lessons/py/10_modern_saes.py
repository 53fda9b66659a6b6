# %% [markdown]
# # 10 · Modern sparse autoencoders: dictionary size, TopK, JumpReLU, absorption and Matryoshka
#
# Lesson 09 trained L1 sparse autoencoders (SAEs) on a toy model's activations and found its 40 features.
# It also handed the SAE the answer: a dictionary of exactly $d = n = 40$ latents. Researchers who train SAEs
# on language models do not know $n$, and today they rarely use the plain L1 penalty: they use **TopK**
# (Gao et al. 2024) or **JumpReLU** (Rajamanoharan et al. 2024) SAEs, put the decoder norms into the
# penalty, and worry about **feature splitting** and **feature absorption**. On a toy model, where the true
# features are known, we can measure every one of these effects instead of guessing.
#
# **Learning goals.** After this lesson you can
#
# 1. say what an SAE does with a dictionary smaller or larger than the number of features: which features
#    merge, which get duplicated, which latents die or match nothing, and count them (a *latent census*);
# 2. write the **TopK** and **JumpReLU** activations, and the **straight-through pseudo-gradient** that trains
#    JumpReLU's threshold;
# 3. compare SAE families on the **L0-vs-reconstruction frontier** and on feature recovery, and explain the
#    decoder-norm penalty and how each family handles **dead latents**;
# 4. build a toy **feature hierarchy**, measure **absorption**, and show what a **Matryoshka** SAE changes and
#    what it costs;
# 5. say how correlated features and a privileged basis (a ReLU hidden layer) change what an SAE finds, and what
#    carries over to SAEs on language models.
#
# **Time:** about 60 minutes (the notebook itself runs in well under a minute).
# **Prerequisites:** lesson 09 (the L1 SAE, MMCS, recovered fraction, L0, dead latents and resampling).

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

import tmslab
import tmslab.sae as sae
import tmslab.checks.saes as saes_checks
import tmslab.widgets.saes as saes_widgets
from tmslab import modern_saes, modern_sae_plots, solutions
from tmslab.checks import adopt, whose
from tmslab.data import FeatureGroups
from tmslab.hierarchy import Hierarchy, directions
from tmslab.sae_plots import plot_cosine_matrix

tmslab.setup_lesson(seed=0)
r3 = lambda t: (np.round(np.asarray(t, dtype=float), 3) + 0.0).tolist()   # rounded, no "-0.0"

# %% [markdown]
# ## 1. The toy model, again
#
# Lesson 09's setting: the ReLU output model with $n = 40$ equally important features in $m = 16$ dimensions at
# sparsity $S = 0.95$, trained for 3,000 steps, and its hidden activations $h = Wx$ on fresh samples (32,768 to
# train SAEs on, 16,384 held out). `modern_saes.toy_setup` does all of it in one call.

# %%
toy = modern_saes.toy_setup(n_features=40, n_hidden=16, sparsity=0.95, steps=3000, seed=0)
W, n = toy.W, toy.W.shape[1]
true_l0 = toy.true_l0
print(f"toy model W: {tuple(W.shape)}; activations: train {tuple(toy.h_train.shape)}, held out {tuple(toy.h_eval.shape)}")
print(f"true mean number of active features per sample: {true_l0:.2f}")
overlap = sae.cosine_matrix(W, W) - torch.eye(n)
print(f"largest cosine between two feature directions: {float(overlap.max()):.3f}")

# %% [markdown]
# ## 2. How big should the dictionary be?
#
# An SAE with $d$ latents has $d$ dictionary atoms $D_j$ (columns of $W_{\text{dec}}$). Against the $n$ true
# directions $W_i$ we take a **census**, with cosines $C_{ij} = \cos(W_i, D_j)$ and a latent *alive* if it fires
# on some held-out sample:
#
# * a latent **matches** feature $i$ when it is alive and $C_{ij} > 0.9$;
# * a feature is **recovered** if some latent matches it, **duplicated** if two or more do (the toy version of
#   *feature splitting*: one feature spread over several latents);
# * a latent is **dead** if it never fires, **unmatched** if it is alive but matches no feature, and **blended**
#   if it is unmatched but within cosine 0.5 of two or more features (one atom serving several features).
#
# With $d < n$ at most $d$ features can be recovered: an atom within cosine 0.9 of two features would need
# those two to have cosine above $2 \cdot 0.9^2 - 1 = 0.62$, far above the largest overlap of our $W$ (printed
# above).
#
# We train every SAE this lesson needs in one go: three families (L1, TopK, JumpReLU), four dictionary sizes
# $d \in \{20, 40, 80, 160\}$, five sparsity settings each (five $\lambda$ for L1 and JumpReLU, five $k$ for
# TopK), 1,500 Adam steps of 256 samples. Sections 3-4 explain TopK and JumpReLU; here we only count.

# %%
grid = modern_saes.train_grid(toy.h_train, families=("l1", "topk", "jumprelu"), sizes=(20, 40, 80, 160))
summaries = {key: modern_saes.summarise(W, model, toy.h_eval) for key, model in grid.items()}
sizes = [20, 40, 80, 160]
picks = {"l1": 2, "topk": 2, "jumprelu": 2}          # lambda = 0.27, k = 3, lambda = 0.03: L0 near the truth
print(f"{'family':9s} {'setting':>10s} {'d':>4s} {'L0':>6s} {'FVU':>6s} {'recovered':>9s} {'duplicated':>10s} "
      f"{'dead':>5s} {'unmatched':>9s} {'blended':>7s}")
for kind, i in picks.items():
    for d in sizes:
        s = summaries[(kind, d)]
        label = modern_saes.setting_labels(grid[(kind, d)])[i]
        print(f"{modern_saes.FAMILY_NAMES[kind]:9s} {label:>10s} {d:4d} {s['l0'][i]:6.2f} {s['fvu'][i]:6.3f} "
              f"{int(s['recovered_count'][i]):6d}/{n} {int(s['duplicated'][i]):10d} {int(s['dead'][i]):5d} "
              f"{int(s['unmatched'][i]):9d} {int(s['blended'][i]):7d}")

# %%
table = {modern_saes.FAMILY_NAMES[k]: modern_saes.size_table(summaries, k, i, sizes) for k, i in picks.items()}
fig = modern_sae_plots.plot_size_sweep(sizes, table, n_features=n)
plt.show()

# %% [markdown]
# Three regimes:
#
# * **$d < n$: features merge or disappear.** Twenty latents cannot hold forty features. Which failure you get
#   depends on the sparsity pressure; compare the L1 SAEs with $d = 20$ below.
# * **$d \approx n$**: close to one latent per feature (lesson 09).
# * **$d > n$: the families part ways.** Spare latents have to do *something*. The L1 SAE keeps all of them
#   alive: it copies features (duplicates) and spends the rest on rare, weak "unmatched" latents. TopK and
#   JumpReLU SAEs duplicate almost nothing and leave many spare latents **dead**.

# %%
s20 = summaries[("l1", 20)]
labels20 = modern_saes.setting_labels(grid[("l1", 20)])
for i in (2, 3):
    print(f"L1, d = 20, {labels20[i]}: L0 {s20['l0'][i]:.2f}, FVU {s20['fvu'][i]:.3f}, "
          f"{int(s20['recovered_count'][i])} features recovered, {int(s20['blended'][i])} blended latents")
s160 = summaries[("l1", 160)]
fires = s160["fires"][picks["l1"]]
best_cos = sae.cosine_matrix(W, grid[("l1", 160)].W_dec[picks["l1"]]).max(0).values.numpy()
alive = fires > 0
freq = fires / toy.h_eval.shape[0]
print(f"\nL1, d = 160, λ = 0.27: median firing rate of matched latents {np.median(freq[alive & (best_cos > 0.9)]):.3f}, "
      f"of unmatched latents {np.median(freq[alive & (best_cos <= 0.9)]):.4f}")

# %% [markdown]
# With $d = 20$ and a weak penalty, latents become **blends** of several features (a single atom serves a group
# of features, and none of them is recovered); with a strong penalty each latent picks **one** feature and the
# other twenty features are simply not represented (about half the variance stays unexplained). With $d = 160$,
# the L1 SAE's unmatched latents fire more than ten times more rarely than the matched ones: they mop up the
# interference between overlapping features on the few samples where several features are active.

# %% [markdown] tags=["exercise"]
# ### Exercise 1: count duplicates and unmatched latents
#
# Write `count_census(cos, fires, threshold)`: `cos` is the `(n, d)` matrix of cosines between the
# true features and the dictionary atoms, `fires` `(d,)` counts how often each latent fired. A latent
# *matches* feature $i$ when it is alive (`fires > 0`) and its cosine exceeds `threshold`. Return
# `(n_duplicated, n_unmatched)`: the number of **features** with two or more matching latents, and the number
# of **alive latents** that match no feature.

# %% tags=["exercise"]
def count_census(cos, fires, threshold):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
count_census = adopt(saes_checks.check_census, count_census, solutions.lesson10.count_census)

# %%
for kind in ("l1", "topk"):
    model, s = grid[(kind, 80)], summaries[(kind, 80)]
    i = picks[kind]
    dup, unm = count_census(sae.cosine_matrix(W, model.W_dec[i]), torch.as_tensor(s["fires"][i]), 0.9)
    print(f"{modern_saes.FAMILY_NAMES[kind]}, d = 80: {whose(count_census)} count: {dup} duplicated "
          f"features, {unm} unmatched latents (library census: {int(s['duplicated'][i])}, {int(s['unmatched'][i])})")

# %% [markdown]
# ## 3. TopK: choose L0 directly
#
# The L1 penalty does two things at once: it decides *which* latents fire and it shrinks *how much* they fire
# (every active code pays $\lambda$ per unit, so the SAE underestimates feature values; lesson 09 saw the
# reconstruction error climb with $\lambda$). Gao et al. (2024) drop the penalty and enforce sparsity directly:
#
# $$z = W_{\text{enc}}(h - b_{\text{dec}}) + b_{\text{enc}}, \qquad
# c = \mathrm{TopK}(z) = \begin{cases} \mathrm{ReLU}(z_j) & z_j \text{ among the } k \text{ largest entries of } z\\
# 0 & \text{otherwise,}\end{cases}$$
#
# and the loss is just $\lVert h - \hat h\rVert^2$. At most $k$ latents fire per sample, so L0 $\le k$ is set by
# hand, and nothing shrinks the codes that do fire. Gradients flow through the selected latents only.

# %% [markdown] tags=["exercise"]
# ### Exercise 2: the TopK activation
#
# Write `topk_activation(z, k)`: `z` is a `(B, d)` tensor of pre-activations; return the `(B, d)` codes that keep,
# for every sample (row) separately, the ReLU of its `k` largest entries and set all other entries to 0.
# (`torch.topk` and `Tensor.scatter` help.)

# %% tags=["exercise"]
def topk_activation(z, k):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
topk_activation = adopt(saes_checks.check_topk, topk_activation, solutions.lesson10.topk_activation)

# %% [markdown]
# The library's TopK SAEs use the same activation inside the compiled trainer. Applied to one of them:

# %%
topk40 = grid[("topk", 40)].select([picks["topk"]])
z = (toy.h_eval[:5] - topk40.b_dec[0]) @ topk40.W_enc[0].T + topk40.b_enc[0]
codes = topk_activation(z, int(topk40.ks[0]))
print(f"{whose(topk_activation)} topk_activation on 5 held-out samples (k = {int(topk40.ks[0])}): "
      f"active latents per sample {(codes > 0).sum(1).tolist()}; "
      f"same codes as the trained SAE: {bool(torch.allclose(codes, topk40.encode(toy.h_eval[:5])[:, 0], atol=1e-5))}")

# %% [markdown]
# ## 4. JumpReLU: a threshold per latent, trained through a step function
#
# Rajamanoharan et al. (2024) keep a per-sample L0 that adapts to the input, without shrinkage: each latent
# gets a learned threshold $\theta_j \ge 0$,
#
# $$c_j = \mathrm{JumpReLU}_{\theta_j}(z_j) = z_j\, H(z_j - \theta_j), \qquad
# \mathcal L = \lVert h - \hat h\rVert^2 + \lambda \sum_j H(z_j - \theta_j),$$
#
# with $H$ the Heaviside step: below $\theta_j$ the latent is 0, above it passes $z_j$ unchanged (it *jumps*
# from 0 to $\theta_j$). The penalty counts active latents: an **L0 penalty**. The trouble: $H$ has derivative
# 0 almost everywhere, so $\partial \mathcal L / \partial \theta_j = 0$ and the thresholds would never learn.
# The fix is a **straight-through estimator**: in the backward pass only, replace the derivative of the step
# by a narrow rectangle of width $\varepsilon$ (the *bandwidth*) around the threshold,
#
# $$\frac{\partial c_j}{\partial \theta_j} := -\frac{\theta_j}{\varepsilon}\,K\!\Big(\frac{z_j - \theta_j}{\varepsilon}\Big), \qquad
# \frac{\partial H(z_j - \theta_j)}{\partial \theta_j} := -\frac{1}{\varepsilon}\,K\!\Big(\frac{z_j - \theta_j}{\varepsilon}\Big), \qquad
# K(u) = \mathbf 1\{|u| < \tfrac12\},$$
#
# and $\partial c_j / \partial z_j := H(z_j - \theta_j)$. Why $-\theta_j/\varepsilon$? Raising $\theta_j$ by
# $\delta$ switches off the samples with $z_j \in (\theta_j, \theta_j + \delta)$, each of which loses a code of
# about $\theta_j$; with density $p(\theta_j)$ of $z_j$ there, the expected change is $-\theta_j\, p(\theta_j)\,\delta$,
# and the rectangle counts the samples within $\varepsilon/2$ of $\theta_j$ to estimate $p(\theta_j)$. Samples
# near the threshold thus tell $\theta_j$ whether switching them off helps the reconstruction more than it saves
# in penalty.

# %% [markdown] tags=["exercise"]
# ### Exercise 3: JumpReLU and its pseudo-gradient
#
# Write `jumprelu(z, theta, bandwidth)`: `z` is `(B, d)`, `theta` `(d,)`, `bandwidth` the number $\varepsilon$.
# Return `(c, dc_dtheta)`, both `(B, d)`: the codes $c = z\,H(z - \theta)$ (a latent fires only when
# $z > \theta$ strictly) and the element-wise pseudo-derivative
# $\partial c/\partial\theta = -(\theta/\varepsilon)\,\mathbf 1\{|z - \theta| < \varepsilon/2\}$.

# %% tags=["exercise"]
def jumprelu(z, theta, bandwidth):
    raise NotImplementedError("your code here")


# %% tags=["exercise"]
jumprelu = adopt(saes_checks.check_jumprelu, jumprelu, solutions.lesson10.jumprelu)

# %%
jr40 = grid[("jumprelu", 40)].select([picks["jumprelu"]])
theta = jr40.theta[0]
z = (toy.h_eval - jr40.b_dec[0]) @ jr40.W_enc[0].T + jr40.b_enc[0]
c, dc = jumprelu(z, theta, 0.1)
print(f"trained thresholds (λ = 0.03, d = 40): median {float(theta.median()):.3f}, range "
      f"{float(theta.min()):.3f} to {float(theta.max()):.3f}")
print(f"smallest non-zero code: {float(c[c > 0].min()):.3f} (nothing fires between 0 and its threshold)")
print(f"held-out samples inside some latent's window |z - θ| < ε/2 (ε = 0.1): "
      f"{float((dc != 0).any(1).float().mean()):.3f} of all; {whose(jumprelu)} codes equal the SAE's: "
      f"{bool(torch.allclose(c, jr40.encode(toy.h_eval)[:, 0], atol=1e-5))}")

# %% [markdown]
# ## 5. Four families on the same activations
#
# One more recipe: Anthropic's **decoder-norm penalty** (Conerly et al., April 2024) keeps the L1 penalty but
# multiplies each code by its atom's length, $\lambda \sum_j c_j \lVert D_j\rVert$, and stops renormalising the
# decoder. Shrinking $c_j$ while growing $D_j$ no longer dodges the penalty, because the product is what pays.
# We train it at $d = 40$ next to the three families of the grid and compare **frontiers**: each sweep's L0
# against its fraction of variance unexplained (FVU), lower left is better; and recovery against L0.

# %%
decnorm = modern_saes.train_family(toy.h_train, "l1_decoder_norm", 40, modern_saes.GRID_VALUES["l1_decoder_norm"])
fam40 = {"l1": grid[("l1", 40)], "l1_decoder_norm": decnorm, "topk": grid[("topk", 40)],
         "jumprelu": grid[("jumprelu", 40)]}
fam_stats = {k: modern_saes.summarise(W, m, toy.h_eval) for k, m in fam40.items()}
print(f"{'family':28s} {'setting':>10s} {'L0':>6s} {'FVU':>6s} {'MMCS':>6s} {'recovered':>9s} {'dead':>5s}")
for kind, model in fam40.items():
    s = fam_stats[kind]
    for i, label in enumerate(modern_saes.setting_labels(model)):
        print(f"{modern_saes.FAMILY_NAMES[kind] if i == 0 else '':28s} {label:>10s} {s['l0'][i]:6.2f} "
              f"{s['fvu'][i]:6.3f} {s['mmcs'][i]:6.3f} {s['recovered'][i]:9.3f} {int(s['dead'][i]):5d}")
at_truth = {k: modern_saes.fvu_at_l0(s["l0"], s["fvu"], true_l0) for k, s in fam_stats.items()}
print(f"\nFVU at L0 = {true_l0:.2f} (the true number of active features), interpolated along each sweep:")
for kind, v in sorted(at_truth.items(), key=lambda kv: kv[1]):
    print(f"  {modern_saes.FAMILY_NAMES[kind]:28s} {v:.3f}")

# %%
curves = {modern_saes.FAMILY_NAMES[k]: (s["l0"], s["fvu"], s["recovered"]) for k, s in fam_stats.items()}
fig = modern_sae_plots.plot_frontier(curves, true_l0=true_l0)
plt.show()

# %% [markdown]
# What the table and the frontier say, here:
#
# * **JumpReLU reaches the lowest FVU at the true L0.** Its codes are not shrunk (above the threshold they
#   pass $z$ unchanged) and its L0 still adapts to how many features each sample has.
# * **The decoder-norm recipe lands close to the L1 frontier** (here a little below it; on other toy models
#   a little above): it changes how the norm constraint is enforced, not the shrinkage of the L1 penalty.
# * **TopK pays for a fixed $k$.** With $k = 2$, the mean number of active features, the FVU is well above
#   that of $k = 3$ (compare the rows above): the number of active features varies from sample to sample, and a
#   sample with three active features cannot be rebuilt from two latents. BatchTopK (Bussmann, Leask and Nanda
#   2024) fixes the average L0 over a batch instead of per sample.
# * **Recovery is high for every family once L0 is near the truth**, and drops when L0 is far above it (dense
#   codes that reconstruct well but match no feature, lesson 09's lesson again).

# %% [markdown]
# ### Explore: the SAE zoo
#
# Pick a family, a dictionary size and a sparsity setting (from dense on the left to sparse on the right) to see
# that SAE's cosine matrix (features against latents, sorted by best match, dead latents after the dashed line)
# and its census. Nothing is retrained. Things to look for: the duplicate diagonals of L1 SAEs at $d = 160$; the
# dead blocks of TopK and JumpReLU; blended latents at $d = 20$.

# %%
saes_widgets.build_sae_zoo(W, grid, toy.h_eval, threshold=0.9, true_l0=true_l0)

# %% [markdown]
# ## 6. Dead latents, family by family
#
# * **L1:** a latent dies when its pre-activation is negative on every input (lesson 09); here, at the course's
#   learning rate, no L1 latent died at any size (the census above), even with four times more latents than
#   features. The remedy when they do die is **resampling** (lesson 09).
# * **TopK:** a latent that never makes it into any sample's top $k$ gets **no gradient at all**, however
#   close it comes. With $d > n$ the 40 features are served by 40 latents and many of the rest die. Gao et al.
#   add an auxiliary loss, **AuxK**: the $k_{\text{aux}}$ largest pre-activations among latents that have not
#   fired for a while must reconstruct the main SAE's residual $h - \hat h$,
#   $\mathcal L_{\text{aux}} = \alpha\,\lVert (h - \hat h) - W_{\text{dec}}\,c_{\text{aux}}\rVert^2$ (with $\alpha = 1/32$),
#   so dead latents get a gradient towards whatever the SAE still misses.
# * **JumpReLU:** a threshold that rises above every pre-activation of its latent switches it off for good
#   (no sample lands in its window any more).
#
# Does AuxK revive the 160-latent TopK SAE ($k = 3$)? We train it again with $k_{\text{aux}} = 32$ and latents
# counted as dead after 50 silent steps.

# %%
auxk = modern_saes.train_family(toy.h_train, "topk", 160, [3], aux_k=32, dead_steps=50)
s_aux = modern_saes.summarise(W, auxk, toy.h_eval)
s_plain = summaries[("topk", 160)]
i = picks["topk"]
print(f"TopK, d = 160, k = 3 without AuxK: {int(s_plain['dead'][i])} dead, {int(s_plain['unmatched'][i])} unmatched, "
      f"{int(s_plain['recovered_count'][i])}/{n} recovered, FVU {s_plain['fvu'][i]:.3f}")
print(f"TopK, d = 160, k = 3 with AuxK:    {int(s_aux['dead'][0])} dead, {int(s_aux['unmatched'][0])} unmatched, "
      f"{int(s_aux['recovered_count'][0])}/{n} recovered, FVU {s_aux['fvu'][0]:.3f}")

# %% [markdown]
# AuxK does **not** bring the dead latents back here; it leaves *more* of them dead and fewer weak unmatched
# ones. That is not a bug but a lesson about what the auxiliary loss assumes: it points dead latents at the
# residual, and once all 40 features are recovered the residual holds no feature, only the small interference
# errors. In a language model the residual of an SAE always holds more features than it has latents for, which
# is where AuxK helps. In the toy model, extra latents have nothing to find.
#
# ## 7. Feature absorption in a toy hierarchy
#
# Real features come in hierarchies: "starts with S" is active whenever "snake" or "sun" is. Chanin et al.
# (2024) found SAE latents that look like the parent ("starts with S") but **fail to fire** on some children,
# whose own latents have **absorbed** the parent's direction. Sparsity causes it: with unit-length directions
# $f_P$, $f_C$ and values 1, reconstructing parent + child with two latents costs $\lambda(1 + 1) = 2\lambda$
# of L1, while a single latent along $f_P + f_C$ costs $\lambda \lVert f_P + f_C\rVert = \sqrt2\,\lambda$, with the
# same reconstruction. The parent's latent then learns to stay silent whenever a child is present.
#
# Our hierarchy (`tmslab.hierarchy`): 3 parents with 4 children each plus one independent feature (16
# features, orthogonal directions in $m = 16$ dimensions, so there is no superposition to blur the picture).
# A parent is active in 15% of samples; when it is, one of its children joins it 80% of the time. Active
# features have value 1. We train three SAEs with $d = 20$ latents: L1 ($\lambda = 0.1$), TopK ($k = 2$),
# and a **Matryoshka** L1 SAE.
#
# **Matryoshka SAEs** (Bussmann et al. 2025) train nested dictionaries: with prefix sizes
# $M_1 < M_2 < \dots < M_P = d$, every prefix must reconstruct $h$ on its own,
#
# $$\mathcal L = \sum_{p=1}^{P} \Big\lVert h - \Big(\sum_{j < M_p} c_j D_j + b_{\text{dec}}\Big)\Big\rVert^2 + \text{sparsity penalty}.$$
#
# Here $M = (3, 20)$: the first three latents must explain the data alone, so they have to represent the
# parents on every sample where a parent is active, child or not; the later latents only add the rest.

# %%
H = Hierarchy(n_parents=3, n_children=4, n_independent=1, parent_density=0.15, child_given_parent=0.8)
F = directions(H, 16)
x_tr, x_ev = H.sample(32768, seed=3), H.sample(16384, seed=4)
h_tr, h_ev = sae.activations_of(F, x_tr), sae.activations_of(F, x_ev)
print(f"{H.n_features} features, mean active per sample {float((x_ev > 0).sum(1).float().mean()):.2f} "
      f"(expected {H.mean_active():.2f})")
absorb = {"L1, λ = 0.1": modern_saes.train_family(h_tr, "l1", 20, [0.1], steps=2000),
          "TopK, k = 2": modern_saes.train_family(h_tr, "topk", 20, [2], steps=2000),
          "Matryoshka L1, λ = 0.1": modern_saes.train_family(h_tr, "l1", 20, [0.1], steps=2000, prefixes=(3, 20))}
ab = {name: modern_saes.absorption_summary(H, F, model, h_ev, x_ev) for name, model in absorb.items()}
print(f"\n{'SAE':24s} {'parent fires: alone':>20s} {'with a child':>13s} {'absorbed':>9s} "
      f"{'child latent cos(parent)':>25s} {'FVU':>6s} {'L0':>5s}")
for name, a in ab.items():
    print(f"{name:24s} {a['fires_alone'][0]:20.3f} {a['fires_with_child'][0]:13.3f} {a['absorbed'][0]:9.3f} "
          f"{a['child_cos'][0]:25.3f} {a['fvu'][0]:6.3f} {a['l0'][0]:5.2f}")

# %%
fig = modern_sae_plots.plot_absorption(list(ab), [a["fires_alone"][0] for a in ab.values()],
                                       [a["fires_with_child"][0] for a in ab.values()],
                                       [a["child_cos"][0] for a in ab.values()],
                                       fvu=[a["fvu"][0] for a in ab.values()])
plt.show()

# %% [markdown]
# * **L1 absorbs.** Its parent latents fire on every sample where the parent is alone, but on less than half of
#   the samples where a child is active too; the children's latents point partly along the parent (cosine about
#   0.6, where a clean child latent would have 0). A researcher who labelled the parent latent "starts with S"
#   from its top activations would be wrong about most of the words that start with S.
# * **TopK absorbs as well**: its parent latents also drop out on many of the child samples.
# * **The Matryoshka SAE does not absorb**: its parent latents fire whether or not a child is active, and the
#   children's latents are clean (cosine with the parent near 0). The price is reconstruction: its FVU is
#   higher than the plain L1 SAE's at the same $\lambda$, because the first three latents are forced to be
#   useful alone rather than to be the best 3 of 20 for the full reconstruction.
#
# ## 8. Structure the SAE must handle: correlated features and a privileged basis
#
# Two more departures from the ideal of independent features along fixed directions:
#
# * **Correlated features.** The toy model of lesson 07 with 10 pairs of features that are always active together
#   (plus 20 independent ones). Two latents for a pair cost twice the L1 (or two of the $k$ slots); one latent along
#   the pair's sum costs less, so we expect pairs to **merge**.
# * **A privileged basis.** In the ReLU-hidden model $h = \mathrm{ReLU}(Wx)$ (lesson 08), activations are no
#   longer linear in $x$. A lone feature $i$ now shows up along $\mathrm{ReLU}(W_i)$, not $W_i$, and when several
#   features are active the ReLU clips their sum: no dictionary reconstructs such $h$ exactly. Which direction
#   counts as "feature $i$" is no longer unique, so we measure recovery against both.

# %%
groups = FeatureGroups.correlated(10, 2) + FeatureGroups.independent(20)
cor = modern_saes.toy_setup(n_features=40, n_hidden=16, sparsity=0.95, steps=2000, seed=0, groups=groups)
pairs = [(2 * g, 2 * g + 1) for g in range(10)]
print(f"correlated toy model: 10 pairs + 20 independent features, true L0 {cor.true_l0:.2f}")
for kind, value in (("l1", 0.27), ("topk", 3)):
    model = modern_saes.train_family(cor.h_train, kind, 40, [value])
    best = sae.max_cosines(cor.W, model.W_dec)[0]
    fires_c = model.evaluate(cor.h_eval)["fires"][0]
    print(f"{modern_saes.FAMILY_NAMES[kind]:5s} {modern_saes.setting_labels(model)[0]:>9s}: recovered {float((best[:20] > 0.9).float().mean()):.2f} of the paired "
          f"features, {float((best[20:] > 0.9).float().mean()):.2f} of the independent ones; pairs sharing one latent: "
          f"{modern_saes.merged_pairs(cor.W, model.W_dec[0], pairs, fires_c)}/10")

# %%
rel = modern_saes.toy_setup(n_features=40, n_hidden=16, sparsity=0.95, model="relu_hidden", steps=2000, seed=0)
print(f"ReLU-hidden toy model: {float((sae.activations_of(rel.W, rel.x_eval) < 0).float().mean()):.2f} of the "
      f"entries of Wx are negative (clipped to 0 in h)")
for kind, value in (("l1", 0.27), ("topk", 2)):
    model = modern_saes.train_family(rel.h_train, kind, 40, [value])
    s = modern_saes.summarise(rel.features, model, rel.h_eval)
    print(f"{modern_saes.FAMILY_NAMES[kind]:5s} {modern_saes.setting_labels(model)[0]:>9s}: recovered "
          f"{float(sae.recovered_fraction(rel.W, model.W_dec)[0]):.2f} against W_i, {s['recovered'][0]:.2f} against "
          f"ReLU(W_i); L0 {s['l0'][0]:.2f}, FVU {s['fvu'][0]:.3f} (ReLU-output model, same SAE setting: "
          f"{summaries[(kind, 40)]['fvu'][modern_saes.GRID_VALUES[kind].index(value)]:.3f})")

# %% [markdown]
# * **Correlated pairs merge.** Both families recover the independent features but fewer than half of the paired
#   ones, and for most pairs a single latent sits between the two features: the SAE reports "this pair", one
#   unit, because the data never show one member without the other. From activations alone that is a fair
#   answer; whether it is one feature or two is not something sparsity can decide.
# * **The privileged basis changes the answer, and the families disagree.** The TopK SAE with $k = 2$ finds the
#   lone-feature directions $\mathrm{ReLU}(W_i)$ for most features; the L1 SAE's atoms match the $W_i$ themselves
#   more often than $\mathrm{ReLU}(W_i)$. Both reconstruct worse than on the ReLU-output model, since $h$ is not a
#   sparse linear combination of fixed directions any more.
#
# ## 9. What transfers to SAEs on language models, and what does not
#
# Transfers (the mechanisms are general; the toy model only makes them visible):
#
# * **Dictionary size is a choice with consequences.** Too small merges features into blended latents; too large
#   creates duplicates and junk latents (L1) or dead ones (TopK, JumpReLU). Bricken et al. (2023) saw feature
#   splitting in language models as the dictionary grew: one latent became several finer ones. Here, with no
#   finer structure to find, the extra latents duplicate or die instead.
# * **The frontier.** TopK and JumpReLU were introduced because they reconstruct better than L1 at equal L0
#   (Gao et al. 2024; Rajamanoharan et al. 2024); our JumpReLU shows that clearly, our TopK only when $k$ leaves
#   room for the samples with the most active features.
# * **Absorption follows from sparsity plus hierarchy** (Chanin et al. 2024), whichever family enforces the
#   sparsity; Matryoshka SAEs (Bussmann et al. 2025) reduce it at some cost in reconstruction.
# * **Correlated features merge**, and a privileged basis makes "the feature direction" ambiguous: both are
#   warnings about reading SAE latents as *the* features of a model.
#
# Does not transfer (or not simply):
#
# * **Ground truth.** Every number in this lesson compares against known $W_i$; in a language model nobody has
#   them, so recovery is judged by proxies (reconstruction, the model's loss with $\hat h$ spliced in, and
#   interpretability of latents), and absorption has to be found with probes on known concepts, as Chanin et al.
#   did with first letters.
# * **Scale and training recipes.** Real SAEs have $10^4$-$10^7$ latents, train on billions of activations, and
#   use learning-rate warm-up, $\lambda$ schedules, activation normalisation and batch-level variants
#   (BatchTopK). Our tiny SAEs need none of that, so hyperparameters found here (like JumpReLU's $\varepsilon$) do
#   not carry over.
# * **Dead-latent fixes.** AuxK failed here because the residual had nothing left to find; in language models it
#   is reported to keep large dictionaries alive. Whether a remedy works depends on what is left to learn.
#
# References: [sparse autoencoders in docs/references.md](../docs/references.md#saes) (Bricken et al. 2023;
# Gao et al. 2024; Rajamanoharan et al. 2024; Conerly et al. 2024; Chanin et al. 2024; Bussmann et al. 2025).

# %% [markdown]
# ## Summary
#
# * **Census, not just MMCS.** Against known features, count recovered and duplicated features and dead,
#   unmatched and blended latents. With $d < n$ features merge or vanish; with $d > n$ the L1 SAE duplicates
#   features and keeps weak unmatched latents, TopK and JumpReLU leave spare latents dead.
# * **TopK** keeps the $k$ largest pre-activations: L0 is set by hand and codes are not shrunk, but a fixed $k$
#   hurts when the number of active features varies. **JumpReLU** learns a threshold per latent with an L0
#   penalty, trained through a straight-through pseudo-gradient $-(\theta/\varepsilon)K((z-\theta)/\varepsilon)$;
#   here it had the best frontier. The **decoder-norm penalty** replaces renormalisation.
# * **Dead latents** arise differently per family; AuxK helps only when the residual still holds features.
# * **Absorption:** in a hierarchy, sparsity makes child latents swallow the parent; a **Matryoshka** SAE keeps
#   the parent alive at some reconstruction cost.
# * **Correlated features merge; a privileged basis** makes the feature direction ambiguous.

# %% [markdown]
# ## Check your understanding
#
# 1. A TopK SAE with $k = 2$ is trained on data with on average 2.02 active features per sample. Why can its
#    reconstruction be much worse than with $k = 3$?
# <details><summary>Answer</summary>
#
# Two is the *average*. Features are active independently, so many samples have three or more active features,
# and with $k = 2$ the SAE can rebuild at most two of them. $k$ has to cover the busy samples, not the average
# one; JumpReLU and L1 let L0 vary from sample to sample.
#
# </details>
#
# 2. Why does JumpReLU need a pseudo-gradient for $\theta$, and why is it $-\theta_j/\varepsilon$ rather than
#    $-1/\varepsilon$ for the code?
# <details><summary>Answer</summary>
#
# The code depends on $\theta$ only through a step, whose derivative is zero wherever it exists, so plain
# backpropagation gives $\theta$ no signal. The straight-through estimate replaces the step's derivative by a
# rectangle of width $\varepsilon$. Switching a sample off at the threshold removes a code of size about
# $\theta_j$ (JumpReLU jumps from 0 to $\theta_j$), hence $-\theta_j/\varepsilon$ for $c$; the L0 term counts
# each switched-off sample as 1, hence $-1/\varepsilon$ for $H$.
#
# </details>
#
# 3. With 160 latents for 40 features, the L1 SAE keeps every latent alive while TopK leaves dozens dead. Where
#    does the difference come from?
# <details><summary>Answer</summary>
#
# In an L1 SAE every latent whose pre-activation is positive on some sample fires and gets a gradient; spare
# latents settle on copies of features or on weak codes for overlap patterns. In a TopK SAE a latent that is
# never among a sample's $k$ largest pre-activations gets no gradient at all; once the 40 features have their
# latents, spare ones rarely win a slot and stay dead.
#
# </details>
#
# 4. Why does an L1 penalty favour absorption in a hierarchy, and how does the Matryoshka loss counter it?
# <details><summary>Answer</summary>
#
# When parent and child are both active (values 1, orthogonal unit directions), two latents cost $2\lambda$ of
# L1 while one latent along $f_P + f_C$ costs $\sqrt2\,\lambda$ with the same reconstruction, so sparsity pays the
# child's latent to carry the parent too, and the parent's latent learns to stay off. In a Matryoshka SAE the
# first prefix must reconstruct every sample on its own, including those where the child's latent (outside the
# prefix) carries the parent direction; the parent latent in the prefix has to fire on them, and then the child
# latent has no reason to duplicate the parent.
#
# </details>
#
# 5. In the correlated toy model most pairs share a single latent. Is that a failure of the SAE?
# <details><summary>Answer</summary>
#
# Not of the optimisation: the two features are never seen apart, so the sparsest faithful description of the data
# uses one latent for the pair. It is a limit of what sparsity can identify: from activations alone, "two features
# that always co-occur" and "one feature" look the same. Telling them apart needs other evidence, for example how
# the model *uses* the two directions downstream.
#
# </details>
