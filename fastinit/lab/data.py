"""Toy classification data sets, made deterministically from a seed.

Features are standardised (zero mean, unit variance per feature), as one
would before training; labels are ints in [0, n_classes).
"""
import operator

import numpy as np


__all__ = ["make", "split", "DATASETS"]


def _spirals(n, noise, rng, turns=1.5):
    """Two interleaved spirals, the second the first turned by pi."""
    half = n // 2
    t = np.sqrt(rng.random(n - half)) * turns * 2 * np.pi
    arm = np.c_[t * np.cos(t), t * np.sin(t)] / (turns * 2 * np.pi)
    X = np.r_[arm[:half], -arm] + rng.normal(0, noise / 10, (n, 2))
    y = np.r_[np.zeros(half, np.int64), np.ones(n - half, np.int64)]
    return X, y


def _xor(n, noise, rng):
    """Four Gaussian clusters on the corners of a square; opposite corners share a label."""
    corners = rng.integers(0, 4, n)
    centers = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    X = centers[corners] + rng.normal(0, 0.25 + noise, (n, 2))
    y = np.array([0, 1, 1, 0])[corners]
    return X, y.astype(np.int64)


def _moons(n, noise, rng):
    """Two interleaving half circles (scikit-learn's make_moons, written out)."""
    half = n // 2
    t0, t1 = np.pi * rng.random(half), np.pi * rng.random(n - half)
    X = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    X += rng.normal(0, noise, X.shape)
    y = np.r_[np.zeros(half, np.int64), np.ones(n - half, np.int64)]
    return X, y


def _blobs(n, noise, rng, k=3):
    """k Gaussian blobs around the vertices of a regular polygon."""
    labels = rng.integers(0, k, n)
    angles = 2 * np.pi * np.arange(k) / k
    centers = 2.0 * np.c_[np.cos(angles), np.sin(angles)]
    X = centers[labels] + rng.normal(0, 0.5 + noise, (n, 2))
    return X, labels.astype(np.int64)


def _digits(n, noise, rng):
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
    X = X + rng.normal(0, noise, X.shape)
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
    rng = np.random.default_rng(operator.index(seed))
    X, y = DATASETS[name](samples, noise, rng)
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)   # digits: some pixels are always 0
    perm = rng.permutation(len(X))   # digits: at most 1797
    return np.ascontiguousarray(X[perm], dtype=dtype), y[perm]


def split(X, y, test_fraction=0.25):
    """(X_train, y_train, X_test, y_test): the last ``test_fraction`` is the test set."""
    n_test = max(1, int(round(len(X) * test_fraction)))
    return X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]
