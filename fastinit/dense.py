"""Fused dense layers: ``A = act(X @ W + b)`` and its gradients.

Small float32 products (up to 2**18 multiply-adds with W of at most 2**14
elements, e.g. 64x64x64) run in fastinit's own one-thread kernel
(``src/gemm.c``, AVX2/AVX-512), with the bias and a linear or ReLU
activation applied in its registers; the other products go to NumPy's BLAS.
The bias, the activation, its derivative and the bias gradient are single
fused passes in Cython without the GIL (``_dense.pyx``). The derivative is read
from the output ``A`` alone (ReLU: A > 0; tanh: 1 - A^2; sigmoid: A (1 - A)),
so a network keeps only A.
"""
from fastinit import _dense

__all__ = ["dense_forward", "dense_backward", "ACTIVATIONS"]

ACTIVATIONS = _dense.NAMES


def dense_forward(X, W, b=None, activation="relu", *, out=None):
    """``act(X @ W + b)`` with the bias and activation fused into one pass.

    Parameters
    ----------
    X : ndarray, (batch, n_in)
        Any memory layout.
    W : ndarray, (n_in, n_out)
        Any memory layout.
    b : array_like, (n_out,), optional
        An ndarray of X's dtype, or anything numpy converts to one.
    activation : {"relu", "tanh", "sigmoid", "linear"}
    out : ndarray, (batch, n_out), optional
        C-contiguous, same dtype, sharing no memory with X, W or b; filled
        and returned.

    Returns
    -------
    A : ndarray, (batch, n_out)

    Notes
    -----
    float32 or float64, one dtype per call (mixed dtypes are a TypeError).
    tanh and sigmoid are vectorised approximations within a few ulp
    (float32) and ~1e-15 relative (float64) of the exact functions.

    Examples
    --------
    >>> X = np.ones((32, 64), np.float32); W = fastinit.he_normal((64, 16), seed=0)
    >>> A = fastinit.dense_forward(X, W, np.zeros(16, np.float32), "relu")
    >>> np.allclose(A, np.maximum(X @ W, 0))
    True
    """
    return _dense.forward(X, W, b, activation, out)


def dense_backward(dA, X, W, A, activation="relu", *, dX=None, dW=None, db=None, need_dX=True):
    """Gradients of a dense layer from the loss gradient ``dA`` of its output.

    ``dZ = dA * act'(A)`` and ``db = dZ.sum(0)`` come from one fused pass;
    then ``dW = X.T @ dZ`` and ``dX = dZ @ W.T`` go to BLAS.

    Parameters
    ----------
    dA : ndarray, (batch, n_out)
    X : ndarray, (batch, n_in)
    W : ndarray, (n_in, n_out)
    A : ndarray, (batch, n_out)
        The layer's output, ``act(X @ W + b)``.
    activation : {"relu", "tanh", "sigmoid", "linear"}
    dX, dW, db : ndarray, optional
        C-contiguous buffers of shapes (batch, n_in), (n_in, n_out), (n_out,),
        sharing no memory with an input or with each other.
    need_dX : bool
        False skips ``dX`` (the first layer needs none).

    Returns
    -------
    (dX, dW, db)
        ``dX`` is None when ``need_dX`` is False.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((32, 784)).astype(np.float32)
    >>> W = fastinit.he_normal((784, 256), seed=0)
    >>> A = fastinit.dense_forward(X, W, None, "relu")
    >>> dX, dW, db = fastinit.dense_backward(np.ones_like(A), X, W, A, "relu")
    >>> dX.shape, dW.shape, db.shape
    ((32, 784), (784, 256), (256,))
    """
    return _dense.backward(dA, X, W, A, activation, dX, dW, db, need_dX)
