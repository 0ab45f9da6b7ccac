"""fastinit: fast, reproducible weight initialization and fused dense layers.

Initializers draw from a C-level counter-based RNG (Philox4x32-10): several
times faster than NumPy, no temporaries, and the same bits whatever the
thread count and however the array is split into shards.

>>> import fastinit
>>> w = fastinit.he_normal((784, 256), seed=0)     # randn(784, 256) * sqrt(2/784)
"""
import os as _os

# OpenMP threads that spin long while idle steal the core NumPy's BLAS
# threads are spinning on (and the other way round): on a small machine a
# fused pass right after a matmul can wait for a whole spin period with
# libgomp's default. A short spin before sleeping avoids that and keeps
# wake-ups fast (docs/guide/threads.rst). Set
# OMP_WAIT_POLICY or GOMP_SPINCOUNT yourself to choose otherwise.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["GOMP_SPINCOUNT"] = "1000"


def _extension_missing(error):
    """An ImportError that says why the compiled kernels are missing and what to run."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    if _os.path.exists(_os.path.join(here, "_random.pyx")):
        return ImportError(
            f"fastinit's compiled kernels are not built in {here}. That is the source folder of a "
            "fastinit checkout, and Python imports it (not an installed fastinit) when you run from "
            "the repository root. Either run from another directory, or build the kernels in place "
            f"with: pip install -e {_os.path.dirname(here)}   ({error})")
    return ImportError(f"fastinit's compiled kernels failed to import ({error}); reinstall with: "
                       "pip install --force-reinstall fastinit-philox")


try:
    from fastinit import _common, _dense, _random  # noqa: E402,F401
except ImportError as _e:
    if getattr(_e, "name", "") and not str(getattr(_e, "name", "")).startswith("fastinit"):
        raise           # a dependency (numpy) is missing: its own message says it
    raise _extension_missing(_e) from None

from fastinit._threads import (  # noqa: E402
    get_num_threads, have_openmp, set_num_threads, set_simd_level, simd_level, simd_levels,
)
from fastinit._config import show_config  # noqa: E402
from fastinit.dense import dense_backward, dense_forward  # noqa: E402
from fastinit.initializers import (  # noqa: E402
    available, calculate_gain, compute_fans, constant, get, glorot_normal, glorot_uniform,
    he_normal, he_uniform, kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform,
    ones, orthogonal, variance_scaling, xavier_normal, xavier_uniform, zeros,
)
from fastinit.random import (  # noqa: E402
    Generator, normal, philox4x32, seed, truncated_normal, uniform,
)

__version__ = "0.3.0.dev0"

__all__ = [
    "Generator", "seed", "philox4x32", "uniform", "normal", "truncated_normal",
    "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform",
    "xavier_normal", "xavier_uniform", "glorot_normal", "glorot_uniform",
    "lecun_normal", "lecun_uniform", "variance_scaling", "zeros", "ones", "constant",
    "orthogonal", "compute_fans", "calculate_gain", "get", "available",
    "get_num_threads", "set_num_threads", "simd_level", "simd_levels", "set_simd_level",
    "have_openmp", "show_config", "dense_forward", "dense_backward",
]
