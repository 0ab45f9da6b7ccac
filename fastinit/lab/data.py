"""Toy classification data sets, made deterministically from a seed.

Features are standardised (zero mean, unit variance per feature), as one
would before training; labels are ints in [0, n_classes).

The same bits on every machine: uniform numbers, integers and permutations
come from NumPy's PCG64 (integer arithmetic and exact conversions), angles
go through fastinit's sine and cosine of a fraction of a turn
(``_dense.sincos_turns``) and the noise is fastinit's normal draw (stream
``NOISE_STREAM`` of the seed's key), never NumPy's sin/cos or Gaussian
sampler, whose last bits depend on the CPU's SIMD level and the C library.
"""
import operator

import numpy as np

import fastinit as _fi
from fastinit._dense import sincos_turns

NOISE_STREAM = 1 << 63    # far from the streams the experiment's weights reserve (0, 1, 2, ...)


__all__ = ["make", "split", "DATASETS"]


def _noise(shape, std, seed):
    return _fi.normal(shape, 0.0, std, dtype=np.float64, seed=seed, stream=NOISE_STREAM)


def _spirals(n, noise, rng, seed, turns=1.5):
    """Two interleaved spirals, the second the first turned by pi: radius
    r = sqrt(u) at angle 2 pi turns r."""
    half = n // 2
    r = np.sqrt(rng.random(n - half))
    sin, cos = sincos_turns(turns * r)
    arm = np.c_[r * cos, r * sin]
    X = np.r_[arm[:half], -arm] + _noise((n, 2), noise / 10, seed)
    y = np.r_[np.zeros(half, np.int64), np.ones(n - half, np.int64)]
    return X, y


def _xor(n, noise, rng, seed):
    """Four Gaussian clusters on the corners of a square; opposite corners share a label."""
    corners = rng.integers(0, 4, n)
    centers = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    X = centers[corners] + _noise((n, 2), 0.25 + noise, seed)
    y = np.array([0, 1, 1, 0])[corners]
    return X, y.astype(np.int64)


def _moons(n, noise, rng, seed):
    """Two interleaving half circles (scikit-learn's make_moons, written out)."""
    half = n // 2
    (s0, c0), (s1, c1) = sincos_turns(0.5 * rng.random(half)), sincos_turns(0.5 * rng.random(n - half))
    X = np.r_[np.c_[c0, s0], np.c_[1 - c1, 0.5 - s1]]
    X += _noise(X.shape, noise, seed)
    y = np.r_[np.zeros(half, np.int64), np.ones(n - half, np.int64)]
    return X, y


def _blobs(n, noise, rng, seed, k=3):
    """k Gaussian blobs around the vertices of a regular polygon."""
    labels = rng.integers(0, k, n)
    sin, cos = sincos_turns(np.arange(k) / k)
    centers = 2.0 * np.c_[cos, sin]
    X = centers[labels] + _noise((n, 2), 0.5 + noise, seed)
    return X, labels.astype(np.int64)


def _digits(n, noise, rng, seed):
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10
    classes; no download): all of them, or ``n`` drawn without replacement.
    ``noise`` adds Gaussian pixel noise (pixels are 0..16)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data set needs scikit-learn: pip install 'fastinit-philox[data]'") from None
    X, y = load_digits(return_X_y=True)
    if n < len(X):
        keep = rng.choice(len(X), n, replace=False)
        X, y = X[keep], y[keep]
    X = X + _noise(X.shape, noise, seed)
    return X, y.astype(np.int64)


DATASETS = {"spirals": _spirals, "xor": _xor, "moons": _moons, "blobs": _blobs, "digits": _digits}


def make(name="spirals", samples=1000, noise=0.1, seed=0, dtype=np.float32):
    """(X, y) of a toy data set, features standardised.

    Parameters
    ----------
    name : {"spirals", "xor", "moons", "blobs", "digits"}
    samples : int >= 4
    noise : float >= 0
    seed : int
    """
    if name not in DATASETS:
        raise ValueError(f"data must be one of {tuple(DATASETS)}, got {name!r}")
    samples = operator.index(samples)
    if samples < 4:
        raise ValueError(f"samples must be >= 4, got {samples}")
    noise = float(noise)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    seed = operator.index(seed)
    rng = np.random.default_rng(seed)
    X, y = DATASETS[name](samples, noise, rng, seed)
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)   # digits: some pixels are always 0
    perm = rng.permutation(len(X))   # digits: at most 1797
    return np.ascontiguousarray(X[perm], dtype=dtype), y[perm]


def split(X, y, test_fraction=0.25):
    """(X_train, y_train, X_test, y_test): the last ``test_fraction`` is the test set."""
    n_test = max(1, int(round(len(X) * test_fraction)))
    return X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]
