"""How many OpenMP threads the kernels use, and at which SIMD level they run.

This module is the one Python owner of both.

Thread count
    It starts at ``FASTINIT_NUM_THREADS`` when that is set, else at
    ``OMP_NUM_THREADS`` when that is set, else at the number of CPUs this
    process may use: its affinity mask, capped by a cgroup CPU quota
    (``cpu.max``, rounded up, at least 1), as in a container started with
    ``--cpus``. A build without OpenMP always runs one thread, and asking for
    more warns once. Small arrays stay on one thread whatever the setting
    (the kernels decide).

    The count is at most :data:`MAX_THREADS`, 4 times the CPUs this process
    may run on: ``set_num_threads`` rejects more with a ValueError, and a
    larger or malformed environment value is ignored with a warning (OpenMP
    runtimes fail or crash when asked for tens of thousands of threads).

After ``fork``
    GNU libgomp (GCC's OpenMP runtime, also torch's on Linux) keeps no thread
    pool across ``fork()``: a forked child that opens a parallel region after
    its parent did waits forever. So in a forked child of a libgomp build,
    fastinit runs on one thread and opens no parallel region at all; the
    values are the same bits (they never depend on the thread count), and
    ``set_num_threads(n > 1)`` there warns and stays at 1. LLVM's libomp
    (clang, macOS) and Intel's runtime re-create their threads in the
    child, so the count carries over. Processes started with ``spawn`` or
    ``forkserver`` are new interpreters and start as above.

These are fastinit's own OpenMP threads (the fills and the fused dense
passes). NumPy's BLAS, which does the matrix products, has its own:
``fastinit.nn``'s training and evaluation loops use one BLAS thread while
their products are small and ``get_num_threads()`` when they are large
(``fastinit._blas``); ``set_num_threads(n, blas=True)`` also sets BLAS to
``n`` threads for the whole process.
"""
import math
import os
import sys
import warnings

from fastinit import _common, _random

__all__ = ["get_num_threads", "set_num_threads", "MAX_THREADS", "simd_level", "simd_levels",
           "set_simd_level", "have_openmp", "cpu_quota", "available_cpus", "thread_source"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def warn(message, category=RuntimeWarning):
    """``warnings.warn`` pointing at the user's line: the first frame outside
    fastinit and the import machinery (an import-time warning then names the
    user's ``import fastinit``)."""
    level = 2
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            pass                # warnings skips these itself when it counts
        elif name.startswith(_HERE):
            level += 1
        else:
            break
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)


# ---- the CPUs this process may use --------------------------------------------------------
def _affinity_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_quota(path="/sys/fs/cgroup/cpu.max"):
    """The CPUs a cgroup v2 ``cpu.max`` file allows, as a float, or None for
    no quota (``max``), a missing or unreadable file, or a malformed one.

    ``cpu.max`` holds ``"$MAX $PERIOD"`` in microseconds: ``"150000 100000"``
    is 1.5 CPUs. The path is a parameter so a test can give a fake file.
    """
    try:
        with open(path) as f:
            fields = f.read().split()
    except OSError:
        return None
    if len(fields) < 1 or fields[0] == "max":
        return None
    try:
        quota = int(fields[0])
        period = int(fields[1]) if len(fields) > 1 else 100_000
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return quota / period


def _cgroup_quota_files(root="/sys/fs/cgroup", proc="/proc/self/cgroup"):
    """The ``cpu.max`` files that limit this process: those of its own cgroup
    v2 and every ancestor up to the root (a parent's quota binds too)."""
    rel = "/"
    try:
        with open(proc) as f:
            for line in f:
                if line.startswith("0::"):
                    rel = line[3:].strip() or "/"
                    break
    except OSError:
        pass
    files = []
    parts = [p for p in rel.split("/") if p and p != ".."]
    for k in range(len(parts), -1, -1):
        files.append(os.path.join(root, *parts[:k], "cpu.max"))
    return files


def _quota_cpus():
    quotas = [q for q in map(cpu_quota, _cgroup_quota_files()) if q is not None]
    return min(quotas) if quotas else None


def available_cpus():
    """The CPUs this process may use: its affinity mask, capped by a cgroup
    CPU quota rounded up (at least 1); as loky's ``cpu_count``."""
    cpus = _affinity_cpus()
    quota = _quota_cpus()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return cpus


MAX_THREADS = 4 * _affinity_cpus()
_source = "default"
_no_openmp_warned = False
_forked_single = False      # a forked child of a libgomp build: one thread, no parallel region


def _warn_no_openmp(what):
    """Once per process: this build has no OpenMP, so ``what`` runs one thread."""
    global _no_openmp_warned
    if _no_openmp_warned:
        return
    _no_openmp_warned = True
    warn(f"{what}, but this fastinit was built without OpenMP and runs one thread. "
         "Rebuild with a compiler that has OpenMP: on Linux GCC has it; for clang install "
         "libomp-dev; on macOS `brew install libomp` and reinstall fastinit "
         "(pip install --force-reinstall --no-binary fastinit-philox fastinit-philox); "
         "fastinit.show_config() shows the build.")


