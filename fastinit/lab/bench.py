"""fastinit against the NumPy code people write today, measured side by side.

One table of cases serves both ``pytest benchmarks --benchmark-only`` (see
``benchmarks/``) and ``python -m fastinit bench``. A case builds its inputs
once and returns the two callables to time; speed is reported as the ratio
NumPy time / fastinit time from the same run, never as an absolute figure.
"""
import math
import os

import numpy as np

import fastinit
from fastinit.lab import bench_dense
from fastinit.lab.benchcase import Case, at_level, levels, time_call, torch_available

SIZES = {"64x64": (64, 64), "1024x1024": (1024, 1024), "4096x4096": (4096, 4096)}
QUICK_SIZES = ("1x1", "8x8", "64x64", "1024x1024", "32x64x64")  # bench --quick


def _normal_out(shape, dtype):
    def make():
        n_in = shape[0]
        std = math.sqrt(2.0 / n_in)
        buf = np.empty(shape, dtype)
        rng = np.random.default_rng(0)
        g = fastinit.Generator(0)

        def numpy_way():
            rng.standard_normal(out=buf, dtype=dtype)
            np.multiply(buf, std, out=buf)

        def fastinit_way():
            fastinit.he_normal(shape, out=buf, seed=g)

        return {"fastinit": fastinit_way, "numpy": numpy_way, **_torch_way(shape, dtype, "normal")}
    return make


def _uniform_out(shape, dtype):
    def make():
        lim = math.sqrt(6.0 / shape[0])
        buf = np.empty(shape, dtype)
        rng = np.random.default_rng(0)
        g = fastinit.Generator(0)

        def numpy_way():
            rng.random(out=buf, dtype=dtype)
            np.multiply(buf, 2 * lim, out=buf)
            np.subtract(buf, lim, out=buf)

        def fastinit_way():
            fastinit.he_uniform(shape, out=buf, seed=g)

        return {"fastinit": fastinit_way, "numpy": numpy_way, **_torch_way(shape, dtype, "uniform")}
    return make


def _normal_alloc(shape):
    def make():
        n_in, n_out = shape
        g = fastinit.Generator(0)

        def numpy_way():
            return np.random.randn(n_in, n_out) * np.sqrt(2 / n_in)

        def fastinit_way():
            return fastinit.he_normal((n_in, n_out), dtype=np.float64, seed=g)

        return {"fastinit": fastinit_way, "numpy": numpy_way}
    return make


def _normal_seeded(shape):
    """The hot-loop call: a fresh small weight from an int seed, against
    NumPy's Generator drawing and scaling one."""
    def make():
        std = math.sqrt(2.0 / shape[0])
        rng = np.random.default_rng(0)

        def numpy_way():
            return rng.standard_normal(shape, dtype=np.float32) * std

        def fastinit_way():
            return fastinit.he_normal(shape, seed=0)

        return {"fastinit": fastinit_way, "numpy": numpy_way}
    return make


def _torch_way(shape, dtype, kind):
    """PyTorch's kaiming_normal_/kaiming_uniform_ into a preallocated tensor,
    when torch is installed (its (out, in) layout: the shape reversed)."""
    if not torch_available():
        return {}
    import torch
    t = torch.empty(shape[::-1], dtype=torch.float32 if dtype == np.float32 else torch.float64)
    init = torch.nn.init.kaiming_normal_ if kind == "normal" else torch.nn.init.kaiming_uniform_
    return {"torch": lambda: init(t, nonlinearity="relu")}


def fill_cases():
    """The initializer cases: dtype x size x threads (1 and all)."""
    cases = []
    all_threads = (os.cpu_count() or 1) if fastinit.have_openmp() else 1
    thread_counts = sorted({1, all_threads})
    for size, shape in SIZES.items():
        for dtype in (np.float32, np.float64):
            dt = np.dtype(dtype).name
            for t in thread_counts:
                tags = dict(size=size, dtype=dt, threads=t, torch=True)   # torch has an out= way
                cases.append(Case(f"he_normal out= {dt} {size} t{t}", _normal_out(shape, dtype), t, tags))
                cases.append(Case(f"he_uniform out= {dt} {size} t{t}", _uniform_out(shape, dtype), t, tags))
        cases.append(Case(f"he_normal alloc float64 {size} t1", _normal_alloc(shape), 1,
                          dict(size=size, dtype="float64", threads=1)))
    return per_call_cases() + cases + level_cases()


def per_call_cases():
    """What a call costs when the arithmetic is nothing: one value, 64 values."""
    f32 = dict(dtype="float32", threads=1)
    return [Case("he_normal out= float32 1x1 t1", _normal_out((1, 1), np.float32), 1,
                 dict(size="1x1", **f32)),
            Case("he_normal seed=0 float32 8x8 t1", _normal_seeded((8, 8)), 1,
                 dict(size="8x8", **f32))]


def level_cases():
    """The 1024x1024 fills at every SIMD level this CPU has (FASTINIT_SIMD):
    what an AVX2-only or a scalar machine would see, measured here."""
    cases = []
    for level in levels():
        for dtype in (np.float32, np.float64):
            dt = np.dtype(dtype).name
            tags = dict(size="1024x1024", dtype=dt, threads=1, level=level)
            shape = SIZES["1024x1024"]
            cases.append(Case(f"he_normal out= {dt} 1024x1024 t1 {level}", _normal_out(shape, dtype),
                              1, tags, level))
            cases.append(Case(f"he_uniform out= {dt} 1024x1024 t1 {level}",
                              _uniform_out(shape, dtype), 1, tags, level))
    return cases


def all_cases():
    return fill_cases() + bench_dense.dense_cases()


def run(cases=None, min_time=0.2, stream=None, quick=False):
    """Time each case's implementations back to back; return rows of results."""
    import sys
    stream = stream or sys.stdout
    cases = all_cases() if cases is None else cases
    if quick:
        cases = [c for c in cases if c.tags.get("size") in QUICK_SIZES]
    rows = []
    saved = fastinit.get_num_threads()
    torch = torch_available()
    header = f"{'case':<44} {'fastinit':>10} {'numpy':>10} {'ratio':>7}"
    if torch:
        header += f" {'torch':>10} {'ratio':>7}"
    print(header, file=stream)
    print("-" * len(header), file=stream)
    try:
        for case in cases:
            fastinit.set_num_threads(case.threads)
            if torch:
                import torch as _t
                _t.set_num_threads(case.threads)
            fns = case.make()
            with at_level(case.level):
                times = {name: time_call(fn, min_time) for name, fn in fns.items()}
            ratio = times["numpy"] / times["fastinit"]
            rows.append(dict(group=case.group, ratio=ratio, **times))
            line = (f"{case.group:<44} {_fmt(times['fastinit']):>10} {_fmt(times['numpy']):>10} "
                    f"{ratio:>6.2f}x")
            if "torch" in times:
                line += f" {_fmt(times['torch']):>10} {times['torch'] / times['fastinit']:>6.2f}x"
            print(line, file=stream, flush=True)
    finally:
        fastinit.set_num_threads(saved)
    return rows


def _fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"
