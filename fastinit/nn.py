"""A small multilayer perceptron on the fused dense kernels.

Built for the initialization experiments of the source documents: every
buffer (activations, gradients, the batch itself) is allocated once per
batch size and reused, so a training step allocates nothing once shapes are
fixed, and ``diagnostics`` reports what an initialization does to each layer.

>>> net = MLP([2, 64, 64, 2], "relu", "he_normal", output="softmax", seed=0)
>>> hist = net.fit(X, y, epochs=20, lr=0.1, batch_size=32)
>>> [d["act_std"] for d in net.diagnostics(X)]
"""
import math

import numpy as np

from fastinit import _blas, _dense
from fastinit._common import float_dtype as check_dtype, integer as check_int, real as check_real
from fastinit._dense import activation_code
from fastinit._threads import get_num_threads
from fastinit.initializers import get as get_initializer
from fastinit.random import Generator

__all__ = ["Dense", "MLP", "LOSSES", "OUTPUTS"]

OUTPUTS = ("linear", "sigmoid", "softmax")
LOSSES = ("mse", "bce", "cross_entropy")
_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


class Dense:
    """One layer, ``act(x @ W + b)``, with its gradient (and velocity) buffers.

    Attributes
    ----------
    W : ndarray, (n_in, n_out)
    b : ndarray, (n_out,)
    dW, db : ndarray
        Gradients of the last ``MLP.backward``.
    activation : str
    """

    def __init__(self, W, b, activation):
        self.W = np.ascontiguousarray(W)
        self.b = np.ascontiguousarray(b)
        self.activation = activation
        self.act = activation_code(activation)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.vW = self.vb = None
        # OpenBLAS multiplies small matrices by a transposed operand at half
        # speed, so the backward pass multiplies by this contiguous copy of W.T
        self.WT = (np.empty(self.W.shape[::-1], self.W.dtype)
                   if self.W.size <= _dense.SMALL_W_LIMIT else None)

    @property
    def shape(self):
        return self.W.shape

    def __repr__(self):
        return f"Dense({self.W.shape[0]} -> {self.W.shape[1]}, {self.activation})"


class _Workspace:
    """The buffers of one batch size: outputs A, gradients G, the batch."""

    def __init__(self, sizes, batch, dtype):
        self.A = [np.empty((batch, n), dtype) for n in sizes[1:]]
        self.G = [np.empty((batch, n), dtype) for n in sizes[1:]]
        self.X = np.empty((batch, sizes[0]), dtype)
        self.Y = np.empty((batch, sizes[-1]), dtype)
        self.T = np.empty((batch, sizes[-1]), dtype)  # loss scratch
        self.col = np.empty((batch, 1), dtype)
        self.rows = np.arange(batch)


def _initializer(init, name):
    if callable(init):
        return init
    if isinstance(init, str):
        return get_initializer(init)
    raise TypeError(f"{name} must be an initializer name or a callable, got {init!r}")


