"""Sums in a fixed order, for the losses, norms and diagnostics of fastinit.nn.

BLAS's dot products (``np.dot``, ``np.vdot``, ``np.linalg.norm`` of a
vector) order their additions by the kernel OpenBLAS picks for the CPU, so
their last bits differ between machines. These use NumPy's own pairwise
summation instead: plain C additions in an order fixed by the array's
length, the same on every CPU, SIMD level and thread count.
"""
import math

import numpy as np

__all__ = ["dot", "norm"]


def dot(x, y):
    """sum(x * y) over every element, as a Python float."""
    return float(np.multiply(x, y).sum())


def norm(x):
    """The Euclidean (Frobenius) norm of every element of ``x``."""
    x = np.asarray(x)
    return math.sqrt(dot(x, x))
