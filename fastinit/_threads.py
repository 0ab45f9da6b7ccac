"""How many OpenMP threads the kernels use.

The count starts at ``FASTINIT_NUM_THREADS`` when that is set, else at
OpenMP's own default (``OMP_NUM_THREADS`` or the number of cores). A build
without OpenMP always runs one thread. Small arrays stay on one thread
whatever the setting (the kernels decide).

These are fastinit's own OpenMP threads (the fills and the fused dense
passes). NumPy's BLAS, which does the matrix products, has its own:
``fastinit.nn``'s training and evaluation loops use one BLAS thread while
their products are small and ``get_num_threads()`` when they are large
(``fastinit._blas``); ``set_num_threads(n, blas=True)`` also sets BLAS to
``n`` threads for the whole process.

The count is at most :data:`MAX_THREADS`, 4 times the CPUs this process may
run on: ``set_num_threads`` rejects more with a ValueError, and a larger or
malformed ``FASTINIT_NUM_THREADS`` is ignored with a warning (OpenMP runtimes
fail or crash when asked for tens of thousands of threads).
"""
import os
import warnings

from fastinit import _common, _random

__all__ = ["get_num_threads", "set_num_threads", "MAX_THREADS", "simd_level", "simd_levels",
           "set_simd_level", "have_openmp"]


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


MAX_THREADS = 4 * _cpus()


def _initial():
    if not _random.have_openmp():
        return 1
    env = os.environ.get("FASTINIT_NUM_THREADS", "").strip()
    default = max(1, min(_random.omp_max_threads(), MAX_THREADS))
    if not env:
        return default
    try:
        n = int(env)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_THREADS:
        warnings.warn(f"FASTINIT_NUM_THREADS must be an int from 1 to {MAX_THREADS} "
                      f"(4 x the CPUs), got {env!r}; using {default}", RuntimeWarning, stacklevel=3)
        return default
    return n


_common.set_threads(_initial(), MAX_THREADS)


def get_num_threads():
    """Return the number of threads fastinit's kernels use (1 without OpenMP)."""
    return _common.get_threads()


def set_num_threads(n, *, blas=False):
    """Set the number of threads fastinit's kernels use.

    Parameters
    ----------
    n : int
        From 1 to :data:`MAX_THREADS` (4 times the CPUs); more is a
        ValueError. Without OpenMP the count stays 1.
    blas : bool, default False
        Also set NumPy's BLAS to ``n`` threads, for the whole process
        (through threadpoolctl). ``fastinit.nn`` never uses more BLAS
        threads than ``n`` in its loops either way.

    Notes
    -----
    The output never depends on the thread count: every value is a pure
    function of its index.
    """
    n = _common.integer(n, "n", 1)
    if n > MAX_THREADS:
        raise ValueError(f"n must be <= {MAX_THREADS} (4 x the {MAX_THREADS // 4} CPUs), got {n}")
    _common.set_threads(n if _random.have_openmp() else 1, MAX_THREADS)
    if blas:
        from fastinit._blas import set_blas_threads
        set_blas_threads(n)


# ---- the SIMD level ------------------------------------------------------------------
def simd_level():
    """The SIMD level the kernels run at now: "scalar", "avx2" or "avx512"
    on x86-64 ("scalar" or "neon" on aarch64). ``FASTINIT_SIMD`` caps it at
    import; every level gives the same bits."""
    return _random.simd_level()


def simd_levels():
    """The levels this CPU can run, narrowest first."""
    top = _random.LEVELS.index(_random.cpu_simd_level())
    return _random.LEVELS[:top + 1]


def set_simd_level(level):
    """Cap every kernel at ``level`` (one of :func:`simd_levels`, else the
    widest the CPU has below it); returns the level in use. For comparing
    levels (tests, benchmarks); call it while no kernel runs."""
    return _random.set_simd_level(level)


def have_openmp():
    """Whether the kernels were built with OpenMP (else one thread)."""
    return _random.have_openmp()