class MLP:
    """A multilayer perceptron on fastinit's fused dense kernels.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``[2, 64, 64, 2]`` has two hidden layers.
    activation : {"relu", "tanh", "sigmoid", "linear"}
        Of the hidden layers.
    init : str or callable
        Weight initializer: a name of :func:`fastinit.available` or a
        callable ``init(shape, dtype=..., seed=...)``. Shapes are
        ``(fan_in, fan_out)``.
    output : {"linear", "sigmoid", "softmax"}
    dtype : float32 (default) or float64
    seed : None, int or fastinit.Generator
        Every layer draws from its own stream of this generator.
    bias_init : str or callable
        Initializer of the biases, "zeros" by default (the source
        documents' constant and random experiments set them like W).

    Examples
    --------
    >>> net = MLP([2, 16, 1], "tanh", "xavier_normal", output="sigmoid", seed=0)
    >>> hist = net.fit(X, y, epochs=50, lr=0.5, batch_size=16, loss="bce")
    """

    def __init__(self, sizes, activation="relu", init="he_normal", output="linear",
                 dtype=np.float32, seed=None, bias_init="zeros"):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a sequence of ints, got {sizes!r}")
        sizes = [check_int(n, "sizes", low=1) for n in sizes]
        if len(sizes) < 2:
            raise ValueError(f"sizes needs an input and an output width, got {sizes}")
        activation_code(activation)
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("output='softmax' needs at least 2 output units")
        self.dtype = check_dtype(dtype)
        self.sizes = tuple(sizes)
        self.activation = activation
        self.output = output
        w_init = _initializer(init, "init")
        b_init = _initializer(bias_init, "bias_init")
        gen = seed if isinstance(seed, Generator) else Generator(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            last = i == len(sizes) - 2
            act = ("linear" if output == "softmax" else output) if last else activation
            W = w_init((n_in, n_out), dtype=self.dtype, seed=gen)
            b = b_init((n_out,), dtype=self.dtype, seed=gen)
            self.layers.append(Dense(W, b, act))
        self._spaces = {}
        self._ws = None
        self._input = None

    def __repr__(self):
        return (f"MLP({list(self.sizes)}, activation={self.activation!r}, output={self.output!r}, "
                f"dtype={self.dtype.name})")

    def _product(self, rows):
        """The largest multiply-add count of one layer's product over ``rows``
        samples: what decides whether BLAS threads pay (fastinit._blas)."""
        return rows * max(a * b for a, b in zip(self.sizes, self.sizes[1:]))

    @property
    def n_params(self):
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    # ---- forward and backward ---------------------------------------------
    def _space(self, batch):
        ws = self._spaces.get(batch)
        if ws is None:
            if len(self._spaces) >= 4:  # training batch, last batch, evaluation sets
                self._spaces.pop(next(iter(self._spaces)))
            ws = self._spaces[batch] = _Workspace(self.sizes, batch, self.dtype)
        return ws

    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (batch, {self.sizes[0]}), got {X.shape}")
        if X.dtype != self.dtype or not X.flags.c_contiguous:
            X = np.ascontiguousarray(X, dtype=self.dtype)
        return X

    def forward(self, X):
        """The network's output for a batch ``X`` (batch, sizes[0]).

        The result is a buffer the next ``forward`` of the same batch size
        reuses: copy it to keep it (``predict`` does).
        """
        return self._forward(self._check_X(X))

    def _forward(self, X):
        ws = self._space(X.shape[0])
        nt = get_num_threads()
        h = X
        for layer, A in zip(self.layers, ws.A):
            _dense.forward_into(h, layer.W, layer.b, A, layer.act, nt)
            h = A
        if self.output == "softmax":
            np.max(h, axis=1, keepdims=True, out=ws.col)
            np.subtract(h, ws.col, out=h)
            np.exp(h, out=h)
            np.sum(h, axis=1, keepdims=True, out=ws.col)
            np.divide(h, ws.col, out=h)
        self._ws, self._input = ws, X
        return h

    @property
    def outputs(self):
        """Each layer's output in the last forward pass (or diagnostics), first
        layer first: the buffers the next forward of that batch size reuses."""
        if self._ws is None:
            raise RuntimeError("call forward first")
        return list(self._ws.A)

    def predict(self, X):
        """A copy of the output for ``X``."""
        return self.forward(X).copy()

    def _default_loss(self):
        return {"softmax": "cross_entropy", "sigmoid": "bce", "linear": "mse"}[self.output]

    def _check_loss(self, loss):
        loss = self._default_loss() if loss is None else loss
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if loss == "cross_entropy" and self.output != "softmax":
            raise ValueError("loss='cross_entropy' needs output='softmax'")
        if loss == "bce" and self.output != "sigmoid":
            raise ValueError("loss='bce' needs output='sigmoid'")
        return loss

    def _targets(self, y, batch, ws):
        """Fill ws.Y with the targets of the batch: labels become one-hot."""
        y = np.asarray(y)
        n_out = self.sizes[-1]
        if y.shape == (batch, n_out):
            np.copyto(ws.Y, y, casting="unsafe")
        elif y.shape == (batch,) and self.output == "softmax":
            if y.dtype.kind not in "iu" or (batch and (y.min() < 0 or y.max() >= n_out)):
                raise ValueError(f"labels must be ints in [0, {n_out}), got {y.dtype} "
                                 f"in [{y.min()}, {y.max()}]")
            ws.Y.fill(0)
            ws.Y[ws.rows, y] = 1
        elif y.shape == (batch,) and n_out == 1:
            np.copyto(ws.Y[:, 0], y, casting="unsafe")
        else:
            raise ValueError(f"y must have shape ({batch},) or ({batch}, {n_out}), got {y.shape}")

    def backward(self, y, loss=None):
        """Gradients of ``loss`` for the last ``forward``; returns the loss.

        Parameters
        ----------
        y : ndarray
            Labels (batch,) for softmax, or targets (batch,) / (batch, n_out).
        loss : {"mse", "bce", "cross_entropy"}, optional
            Defaults by output: softmax -> cross_entropy, sigmoid -> bce,
            linear -> mse. cross_entropy with softmax and bce with sigmoid
            use the fused, numerically stable gradient ``(P - Y) / n``.
        """
        if self._ws is None:
            raise RuntimeError("call forward before backward")
        loss = self._check_loss(loss)
        ws, X = self._ws, self._input
        self._targets(y, X.shape[0], ws)
        value = self._loss_grad(loss, ws)
        self._backward(ws, X, self._through_output(loss))
        return value

    def _through_output(self, loss):
        """Whether the loss gradient still needs the output activation's
        derivative: only mse through a sigmoid output (cross_entropy,
        bce and softmax-mse give it w.r.t. the pre-activation)."""
        return loss == "mse" and self.output == "sigmoid"

    def _loss_grad(self, loss, ws):
        """The loss of ws.A[-1] against ws.Y, and its gradient (w.r.t. the last
        pre-activation for softmax/bce, the output otherwise) into ws.G[-1]."""
        P, Y, G, T = ws.A[-1], ws.Y, ws.G[-1], ws.T
        batch = P.shape[0]
        eps = _EPS[self.dtype]
        if loss == "cross_entropy":
            np.maximum(P, eps, out=T)
            np.log(T, out=T)
            value = -float(np.vdot(Y, T)) / batch
            np.subtract(P, Y, out=G)
            G *= 1.0 / batch
        elif loss == "bce":
            # -(y log p + (1 - y) log(1 - p)), summed as vdot(y, log p) +
            # sum(log(1 - p)) - vdot(y, log(1 - p)): no temporaries
            n = P.size
            np.clip(P, eps, 1 - eps, out=T)
            np.log(T, out=T)
            total = float(np.vdot(Y, T))
            np.clip(P, eps, 1 - eps, out=T)
            np.subtract(1, T, out=T)
            np.log(T, out=T)
            total += float(T.sum()) - float(np.vdot(Y, T))
            value = -total / n if n else 0.0
            np.subtract(P, Y, out=G)
            G *= 1.0 / max(n, 1)
        else:
            n = P.size
            np.subtract(P, Y, out=G)
            value = float(np.vdot(G, G)) / max(n, 1)
            G *= 2.0 / max(n, 1)
            if self.output == "softmax":  # through the softmax Jacobian
                np.multiply(G, P, out=T)
                np.sum(T, axis=1, keepdims=True, out=ws.col)
                np.subtract(G, ws.col, out=G)
                G *= P
        return value

    def _backward(self, ws, X, through_output):
        """dense_backward's one backward, layer by layer, on the workspace's
        buffers: the gradient G of each layer's output becomes its dZ in
        place and the previous layer's G is its dX."""
        nt = get_num_threads()
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            layer, G = self.layers[i], ws.G[i]
            act = layer.act
            if i == last and not through_output:
                act = _dense.ACTIVATIONS["linear"]
            h = X if i == 0 else ws.A[i - 1]
            dX = ws.G[i - 1] if i > 0 else None
            _dense.backward_into(G, h, layer.W, ws.A[i], act, dX, layer.dW, layer.db, G, layer.WT, nt)

    def step(self, lr, momentum=0.0):
        """One SGD step on the last gradients: ``W -= lr dW``, or with
        ``momentum`` in (0, 1): ``v = momentum v - lr dW; W += v``."""
        lr = check_real(lr, "lr")
        momentum = check_real(momentum, "momentum")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        for layer in self.layers:
            if momentum:
                if layer.vW is None:
                    layer.vW, layer.vb = np.zeros_like(layer.W), np.zeros_like(layer.b)
                _dense.sgd(layer.W, layer.dW, layer.vW, lr, momentum)
                _dense.sgd(layer.b, layer.db, layer.vb, lr, momentum)
            else:
                _dense.sgd(layer.W, layer.dW, None, lr, 0.0)
                _dense.sgd(layer.b, layer.db, None, lr, 0.0)

    # ---- training -----------------------------------------------------------
    def _accuracy(self, P, Y):
        if self.output == "softmax":
            return float(np.mean(np.argmax(P, axis=1) == np.argmax(Y, axis=1)))
        return float(np.mean((P > 0.5) == (Y > 0.5)))

    def evaluate(self, X, y, loss=None):
        """(loss, accuracy) on a data set; the layers' gradients are untouched."""
        loss = self._check_loss(loss)
        X = self._check_X(X)
        with _blas.limit(self._product(X.shape[0])):
            P = self._forward(X)
        ws = self._ws
        self._targets(y, X.shape[0], ws)
        value = self._loss_grad(loss, ws)
        return value, self._accuracy(P, ws.Y)

    def fit(self, X, y, epochs=10, lr=0.1, batch_size=32, loss=None, *, momentum=0.0,
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
        loss = self._check_loss(loss)
        epochs = check_int(epochs, "epochs")
        batch_size = check_int(batch_size, "batch_size", low=1)
        lr = check_real(lr, "lr")
        X = self._check_X(X)
        y = np.asarray(y)
        n = X.shape[0]
        if y.shape[0] != n:
            raise ValueError(f"X has {n} samples but y has {y.shape[0]}")
        hist = {"loss": [], "accuracy": [], "diverged": False}
        if X_val is not None:
            hist["val_loss"], hist["val_accuracy"] = [], []
        # overflow in a diverging run is reported by hist["diverged"], not warned
        with np.errstate(over="ignore", invalid="ignore"), _blas.limit(self._product(batch_size)):
            self._epochs(X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
                         callback, hist)
        return hist

    def _epochs(self, X, y, epochs, lr, batch_size, loss, momentum, shuffle, seed, X_val, y_val,
                callback, hist):
        rng = np.random.default_rng(seed)
        order = np.arange(X.shape[0])
        for epoch in range(epochs):
            if shuffle:
                rng.shuffle(order)
            epoch_loss = self._train_epoch(X, y, order, lr, batch_size, loss, momentum)
            hist["loss"].append(epoch_loss)
            hist["accuracy"].append(self.evaluate(X, y, loss)[1])
            if X_val is not None:
                vl, va = self.evaluate(X_val, y_val, loss)
                hist["val_loss"].append(vl)
                hist["val_accuracy"].append(va)
            if callback is not None:
                callback(epoch, hist)
            if not math.isfinite(epoch_loss):
                hist["diverged"] = True
                break

    def train_epoch(self, X, y, lr=0.1, batch_size=32, loss=None, *, momentum=0.0, order=None):
        """One pass of mini-batch SGD over ``X`` in ``order`` (default: as
        given); returns the mean batch loss. ``fit`` is this plus shuffling,
        evaluation and history."""
        loss = self._check_loss(loss)
        X = self._check_X(X)
        order = np.arange(X.shape[0]) if order is None else np.asarray(order)
        batch_size = check_int(batch_size, "batch_size", low=1)
        with _blas.limit(self._product(batch_size)):
            return self._train_epoch(X, np.asarray(y), order, check_real(lr, "lr"), batch_size, loss,
                                     momentum)

    def _train_epoch(self, X, y, order, lr, batch_size, loss, momentum):
        through = self._through_output(loss)
        total = 0.0
        n = order.size
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            ws = self._space(idx.size)
            np.take(X, idx, axis=0, out=ws.X)
            self._forward(ws.X)
            self._targets(y[idx], idx.size, ws)
            total += self._loss_grad(loss, ws) * idx.size
            self._backward(ws, ws.X, through)
            self.step(lr, momentum)
        return total / max(n, 1)

    # ---- diagnostics --------------------------------------------------------
    def diagnostics(self, X, y=None, loss=None):
        """What the weights do to each layer on a batch ``X``.

        Returns one dict per layer: ``act_mean``, ``act_std`` (of the
        layer's output), ``saturated`` (fraction of tanh outputs with
        |a| > 0.99, of sigmoid outputs < 0.01 or > 0.99), ``dead`` (fraction
        of ReLU units whose output is 0 for the whole batch), ``weight_norm``,
        ``grad_norm`` (norm of the layer's whole gradient, dW and db, for
        ``(X, y)``; None without y)
        and ``distinct_units``: how many units differ, a unit being its
        column of W with its bias, equal within 1e-7 relative (zero or
        constant init leaves one per layer).
        """
        X = self._check_X(X)
        with np.errstate(over="ignore", invalid="ignore"), _blas.limit(self._product(X.shape[0])):
            self._forward(X)
            if y is not None:
                self.backward(y, loss)
        out = []
        for i, (layer, A) in enumerate(zip(self.layers, self._ws.A)):
            a = A.astype(np.float64)
            d = {
                "layer": i,
                "activation": layer.activation,
                "act_mean": float(a.mean()) if a.size else 0.0,
                "act_std": float(a.std()) if a.size else 0.0,
                "saturated": _saturated(a, layer.activation),
                "dead": float(np.mean(np.all(a == 0, axis=0))) if layer.activation == "relu" else 0.0,
                "weight_norm": float(np.linalg.norm(layer.W)),
                "grad_norm": (float(np.hypot(np.linalg.norm(layer.dW), np.linalg.norm(layer.db)))
                              if y is not None else None),
                "distinct_units": distinct_units(layer.W, layer.b),
            }
            out.append(d)
        return out


def _saturated(a, activation):
    if a.size == 0:
        return 0.0
    if activation == "tanh":
        return float(np.mean(np.abs(a) > 0.99))
    if activation == "sigmoid":
        return float(np.mean((a < 0.01) | (a > 0.99)))
    return 0.0


def distinct_units(W, b=None, rtol=1e-7):
    """How many columns of W (with their bias) differ by more than ``rtol`` relative.

    Columns holding inf or NaN (a diverged net) count as one when they are
    equal bit for bit, NaN included."""
    M = np.asarray(W, dtype=np.float64)
    if b is not None:
        M = np.vstack([M, np.asarray(b, dtype=np.float64).reshape(1, -1)])
    reps = []
    for j in range(M.shape[1]):
        col = M[:, j]
        if not np.isfinite(col).all():
            if not any(np.array_equal(col, r, equal_nan=True) for r in reps):
                reps.append(col)
            continue
        norm = np.linalg.norm(col)
        finite = [r for r in reps if np.isfinite(r).all()]
        if finite:
            R = np.stack(finite, axis=1)
            gap = np.linalg.norm(R - col[:, None], axis=0)
            scale = np.maximum(np.linalg.norm(R, axis=0), norm)
            if np.any(gap <= rtol * np.maximum(scale, 1e-300)):
                continue
        reps.append(col)
    return len(reps)
