"""NaN and infinities through the dense kernels: what goes in reaches the
loss, as with NumPy and torch (``np.maximum(nan, 0)`` and ``torch.relu``
keep NaN). Every activation, both dtypes, every SIMD level, and both ways
the forward runs: the small float32 product with the activation in its
registers, and BLAS followed by the fused pass."""
import numpy as np
import pytest

import fastinit

ACTS = ["linear", "relu", "tanh", "sigmoid"]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.5, -3.5, 1e30, -1e30, 2.0]


def reference(z, act):
    with np.errstate(all="ignore"):
        if act == "relu":
            return np.where(z <= 0, 0, z).astype(z.dtype)        # NaN stays NaN
        if act == "tanh":
            return np.tanh(z)
        if act == "sigmoid":
            return (1 / (1 + np.exp(-z.astype(np.float64)))).astype(z.dtype)
        return z


def reference_grad(dA, A, act):
    with np.errstate(all="ignore"):
        if act == "relu":
            return np.where(A > 0, dA, 0).astype(A.dtype)         # as torch's threshold_backward
        if act == "tanh":
            return dA * (1 - A * A)
        if act == "sigmoid":
            return dA * (A * (1 - A))
        return dA


def close(got, want, dtype):
    tol = 2e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_in, n_out", [(4, 40), (300, 1000)])      # small kernel; BLAS + pass
def test_forward_keeps_nan_and_infinities(act, dtype, n_in, n_out, simd_level):
    # z = 0 @ 0 + b is exactly b, so the activation sees each special value.
    b = np.resize(np.array(SPECIAL, dtype), n_out)
    X = np.zeros((3, n_in), dtype)
    W = np.zeros((n_in, n_out), dtype)
    A = fastinit.dense_forward(X, W, b, act)
    close(A, reference(np.broadcast_to(b, A.shape), act), dtype)
    if act in ("relu", "linear"):
        assert np.isnan(A[:, 0]).all()


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_of_nan_and_infinities_follows_torch(act, dtype, simd_level):
    rng = np.random.default_rng(0)
    n = len(SPECIAL)
    A = np.tile(np.array(SPECIAL, dtype), (130, 1))                  # 130 rows: blocked db sums
    A = reference(A, act) if act != "linear" else A
    dA = rng.standard_normal(A.shape).astype(dtype)
    dA[::7, 3] = np.nan
    dA[::5, 5] = np.inf
    X = rng.standard_normal((130, 6)).astype(dtype)
    W = rng.standard_normal((6, n)).astype(dtype)
    with np.errstate(all="ignore"):          # inf * 0 in the products, as in NumPy's own
        dX, dW, db = fastinit.dense_backward(dA, X, W, A, act)
        dZ = reference_grad(dA, A, act)
        want_db, want_dW, want_dX = dZ.sum(0), X.T @ dZ, dZ @ W.T
    # Sums of inf, -inf and NaN: where NaN lands and which infinities survive must agree.
    for got, want in [(db, want_db), (dW, want_dW), (dX, want_dX)]:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want_db)
    np.testing.assert_allclose(db[finite], want_db[finite], rtol=1e-4)


def test_relu_nan_matches_numpy_and_torch_on_the_issue_example():
    for dtype in (np.float32, np.float64):
        A = fastinit.dense_forward(np.array([[np.nan, 1]], dtype), np.eye(2, dtype=dtype), None, "relu")
        assert np.isnan(A).all()           # nan * 0 is nan in the product, then kept
        z = np.array([[np.nan, -1.0, 2.0]], dtype)
        got = fastinit.dense_forward(np.eye(1, dtype=dtype), z, None, "relu")
        np.testing.assert_array_equal(got, np.maximum(z, 0))
