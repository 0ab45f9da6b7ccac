"""What an initialization does to each layer of a fastinit.nn.MLP:
activation spread, saturated or dead units, gradient norms, and how many
units are still copies of each other (symmetry not broken)."""
import math

import numpy as np

from fastinit import _blas
from fastinit.nn.sums import norm

__all__ = ["diagnostics", "distinct_units"]


def diagnostics(net, X, y=None, loss=None):
    """What the weights do to each layer on a batch ``X``.

    Returns one dict per layer: ``act_mean``, ``act_std`` (of the
    layer's output), ``saturated`` (fraction of tanh outputs with
    |a| > 0.99, of sigmoid outputs < 0.01 or > 0.99), ``dead`` (fraction
    of ReLU units whose output is 0 for the whole batch), ``weight_norm``,
    ``grad_norm`` (norm of the layer's whole gradient, dW and db, for
    ``(X, y)``; None without y)
    and ``distinct_units``: how many units differ, a unit being its
    column of W with its bias, equal within 1e-7 relative (zero or
    constant init leaves one per layer).
    """
    X = net.check_input(X)
    with np.errstate(over="ignore", invalid="ignore"), _blas.limit(net.largest_product(X.shape[0])):
        net.forward_batch(X)
        if y is not None:
            net.backward(y, loss)
    out = []
    for i, (layer, A) in enumerate(zip(net.layers, net.last_workspace.A)):
        a = A.astype(np.float64)
        d = {
            "layer": i,
            "activation": layer.activation,
            "act_mean": float(a.mean()) if a.size else 0.0,
            "act_std": float(a.std()) if a.size else 0.0,
            "saturated": _saturated(a, layer.activation),
            "dead": float(np.mean(np.all(a == 0, axis=0))) if layer.activation == "relu" else 0.0,
            "weight_norm": norm(layer.W),
            "grad_norm": _hypot(norm(layer.dW), norm(layer.db)) if y is not None else None,
            "distinct_units": distinct_units(layer.W, layer.b),
        }
        out.append(d)
    return out


def _hypot(a, b):
    """sqrt(a^2 + b^2) without overflow, in correctly rounded operations
    (libm's hypot is not the same bits on every machine)."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    big, small = max(a, b), min(a, b)
    if big == 0 or math.isinf(big):
        return big + small
    r = small / big
    return big * math.sqrt(1.0 + r * r)


def _saturated(a, activation):
    if a.size == 0:
        return 0.0
    if activation == "tanh":
        return float(np.mean(np.abs(a) > 0.99))
    if activation == "sigmoid":
        return float(np.mean((a < 0.01) | (a > 0.99)))
    return 0.0


def distinct_units(W, b=None, rtol=1e-7):
    """How many columns of W (with their bias) differ by more than ``rtol`` relative.

    Columns holding inf or NaN (a diverged net) count as one when they are
    equal bit for bit, NaN included."""
    M = np.asarray(W, dtype=np.float64)
    if b is not None:
        M = np.vstack([M, np.asarray(b, dtype=np.float64).reshape(1, -1)])
    reps = []
    for j in range(M.shape[1]):
        col = M[:, j]
        if not np.isfinite(col).all():
            if not any(np.array_equal(col, r, equal_nan=True) for r in reps):
                reps.append(col)
            continue
        size = norm(col)
        finite = [r for r in reps if np.isfinite(r).all()]
        if finite:
            R = np.stack(finite, axis=1)
            gap = np.linalg.norm(R - col[:, None], axis=0)
            scale = np.maximum(np.linalg.norm(R, axis=0), size)
            if np.any(gap <= rtol * np.maximum(scale, 1e-300)):
                continue
        reps.append(col)
    return len(reps)