def _env_threads(name, value, default):
    """The count an environment variable asks for, or None (with a warning)
    when it is not an int from 1 to MAX_THREADS."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if 1 <= n <= MAX_THREADS:
        return n
    warn(f"{name} must be an int from 1 to {MAX_THREADS} (4 x the CPUs), got {value!r}; "
         f"fastinit uses {default}")
    return None


def _initial():
    """(count, source) at import."""
    default = available_cpus()
    env = os.environ.get("FASTINIT_NUM_THREADS", "").strip()
    omp = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not _random.have_openmp():
        if env and env != "1":
            _warn_no_openmp(f"FASTINIT_NUM_THREADS={env} asks for more threads")
        return 1, "no OpenMP in this build"
    if env:
        n = _env_threads("FASTINIT_NUM_THREADS", env, default)
        if n is not None:
            return n, "FASTINIT_NUM_THREADS"
    elif omp:
        # A list like "4,2" (nested levels): the first entry is the outer team.
        n = _env_threads("OMP_NUM_THREADS", omp.split(",")[0].strip(), default)
        if n is not None:
            return n, "OMP_NUM_THREADS"
    quota = _quota_cpus()
    if quota is not None and math.ceil(quota) < _affinity_cpus():
        return default, f"cgroup CPU quota ({quota:g} CPUs)"
    return default, "the CPUs this process may use (affinity)"


def _start():
    global _source
    n, _source = _initial()
    _common.set_threads(n, MAX_THREADS)


_start()


def get_num_threads():
    """Return the number of threads fastinit's kernels use now (1 without
    OpenMP, and in a forked child of a libgomp build)."""
    return _common.get_threads()


def thread_source():
    """Where the thread count came from: the default, an environment
    variable, ``set_num_threads``, a cgroup quota or a fork."""
    return _source


def set_num_threads(n, *, blas=False):
    """Set the number of threads fastinit's kernels use.

    Parameters
    ----------
    n : int
        From 1 to :data:`MAX_THREADS` (4 times the CPUs); more is a
        ValueError. A build without OpenMP, and a forked child of a build
        on GNU libgomp, stay at 1 and warn (``RuntimeWarning``) when asked
        for more.
    blas : bool, default False
        Also set NumPy's BLAS to ``n`` threads, for the whole process
        (through threadpoolctl). ``fastinit.nn`` never uses more BLAS
        threads than ``n`` in its loops either way.

    Notes
    -----
    The output never depends on the thread count: every value is a pure
    function of its index. Safe to call while other threads draw: a call
    already running keeps the count it started with.
    """
    global _source
    n = _common.integer(n, "n", 1)
    if n > MAX_THREADS:
        raise ValueError(f"n must be <= {MAX_THREADS} (4 x the {MAX_THREADS // 4} CPUs), got {n}")
    if blas:
        from fastinit._blas import set_blas_threads
        set_blas_threads(n)
    if not _random.have_openmp():
        if n > 1:
            _warn_no_openmp(f"set_num_threads({n}) asks for more threads")
        return
    if _forked_single:
        if n > 1:
            warn(f"set_num_threads({n}) in a forked child: GNU libgomp cannot start threads in a "
                 "process forked after its parent used them, so fastinit stays on 1 thread here "
                 "(same results). Use the 'spawn' or 'forkserver' start method for "
                 "multithreaded workers.")
        return
    _common.set_threads(n, MAX_THREADS)
    _source = "set_num_threads"


def _fork_unsafe_runtime():
    """Whether the OpenMP runtime loses its threads across fork (GNU
    libgomp, or a runtime that cannot be named, to be safe)."""
    runtime = os.path.basename(_random.omp_runtime())
    return _random.have_openmp() and (runtime == "" or runtime.startswith("libgomp"))


def _after_fork_in_child():
    global _forked_single, _source
    if _fork_unsafe_runtime():
        _forked_single = True
        _common.set_threads(1, MAX_THREADS)
        _source = "fork (one thread: GNU libgomp keeps no threads across fork)"


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


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
    widest the CPU has below it); returns the level in use.

    For comparing levels (tests, benchmarks). Safe while other threads
    draw: every level gives the same bits, and a call already running may
    finish at either level (the dense tanh and sigmoid may then differ in
    the last bits, as they do between levels)."""
    return _random.set_simd_level(level)


def _initial_level():
    cap = os.environ.get("FASTINIT_SIMD", "").strip().lower()
    if cap and cap not in _random.LEVELS:
        warn(f"FASTINIT_SIMD must be one of {', '.join(_random.LEVELS)}, got {cap!r}; ignoring it")
        cap = ""
    _random.set_simd_level(cap or _random.LEVELS[-1])


_initial_level()


def have_openmp():
    """Whether the kernels were built with OpenMP (else one thread)."""
    return _random.have_openmp()
