"""Training and evaluation of a fastinit.nn.MLP: mini-batch SGD over the
network's preallocated buffers (nothing is allocated per step), with BLAS
limited to the threads that pay for these products (fastinit._blas)."""
import math

import numpy as np

from fastinit import _blas
from fastinit._common import integer as check_int, real as check_real
from fastinit.nn.losses import accuracy, check_loss, loss_and_grad, through_output

__all__ = ["fit", "train_epoch", "evaluate"]


def evaluate(net, X, y, loss=None):
    """(loss, accuracy) on a data set; the layers' gradients are untouched."""
    loss = check_loss(net.output, loss)
    X = net._check_X(X)
    with _blas.limit(net._product(X.shape[0])):
        P = net._forward(X)
    ws = net._ws
    net._targets(y, X.shape[0], ws)
    value = loss_and_grad(net.output, loss, ws, net.dtype)
    return value, accuracy(net.output, P, ws.Y)

def fit(net, X, y, epochs=10, lr=0.1, batch_size=32, loss=None, *, momentum=0.0,
        shuffle=True, seed=0, X_val=None, y_val=None, callback=None):
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
    X = net._check_X(X)
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"X has {n} samples but y has {y.shape[0]}")
    hist = {"loss": [], "accuracy": [], "diverged": False}
    if X_val is not None:
        hist["val_loss"], hist["val_accuracy"] = [], []
    # overflow in a diverging run is reported by hist["diverged"], not warned
    with np.errstate(over="ignore", invalid="ignore"), _blas.limit(net._product(batch_size)):
        _epochs(net, X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
                     callback, hist)
    return hist

def _epochs(net, X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
            callback, hist):
    rng = np.random.default_rng(seed)
    order = np.arange(X.shape[0])
    for epoch in range(epochs):
        if shuffle:
            rng.shuffle(order)
        epoch_loss = _train_epoch(net, X, y, order, lr, batch_size, loss, momentum)
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

def train_epoch(net, X, y, lr=0.1, batch_size=32, loss=None, *, momentum=0.0, order=None):
    """One pass of mini-batch SGD over ``X`` in ``order`` (default: as
    given); returns the mean batch loss. ``fit`` is this plus shuffling,
    evaluation and history."""
    loss = check_loss(net.output, loss)
    X = net._check_X(X)
    order = np.arange(X.shape[0]) if order is None else np.asarray(order)
    batch_size = check_int(batch_size, "batch_size", low=1)
    with _blas.limit(net._product(batch_size)):
        return _train_epoch(net, X, np.asarray(y), order, check_real(lr, "lr"), batch_size, loss,
                                 momentum)

def _train_epoch(net, X, y, order, lr, batch_size, loss, momentum):
    through = through_output(net.output, loss)
    total = 0.0
    n = order.size
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        ws = net._space(idx.size)
        np.take(X, idx, axis=0, out=ws.X)
        net._forward(ws.X)
        net._targets(y[idx], idx.size, ws)
        total += loss_and_grad(net.output, loss, ws, net.dtype) * idx.size
        net._backward(ws, ws.X, through)
        net.step(lr, momentum)
    return total / max(n, 1)
