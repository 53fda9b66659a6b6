"""Compiled CPU kernels: the whole training loop of many toy models, fused.

Why this file exists: a toy model of superposition is tiny (n*m ~ 10..4000
weights), so a PyTorch training step is almost all dispatch overhead. Here one
numba call runs *many* AdamW steps of *many* independent instances, each
instance on one thread with its own random stream.

Same bits on every machine. Every kernel is compiled without fast-math, so
LLVM may neither reassociate nor fuse (FMA) floating-point operations; IEEE
add, multiply, divide and sqrt are exactly rounded, so a fixed order of
operations gives the same bits on baseline x86-64, AVX2, AVX-512 and arm64,
freshly compiled or loaded from cache. The order is written out explicitly:
  * element-wise loops (``out[k, c] += w * x[i, c]`` over c) vectorise at any
    vector width without changing a single operation;
  * every sum over the batch is a fixed pairwise tree (``tree_dot``): products
    in a zero-padded scratch row, halved until 16 lanes remain, then the lanes
    added in order. Zero padding is exact (x + 0 = x);
  * no transcendental calls: AdamW's bias corrections use ``powi`` (repeated
    squaring), and the sampler uses only integer hashing and comparisons.
The data of step s of an instance depend only on (its key, s), and its key
only on (seed, its own setting, its restart): an instance trains to the same
bits alone or in a sweep, on any number of threads.

Conventions (the paper's): W is (m, n); h = act_h(W x); x' = act_o(V^T h + b),
where V = W for the tied models and V = W2^T for the absolute-value model.
Arrays are float32. Data live feature-major: X[i, c] is feature i of sample c,
so inner loops run over the batch and vectorise.

Every function here is checked against the readable PyTorch implementation in
``tmslab.models`` / ``tmslab.data`` (tests/test_kernels.py): gradients against
autograd, the AdamW update against ``torch.optim.AdamW``, data statistics
against their closed forms.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .validation import as_array, check_int

LANES = 16           # width of the last level of every batch sum (fixed: part of the result's definition)
GAP = 128            # longest gap drawn at once by the sparse sampler (a longer one is drawn in steps)
DENSE_ABOVE = 0.02   # groups denser than this draw one uniform per sample; sparser ones jump between actives
_MASK32 = np.uint64(0xFFFFFFFF)
_INV_2_24 = np.float32(1.0 / 16777216.0)
_INV_2_32 = 1.0 / 4294967296.0
_BELOW_ONE = np.float32(1.0 - 2.0**-24)   # largest float32 below 1

_JIT = dict(cache=True, error_model="numpy")   # no fastmath: see the module docstring


@njit(inline="always")
def _hash32(x):
    """lowbias32 (C. Wellons): a fast, well-mixed bijection of 32-bit integers."""
    x = x & _MASK32
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & _MASK32
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & _MASK32
    x ^= x >> np.uint64(16)
    return x


@njit(inline="always")
def _bits(index, k1, k2):
    """32 random bits: a keyed 2-round hash of ``index``."""
    return _hash32(_hash32(index ^ k1) ^ k2)


@njit(inline="always")
def _uniform(index, k1, k2):
    """U[0,1) float32 with 24 random bits."""
    return np.float32(_bits(index, k1, k2) >> np.uint64(8)) * _INV_2_24


@njit(**_JIT)
def step_keys(key, counter):
    """Two 32-bit keys for one batch, from an instance key and a batch counter."""
    k1 = _hash32(np.uint64(key) ^ _hash32(np.uint64(counter) * np.uint64(2) + np.uint64(1)))
    k2 = _hash32(k1 ^ _hash32(np.uint64(counter) * np.uint64(2) + np.uint64(2)))
    return k1, k2


@njit(**_JIT)
def powi(x, k):
    """x**k for an integer k >= 0 by repeated squaring (float64, exactly the same everywhere)."""
    result = 1.0
    base = x
    while k > 0:
        if k & 1:
            result *= base
        base *= base
        k >>= 1
    return result


@njit(**_JIT)
def padded_length(kept):
    """Length of the zero-padded scratch row a batch sum over ``kept`` samples uses: LANES * 2**q >= kept."""
    length = LANES
    while length < kept:
        length *= 2
    return length


@njit(inline="always")
def _fold8(x, c, e):
    """x[c] + x[c+e] + ... + x[c+7e] in the order of three halvings of a row of length 8e."""
    return (((x[c] + x[c + 4 * e]) + (x[c + 2 * e] + x[c + 6 * e]))
            + ((x[c + e] + x[c + 5 * e]) + (x[c + 3 * e] + x[c + 7 * e])))


@njit(inline="always")
def _fold8_products(a, b, c, e):
    """_fold8 of the row a * b, without forming it."""
    return (((a[c] * b[c] + a[c + 4 * e] * b[c + 4 * e]) + (a[c + 2 * e] * b[c + 2 * e] + a[c + 6 * e] * b[c + 6 * e]))
            + ((a[c + e] * b[c + e] + a[c + 5 * e] * b[c + 5 * e])
               + (a[c + 3 * e] * b[c + 3 * e] + a[c + 7 * e] * b[c + 7 * e])))


@njit(inline="always")
def _tree_finish(P, length):
    """Sum P[:length] (length = LANES * 2**q) by halving, then the LANES lanes in order.

    Three halvings at a time where the row is long enough (``_fold8``: one pass over P instead of three).
    """
    w = length
    while w >= 8 * LANES:
        w >>= 3
        for c in range(w):
            P[c] = _fold8(P, c, w)
    while w > LANES:
        w >>= 1
        for c in range(w):
            P[c] += P[c + w]
    s = P[0]
    for lane in range(1, LANES):
        s += P[lane]
    return s


@njit(inline="always")
def tree_dot(a, b, P, length):
    """sum_c a[c] b[c] over a zero-padded row of ``length``, in the fixed tree order.

    The products are formed while the first three halvings are done (``_fold8_products``),
    so the row of products is never written out.
    """
    if length >= 8 * LANES:
        e = length >> 3
        for c in range(e):
            P[c] = _fold8_products(a, b, c, e)
        return _tree_finish(P, e)
    for c in range(length):
        P[c] = a[c] * b[c]
    return _tree_finish(P, length)


@njit(inline="always")
def tree_sum(a, P, length):
    """sum_c a[c] over a zero-padded row of ``length``, in the fixed tree order."""
    if length >= 8 * LANES:
        e = length >> 3
        for c in range(e):
            P[c] = _fold8(a, c, e)
        return _tree_finish(P, e)
    for c in range(length):
        P[c] = a[c]
    return _tree_finish(P, length)


@njit(inline="always")
def add_rows(acc, weights, rows, count):
    """acc[c] += weights[r] * rows[r, c] for r = 0, 1, ..., R-1 in turn and c < count.

    The same additions, in the same order, as a loop over r around a loop over c; four
    rows are added per pass over acc, so acc is read and written once per four rows.
    """
    R = weights.shape[0]
    r = 0
    while r + 4 <= R:
        w0, w1, w2, w3 = weights[r], weights[r + 1], weights[r + 2], weights[r + 3]
        x0, x1, x2, x3 = rows[r], rows[r + 1], rows[r + 2], rows[r + 3]
        for c in range(count):
            acc[c] = (((acc[c] + w0 * x0[c]) + w1 * x1[c]) + w2 * x2[c]) + w3 * x3[c]
        r += 4
    while r < R:
        w0, x0 = weights[r], rows[r]
        for c in range(count):
            acc[c] += w0 * x0[c]
        r += 1


@njit(**_JIT)
def add_products(A, M, R, count):
    """A[r, c] += sum_i M[r, i] R[i, c] for every row r of A and c < count: A += M R on the first columns.

    For each (r, c) the terms are added one i after another in index order, exactly the additions
    of a plain loop over i; but four rows of A take four rows of R per pass over c, so every value
    loaded is used four times. A (rows, >= count), M (rows, inner), R (inner, >= count).
    """
    rows, inner = M.shape
    r = 0
    while r + 4 <= rows:
        a0, a1, a2, a3 = A[r], A[r + 1], A[r + 2], A[r + 3]
        i = 0
        while i + 4 <= inner:
            x0, x1, x2, x3 = R[i], R[i + 1], R[i + 2], R[i + 3]
            m00, m01, m02, m03 = M[r, i], M[r, i + 1], M[r, i + 2], M[r, i + 3]
            m10, m11, m12, m13 = M[r + 1, i], M[r + 1, i + 1], M[r + 1, i + 2], M[r + 1, i + 3]
            m20, m21, m22, m23 = M[r + 2, i], M[r + 2, i + 1], M[r + 2, i + 2], M[r + 2, i + 3]
            m30, m31, m32, m33 = M[r + 3, i], M[r + 3, i + 1], M[r + 3, i + 2], M[r + 3, i + 3]
            for c in range(count):
                u0, u1, u2, u3 = x0[c], x1[c], x2[c], x3[c]
                a0[c] = (((a0[c] + m00 * u0) + m01 * u1) + m02 * u2) + m03 * u3
                a1[c] = (((a1[c] + m10 * u0) + m11 * u1) + m12 * u2) + m13 * u3
                a2[c] = (((a2[c] + m20 * u0) + m21 * u1) + m22 * u2) + m23 * u3
                a3[c] = (((a3[c] + m30 * u0) + m31 * u1) + m32 * u2) + m33 * u3
            i += 4
        while i < inner:
            x0 = R[i]
            m00, m10, m20, m30 = M[r, i], M[r + 1, i], M[r + 2, i], M[r + 3, i]
            for c in range(count):
                u0 = x0[c]
                a0[c] += m00 * u0
                a1[c] += m10 * u0
                a2[c] += m20 * u0
                a3[c] += m30 * u0
            i += 1
        r += 4
    while r < rows:
        add_rows(A[r], M[r], R, count)
        r += 1


@njit(**_JIT)
def gap_tables(density, out):
    """out[g, j] = (1 - density[g])**j for j = 0..GAP (G, GAP + 1): P(the next j samples are inactive).

    Built by repeated multiplication in float64, so every CPU gets the same table.
    """
    for g in range(density.shape[0]):
        q = 1.0 - density[g]
        out[g, 0] = 1.0
        for j in range(GAP):
            out[g, j + 1] = out[g, j] * q


@njit(**_JIT)
def sample_features(X, density, gaps, group_start, group_anti, signed, key, counter, nonzero, touched):
    """Fill X[:, :B] (X is (n, L >= B)) with one batch of synthetic features, B = len(nonzero).

    A group g (features group_start[g] .. group_start[g+1]-1) is active with
    probability density[g]; independently per sample.
      * singleton group: the feature is U[0,1] when active (the paper's x_i);
      * correlated group (group_anti[g] False): every member is active
        together, each with its own U[0,1] value;
      * anti-correlated group (group_anti[g] True): exactly one member,
        chosen uniformly, is active.
    ``signed`` maps values to U[-1,1] (the absolute-value task).
    nonzero[c] flags the non-empty samples. How activity is drawn (both exact):
      * density p > DENSE_ABOVE: one keyed hash per sample, u ~ U[0,1);
        active if u < p, and then u / p is its U[0,1) value (branch-free);
      * sparser groups jump from one active sample to the next: the number of
        inactive samples in between is Geometric(p), P(gap = j) = (1-p)^j p,
        drawn by inverse CDF from gaps[g] = gap_tables(density) with one
        32-bit number (a draw below (1-p)^GAP skips GAP samples and draws
        again: the gaps are memoryless). The cost then grows with the number
        of active entries, not with n.
    X must hold the previous batch of the same instance (or zeros): dense
    singleton rows are overwritten, and every other entry written is recorded
    in ``touched`` (touched[0] = count, then flat positions i * L + c) and
    zeroed at the next call, so no step pays O(n B) for clearing X.
    """
    B = nonzero.shape[0]
    L = X.shape[1]
    flat = X.reshape(X.size)
    for t in range(1, touched[0] + 1):
        flat[touched[t]] = 0.0
    count = 0
    k1, k2 = step_keys(key, counter)
    k3 = _hash32(k1 ^ np.uint64(0x5BD1E995))
    k4 = _hash32(k2 ^ np.uint64(0x27D4EB2F))
    for c in range(B):
        nonzero[c] = False
    G = group_start.shape[0] - 1
    for g in range(G):
        lo = group_start[g]
        size = group_start[g + 1] - lo
        p = density[g]
        row = np.uint64(g) * np.uint64(B)
        if p <= 0.0:
            continue
        p32 = np.float32(p)
        inv_p = np.float32(1.0 / p)
        dense = p > DENSE_ABOVE
        if dense and size == 1:
            for c in range(B):
                u = _uniform(row + np.uint64(c), k1, k2)
                v = min(u * inv_p, _BELOW_ONE) if u < p32 else np.float32(0.0)
                if p >= 1.0:
                    v = u
                if signed and v != 0:
                    v = np.float32(2.0) * v - np.float32(1.0)
                X[lo, c] = v
                nonzero[c] |= v != 0
            continue
        table = gaps[g]
        draw = np.uint64(g) * np.uint64(2 * B + 2)
        c = 0
        while c < B:
            if dense:                                # correlated / anti-correlated group, per sample
                if not (_uniform(row + np.uint64(c), k1, k2) < p32 or p >= 1.0):
                    c += 1
                    continue
            else:                                    # jump over a Geometric(p) gap
                r = np.float64(_bits(draw, k4, k1)) * _INV_2_32
                draw += np.uint64(1)
                if r < table[GAP]:
                    c += GAP
                    continue
                a = 0                                # largest a < GAP with table[a] > r (branch-free search)
                step = GAP >> 1
                while step > 0:
                    a += step * (table[a + step] > r)
                    step >>= 1
                c += a
                if c >= B:
                    break
            # sample c is active for group g
            v = _uniform(row + np.uint64(c), k3, k4)
            chosen = lo + min(int(v * size), size - 1)
            for i in range(lo, lo + size):
                if size > 1 and group_anti[g] and i != chosen:
                    continue
                val = v if size == 1 else _uniform(np.uint64(i) * np.uint64(B) + np.uint64(c), k3, k2)
                X[i, c] = np.float32(2.0) * val - np.float32(1.0) if signed else val
                count += 1
                touched[count] = i * L + c
            nonzero[c] = True
            c += 1
    touched[0] = count


@njit(**_JIT)
def compact_nonzero_samples(X, Xc, nonzero, index):
    """Copy the samples (columns) of X with any non-zero feature into Xc, zero-padded.

    Returns kept, the number of non-empty samples; columns kept .. L-1 of Xc
    are zero, L = padded_length(kept). index (B,) is int64 scratch, B = len(nonzero).
    All-zero samples are handled in closed form by the caller: they give h = 0
    and x' = act_o(b).
    """
    n = X.shape[0]
    B = nonzero.shape[0]
    kept = 0
    for c in range(B):          # branch-free: a sample's flag is a coin flip the CPU cannot predict
        index[kept] = c
        kept += nonzero[c]
    length = padded_length(kept)
    for i in range(n):
        for t in range(kept):
            Xc[i, t] = X[i, index[t]]
        for t in range(kept, length):
            Xc[i, t] = 0.0
    return kept


@njit(**_JIT)
def loss_and_grads(W, V, b, importance, Xc, kept, n_zero, hidden_relu, output_relu,
                   signed, tied, gW, gV, gb, H, Hpre, DH, G, P):
    """Importance-weighted MSE of one batch and its gradients (hand-derived).

    Batch = the ``kept`` columns of Xc plus ``n_zero`` all-zero samples.
    Loss = mean over (batch, features) of I_j (x'_j - t_j)^2, t = |x|.
    Forward:  Hpre = W X;  H = act_h(Hpre);  O = V^T H + b;  x' = act_o(O).
    Backward: G = dL/dO = 2 I_j (x' - t) act_o'(O) / (B n)
              gb = sum_c G;  gV = H G^T;  DH = (V G) * act_h'(Hpre);  gW += DH X^T.
    For tied models (V is W) both weight gradients land in gW.
    Xc (n, >= L) must be zero in columns kept .. L-1, L = padded_length(kept);
    scratch H, Hpre, DH (m, >= L); G (n, >= L); P (>= L). Returns the loss.
    Sums over samples use ``tree_dot`` / ``tree_sum``; sums over features and
    hidden units run in index order.
    """
    m, n = W.shape
    batch = kept + n_zero
    length = padded_length(kept)
    scale = np.float32(2.0 / (batch * n))
    loss = 0.0
    for k in range(m):
        for c in range(length):
            Hpre[k, c] = 0.0
    add_products(Hpre, W, Xc, length)            # the zero columns give Hpre = +0, as set above
    for k in range(m):
        for c in range(length):
            h = Hpre[k, c]
            H[k, c] = h if (h > 0 or not hidden_relu) else np.float32(0.0)
    for j in range(n):
        for c in range(length):
            G[j, c] = b[j]
    add_products(G, V.T, H, length)
    for j in range(n):
        bj = b[j]
        sc = scale * importance[j]
        g = G[j]
        for c in range(length):
            o = g[c]
            t = abs(Xc[j, c]) if signed else Xc[j, c]
            if output_relu and o <= 0:
                d = -t
                g[c] = np.float32(0.0)
            else:
                d = o - t
                g[c] = sc * d
            P[c] = d * d
        for c in range(kept, length):
            g[c] = 0.0
            P[c] = 0.0
        lsum = _tree_finish(P, length)
        gsum = tree_sum(g, P, length)
        out_zero = bj if (bj > 0 or not output_relu) else np.float32(0.0)
        gb[j] = gsum + n_zero * sc * out_zero
        loss += importance[j] * (lsum + n_zero * out_zero * out_zero)
    for k in range(m):
        for c in range(length):
            DH[k, c] = 0.0
    add_products(DH, V, G, length)
    for k in range(m):
        for j in range(n):
            gV[k, j] = tree_dot(H[k], G[j], P, length)
        if hidden_relu:
            for c in range(length):
                if Hpre[k, c] <= 0:
                    DH[k, c] = 0.0
    for k in range(m):
        for i in range(n):
            acc = tree_dot(DH[k], Xc[i], P, length)
            if tied:
                gW[k, i] = gV[k, i] + acc
            else:
                gW[k, i] = acc
    return loss / (batch * n)


@njit(**_JIT)
def _workspace(n, m, batch_size):
    """Per-thread scratch: X and Xc (n, L) with zero-padded columns, flags, touched, index, gap tables, H, Hpre, DH,
    G, P and the gradients gW, gV, gb; L = padded_length(batch_size)."""
    L = padded_length(batch_size)
    return (np.zeros((n, L), np.float32), np.zeros(batch_size, np.bool_), np.zeros(n * batch_size + 1, np.int64),
            np.zeros(batch_size, np.int64), np.zeros((n, GAP + 1), np.float64),
            np.zeros((n, L), np.float32), np.zeros((m, L), np.float32), np.zeros((m, L), np.float32),
            np.zeros((m, L), np.float32), np.zeros((n, L), np.float32), np.zeros(L, np.float32),
            np.zeros((m, n), np.float32), np.zeros((m, n), np.float32), np.zeros(n, np.float32))


@njit(**_JIT)
def _start_instance(density, ws):
    """Prepare a thread's workspace for a new instance: clear X, forget touched entries, build gap tables."""
    ws[0][:, :] = 0.0
    ws[2][0] = 0
    gap_tables(density, ws[4])


@njit(**_JIT)
def adamw_update(param, grad, exp_avg, exp_avg_sq, step, lr, weight_decay, beta1, beta2, eps):
    """In-place AdamW step on a flat view, the same arithmetic as torch.optim.AdamW."""
    bias1 = 1.0 - powi(beta1, step)
    bias2 = 1.0 - powi(beta2, step)
    step_size = lr / bias1
    sqrt_bias2 = np.sqrt(bias2)
    decay = np.float32(1.0 - lr * weight_decay)
    for i in range(param.shape[0]):
        g = grad[i]
        param[i] *= decay
        exp_avg[i] = beta1 * exp_avg[i] + (1.0 - beta1) * g
        exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * exp_avg[i] / (np.sqrt(exp_avg_sq[i]) / sqrt_bias2 + eps)


@njit(**_JIT)
def _batch_loss(w, v, bias, imp, density, group_start, group_anti, key, counter, flags, ws):
    """Draw batch ``counter`` of one instance and return its loss; gradients land in ws.

    ws must come from ``_start_instance`` for this instance.
    """
    X, nonzero, touched, index, gaps, Xc, H, Hpre, DH, G, P, gW, gV, gb = ws
    hidden_relu, output_relu, signed, tied = flags
    sample_features(X, density, gaps, group_start, group_anti, signed, key, counter, nonzero, touched)
    B = nonzero.shape[0]
    kept = 0
    for c in range(B):
        kept += nonzero[c]
    if 2 * kept >= B:
        # mostly non-empty: train on X as drawn (zero-padded columns), empty samples included
        return loss_and_grads(w, v, bias, imp, X, B, 0, hidden_relu, output_relu,
                              signed, tied, gW, gV, gb, H, Hpre, DH, G, P)
    kept = compact_nonzero_samples(X, Xc, nonzero, index)
    return loss_and_grads(w, v, bias, imp, Xc, kept, B - kept, hidden_relu, output_relu,
                          signed, tied, gW, gV, gb, H, Hpre, DH, G, P)


@njit(parallel=True, **_JIT)
def train_steps(W, V, b, state, importance, density, group_start, group_anti, keys,
                schedule, first_step, n_steps, batch_size, lr, weight_decay,
                hidden_relu, output_relu, signed, tied, mean_loss):
    """Run ``n_steps`` AdamW steps on every instance; returns nothing.

    W, V: (I, m, n); b: (I, n); state: (I, 6, m*n + n) AdamW moments
    [mW, vW, mV, vV, mb, vb] (first m*n or n entries used); importance (I, n);
    density (I, G); keys (I,) uint64 data-stream keys; schedule (T, k): row t
    lists the instances thread t trains (-1 = padding), balanced by cost.
    The data of step s (1-based) of an instance depends only on (key, s).
    mean_loss (I,) receives the mean training loss over these steps.
    """
    n_inst, m, n = W.shape
    flags = (hidden_relu, output_relu, signed, tied)
    for t in prange(schedule.shape[0]):
        ws = _workspace(n, m, batch_size)
        gW, gV, gb = ws[11], ws[12], ws[13]
        for slot in range(schedule.shape[1]):
            inst = schedule[t, slot]
            if inst < 0:
                continue
            w = W[inst]
            v = V[inst]
            bias = b[inst]
            st = state[inst]
            _start_instance(density[inst], ws)
            total = 0.0
            for s in range(n_steps):
                step = first_step + s + 1
                total += _batch_loss(w, v, bias, importance[inst], density[inst], group_start,
                                     group_anti, keys[inst], step, flags, ws)
                adamw_update(w.reshape(m * n), gW.reshape(m * n), st[0, : m * n], st[1, : m * n],
                             step, lr, weight_decay, 0.9, 0.999, 1e-8)
                if not tied:
                    adamw_update(v.reshape(m * n), gV.reshape(m * n), st[2, : m * n], st[3, : m * n],
                                 step, lr, weight_decay, 0.9, 0.999, 1e-8)
                adamw_update(bias, gb, st[4, :n], st[5, :n], step, lr, weight_decay, 0.9, 0.999, 1e-8)
            mean_loss[inst] = total / max(n_steps, 1)


@njit(parallel=True, **_JIT)
def evaluate(W, V, b, importance, density, group_start, group_anti, keys, schedule,
             first_batch, n_batches, batch_size, hidden_relu, output_relu, signed, tied, batch_loss):
    """Loss of every instance on fresh batches (no update).

    Scores batches first_batch .. n_batches[i] - 1 of instance i; batch_loss (I, >= max n_batches)
    receives the loss of each (batch t of an instance depends only on (key, t + 1), so instances
    sharing a key, the restarts of one setting, are scored on the same batches, and scoring in
    several calls gives the same numbers as one call).
    """
    n_inst, m, n = W.shape
    flags = (hidden_relu, output_relu, signed, tied)
    for t in prange(schedule.shape[0]):
        ws = _workspace(n, m, batch_size)
        for slot in range(schedule.shape[1]):
            inst = schedule[t, slot]
            if inst < 0:
                continue
            _start_instance(density[inst], ws)
            for s in range(first_batch, n_batches[inst]):
                batch_loss[inst, s] = _batch_loss(W[inst], V[inst], b[inst], importance[inst], density[inst],
                                                  group_start, group_anti, keys[inst], s + 1, flags, ws)


def step_cost_ns(density: np.ndarray, sizes: np.ndarray, n_hidden: int, batch_size: int,
                 tied: bool = True) -> np.ndarray:
    """Modelled time (ns, one thread) of one training step of each instance: (I,) from density (I, G).

    density[i, g] is group g's density in instance i, sizes (G,) the group sizes, n = sizes.sum().
    The terms follow the kernels above; the constants were fitted to their timings (35 points,
    n = 2..200, m = 1..20, density 1..0.001, batch 1024, on a 2-core AVX-512 machine; every point
    within 15%, most within 10%). Only their ratios matter here: they balance the threads' loads.
      sampling: 0.6 per hashed entry (groups denser than DENSE_ABOVE, one hash per sample),
                29 per active entry and 20 per gap draw (B / GAP a group) of the sparser groups;
      compaction (under half the samples non-empty): 0.47 per copied entry;
      compute: 0.14 n m L + 5.8 n m + 830, L = padded_length(samples trained on); x 1.2 untied.
    """
    density = as_array("density", density, 0.0, 1.0)
    sizes = as_array("sizes", sizes, 1.0, np.inf)
    if density.ndim != 2 or sizes.shape != density.shape[1:]:
        raise ValueError(f"density must be (instances, groups) and sizes (groups,), got shapes "
                         f"{density.shape} and {sizes.shape}")
    n_hidden = check_int("n_hidden", n_hidden, 1)
    n, B = sizes.sum(), float(check_int("batch_size", batch_size, 1))
    hashed = density > DENSE_ABOVE
    sampling = (0.6 * B * (hashed * sizes).sum(axis=1)
                + (~hashed * sizes * (29.0 * B * density + 20.0 * B / GAP)).sum(axis=1))
    kept = (1.0 - np.prod(1.0 - density, axis=1)) * B
    compacted = 2.0 * kept < B
    trained = np.where(compacted, kept, B)
    length = np.array([padded_length(int(np.ceil(t))) for t in trained], np.float64)
    compaction = np.where(compacted, 0.47 * n * kept, 0.0)
    compute = (0.14 * n * n_hidden * length + 5.8 * n * n_hidden + 830.0) * (1.0 if tied else 1.2)
    return sampling + compaction + compute


def balanced_schedule(costs: np.ndarray, n_threads: int) -> np.ndarray:
    """Assign instances to threads, heaviest first to the least loaded (LPT).

    Returns an int64 array (n_threads, slots) padded with -1. Only speed
    depends on it: every instance's result is independent of the schedule.
    """
    n_threads = max(1, min(n_threads, len(costs)))
    loads = [0.0] * n_threads
    lanes: list[list[int]] = [[] for _ in range(n_threads)]
    for inst in np.argsort(-np.asarray(costs), kind="stable"):
        t = int(np.argmin(loads))
        lanes[t].append(int(inst))
        loads[t] += float(costs[inst])
    slots = max(len(lane) for lane in lanes)
    table = np.full((n_threads, slots), -1, np.int64)
    for t, lane in enumerate(lanes):
        table[t, : len(lane)] = lane
    return table
