"""fastinit.nn's products in a fixed order (src/fixedmm.c): each element is
a chain of correctly rounded fused multiply-adds along the inner axis, so
the bits are those of an exact reference computed here with fractions, at
every SIMD level and thread count, and identical columns of W give
identical outputs wherever they sit. The experiment's lessons then hold
by arithmetic: zero and constant init leave one distinct unit per layer in
every seed."""
from fractions import Fraction

import numpy as np
import pytest

import fastinit
from fastinit import _dense
from fastinit.nn import MLP

import reference as ref


def round_to(x, dtype):
    """The value of ``dtype`` nearest the fraction x, ties to even."""
    if dtype == np.float64:
        return np.float64(float(x))                  # float(Fraction) rounds correctly
    f = np.float32(float(x))                         # within one float32 step of the answer
    candidates = [np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))]
    best = min(abs(Fraction(float(c)) - x) for c in candidates)
    near = [c for c in candidates if abs(Fraction(float(c)) - x) == best]
    return min(near, key=lambda c: int(np.array(c).view(np.uint32)) & 1)


def exact_chain(a, b):
    """s = fma(a[i, p], b[p, j], s) for p = 0 .. k-1, each step rounded once."""
    out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            s = a.dtype.type(0)
            for p in range(a.shape[1]):
                s = round_to(Fraction(float(a[i, p])) * Fraction(float(b[p, j])) + Fraction(float(s)),
                             a.dtype.type)
            out[i, j] = s
    return out


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 7), (6, 9, 19), (5, 3, 33)])
def test_every_element_is_the_exact_fma_chain(shape, dtype, simd_level):
    n, k, m = shape
    rng = np.random.default_rng(n * 100 + m)
    a = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal((k, m)).astype(dtype)
    want = exact_chain(a, b)
    np.testing.assert_array_equal(_dense.fixed_matmul(a, b), want)
    np.testing.assert_array_equal(_dense.fixed_matmul(np.asfortranarray(a), b), want)   # strided A


@pytest.mark.parametrize("threads", [1, 2])
def test_the_same_bits_at_every_level_and_thread_count(dtype, threads):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((203, 131)).astype(dtype)
    b = rng.standard_normal((131, 77)).astype(dtype)
    results = []
    for level in fastinit.simd_levels():
        before = fastinit.simd_level()
        fastinit.set_simd_level(level)
        try:
            results.append(_dense.fixed_matmul(a, b, n_threads=threads))
            results.append(_dense.fixed_matmul(a.T.copy().T, b, n_threads=threads))
        finally:
            fastinit.set_simd_level(before)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    np.testing.assert_allclose(results[0], a.astype(np.float64) @ b, rtol=1e-4, atol=1e-3)


def test_identical_columns_give_identical_outputs_wherever_they_sit(dtype, simd_level):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((37, 50)).astype(dtype)
    col = rng.standard_normal(50).astype(dtype)
    W = rng.standard_normal((50, 70)).astype(dtype)
    for j in (0, 7, 8, 15, 16, 31, 32, 33, 69):       # every lane, tile and remainder position
        W[:, j] = col
    out = _dense.fixed_matmul(x, W)
    for j in (7, 8, 15, 16, 31, 32, 33, 69):
        np.testing.assert_array_equal(out[:, j], out[:, 0])


@pytest.mark.parametrize("init", ["zeros", "constant"])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_zero_and_constant_init_leave_one_unit_per_layer_in_every_seed(init, act):
    fn = (lambda shape, dtype, seed: fastinit.constant(shape, 0.5, dtype=dtype)) if init == "constant" else init
    for seed in range(6):
        X, y = ref.toy_data("spirals", 128, seed=seed)
        net = MLP([2, 24, 24, 24, 2], act, fn, output="softmax", seed=seed, bias_init=fn)
        net.fit(X, y, epochs=3, lr=0.05, batch_size=16, seed=seed)
        assert [d["distinct_units"] for d in net.diagnostics(X)[:-1]] == [1, 1, 1], (init, act, seed)
        for layer in net.layers[:-1]:                 # bit for bit, not within a tolerance
            assert (layer.W == layer.W[:, :1]).all() and (layer.b == layer.b[0]).all()
