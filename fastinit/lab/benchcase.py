"""What every benchmark case is, and how one is timed (shared by the fill
cases of ``bench.py`` and the dense cases of ``bench_dense.py``)."""
import contextlib
import time
from dataclasses import dataclass, field
from typing import Optional

import fastinit


@dataclass
class Case:
    """A comparison: ``make(threads)`` returns {"fastinit": f, "numpy": g, ...}."""
    group: str
    make: object
    threads: int = 1
    tags: dict = field(default_factory=dict)
    level: Optional[str] = None   # a SIMD level to cap the kernels at while timing ("scalar", "avx2", ...)


def levels():
    """The SIMD levels this CPU runs, narrowest first."""
    return fastinit.simd_levels()


@contextlib.contextmanager
def at_level(level):
    """Run the kernels at ``level`` (None: as they are) and restore it after."""
    saved = fastinit.simd_level()
    if level is not None:
        fastinit.set_simd_level(level)
    try:
        yield
    finally:
        fastinit.set_simd_level(saved)


def time_call(fn, min_time=0.2, repeat=5):
    """Best-of-``repeat`` seconds per call, each repeat lasting ~min_time/repeat."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(min_time / repeat / once))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


_TORCH = None


def torch_available():
    global _TORCH
    if _TORCH is None:
        try:
            import torch  # noqa: F401
            _TORCH = True
        except ImportError:
            _TORCH = False
    return _TORCH
