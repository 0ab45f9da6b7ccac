"""``fastinit.show_config()``: how the build and this run are set up, in the
manner of ``numpy.show_config()`` and ``torch.__config__.show()``."""
import os
import platform
import sys

import numpy as np

from fastinit import _random, _threads

__all__ = ["show_config", "cpu_name"]


def cpu_name():
    """The CPU's model name (Linux's /proc/cpuinfo), else what the platform
    says: named beside every measured figure (docs, README, benchmarks)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas():
    """NumPy's BLAS and every OpenMP runtime in the process (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:          # a runtime dependency, but say so rather than fail
        return [{"note": "threadpoolctl is not installed"}]
    return [{k: info.get(k) for k in ("user_api", "internal_api", "num_threads", "version",
                                       "filepath")} for info in threadpool_info()]


def config():
    """The facts :func:`show_config` prints, as a dict of sections."""
    from fastinit import __version__
    compiler, flags = _random.build_info()
    quota = _threads._quota_cpus()
    return {
        "fastinit": {"version": __version__, "python": sys.version.split()[0],
                     "numpy": np.__version__, "machine": f"{platform.system()} {platform.machine()}",
                     "cpu": cpu_name()},
        "build": {"compiler": compiler, "flags": flags, "openmp": _random.have_openmp(),
                  "openmp runtime": _random.omp_runtime() or ("none" if not _random.have_openmp()
                                                              else "(not named by this platform)")},
        "simd": {"level in use": _random.simd_level(), "levels of this CPU": list(_threads.simd_levels()),
                 "FASTINIT_SIMD": os.environ.get("FASTINIT_SIMD"),
                 "fused multiply-add at the scalar level": (
                     "the CPU's" if _random.scalar_fma() else
                     "emulated (no FMA on this CPU: the same bits, normal draws ~10x slower there)")},
        "threads": {"count": _threads.get_num_threads(), "from": _threads.thread_source(),
                    "CPUs this process may use": _threads.available_cpus(),
                    "affinity CPUs": _threads._affinity_cpus(),
                    "cgroup CPU quota": quota,
                    "most allowed": _threads.MAX_THREADS,
                    "FASTINIT_NUM_THREADS": os.environ.get("FASTINIT_NUM_THREADS"),
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
        "thread pools (threadpoolctl)": _blas(),
    }


def show_config(mode="stdout"):
    """Print how fastinit was built and how this process runs it.

    The version, the compiler and flags of the extension, OpenMP (yes/no,
    and which runtime), the SIMD level in use and the levels the CPU has,
    the thread count and where it came from (the default from the CPUs
    this process may use, an environment variable, a cgroup quota,
    ``set_num_threads``, or a fork), and the BLAS and OpenMP thread pools
    in the process.

    Parameters
    ----------
    mode : {"stdout", "dicts"}
        "dicts" returns the facts as a dict of sections instead of printing.

    Examples
    --------
    >>> fastinit.show_config()                       # doctest: +ELLIPSIS
    fastinit ...
    """
    facts = config()
    if mode == "dicts":
        return facts
    if mode != "stdout":
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    lines = []
    for section, items in facts.items():
        if section == "fastinit":
            lines.append(f"fastinit {items['version']} (Python {items['python']}, NumPy "
                         f"{items['numpy']}, {items['machine']}, {items['cpu']})")
            continue
        lines.append(f"{section}:")
        if isinstance(items, dict):
            for k, v in items.items():
                if v is not None:
                    lines.append(f"  {k}: {v}")
        else:
            for pool in items:
                lines.append("  - " + ", ".join(f"{k}={v}" for k, v in pool.items() if v is not None))
    if not _random.have_openmp():
        lines.append("note: built without OpenMP, so every kernel runs one thread; see the "
                     "README's platform table for how to build with it.")
    print("\n".join(lines))
    return None
