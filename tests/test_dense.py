"""dense_forward / dense_backward against the plain-NumPy reference, over
activations x dtypes x shapes x layouts x out buffers x thread counts."""
import numpy as np
import pytest

import fastinit
import reference as ref

ACTS = ["linear", "relu", "tanh", "sigmoid"]
SHAPES = [(1, 1, 1), (1, 5, 3), (7, 1, 4), (5, 6, 1), (33, 17, 9), (130, 40, 70), (300, 64, 200)]


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def layout(x, kind):
    if kind == "C":
        return np.ascontiguousarray(x)
    if kind == "F":
        return np.asfortranarray(x)
    big = np.zeros((x.shape[0] * 2, x.shape[1] * 3), x.dtype)
    big[::2, ::3] = x
    return big[::2, ::3]  # strided view


def make(shape, dtype, seed=0):
    batch, n_in, n_out = shape
    r = np.random.default_rng(seed)
    X = r.standard_normal((batch, n_in)).astype(dtype)
    W = (r.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
    b = r.standard_normal(n_out).astype(dtype) * 0.5
    dA = r.standard_normal((batch, n_out)).astype(dtype)
    return X, W, b, dA


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_backward_match_reference(shape, act, dtype, threads):
    fastinit.set_num_threads(threads)
    X, W, b, dA = make(shape, dtype)
    for bias in (b, None):
        for use_out in (False, True):
            out = np.full((shape[0], shape[2]), np.nan, dtype) if use_out else None
            A = fastinit.dense_forward(X, W, bias, act, out=out)
            assert A.dtype == dtype and A.shape == (shape[0], shape[2])
            if use_out:
                assert A is out
            np.testing.assert_allclose(A, ref.dense_forward(X, W, bias, act), **tol(dtype))
    A = ref.dense_forward(X, W, b, act).astype(dtype)
    want = ref.dense_backward(dA, X, W, A, act)
    for use_out in (False, True):
        bufs = {}
        if use_out:
            bufs = dict(dX=np.empty_like(X), dW=np.empty_like(W), db=np.empty_like(b))
        dX, dW, db = fastinit.dense_backward(dA, X, W, A, act, **bufs)
        for got, exp in zip((dX, dW, db), want):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, exp, **tol(dtype))
        if use_out:
            assert dX is bufs["dX"] and dW is bufs["dW"] and db is bufs["db"]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("kind", ["C", "F", "strided"])
def test_any_layout_and_inputs_unchanged(act, dtype, kind):
    X, W, b, dA = make((20, 12, 9), dtype, seed=1)
    A0 = ref.dense_forward(X, W, b, act).astype(dtype)
    Xl, Wl, dAl, Al = layout(X, kind), layout(W, kind), layout(dA, kind), layout(A0, kind)
    for arr in (Xl, Wl, dAl, Al, b):
        arr.flags.writeable = False  # read-only inputs are fine
    copies = [a.copy() for a in (Xl, Wl, dAl, Al, b)]
    A = fastinit.dense_forward(Xl, Wl, b, act)
    np.testing.assert_allclose(A, A0, **tol(dtype))
    got = fastinit.dense_backward(dAl, Xl, Wl, Al, act)
    for g, e in zip(got, ref.dense_backward(dA, X, W, A0, act)):
        np.testing.assert_allclose(g, e, **tol(dtype))
    for a, c in zip((Xl, Wl, dAl, Al, b), copies):
        np.testing.assert_array_equal(a, c)


def test_need_dX_false():
    X, W, b, dA = make((8, 5, 3), np.float64)
    A = ref.dense_forward(X, W, b, "relu")
    dX, dW, db = fastinit.dense_backward(dA, X, W, A, "relu", need_dX=False)
    assert dX is None
    np.testing.assert_allclose(dW, ref.dense_backward(dA, X, W, A, "relu")[1])


