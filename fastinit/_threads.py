"""How many OpenMP threads the kernels use.

The count starts at ``FASTINIT_NUM_THREADS`` when that is set, else at
OpenMP's own default (``OMP_NUM_THREADS`` or the number of cores). A build
without OpenMP always runs one thread. Small arrays stay on one thread
whatever the setting (the kernels decide).
"""
import operator
import os

from fastinit import _random

__all__ = ["get_num_threads", "set_num_threads"]


def _check_count(n, name):
    if isinstance(n, bool):
        raise TypeError(f"{name} must be an int >= 1, got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{name} must be an int >= 1, got {n!r}") from None
    if n < 1:
        raise ValueError(f"{name} must be an int >= 1, got {n}")
    return n


def _initial():
    if not _random.have_openmp():
        return 1
    env = os.environ.get("FASTINIT_NUM_THREADS")
    if env:
        try:
            return _check_count(int(env), "FASTINIT_NUM_THREADS")
        except ValueError:
            raise ValueError(
                f"FASTINIT_NUM_THREADS must be an int >= 1, got {env!r}"
            ) from None
    return max(1, _random.omp_max_threads())


_num_threads = _initial()


def get_num_threads():
    """Return the number of threads fastinit's kernels use (1 without OpenMP)."""
    return _num_threads


def set_num_threads(n):
    """Set the number of threads fastinit's kernels use.

    Parameters
    ----------
    n : int
        At least 1. Without OpenMP the count stays 1.

    Notes
    -----
    The output never depends on the thread count: every value is a pure
    function of its index.
    """
    global _num_threads
    n = _check_count(n, "n")
    _num_threads = n if _random.have_openmp() else 1
