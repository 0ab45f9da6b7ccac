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
_ACT = dict(_dense.ACTIVATIONS)


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


def _one_dtype(*named):
    """The float dtype every given (name, array) shares; TypeError otherwise."""
    first_name, first = named[0][0], named[0][1].dtype
    if first not in FLOAT_DTYPES:
        raise TypeError(f"{first_name} must have dtype float32 or float64, got {first}")
    for name, a in named[1:]:
        if a is not None and a.dtype != first:
            if not isinstance(a, np.ndarray):
                raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
            raise TypeError(
                f"mixed dtypes: {first_name} is {first} but {name} is {a.dtype}; use one dtype per call"
            )
    return first


def _bias(b, n_out, W):
    if b is None:
        return None
    if not isinstance(b, np.ndarray):
        raise TypeError(f"b must be a numpy.ndarray or None, got {type(b).__name__}")
    if b.shape != (n_out,):
        if b.shape != (1, n_out):
            raise ValueError(f"b has shape {b.shape}, but W {W.shape} needs ({n_out},)")
        b = b.reshape(n_out)
    return b if b.flags.c_contiguous else np.ascontiguousarray(b)


def _no_overlap(out, name, **inputs):
    for in_name, x in inputs.items():
        if x is not None and np.may_share_memory(out, x):
            raise ValueError(f"{name} must not share memory with {in_name}")


def _contiguous(x):
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


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
    act = _ACT.get(activation) if type(activation) is str else None
    if act is not None and _dense.forward_ok(X, W, b, out):
        return _dense.forward_into(X, W, b, out, act, get_num_threads())
    return _forward_checked(X, W, b, activation, out)


def _forward_checked(X, W, b, activation, out):
    """dense_forward for any call the fast check did not take: check all, then compute."""
    act = activation_code(activation)
    X, W = _matrix(X, "X"), _matrix(W, "W")
    dtype = _one_dtype(("X", X), ("W", W), ("b", b), ("out", out))
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X {X.shape} and W {W.shape} do not align: X has {X.shape[1]} columns, "
                         f"W has {W.shape[0]} rows")
    b = _bias(b, W.shape[1], W)
    shape = (X.shape[0], W.shape[1])
    if out is None:
        out = np.empty(shape, dtype)
    else:
        check_out(out, shape, dtype)
        # matmul copes with out overlapping X or W; b is read after out is written
        if b is not None:
            _no_overlap(out, "out", b=b)
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
    act = _ACT.get(activation) if type(activation) is str else None
    if act is not None and _dense.backward_ok(dA, X, W, A, dX, dW, db):
        return _dense.backward_into(dA, X, W, A, act, dX, dW, db, need_dX, get_num_threads())
    return _backward_checked(dA, X, W, A, activation, dX, dW, db, need_dX)


def _backward_checked(dA, X, W, A, activation, dX, dW, db, need_dX):
    """dense_backward for any call the fast check did not take: check all, then compute."""
    act = activation_code(activation)
    dA, X, W, A = _matrix(dA, "dA"), _matrix(X, "X"), _matrix(W, "W"), _matrix(A, "A")
    dtype = _one_dtype(("dA", dA), ("X", X), ("W", W), ("A", A), ("dX", dX), ("dW", dW), ("db", db))
    batch, n_in = X.shape
    if W.shape[0] != n_in:
        raise ValueError(f"X {X.shape} and W {W.shape} do not align: X has {n_in} columns, "
                         f"W has {W.shape[0]} rows")
    n_out = W.shape[1]
    if A.shape != (batch, n_out):
        raise ValueError(f"A has shape {A.shape}, but X {X.shape} @ W {W.shape} is ({batch}, {n_out})")
    if dA.shape != A.shape:
        raise ValueError(f"dA has shape {dA.shape}, but A has shape {A.shape}")
    if db is None:
        db = np.empty(n_out, dtype)
    else:
        check_out(db, (n_out,), dtype, "db")
        _no_overlap(db, "db", dA=dA, A=A)  # written while dA and A are read
    if dW is None:
        dW = np.empty((n_in, n_out), dtype)
    else:
        check_out(dW, (n_in, n_out), dtype, "dW")
    if need_dX:
        if dX is None:
            dX = np.empty((batch, n_in), dtype)
        else:
            check_out(dX, (batch, n_in), dtype, "dX")
    else:
        dX = None
    dA, A = _contiguous(dA), _contiguous(A)
    # matmul copes with dW/dX overlapping its inputs (it buffers)
    dZ = np.empty((batch, n_out), dtype)
    _dense.grad_act(dA, A, dZ, db, act, get_num_threads())
    np.matmul(X.T, dZ, out=dW)
    if dX is not None:
        np.matmul(dZ, W.T, out=dX)
    return dX, dW, db
