"""The losses of fastinit.nn: each one's value and its gradient, computed
in the workspace's buffers with no temporaries, numerically stable
(softmax + cross entropy and sigmoid + bce give (P - Y) / n directly).
Logarithms are fastinit's (``_dense.fixed_log``), not NumPy's, whose bits
depend on the CPU (SVML on AVX-512, its own SIMD code on AVX2, libm
elsewhere): the losses are the same bits on every machine."""
import numpy as np

from fastinit._dense import fixed_log
from fastinit.nn.sums import dot

__all__ = ["LOSSES", "loss_and_grad", "accuracy", "default_loss", "check_loss", "through_output"]

LOSSES = ("mse", "bce", "cross_entropy")
_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


def default_loss(output):
    return {"softmax": "cross_entropy", "sigmoid": "bce", "linear": "mse"}[output]


def check_loss(output, loss):
    loss = default_loss(output) if loss is None else loss
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if loss == "cross_entropy" and output != "softmax":
        raise ValueError("loss='cross_entropy' needs output='softmax'")
    if loss == "bce" and output != "sigmoid":
        raise ValueError("loss='bce' needs output='sigmoid'")
    return loss


def through_output(output, loss):
    """Whether the loss gradient still needs the output activation's
    derivative: only mse through a sigmoid output (cross_entropy,
    bce and softmax-mse give it w.r.t. the pre-activation)."""
    return loss == "mse" and output == "sigmoid"


def loss_and_grad(output, loss, ws, dtype):
    """The loss of ws.A[-1] against ws.Y, and its gradient (w.r.t. the last
    pre-activation for softmax/bce, the output otherwise) into ws.G[-1]."""
    P, Y, G, T = ws.A[-1], ws.Y, ws.G[-1], ws.T
    batch = P.shape[0]
    eps = _EPS[dtype]
    if loss == "cross_entropy":
        np.maximum(P, eps, out=T)
        fixed_log(T, out=T)
        value = -dot(Y, T) / batch
        np.subtract(P, Y, out=G)
        G *= 1.0 / batch
    elif loss == "bce":
        # -(y log p + (1 - y) log(1 - p)), summed as dot(y, log p) +
        # sum(log(1 - p)) - dot(y, log(1 - p)) (fastinit.nn.sums: a fixed order)
        n = P.size
        np.clip(P, eps, 1 - eps, out=T)
        fixed_log(T, out=T)
        total = dot(Y, T)
        np.clip(P, eps, 1 - eps, out=T)
        np.subtract(1, T, out=T)
        fixed_log(T, out=T)
        total += float(T.sum()) - dot(Y, T)
        value = -total / n if n else 0.0
        np.subtract(P, Y, out=G)
        G *= 1.0 / max(n, 1)
    else:
        n = P.size
        np.subtract(P, Y, out=G)
        value = dot(G, G) / max(n, 1)
        G *= 2.0 / max(n, 1)
        if output == "softmax":  # through the softmax Jacobian
            np.multiply(G, P, out=T)
            np.sum(T, axis=1, keepdims=True, out=ws.col)
            np.subtract(G, ws.col, out=G)
            G *= P
    return value


def accuracy(output, P, Y):
    if output == "softmax":
        return float(np.mean(np.argmax(P, axis=1) == np.argmax(Y, axis=1)))
    return float(np.mean((P > 0.5) == (Y > 0.5)))
