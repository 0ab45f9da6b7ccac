"""Slow references: pure Python and plain NumPy, written from the bit layout of
docs/guide/reproducibility.rst, never from the kernels (bottleneck's slow/ pattern).
"""
import math

import numpy as np
from scipy import special

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(ctr, key):
    """Philox4x32-10 in pure Python, from Salmon et al. 2011."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK)
    return c0, c1, c2, c3


def key_of(seed):
    k = np.random.SeedSequence(seed).generate_state(2, np.uint32)
    return int(k[0]), int(k[1])


def raw_words(key, stream, offset, n):
    """Words offset .. offset+n-1 of a stream, by docs/guide/reproducibility.rst."""
    out = []
    for j in range(offset, offset + n):
        blk = j // 4
        words = philox4x32_10((blk & MASK, blk >> 32, stream & MASK, stream >> 32), key)
        out.append(words[j % 4])
    return np.array(out, dtype=np.uint32)


def words_for(key, stream, offset, n, per_value, pair=False):
    """The words each of n values reads: per_value words from index per_value*(offset+i),
    or for pair=True the words of the value's Box-Muller pair."""
    unit = 2 * per_value if pair else per_value
    first = (offset // 2 * 2 if pair else offset) * per_value
    last = ((offset + n + 1) // 2 * 2 if pair else offset + n) * per_value
    w = raw_words(key, stream, first, last - first).astype(np.uint64)
    return w.reshape(-1, unit), (offset % 2 if pair else 0)


def uniform(key, stream, offset, n, low, high, dtype):
    """Exact: the uniform formula of docs/guide/reproducibility.rst."""
    if dtype == np.float32:
        w, _ = words_for(key, stream, offset, n, 1)
        u = (w[:, 0] >> 8).astype(np.float32) * np.float32(2.0 ** -24)
        low32, high32 = np.float32(low), np.float32(high)
        v = low32 + (high32 - low32) * u
        return np.where(v < high32, v, np.nextafter(high32, np.float32(-np.inf))).astype(np.float32)
    w, _ = words_for(key, stream, offset, n, 2)
    u = ((w[:, 0] >> 5).astype(np.float64) * 67108864.0 + (w[:, 1] >> 6).astype(np.float64)) * 2.0 ** -53
    v = low + (high - low) * u
    return np.where(v < high, v, np.nextafter(high, -np.inf))


def normal(key, stream, offset, n, mean, std, dtype):
    """Box-Muller with NumPy's log/cos/sin, in float64: equal to ~1e-6 (float32),
    ~1e-13 (float64) of the kernel's own polynomials."""
    if dtype == np.float32:
        w, skip = words_for(key, stream, offset, n, 1, pair=True)
        # the radius uniform exactly as float32 arithmetic makes it
        u = ((w[:, 0] >> 1).astype(np.int32).astype(np.float32) * np.float32(2.0 ** -31)
             + np.float32(2.0 ** -32)).astype(np.float64)
        theta = w[:, 1].astype(np.float64) * (2 * math.pi / 2 ** 32)
    else:
        w, skip = words_for(key, stream, offset, n, 2, pair=True)
        u = 1.0 - ((w[:, 0] >> 5).astype(np.float64) * 67108864.0 + (w[:, 1] >> 6)) * 2.0 ** -53
        theta = ((w[:, 2].astype(np.float64) * 2 ** 21 + (w[:, 3] >> 11)) * (2 * math.pi / 2 ** 53))
    r = np.sqrt(-2.0 * np.log(u))
    z = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).reshape(-1)[skip:skip + n]
    return mean + std * z


def truncated_normal(key, stream, offset, n, mean, std, lower, upper):
    """Inverse CDF with SciPy's ndtr/ndtri in float64 (central and moderate tails)."""
    w, _ = words_for(key, stream, offset, n, 2)
    u = ((w[:, 0] >> 5).astype(np.float64) * 67108864.0 + (w[:, 1] >> 6) + 0.5) * 2.0 ** -53
    pa, pb = special.ndtr(lower), special.ndtr(upper)
    x = special.ndtri(pa + u * (pb - pa))
    return mean + std * np.clip(x, lower, upper)


# ---- initializer formulas ------------------------------------------------
def fans(shape, in_axis=-2, out_axis=-1):
    if len(shape) == 1:
        return shape[0], shape[0]
    nd = len(shape)
    i, o = in_axis % nd, out_axis % nd
    rf = int(np.prod([d for k, d in enumerate(shape) if k not in (i, o)]))
    return shape[i] * rf, shape[o] * rf


def expected(name, shape, **kw):
    """(kind, parameter) of an initializer from the table of docs/guide/initializers.rst:
    ("normal", std), ("uniform", limit) or ("truncated", sigma)."""
    fi, fo = fans(shape, kw.get("in_axis", -2), kw.get("out_axis", -1))
    fi, fo = kw.get("fan_in") or fi, kw.get("fan_out") or fo
    return {
        "he_normal": ("normal", math.sqrt(2 / fi)),
        "he_uniform": ("uniform", math.sqrt(6 / fi)),
        "xavier_normal": ("normal", math.sqrt(2 / (fi + fo))),
        "xavier_uniform": ("uniform", math.sqrt(6 / (fi + fo))),
        "lecun_normal": ("normal", math.sqrt(1 / fi)),
        "lecun_uniform": ("uniform", math.sqrt(3 / fi)),
    }[name]


# ---- dense layers -----------------------------------------------------------
def act(z, name):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    return z


def act_grad_from_output(a, name):
    if name == "relu":
        return (a > 0).astype(a.dtype)
    if name == "tanh":
        return 1 - a ** 2
    if name == "sigmoid":
        return a * (1 - a)
    return np.ones_like(a)


def dense_forward(X, W, b, name):
    z = X @ W
    if b is not None:
        z = z + b
    return act(z, name)


def dense_backward(dA, X, W, A, name):
    """The textbook backward: dZ = dA * act'(A), dW = X^T dZ, db = sum dZ, dX = dZ W^T."""
    dZ = dA * act_grad_from_output(A, name)
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


# ---- toy data for the nn tests (the library's tests do not import the app) ----
def toy_data(name="spirals", samples=1000, noise=0.1, seed=0, dtype=np.float32):
    """(X, y): two interleaved spirals, two moons or three blobs,
    standardised, shuffled."""
    rng = np.random.default_rng(seed)
    half = samples // 2
    y = np.r_[np.zeros(half, np.int64), np.ones(samples - half, np.int64)]
    if name == "blobs":
        y = rng.integers(0, 3, samples)
        angles = 2 * np.pi * np.arange(3) / 3
        X = 2.0 * np.c_[np.cos(angles), np.sin(angles)][y] + rng.normal(0, 0.5 + noise, (samples, 2))
    elif name == "spirals":
        t = np.sqrt(rng.random(samples - half)) * 3 * np.pi
        arm = np.c_[t * np.cos(t), t * np.sin(t)] / (3 * np.pi)
        X = np.r_[arm[:half], -arm] + rng.normal(0, noise / 10, (samples, 2))
    elif name == "moons":
        t0, t1 = np.pi * rng.random(half), np.pi * rng.random(samples - half)
        X = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
        X += rng.normal(0, noise, X.shape)
    else:
        raise ValueError(name)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    perm = rng.permutation(samples)
    return np.ascontiguousarray(X[perm], dtype=dtype), y[perm]


def split(X, y, test_fraction=0.25):
    """(X_train, y_train, X_test, y_test): the last ``test_fraction`` is the test set."""
    n_test = max(1, int(round(len(X) * test_fraction)))
    return X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]