@pytest.mark.parametrize("act", ACTS)
def test_thread_count_never_changes_the_bits(act, dtype):
    X, W, b, dA = make((1000, 64, 300), dtype, seed=2)
    A = ref.dense_forward(X, W, b, act).astype(dtype)
    res = []
    for t in (1, 2, 4):
        fastinit.set_num_threads(t)
        res.append((fastinit.dense_forward(X, W, b, act),) + fastinit.dense_backward(dA, X, W, A, act))
    for r in res[1:]:
        for a, e in zip(r, res[0]):
            np.testing.assert_array_equal(a, e)


# The small float32 products (src/gemm.c): every tile path -- whole 4x16
# tiles, the last 1-3 rows, the masked last 1-15 columns, k = 0 -- against
# the reference, with and without a bias, the fused (linear, ReLU) and the
# separate (tanh) activations, into out= and not.
SMALL = [(n, k, m) for n in (1, 3, 4, 5, 33) for k in (0, 1, 7, 64)
         for m in (1, 7, 8, 9, 16, 17, 23, 24, 25, 40, 47, 70)]


@pytest.mark.parametrize("shape", SMALL)
def test_small_float32_products_match_reference(shape):
    X, W, b, dA = make(shape, np.float32, seed=sum(shape))
    for act in ("linear", "relu", "tanh"):
        for bias in (b, None):
            want = ref.dense_forward(X, W, bias, act)
            np.testing.assert_allclose(fastinit.dense_forward(X, W, bias, act), want, **tol(np.float32))
            out = np.full(want.shape, np.nan, np.float32)
            fastinit.dense_forward(X, W, bias, act, out=out)
            np.testing.assert_allclose(out, want, **tol(np.float32))
    A = ref.dense_forward(X, W, b, "relu").astype(np.float32)
    for got, want in zip(fastinit.dense_backward(dA, X, W, A, "relu"), ref.dense_backward(dA, X, W, A, "relu")):
        np.testing.assert_allclose(got, want, **tol(np.float32))


def test_small_product_is_the_same_at_every_vector_level_and_thread_count(simd_level):
    if simd_level == "scalar":
        pytest.skip("the scalar level multiplies through BLAS")
    X, W, b, _ = make((37, 64, 70), np.float32, seed=5)
    runs = []
    for t in (1, 2):
        fastinit.set_num_threads(t)
        runs.append(fastinit.dense_forward(X, W, b, "relu"))
    fastinit.set_simd_level(fastinit.simd_levels()[1])    # the first vector level (restored after)
    runs.append(fastinit.dense_forward(X, W, b, "relu"))
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])


def test_small_product_relu_and_nan_follow_the_pass():
    # ReLU keeps NaN (as np.maximum and torch.relu) and gives +0.0 for -0.0
    # in the fused pass; the kernel's epilogue agrees (tanh keeps the NaN too)
    X = np.zeros((4, 3), np.float32)
    X[0, 0] = np.nan
    X[1, 0] = -1.0
    W = np.ones((3, 16), np.float32)
    A = fastinit.dense_forward(X, W, None, "relu")
    assert np.isnan(A[0]).all() and (A[1:] == 0).all() and not np.signbit(A[1:]).any()
    assert np.isnan(fastinit.dense_forward(X, W, None, "tanh")[0]).all()


@pytest.mark.parametrize("act", ACTS)
def test_backward_matches_finite_differences(act):
    """Loss L = sum(G * act(X W + b)) for a fixed G; gradients by central differences."""
    r = np.random.default_rng(3)
    X, W, b = r.standard_normal((6, 4)), r.standard_normal((4, 3)) * 0.7, r.standard_normal(3)
    G = r.standard_normal((6, 3))
    if act == "relu":  # keep pre-activations away from the kink
        Z = X @ W + b
        b = b + np.where(np.abs(Z).min(axis=0) < 0.05, 0.2, 0.0)

    def loss(X, W, b):
        return float(np.sum(G * fastinit.dense_forward(X, W, b, act)))

    A = fastinit.dense_forward(X, W, b, act)
    dX, dW, db = fastinit.dense_backward(G, X, W, A, act)
    h = 1e-6
    for P, grad in ((X, dX), (W, dW), (b, db)):
        num = np.zeros_like(P)
        for i in np.ndindex(P.shape):
            old = P[i]
            P[i] = old + h
            lp = loss(X, W, b)
            P[i] = old - h
            lm = loss(X, W, b)
            P[i] = old
            num[i] = (lp - lm) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-7)


