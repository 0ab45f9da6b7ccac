"""Training and evaluation of a fastinit.nn.MLP: mini-batch SGD over the
network's preallocated buffers (nothing is allocated per step), with BLAS
limited to the threads that pay for these products (fastinit._blas)."""
import math

import numpy as np

from fastinit import _blas
from fastinit.nn.sums import dot
from fastinit._common import integer as check_int, real as check_real
from fastinit.nn.losses import accuracy, check_loss, loss_and_grad, through_output

__all__ = ["fit", "train_epoch", "evaluate"]


def evaluate(net, X, y, loss=None):
    """(loss, accuracy) on a data set; the layers' gradients are untouched."""
    loss = check_loss(net.output, loss)
    X = net.check_input(X)
    with _blas.limit(net.largest_product(X.shape[0])):
        P = net.forward_batch(X)
    ws = net.last_workspace
    net.set_targets(y, X.shape[0], ws)
    value = loss_and_grad(net.output, loss, ws, net.dtype)
    return value, accuracy(net.output, P, ws.Y)

def fit(net, X, y, epochs=10, lr=0.1, batch_size=32, loss=None, *, momentum=0.0,
        shuffle=True, seed=0, X_val=None, y_val=None, callback=None, clip=None):
    """Mini-batch SGD; returns the history.

    Parameters
    ----------
    X : ndarray, (n, sizes[0])
    y : ndarray
        Labels (n,) for softmax; targets (n,) or (n, n_out) otherwise.
    epochs : int
    lr : float
    batch_size : int
    loss : {"mse", "bce", "cross_entropy"}, optional
    momentum : float in [0, 1)
    shuffle : bool
    seed : int
        Seeds the shuffling.
    X_val, y_val : ndarray, optional
        Evaluated after every epoch.
    callback : callable, optional
        ``callback(epoch, history)`` after every epoch.
    clip : float, optional
        Clip the global gradient norm (every dW and db together) to
        ``clip`` before each step: a step whose gradient norm g exceeds it
        is taken with ``lr * clip / g``. None: no clipping.

    Returns
    -------
    dict
        ``loss`` (mean batch loss) and ``accuracy`` (on X after the
        epoch) per epoch, ``val_loss``/``val_accuracy`` with X_val, and
        ``diverged`` (True when the loss became non-finite; training
        stops there).
    """
    loss = check_loss(net.output, loss)
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size", low=1)
    lr = check_real(lr, "lr")
    clip = _check_clip(clip)
    X = net.check_input(X)
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"X has {n} samples but y has {y.shape[0]}")
    hist = {"loss": [], "accuracy": [], "diverged": False}
    if X_val is not None:
        hist["val_loss"], hist["val_accuracy"] = [], []
    # overflow in a diverging run is reported by hist["diverged"], not warned
    with np.errstate(over="ignore", invalid="ignore"), _blas.limit(net.largest_product(batch_size)):
        _epochs(net, X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
                callback, hist, clip)
    return hist

def _epochs(net, X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
            callback, hist, clip=None):
    rng = np.random.default_rng(seed)
    order = np.arange(X.shape[0])
    for epoch in range(epochs):
        if shuffle:
            rng.shuffle(order)
        epoch_loss = _train_epoch(net, X, y, order, lr, batch_size, loss, momentum, clip)
        hist["loss"].append(epoch_loss)
        hist["accuracy"].append(evaluate(net, X, y, loss)[1])
        if X_val is not None:
            vl, va = evaluate(net, X_val, y_val, loss)
            hist["val_loss"].append(vl)
            hist["val_accuracy"].append(va)
        if callback is not None:
            callback(epoch, hist)
        if not math.isfinite(epoch_loss):
            hist["diverged"] = True
            break

def _check_clip(clip):
    if clip is None:
        return None
    clip = check_real(clip, "clip")
    if clip <= 0:
        raise ValueError(f"clip must be > 0 or None, got {clip}")
    return clip


def grad_norm(net):
    """The global norm of the last gradients, every dW and db together."""
    total = 0.0
    for layer in net.layers:
        for g in (layer.dW, layer.db):
            flat = g.ravel()
            total += dot(flat, flat)
    return math.sqrt(total)


def train_epoch(net, X, y, lr=0.1, batch_size=32, loss=None, *, momentum=0.0, order=None,
                clip=None):
    """One pass of mini-batch SGD over ``X`` in ``order`` (default: as
    given); returns the mean batch loss. ``fit`` is this plus shuffling,
    evaluation and history."""
    loss = check_loss(net.output, loss)
    X = net.check_input(X)
    order = np.arange(X.shape[0]) if order is None else np.asarray(order)
    batch_size = check_int(batch_size, "batch_size", low=1)
    with _blas.limit(net.largest_product(batch_size)):
        return _train_epoch(net, X, np.asarray(y), order, check_real(lr, "lr"), batch_size, loss,
                            momentum, _check_clip(clip))

def _train_epoch(net, X, y, order, lr, batch_size, loss, momentum, clip=None):
    through = through_output(net.output, loss)
    total = 0.0
    n = order.size
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        ws = net.workspace(idx.size)
        np.take(X, idx, axis=0, out=ws.X)
        net.forward_batch(ws.X)
        net.set_targets(y[idx], idx.size, ws)
        total += loss_and_grad(net.output, loss, ws, net.dtype) * idx.size
        net.backward_batch(ws, ws.X, through)
        step = lr
        if clip is not None:
            g = grad_norm(net)
            if g > clip:                    # inf: no step; NaN: the run diverges, as unclipped
                step = lr * clip / g if math.isfinite(g) else (0.0 if g > 0 else g)
        net.step(step, momentum)
    return total / max(n, 1)
