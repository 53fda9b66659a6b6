"""Compiled CPU kernels: the whole training loop of many toy models, fused.

Why this file exists: a toy model of superposition is tiny (n*m ~ 10..4000
weights), so a PyTorch training step is almost all dispatch overhead. Here one
numba call runs *many* AdamW steps of *many* independent instances, each
instance on one thread with its own random stream. Results therefore do not
depend on the number of threads, or on which other instances share the call.

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

import math

import numpy as np
from numba import njit, prange

_MASK32 = np.uint64(0xFFFFFFFF)
_INV_2_24 = np.float32(1.0 / 16777216.0)


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
def _uniform(index, k1, k2):
    """U[0,1) float32 with 24 random bits: a keyed 2-round hash of ``index``."""
    return np.float32(_hash32(_hash32(index ^ k1) ^ k2) >> np.uint64(8)) * _INV_2_24


@njit(cache=True)
def step_keys(key, counter):
    """Two 32-bit keys for one batch, from an instance key and a batch counter."""
    k1 = _hash32(np.uint64(key) ^ _hash32(np.uint64(counter) * np.uint64(2) + np.uint64(1)))
    k2 = _hash32(k1 ^ _hash32(np.uint64(counter) * np.uint64(2) + np.uint64(2)))
    return k1, k2


@njit(fastmath=True, cache=True)
def sample_features(X, density, group_start, group_anti, signed, key, counter):
    """Fill X (n, B) with one batch of synthetic features.

    A group g (features group_start[g] .. group_start[g+1]-1) is active with
    probability density[g]; independently per sample.
      * singleton group: the feature is U[0,1] when active (the paper's x_i);
      * correlated group (group_anti[g] False): every member is active
        together, each with its own U[0,1] value;
      * anti-correlated group (group_anti[g] True): exactly one member,
        chosen uniformly, is active.
    ``signed`` maps values to U[-1,1] (the absolute-value task).
    Implementation: one keyed hash per (group, sample) decides activity; the
    same uniform, rescaled, is the value (singletons) or picks the member
    (anti-correlated); correlated members draw their own values.
    """
    n, B = X.shape
    k1, k2 = step_keys(key, counter)
    k3 = _hash32(k1 ^ np.uint64(0x5BD1E995))
    G = group_start.shape[0] - 1
    for g in range(G):
        lo = group_start[g]
        size = group_start[g + 1] - lo
        p = np.float32(density[g])
        inv_p = np.float32(1.0 / density[g]) if density[g] > 0 else np.float32(0.0)
        row0 = np.uint64(g * B)
        if size == 1:
            for c in range(B):
                u = _uniform(row0 + np.uint64(c), k1, k2)
                v = u * inv_p if u < p else np.float32(0.0)
                if signed and v != 0:
                    v = np.float32(2.0) * v - np.float32(1.0)
                X[lo, c] = v
        else:
            for c in range(B):
                u = _uniform(row0 + np.uint64(c), k1, k2)
                active = u < p
                chosen = lo + min(int(u * inv_p * size), size - 1)
                for i in range(lo, lo + size):
                    if active and (not group_anti[g] or i == chosen):
                        v = _uniform(np.uint64(i * B + c), k3, k2)
                        if signed:
                            v = np.float32(2.0) * v - np.float32(1.0)
                        X[i, c] = v
                    else:
                        X[i, c] = np.float32(0.0)


@njit(fastmath=True, cache=True)
def compact_nonzero_samples(X, Xc, nonzero):
    """Copy the samples (columns) of X with any non-zero feature into Xc.

    Returns the number kept; ``nonzero`` (B,) is scratch. All-zero samples are
    handled in closed form by the caller: they give h = 0 and x' = act_o(b).
    """
    n, B = X.shape
    nonzero[:] = False
    for i in range(n):
        for c in range(B):
            nonzero[c] |= X[i, c] != 0
    kept = 0
    for c in range(B):
        if nonzero[c]:
            for i in range(n):
                Xc[i, kept] = X[i, c]
            kept += 1
    return kept


@njit(fastmath=True, cache=True)
def loss_and_grads(W, V, b, importance, Xc, kept, n_zero, hidden_relu, output_relu,
                   signed, tied, gW, gV, gb, H, Hpre, DH, G):
    """Importance-weighted MSE of one batch and its gradients (hand-derived).

    Batch = the ``kept`` columns of Xc plus ``n_zero`` all-zero samples.
    Loss = mean over (batch, features) of I_j (x'_j - t_j)^2, t = |x|.
    Forward:  Hpre = W X;  H = act_h(Hpre);  O = V^T H + b;  x' = act_o(O).
    Backward: G = dL/dO = 2 I_j (x' - t) act_o'(O) / (B n)
              gb = sum_c G;  gV = H G^T;  DH = (V G) * act_h'(Hpre);  gW += DH X^T.
    For tied models (V is W) both weight gradients land in gW.
    Scratch shapes: H, Hpre, DH (m, >=kept); G (n, >=kept). Returns the loss.
    """
    m, n = W.shape
    batch = kept + n_zero
    scale = np.float32(2.0 / (batch * n))
    loss = 0.0
    for k in range(m):
        for c in range(kept):
            Hpre[k, c] = 0.0
        for i in range(n):
            wki = W[k, i]
            for c in range(kept):
                Hpre[k, c] += wki * Xc[i, c]
        for c in range(kept):
            h = Hpre[k, c]
            H[k, c] = h if (h > 0 or not hidden_relu) else np.float32(0.0)
    for j in range(n):
        bj = b[j]
        sc = scale * importance[j]
        g = G[j]
        for c in range(kept):
            g[c] = bj
        for k in range(m):
            vkj = V[k, j]
            for c in range(kept):
                g[c] += vkj * H[k, c]
        gsum = np.float32(0.0)
        lsum = np.float32(0.0)
        for c in range(kept):
            o = g[c]
            t = abs(Xc[j, c]) if signed else Xc[j, c]
            if output_relu and o <= 0:
                d = -t
                gd = np.float32(0.0)
            else:
                d = o - t
                gd = sc * d
            lsum += d * d
            g[c] = gd
            gsum += gd
        out_zero = bj if (bj > 0 or not output_relu) else np.float32(0.0)
        gb[j] = gsum + n_zero * sc * out_zero
        loss += importance[j] * (lsum + n_zero * out_zero * out_zero)
    for k in range(m):
        for c in range(kept):
            DH[k, c] = 0.0
        for j in range(n):
            acc = np.float32(0.0)
            vkj = V[k, j]
            for c in range(kept):
                acc += H[k, c] * G[j, c]
                DH[k, c] += vkj * G[j, c]
            gV[k, j] = acc
        if hidden_relu:
            for c in range(kept):
                if Hpre[k, c] <= 0:
                    DH[k, c] = 0.0
    for k in range(m):
        for i in range(n):
            acc = np.float32(0.0)
            for c in range(kept):
                acc += DH[k, c] * Xc[i, c]
            if tied:
                gW[k, i] = gV[k, i] + acc
            else:
                gW[k, i] = acc
    return loss / (batch * n)


@njit(cache=True)
def _workspace(n, m, batch_size):
    """Per-thread scratch: batch X, compacted Xc, flags, H, Hpre, DH, G and the gradients."""
    return (np.empty((n, batch_size), np.float32), np.empty((n, batch_size), np.float32),
            np.empty(batch_size, np.bool_), np.empty((m, batch_size), np.float32),
            np.empty((m, batch_size), np.float32), np.empty((m, batch_size), np.float32),
            np.empty((n, batch_size), np.float32), np.empty((m, n), np.float32),
            np.empty((m, n), np.float32), np.empty(n, np.float32))


@njit(fastmath=True, cache=True)
def adamw_update(param, grad, exp_avg, exp_avg_sq, step, lr, weight_decay, beta1, beta2, eps):
    """In-place AdamW step on a flat view, the same arithmetic as torch.optim.AdamW."""
    bias1 = 1.0 - beta1 ** step
    bias2 = 1.0 - beta2 ** step
    step_size = lr / bias1
    sqrt_bias2 = math.sqrt(bias2)
    decay = np.float32(1.0 - lr * weight_decay)
    for i in range(param.shape[0]):
        g = grad[i]
        param[i] *= decay
        exp_avg[i] = beta1 * exp_avg[i] + (1.0 - beta1) * g
        exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * exp_avg[i] / (math.sqrt(exp_avg_sq[i]) / sqrt_bias2 + eps)


@njit(parallel=True, fastmath=True, cache=True)
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
    for t in prange(schedule.shape[0]):
        X, Xc, nonzero, H, Hpre, DH, G, gW, gV, gb = _workspace(n, m, batch_size)
        for slot in range(schedule.shape[1]):
            inst = schedule[t, slot]
            if inst < 0:
                continue
            w = W[inst]
            v = V[inst]
            bias = b[inst]
            st = state[inst]
            total = 0.0
            for s in range(n_steps):
                step = first_step + s + 1
                sample_features(X, density[inst], group_start, group_anti, signed, keys[inst], step)
                kept = compact_nonzero_samples(X, Xc, nonzero)
                total += loss_and_grads(w, v, bias, importance[inst], Xc, kept, batch_size - kept,
                                        hidden_relu, output_relu, signed, tied,
                                        gW, gV, gb, H, Hpre, DH, G)
                adamw_update(w.reshape(m * n), gW.reshape(m * n), st[0, : m * n], st[1, : m * n],
                             step, lr, weight_decay, 0.9, 0.999, 1e-8)
                if not tied:
                    adamw_update(v.reshape(m * n), gV.reshape(m * n), st[2, : m * n], st[3, : m * n],
                                 step, lr, weight_decay, 0.9, 0.999, 1e-8)
                adamw_update(bias, gb, st[4, :n], st[5, :n], step, lr, weight_decay, 0.9, 0.999, 1e-8)
            mean_loss[inst] = total / max(n_steps, 1)


@njit(parallel=True, fastmath=True, cache=True)
def evaluate(W, V, b, importance, density, group_start, group_anti, keys, schedule,
             n_batches, batch_size, hidden_relu, output_relu, signed, tied, out_loss):
    """Mean loss of every instance over ``n_batches`` fresh batches (no update)."""
    n_inst, m, n = W.shape
    for t in prange(schedule.shape[0]):
        X, Xc, nonzero, H, Hpre, DH, G, gW, gV, gb = _workspace(n, m, batch_size)
        for slot in range(schedule.shape[1]):
            inst = schedule[t, slot]
            if inst < 0:
                continue
            total = 0.0
            for s in range(n_batches):
                sample_features(X, density[inst], group_start, group_anti, signed, keys[inst], s + 1)
                kept = compact_nonzero_samples(X, Xc, nonzero)
                total += loss_and_grads(W[inst], V[inst], b[inst], importance[inst], Xc, kept,
                                        batch_size - kept, hidden_relu, output_relu, signed, tied,
                                        gW, gV, gb, H, Hpre, DH, G)
            out_loss[inst] = total / max(n_batches, 1)


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
