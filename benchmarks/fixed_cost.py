"""What fastinit.nn's fixed-order products cost against OpenBLAS, side by
side in one run: the experiment's shapes and 1024-wide layers, float32 and
float64, 1 and 2 threads (the same count for both).

    python benchmarks/fixed_cost.py
"""
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from fastinit import _dense

SHAPES = [(32, 2, 64), (32, 64, 64), (64, 32, 64), (32, 1024, 1024), (256, 1024, 1024),
          (1024, 1024, 1024)]


def best(fn, reps, rounds=7):
    """The best time of one call over ``rounds`` rounds of ``reps`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - start) / reps)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    print(f"CPU: {platform.processor() or platform.machine()}")
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            for n, k, m in SHAPES:
                for dt in (np.float32, np.float64):
                    a = rng.standard_normal((n, k)).astype(dt)
                    b = rng.standard_normal((k, m)).astype(dt)
                    out = np.empty((n, m), dt)
                    reps = max(1, int(2e7 // (n * k * m)))
                    blas = best(lambda: np.matmul(a, b, out=out), reps)                    # noqa: B023
                    fixed = best(lambda: _dense.fixed_matmul(a, b, out, threads), reps)    # noqa: B023
                    print(f"{threads} thread(s) {np.dtype(dt).name:8s} ({n}x{k}) @ ({k}x{m}): OpenBLAS "
                          f"{blas * 1e6:9.1f} us, fixed order {fixed * 1e6:9.1f} us, "
                          f"fixed / OpenBLAS {fixed / blas:5.2f}x")


if __name__ == "__main__":
    main()
