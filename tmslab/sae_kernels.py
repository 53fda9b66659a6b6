"""Compiled, portable kernels that train and apply sparse autoencoders (SAEs).

One numba call runs every Adam step of every SAE instance; instance l runs on
one thread (``prange`` over instances) and never reads another instance's
numbers, so its result does not depend on the thread count or on which other
instances share the call.

Portability (the same bits on baseline x86-64, AVX2 and AVX-512, freshly
compiled or loaded from numba's cache): no ``fastmath`` anywhere, so LLVM may
neither reassociate nor fuse multiply-adds; no transcendental functions (only
+, -, *, / and sqrt, which IEEE-754 rounds exactly on every CPU; Adam's bias
corrections are running products); every sum runs in a fixed order. Loops
whose innermost dimension is *element-wise* ("axpy" order,
``z[:] += x[k] * WeT[k, :]``) still vectorise without reassociation. Batch rows
come from a counter-based hash of (seed, step, position), the same rows for
every instance.

Families (``kind``), per sample, with z = W_enc (h - b_dec) + b_enc (d,):

    KIND_L1       c = ReLU(z);  penalty lambda * sum_j c_j;  unit-norm decoder columns
    KIND_L1_NORM  c = ReLU(z);  penalty lambda * sum_j c_j ||D_j||  (no renormalisation)
    KIND_TOPK     c_j = ReLU(z_j) for the k largest z_j, else 0;  no penalty
    KIND_JUMPRELU c_j = z_j H(z_j - theta_j);  penalty lambda * #{j : c_j != 0}

Reconstruction with nested prefixes (Matryoshka; one prefix = a plain SAE):
prefix p uses latents 0 .. ends[p]-1, h_hat_p = b_dec + sum_{j < ends[p]} c_j D_j,
and the reconstruction loss is sum_p ||h - h_hat_p||^2. TopK can add the AuxK
loss aux_coeff * ||(h - h_hat) - W_dec c_aux||^2, c_aux = the aux_k largest
ReLU pre-activations among latents that have not fired for ``dead_steps``
steps, with the residual h - h_hat held constant. Losses are averaged over the
batch. The JumpReLU threshold gets the straight-through pseudo-gradients of
Rajamanoharan et al. (2024) with a rectangle kernel of width eps:
    dc_j/dtheta_j := -(theta_j / eps) 1{|z_j - theta_j| < eps/2},
    dH(z_j - theta_j)/dtheta_j := -(1 / eps) 1{|z_j - theta_j| < eps/2}.

Parameters of instance l live in one flat float32 row P[l] (see ``layout``):
W_enc (d, m), b_enc (d,), W_dec stored transposed as (d, m) (row j is the
dictionary atom D_j), b_dec (m,), theta (d,). Every formula here is
checked against the readable PyTorch oracle in ``tmslab.sae_variants``
(tests/test_sae_kernels.py: gradients against autograd, bits across CPUs).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

KIND_L1, KIND_L1_NORM, KIND_TOPK, KIND_JUMPRELU = 0, 1, 2, 3
KINDS = {"l1": KIND_L1, "l1_decoder_norm": KIND_L1_NORM, "topk": KIND_TOPK, "jumprelu": KIND_JUMPRELU}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STEP_KEY = np.uint64(0xD1B54A32D192ED03)


def layout(d: int, m: int) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """Offsets of the parameters in a flat row: name -> (start, stop, shape).

    W_enc (d, m); W_decT (d, m) is W_dec transposed: row j is the dictionary atom D_j.
    """
    sizes = (("W_enc", (d, m)), ("b_enc", (d,)), ("W_decT", (d, m)), ("b_dec", (m,)), ("theta", (d,)))
    out, start = {}, 0
    for name, shape in sizes:
        size = int(np.prod(shape))
        out[name] = (start, start + size, shape)
        start += size
    return out


@njit(inline="always")
def _splitmix64(x):
    """splitmix64 (S. Vigna): a well-mixed bijection of 64-bit integers (wrapping arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def _add_squared_errors(E, p, m, nb, acc):
    """acc[b] += sum_k E[p, k, b]^2 for b < nb, in float64, k outer (the fixed order of every SSE here)."""
    for kk in range(m):
        for b in range(nb):
            e = np.float64(E[p, kk, b])
            acc[b] += e * e


@njit(cache=True)
def batch_rows(seed, step, n_rows, rows):
    """Fill rows (B,) int64 with the sample indices of batch ``step``: uniform on [0, n_rows).

    Index b is floor(u * n_rows / 2^32) for the top 32 bits u of
    splitmix64(key(seed, step) + b): integer arithmetic only, the same rows on every CPU.
    """
    key = _splitmix64(np.uint64(seed) * _GOLDEN + np.uint64(step) * _STEP_KEY)
    for b in range(rows.shape[0]):
        u = _splitmix64(key + np.uint64(b)) >> np.uint64(32)
        rows[b] = np.int64((u * np.uint64(n_rows)) >> np.uint64(32))


@njit(cache=True)
def matvec_rows(X, W, out):
    """out (N, m) = X (N, n) @ W.T for W (m, n): float64 sums in feature order, rounded once to float32.

    h_c = sum_i x_ci W_i accumulated i = 0, 1, ...: the toy model's activations
    h = W x with the same bits on every CPU (zero features are skipped).
    """
    N, n = X.shape
    m = W.shape[0]
    acc = np.empty(m, np.float64)
    for c in range(N):
        for k in range(m):
            acc[k] = 0.0
        for i in range(n):
            x = np.float64(X[c, i])
            if x != 0.0:
                for k in range(m):
                    acc[k] += x * np.float64(W[k, i])
        for k in range(m):
            out[c, k] = np.float32(acc[k])


@njit(cache=True)
def column_stats(H, mean, var_sum):
    """Column means (m,) and sum_c ||h_c - mean||^2 / N of H (N, m), float64, in row order."""
    N, m = H.shape
    for k in range(m):
        mean[k] = 0.0
    for c in range(N):
        for k in range(m):
            mean[k] += H[c, k]
    for k in range(m):
        mean[k] /= N
    total = np.zeros(m, np.float64)
    for c in range(N):
        for k in range(m):
            diff = H[c, k] - mean[k]
            total[k] += diff * diff
    s = 0.0
    for k in range(m):
        s += total[k]
    var_sum[0] = s / N


@njit(cache=True)
def _top_positive(ZT, nb, mask, k, TV, TI, vb, ib):
    """For every sample b < nb: the k largest positive ZT[j, b] over latents j with mask[j].

    TV (k, B) receives them in decreasing order (0 where fewer than k are positive),
    TI (k, B) int32 their latents (-1 for none). Each latent in turn bubbles through the
    k slots (a larger value swaps in and pushes the smaller one down); an equal value
    never displaces an earlier latent. Branch-free and element-wise over samples.
    vb (B,) float32, ib (B,) int32: scratch.
    """
    d = ZT.shape[0]
    for t in range(k):
        for b in range(nb):
            TV[t, b] = 0.0
            TI[t, b] = -1
    for j in range(d):
        if not mask[j]:
            continue
        for b in range(nb):
            vb[b] = ZT[j, b]
            ib[b] = j
        for t in range(k):
            for b in range(nb):
                v = vb[b]
                cur = TV[t, b]
                swap = v > cur
                ci = TI[t, b]
                ii = ib[b]
                TV[t, b] = v if swap else cur
                vb[b] = cur if swap else v
                TI[t, b] = ii if swap else ci
                ib[b] = ci if swap else ii


@njit(cache=True)
def _views(row, d, m):
    """W_enc (d, m), b_enc (d,), W_decT (d, m), b_dec (m,), theta (d,) as views of a flat row."""
    o1 = d * m
    o2 = o1 + d
    o3 = o2 + d * m
    o4 = o3 + m
    return (row[:o1].reshape((d, m)), row[o1:o2], row[o2:o3].reshape((d, m)), row[o3:o4],
            row[o4:o4 + d])


@njit(cache=True)
def _workspace(d, m, B, P, k):
    """Scratch of one thread: HT, XcT (m, B), Xc (B, m), ZT, CT, GC (d, B), AT (m, B),
    E, G (P, m, B), GS (P, B, m), counts (d,), everyone (d,) True, TV/TI (k, B) float32/int32 and
    vb/ib (B,) (TopK selection), acc (B,) float64, idx (B,) int64."""
    return (np.empty((m, B), np.float32), np.empty((m, B), np.float32), np.empty((B, m), np.float32),
            np.empty((d, B), np.float32), np.empty((d, B), np.float32), np.empty((d, B), np.float32),
            np.empty((m, B), np.float32), np.empty((P, m, B), np.float32), np.empty((P, m, B), np.float32),
            np.empty((P, B, m), np.float32), np.empty(d, np.int64),
            np.ones(d, np.bool_), np.empty((max(k, 1), B), np.float32), np.empty((max(k, 1), B), np.int32),
            np.empty(B, np.float32), np.empty(B, np.int32), np.empty(B, np.float64), np.empty(B, np.int64))


@njit(cache=True)
def _gather(H, rows, nb, b_dec, HT, XcT, Xc):
    """Batch rows of H, feature-major (HT) and centred (XcT = HT - b_dec, Xc its transpose)."""
    m = H.shape[1]
    for b in range(nb):
        r = rows[b]
        for kk in range(m):
            v = H[r, kk]
            HT[kk, b] = v
            c = v - b_dec[kk]
            XcT[kk, b] = c
            Xc[b, kk] = c


@njit(cache=True)
def _forward(nb, XcT, HT, We, be, WdT, bd, theta, kind, k, ends, ZT, CT, AT, E, counts, everyone,
             TV, TI, vb, ib):
    """Pre-activations ZT, codes CT (d, B), per-latent active counts, and the errors
    E[p] = h_hat_p - h (m, B) of every prefix; AT ends as the full reconstruction.

    z_jb = b_enc_j + sum_k W_enc[j, k] xc_kb and h_hat_kb = b_dec_k + sum_j D_jk c_jb are
    summed in index order (inner loops run over the batch, element-wise).
    """
    d, m = We.shape
    for j in range(d):
        bj = be[j]
        for b in range(nb):
            ZT[j, b] = bj
        for kk in range(m):
            w = We[j, kk]
            for b in range(nb):
                ZT[j, b] += w * XcT[kk, b]
    if kind == KIND_TOPK:
        for j in range(d):
            for b in range(nb):
                CT[j, b] = 0.0
        _top_positive(ZT, nb, everyone, k, TV, TI, vb, ib)
        for t in range(k):
            for b in range(nb):
                if TI[t, b] >= 0:
                    CT[TI[t, b], b] = TV[t, b]
    elif kind == KIND_JUMPRELU:
        for j in range(d):
            th = theta[j]
            for b in range(nb):
                v = ZT[j, b]
                CT[j, b] = v if v > th else np.float32(0.0)
    else:
        for j in range(d):
            for b in range(nb):
                v = ZT[j, b]
                CT[j, b] = v if v > 0 else np.float32(0.0)
    for j in range(d):
        n_on = 0
        for b in range(nb):
            n_on += CT[j, b] != 0
        counts[j] = n_on
    for kk in range(m):
        for b in range(nb):
            AT[kk, b] = bd[kk]
    start = 0
    for p in range(ends.shape[0]):
        for j in range(start, ends[p]):
            if counts[j] == 0:
                continue
            for kk in range(m):
                w = WdT[j, kk]
                for b in range(nb):
                    AT[kk, b] += w * CT[j, b]
        for kk in range(m):
            for b in range(nb):
                E[p, kk, b] = AT[kk, b] - HT[kk, b]
        start = ends[p]


@njit(cache=True)
def loss_and_grads(H, rows, row, grad, d, m, kind, lam, k, ends, bandwidth, dead, aux_k, aux_coeff,
                   ws, fired, out):
    """Loss of one batch (the rows ``rows`` of H) and its hand-derived gradient, for one SAE.

    row: the flat parameters (``layout``); grad (same size) receives d(loss)/d(parameters);
    dead (d,) bool: latents eligible for AuxK; fired (d,) bool receives which
    latents were active in this batch; ws: ``_workspace``. out (3,) float64
    receives [reconstruction loss (sum over prefixes), penalty, AuxK loss], batch means.

    Backward, per sample, with G_p = (2 / B) sum_{q >= p} E_q (prefix p's share of
    dL/dh_hat) and q(j) the first prefix containing latent j:
      dL/dc_j = D_j . G_q(j) (+ lambda / B for L1, + lambda ||D_j|| / B with decoder norms),
      dL/dz_j = dL/dc_j where the code passes z_j (c_j != 0), else 0,
      dL/dW_enc[j] += dL/dz_j (h - b_dec), dL/db_enc[j] += dL/dz_j, dL/dD_j += c_j G_q(j),
      dL/db_dec = sum_b G_0 - sum_j (dL/db_enc[j]) W_enc[j]                (after the batch),
      dL/dD_j += lambda (sum_b c_j / B) D_j / ||D_j||                   (decoder-norm penalty),
      dL/dtheta_j = sum_b 1{|z_j - theta_j| < eps/2} (-(theta_j/eps) dL/dc_j - lambda / (B eps)).
    Codes are sparse, so the backward pass visits only the (latent, sample) pairs
    with c_j != 0 (and JumpReLU's window), latent by latent, samples in order.
    """
    HT, XcT, Xc, ZT, CT, GC, AT, E, G, GS, counts, everyone, TV, TI, vb, ib, acc, idx = ws
    B = rows.shape[0]
    P = ends.shape[0]
    We, be, WdT, bd, theta = _views(row, d, m)
    gWe, gbe, gWdT, gbd, gth = _views(grad, d, m)
    for i in range(grad.shape[0]):
        grad[i] = 0.0
    _gather(H, rows, B, bd, HT, XcT, Xc)
    _forward(B, XcT, HT, We, be, WdT, bd, theta, kind, k, ends, ZT, CT, AT, E, counts, everyone, TV, TI,
             vb, ib)
    # reconstruction loss: float64 per-sample sums, then over samples
    for b in range(B):
        acc[b] = 0.0
    for p in range(P):
        _add_squared_errors(E, p, m, B, acc)
    rec = 0.0
    for b in range(B):
        rec += acc[b]
    # G_p = (2 / B) (E_p + ... + E_{P-1}), summed from the last prefix down; GS: sample-major copy
    scale = np.float32(2.0 / B)
    for kk in range(m):
        for b in range(B):
            G[P - 1, kk, b] = E[P - 1, kk, b]
    for p in range(P - 2, -1, -1):
        for kk in range(m):
            for b in range(B):
                G[p, kk, b] = E[p, kk, b] + G[p + 1, kk, b]
    for p in range(P):
        for kk in range(m):
            for b in range(B):
                G[p, kk, b] *= scale
    for b in range(B):
        for p in range(P):
            for kk in range(m):
                GS[p, b, kk] = G[p, kk, b]
        for kk in range(m):
            gbd[kk] += GS[0, b, kk]
    norms = np.zeros(d, np.float32)
    if kind == KIND_L1_NORM:
        for j in range(d):
            s = np.float32(0.0)
            for kk in range(m):
                s += WdT[j, kk] * WdT[j, kk]
            norms[j] = math.sqrt(s)
    lam_b = np.float32(lam / B)
    half_bw = np.float32(0.5 * bandwidth)
    inv_bw = np.float32(1.0 / bandwidth)
    jump = kind == KIND_JUMPRELU
    penalty = 0.0
    group = 0
    for j in range(d):
        fired[j] = counts[j] > 0
        while j >= ends[group]:
            group += 1
        if counts[j] == 0 and not jump:
            continue
        # dL/dc_j for the whole batch: GC[j, b] = sum_k D_jk G[q(j), k, b]
        for b in range(B):
            GC[j, b] = 0.0
        for kk in range(m):
            w = WdT[j, kk]
            for b in range(B):
                GC[j, b] += w * G[group, kk, b]
        pen = lam_b if kind == KIND_L1 else (lam_b * norms[j] if kind == KIND_L1_NORM else np.float32(0.0))
        th = theta[j]
        th_coef = -(th * inv_bw)
        th_const = lam_b * inv_bw
        csum = np.float32(0.0)
        n_on = 0                                   # branch-free list of the samples with c_j != 0
        for b in range(B):
            idx[n_on] = b
            n_on += CT[j, b] != 0
        for t in range(n_on):
            b = idx[t]
            cj = CT[j, b]
            gz = GC[j, b] + pen
            gbe[j] += gz
            for kk in range(m):
                gWe[j, kk] += gz * Xc[b, kk]
                gWdT[j, kk] += cj * GS[group, b, kk]
            csum += cj
        if jump:                                   # samples in the pseudo-gradient window
            n_win = 0
            for b in range(B):
                idx[n_win] = b
                diff = ZT[j, b] - th
                n_win += (diff > -half_bw) & (diff < half_bw)
            for t in range(n_win):
                gth[j] += th_coef * GC[j, idx[t]] - th_const
        if kind == KIND_L1:
            penalty += csum
        elif kind == KIND_L1_NORM:
            penalty += csum * norms[j]
            if csum != 0 and norms[j] > 0:
                coef = np.float32(lam * csum / (B * norms[j]))
                for kk in range(m):
                    gWdT[j, kk] += coef * WdT[j, kk]
        elif jump:
            penalty += counts[j]
    aux = 0.0
    any_dead = False
    if kind == KIND_TOPK and aux_k > 0:
        for j in range(d):
            any_dead |= dead[j]
    if any_dead:
        aux_scale = np.float32(2.0 * aux_coeff / B)
        ea = np.empty(m, np.float32)
        _top_positive(ZT, B, dead, aux_k, TV, TI, vb, ib)
        for b in range(B):
            for kk in range(m):
                ea[kk] = E[P - 1, kk, b]           # e_hat - r with the residual r = h - h_hat = -E
            for t in range(aux_k):
                j = TI[t, b]
                if j >= 0:
                    for kk in range(m):
                        ea[kk] += TV[t, b] * WdT[j, kk]
            se = 0.0
            for kk in range(m):
                se += np.float64(ea[kk]) * np.float64(ea[kk])
                ea[kk] *= aux_scale
            aux += aux_coeff * se
            for t in range(aux_k):
                j = TI[t, b]
                if j >= 0:
                    gz = np.float32(0.0)
                    for kk in range(m):
                        gz += WdT[j, kk] * ea[kk]
                    gbe[j] += gz
                    cj = TV[t, b]
                    for kk in range(m):
                        gWe[j, kk] += gz * Xc[b, kk]
                        gWdT[j, kk] += cj * ea[kk]
    for j in range(d):
        g = gbe[j]
        if g != 0:
            for kk in range(m):
                gbd[kk] -= g * We[j, kk]
    out[0] = rec / B
    out[1] = lam * penalty / B
    out[2] = aux / B


@njit(cache=True)
def gradients(H, rows, P, grads, d, m, kind, lams, ks, ends, bandwidth, dead, aux_k, aux_coeff, losses):
    """loss_and_grads for every instance l (P (L, size), grads (L, size), dead (L, d), losses (L, 3))."""
    fired = np.empty(d, np.bool_)
    for inst in range(P.shape[0]):
        ws = _workspace(d, m, rows.shape[0], ends.shape[0], max(ks[inst], aux_k))
        loss_and_grads(H, rows, P[inst], grads[inst], d, m, kind, lams[inst], ks[inst], ends, bandwidth,
                       dead[inst], aux_k, aux_coeff, ws, fired, losses[inst])


@njit(cache=True)
def renormalise(WdT):
    """Rescale the dictionary atoms (rows of W_dec^T, (d, m)) to unit norm (sums in order)."""
    d, m = WdT.shape
    for j in range(d):
        s = np.float32(0.0)
        for kk in range(m):
            s += WdT[j, kk] * WdT[j, kk]
        norm = max(math.sqrt(s), np.float32(1e-8))
        for kk in range(m):
            WdT[j, kk] /= norm


@njit(parallel=True, cache=True)
def train(H, P, d, m, kind, lams, ks, ends, bandwidth, aux_k, aux_coeff, dead_steps, normalise,
          steps, batch_size, lr, seed, log_every, history, history_count):
    """Adam on every instance for ``steps`` steps; P (L, size) is updated in place.

    Adam (betas 0.9, 0.999, eps 1e-8, no weight decay) with torch.optim.Adam's
    arithmetic; its bias corrections 1 - beta^t come from float64 running
    products. After each step: unit-norm decoder columns if ``normalise``;
    theta >= 0 (JumpReLU). history (T, L) float64 receives the summed total
    loss of each window of ``log_every`` steps, history_count (T,) its length.
    """
    L = P.shape[0]
    size = P.shape[1]
    n_rows = H.shape[0]
    for w in range(history.shape[0]):
        history_count[w] = min(log_every, steps - w * log_every)
    beta1 = np.float32(0.9)
    beta2 = np.float32(0.999)
    one_m_b1 = np.float32(1.0) - beta1
    one_m_b2 = np.float32(1.0) - beta2
    eps = np.float32(1e-8)
    P_n = ends.shape[0]
    for inst in prange(L):
        row = P[inst]
        ws = _workspace(d, m, batch_size, P_n, max(ks[inst], aux_k))
        grad = np.empty(size, np.float32)
        m1 = np.zeros(size, np.float32)
        m2 = np.zeros(size, np.float32)
        rows = np.empty(batch_size, np.int64)
        fired = np.empty(d, np.bool_)
        dead = np.zeros(d, np.bool_)
        last_fired = np.zeros(d, np.int64)
        out = np.zeros(3, np.float64)
        pw1 = 1.0
        pw2 = 1.0
        stop = size if kind == KIND_JUMPRELU else size - d
        for w in range(history.shape[0]):
            history[w, inst] = 0.0
        for step in range(1, steps + 1):
            batch_rows(seed, step, n_rows, rows)
            if aux_k > 0:
                for j in range(d):
                    dead[j] = step - last_fired[j] > dead_steps
            loss_and_grads(H, rows, row, grad, d, m, kind, lams[inst], ks[inst], ends, bandwidth, dead,
                           aux_k, aux_coeff, ws, fired, out)
            for j in range(d):
                if fired[j]:
                    last_fired[j] = step
            history[(step - 1) // log_every, inst] += out[0] + out[1] + out[2]
            pw1 *= 0.9
            pw2 *= 0.999
            step_size = np.float32(lr / (1.0 - pw1))
            sqrt_b2 = np.float32(math.sqrt(1.0 - pw2))
            for i in range(stop):
                g = grad[i]
                m1[i] = beta1 * m1[i] + one_m_b1 * g
                m2[i] = beta2 * m2[i] + one_m_b2 * g * g
                row[i] -= step_size * m1[i] / (math.sqrt(m2[i]) / sqrt_b2 + eps)
            We, be, WdT, bd, theta = _views(row, d, m)
            if normalise:
                renormalise(WdT)
            if kind == KIND_JUMPRELU:
                for j in range(d):
                    if theta[j] < 0:
                        theta[j] = 0.0


@njit(parallel=True, cache=True)
def apply(H, P, d, m, kind, ks, ends, want_codes, codes, want_recon, recon, sample_sse, sse, l0, l1,
          fire_count):
    """Run every SAE on every row of H (N, m) without training (chunks of 256 rows).

    Outputs per instance l: sse (L, P) sum over samples of ||h - h_hat_p||^2 per prefix;
    l0 (L,) and l1 (L,) sums of #{c_j != 0} and sum_j c_j; fire_count (L, d) int64;
    sample_sse (N, L) ||h - h_hat||^2 of the full dictionary per sample;
    codes (N, L, d) and recon (N, L, m) when ``want_codes`` / ``want_recon``.
    """
    N = H.shape[0]
    L = P.shape[0]
    Pn = ends.shape[0]
    B = 256
    for inst in prange(L):
        We, be, WdT, bd, theta = _views(P[inst], d, m)
        HT, XcT, Xc, ZT, CT, GC, AT, E, G, GS, counts, everyone, TV, TI, vb, ib, acc, idx = _workspace(
            d, m, B, Pn, ks[inst])
        rows = np.empty(B, np.int64)
        for p in range(Pn):
            sse[inst, p] = 0.0
        for j in range(d):
            fire_count[inst, j] = 0
        l0_sum = 0.0
        l1_sum = 0.0
        for start in range(0, N, B):
            nb = min(B, N - start)
            for b in range(nb):
                rows[b] = start + b
            _gather(H, rows, nb, bd, HT, XcT, Xc)
            _forward(nb, XcT, HT, We, be, WdT, bd, theta, kind, ks[inst], ends, ZT, CT, AT, E, counts,
                     everyone, TV, TI, vb, ib)
            for p in range(Pn):
                for b in range(nb):
                    acc[b] = 0.0
                _add_squared_errors(E, p, m, nb, acc)
                s = 0.0
                for b in range(nb):
                    s += acc[b]
                sse[inst, p] += s
                if p == Pn - 1:
                    for b in range(nb):
                        sample_sse[start + b, inst] = acc[b]
            for j in range(d):
                fire_count[inst, j] += counts[j]
                l0_sum += counts[j]
                if counts[j] > 0:
                    for b in range(nb):
                        l1_sum += CT[j, b]
            if want_codes:
                for b in range(nb):
                    for j in range(d):
                        codes[start + b, inst, j] = CT[j, b]
            if want_recon:
                for b in range(nb):
                    for kk in range(m):
                        recon[start + b, inst, kk] = AT[kk, b]
        l0[inst] = l0_sum
        l1[inst] = l1_sum
