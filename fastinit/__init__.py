"""fastinit: fast, reproducible weight initialization and fused dense layers.

Initializers draw from a C-level counter-based RNG (Philox4x32-10): several
times faster than NumPy, no temporaries, and the same bits whatever the
thread count and however the array is split into shards.

>>> import fastinit
>>> w = fastinit.he_normal((784, 256), seed=0)     # randn(784, 256) * sqrt(2/784)
"""
from fastinit._threads import get_num_threads, set_num_threads
from fastinit.initializers import (
    available, calculate_gain, compute_fans, constant, get, glorot_normal, glorot_uniform,
    he_normal, he_uniform, kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform,
    ones, orthogonal, variance_scaling, xavier_normal, xavier_uniform, zeros,
)
from fastinit.random import (
    Generator, normal, philox4x32, seed, truncated_normal, uniform,
)

__version__ = "0.1.0"

__all__ = [
    "Generator", "seed", "philox4x32", "uniform", "normal", "truncated_normal",
    "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform",
    "xavier_normal", "xavier_uniform", "glorot_normal", "glorot_uniform",
    "lecun_normal", "lecun_uniform", "variance_scaling", "zeros", "ones", "constant",
    "orthogonal", "compute_fans", "calculate_gain", "get", "available",
    "get_num_threads", "set_num_threads",
]
