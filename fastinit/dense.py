"""Fused dense layers: ``A = act(X @ W + b)`` and its gradients.

The matrix products go to NumPy's BLAS (``matmul`` with ``out=``); the bias,
the activation, its derivative and the bias gradient are single fused
passes in Cython without the GIL (``_dense.pyx``). The derivative is read
from the output ``A`` alone (ReLU: A > 0; tanh: 1 - A^2; sigmoid: A (1 - A)),
so a network keeps only A.
"""
import numpy as np

from fastinit import _dense
from fastinit._threads import get_num_threads
from fastinit._validation import FLOAT_DTYPES, check_out

__all__ = ["dense_forward", "dense_backward", "ACTIVATIONS"]

ACTIVATIONS = tuple(_dense.ACTIVATIONS)


def activation_code(activation):
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a str, got {activation!r}")
    try:
        return _dense.ACTIVATIONS[activation]
    except KeyError:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}") from None


def _matrix(x, name):
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
    return x


def _one_dtype(**arrays):
    """The float dtype every given array shares; TypeError otherwise."""
    dtypes = {name: a.dtype for name, a in arrays.items() if a is not None}
    first_name, first = next(iter(dtypes.items()))
    if first not in FLOAT_DTYPES:
        raise TypeError(f"{first_name} must have dtype float32 or float64, got {first}")
    for name, dt in dtypes.items():
        if dt != first:
            raise TypeError(
                f"mixed dtypes: {first_name} is {first} but {name} is {dt}; use one dtype per call"
            )
    return first


def _bias(b, n_out, W):
    if b is None:
        return None
    if not isinstance(b, np.ndarray):
        raise TypeError(f"b must be a numpy.ndarray or None, got {type(b).__name__}")
    if b.shape not in ((n_out,), (1, n_out)):
        raise ValueError(f"b has shape {b.shape}, but W {W.shape} needs ({n_out},)")
    return np.ascontiguousarray(b.reshape(n_out))


def _no_overlap(out, name, **inputs):
    for in_name, x in inputs.items():
        if x is not None and np.may_share_memory(out, x):
            raise ValueError(f"{name} must not share memory with {in_name}")


def dense_forward(X, W, b=None, activation="relu", *, out=None):
    """``act(X @ W + b)`` with the bias and activation fused into one pass.

    Parameters
    ----------
    X : ndarray, (batch, n_in)
        Any memory layout.
    W : ndarray, (n_in, n_out)
        Any memory layout.
    b : ndarray, (n_out,), optional
    activation : {"relu", "tanh", "sigmoid", "linear"}
    out : ndarray, (batch, n_out), optional
        C-contiguous, same dtype; filled and returned.

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
    act = activation_code(activation)
    X, W = _matrix(X, "X"), _matrix(W, "W")
    dtype = _one_dtype(X=X, W=W, b=b, out=out)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X {X.shape} and W {W.shape} do not align: X has {X.shape[1]} columns, "
                         f"W has {W.shape[0]} rows")
    b = _bias(b, W.shape[1], W)
    shape = (X.shape[0], W.shape[1])
    if out is None:
        out = np.empty(shape, dtype)
    else:
        check_out(out, shape, dtype)
        _no_overlap(out, "out", X=X, W=W, b=b)
    np.matmul(X, W, out=out)
    _dense.bias_act(out, b, act, get_num_threads())
    return out


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
        C-contiguous buffers of shapes (batch, n_in), (n_in, n_out), (n_out,).
    need_dX : bool
        False skips ``dX`` (the first layer needs none).

    Returns
    -------
    (dX, dW, db)
        ``dX`` is None when ``need_dX`` is False.

    Examples
    --------
    >>> dX, dW, db = fastinit.dense_backward(np.ones_like(A), X, W, A, "relu")
    """
    act = activation_code(activation)
    dA, X, W, A = _matrix(dA, "dA"), _matrix(X, "X"), _matrix(W, "W"), _matrix(A, "A")
    dtype = _one_dtype(dA=dA, X=X, W=W, A=A, dX=dX, dW=dW, db=db)
    batch, n_in = X.shape
    if W.shape[0] != n_in:
        raise ValueError(f"X {X.shape} and W {W.shape} do not align: X has {n_in} columns, "
                         f"W has {W.shape[0]} rows")
    n_out = W.shape[1]
    if A.shape != (batch, n_out):
        raise ValueError(f"A has shape {A.shape}, but X {X.shape} @ W {W.shape} is ({batch}, {n_out})")
    if dA.shape != A.shape:
        raise ValueError(f"dA has shape {dA.shape}, but A has shape {A.shape}")
    inputs = dict(dA=dA, X=X, W=W, A=A)
    if db is None:
        db = np.empty(n_out, dtype)
    else:
        check_out(db, (n_out,), dtype, "db")
        _no_overlap(db, "db", **inputs)
    if dW is None:
        dW = np.empty((n_in, n_out), dtype)
    else:
        check_out(dW, (n_in, n_out), dtype, "dW")
        _no_overlap(dW, "dW", **inputs)
    if need_dX:
        if dX is None:
            dX = np.empty((batch, n_in), dtype)
        else:
            check_out(dX, (batch, n_in), dtype, "dX")
            _no_overlap(dX, "dX", **inputs)
    else:
        dX = None
    dZ = np.empty((batch, n_out), dtype)
    _dense.grad_act(np.ascontiguousarray(dA), np.ascontiguousarray(A), dZ, db, act,
                    get_num_threads())
    np.matmul(X.T, dZ, out=dW)
    if need_dX:
        np.matmul(dZ, W.T, out=dX)
    return dX, dW, db
