"""Fastest on the CPU: fastinit against Intel MKL's vector statistics on the
same generator (Philox4x32-10) into the same preallocated buffer, against
the write floor of that buffer, and the per-call cost against NumPy, one
thread, side by side in this run. Reported in the summary's "on the CPU"
section as other's time / fastinit's time, beside each target. The MKL rows
skip without ``pip install mkl`` (a benchmark peer, never a dependency;
benchmarks/mkl_peer.py is the ctypes binding)."""
import pathlib
import sys
import time

import numpy as np
import pytest

import fastinit

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import mkl_peer  # noqa: E402


def interleaved(fns, seconds=0.6, number=1):
    """Per round, the time per call of each function, timed over loops of
    ``number`` calls (many for sub-microsecond calls), the functions
    interleaved so that a noisy neighbour slows all of them alike: one list
    of round times per function."""
    for f in fns:
        f()
    rounds = [[] for _ in fns]
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(rounds[0]) < 3:
        for k, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            rounds[k].append((time.perf_counter() - t0) / number)
    return rounds


def ratio_of(other, ours):
    """(best ratio, q1, q3 of the per-round ratios) of two lists of round times."""
    ratios = sorted(o / f for o, f in zip(other, ours))
    return min(other) / min(ours), ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]


@pytest.fixture
def one_thread():
    n = fastinit.get_num_threads()
    fastinit.set_num_threads(1)
    yield
    fastinit.set_num_threads(n)


@pytest.fixture(scope="module")
def mkl():
    peer = mkl_peer.load()
    if peer is None:
        pytest.skip("MKL not installed (pip install mkl): no MKL rows")
    peer.set_num_threads(1)
    yield peer
    peer.close()


CASES = [
    # (name, dtype, n side, fastinit call, MKL call, target)
    ("normal float32 64x64 vs MKL ICDF", np.float32, 64, "normal", "icdf", 1.0),
    ("normal float32 1024x1024 vs MKL ICDF", np.float32, 1024, "normal", "icdf", 1.1),
    ("normal float32 4096x4096 vs MKL ICDF", np.float32, 4096, "normal", "icdf", 1.1),
    ("normal float32 1024x1024 vs MKL Box-Muller2", np.float32, 1024, "normal", "boxmuller2", None),
    ("uniform float32 1024x1024 vs MKL STD", np.float32, 1024, "uniform", "std", 1.0),
    ("uniform float32 4096x4096 vs MKL STD", np.float32, 4096, "uniform", "std", 1.0),
    ("normal float64 4096x4096 vs MKL ICDF", np.float64, 4096, "normal", "icdf", 1.0),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_against_mkl_philox(case, mkl, one_thread, cpu_results, self_timed):
    name, dtype, side, kind, method, target = case
    buf = np.empty((side, side), dtype)
    g = fastinit.Generator(0)
    if kind == "normal":
        ours = lambda: g.normal(out=buf, stream=0)
        theirs = lambda: mkl.normal(buf, method)
    else:
        ours = lambda: g.uniform(out=buf, stream=0)
        theirs = lambda: mkl.uniform(buf)
    t_ours, t_mkl = interleaved([ours, theirs], 0.4 if side <= 1024 else 1.5)
    r, lo, hi = ratio_of(t_mkl, t_ours)
    cpu_results[name] = (r, target, lo, hi)
    self_timed()


def test_normal_against_the_write_floor(one_thread, cpu_results, self_timed):
    buf = np.empty((4096, 4096), np.float32)
    g = fastinit.Generator(0)
    t_ours, t_floor = interleaved([lambda: g.normal(out=buf, stream=0), lambda: buf.fill(1.0)], 1.5)
    # reported as floor / fastinit: at least 1 / 1.8 means within 1.8x of the floor
    r, lo, hi = ratio_of(t_floor, t_ours)
    cpu_results["normal float32 4096x4096: write floor (fill) / fastinit"] = (r, 1 / 1.8, lo, hi)
    self_timed()


def test_per_call_against_numpy(one_thread, cpu_results, self_timed):
    rng = np.random.default_rng(0)
    b = np.empty((1, 1), np.float32)
    s = np.float32(np.sqrt(2.0))

    def numpy_out():
        rng.standard_normal(out=b, dtype=np.float32)
        np.multiply(b, s, out=b)          # b *= s

    ours, theirs = interleaved([lambda: fastinit.he_normal((1, 1), out=b, seed=0), numpy_out], 1.5, 2000)
    r, lo, hi = ratio_of(theirs, ours)
    cpu_results["he_normal((1, 1), out=b, seed=0) vs NumPy standard_normal(out=b); b *= s"] = (r, 6.0, lo, hi)
    s8 = np.float32(np.sqrt(2.0 / 8))
    ours, theirs = interleaved([lambda: fastinit.he_normal((8, 8), seed=0),
                                lambda: rng.standard_normal((8, 8), dtype=np.float32) * s8], 1.5, 2000)
    r, lo, hi = ratio_of(theirs, ours)
    cpu_results["he_normal((8, 8), seed=0) vs NumPy standard_normal((8, 8)) * s"] = (r, 5.0, lo, hi)
    self_timed()


@pytest.mark.parametrize("name, target", [("he_uniform", 3.0), ("he_normal", 7.0)])
def test_at_the_avx2_level_against_numpy(name, target, one_thread, cpu_results, self_timed):
    if "avx2" not in fastinit.simd_levels():
        pytest.skip("no AVX2 on this CPU")
    before = fastinit.simd_level()
    fastinit.set_simd_level("avx2")
    try:
        buf = np.empty((1024, 1024), np.float32)
        limit = np.sqrt(6.0 / 1024)
        rng = np.random.default_rng(0)
        if name == "he_uniform":
            theirs = lambda: rng.uniform(-limit, limit, (1024, 1024)).astype(np.float32)
        else:
            theirs = lambda: (rng.standard_normal((1024, 1024)) * np.sqrt(2.0 / 1024)).astype(np.float32)
        f = fastinit.get(name)
        t_ours, t_np = interleaved([lambda: f(buf.shape, out=buf, seed=0), theirs], 0.8)
    finally:
        fastinit.set_simd_level(before)
    r, lo, hi = ratio_of(t_np, t_ours)
    cpu_results[f"{name} float32 1024x1024 at the AVX2 level vs NumPy"] = (r, target, lo, hi)
    self_timed()