def test_activation_accuracy(dtype):
    """tanh within a few ulp (float32) and 1e-14 relative (float64) of the exact function."""
    from fastinit import _dense
    x = np.linspace(-40, 40, 400_001).astype(dtype)
    x = np.r_[x, np.array([0.0, -0.0, 1e-30, -1e-30, 1e-6, 88.0, -88.0, 700.0, -700.0], dtype)]
    eps = np.finfo(dtype).eps
    for name, code, exact in [("tanh", 2, np.tanh), ("sigmoid", 3, lambda v: 1 / (1 + np.exp(-v)))]:
        y = x.copy()
        _dense.activate(y, code)
        with np.errstate(over="ignore"):
            e = exact(x.astype(np.float64))
        tiny = np.finfo(dtype).tiny
        rel = np.abs(y - e) / np.maximum(np.abs(e), tiny)
        ok = np.abs(e) > tiny * 2 ** 24  # skip results in float32's subnormals
        assert rel[ok].max() < (4 * eps if dtype == np.float32 else 1e-14), name
        assert np.isfinite(y).all()


BAD = [
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W.astype(np.float64), b), TypeError, "mixed dtypes"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X.astype(np.int64), W, b), TypeError, "float32 or float64"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X[0], W, b), ValueError, "X must be 2-D"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W.T, b), ValueError, r"X \(8, 5\) and W \(3, 5\)"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b[:2]), ValueError, r"b has shape \(2,\)"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b, "gelu"), ValueError, "activation"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b, None), TypeError, "activation"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X.tolist(), W, b), TypeError, "X must be a numpy"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b, out=np.empty((8, 4), np.float32)), ValueError, "out has shape"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b, out=np.empty((8, 3), np.float64)), TypeError, "mixed dtypes"),
    (lambda X, W, b, A, dA: fastinit.dense_forward(X, W, b, out=np.empty((3, 8), np.float32).T), ValueError, "contiguous"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA[:4], X, W, A), ValueError, r"dA has shape \(4, 3\)"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA, X, W, A[:, :2]), ValueError, r"A has shape \(8, 2\)"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA, X, W[:4], A), ValueError, r"X \(8, 5\) and W \(4, 3\)"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA, X, W, A, dW=np.empty((3, 5), np.float32)), ValueError, "dW has shape"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA, X, W, A, db=np.empty(3, np.float64)), TypeError, "mixed dtypes"),
    (lambda X, W, b, A, dA: fastinit.dense_backward(dA, X, W, A, db=A[0]), ValueError, "db must not share memory with A"),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_arguments(k):
    r = np.random.default_rng(0)
    X = r.standard_normal((8, 5)).astype(np.float32)
    W = r.standard_normal((5, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    A = fastinit.dense_forward(X, W, b)
    dA = np.ones_like(A)
    call, exc, words = BAD[k]
    with pytest.raises(exc, match=words):
        call(X, W, b, A, dA)


def test_bad_out_is_untouched():
    X = np.ones((4, 3), np.float32)
    W = np.ones((3, 2), np.float32)
    out = np.full((4, 2), -7.0, np.float32)
    with pytest.raises(TypeError):
        fastinit.dense_forward(X, W.astype(np.float64), out=out)
    with pytest.raises(ValueError):
        fastinit.dense_forward(X, np.ones((2, 2), np.float32), out=out)
    assert (out == -7.0).all()

