"""A small multilayer perceptron on the fused dense kernels.

Built for the initialization experiments of the source documents: every
buffer (activations, gradients, the batch itself) is allocated once per
batch size and reused, so a training step allocates nothing once shapes are
fixed, and ``diagnostics`` reports what an initialization does to each layer.

Every product is computed in a fixed order of operations (each element a
chain of fused multiply-adds along the inner axis, ``src/fixedmm.c``), not
by BLAS: the same bits at every SIMD level, thread count and CPU, whatever
BLAS kernel NumPy's OpenBLAS picks, and identical columns of W give
identical outputs wherever they sit. The softmax's exp (and the losses'
log) are fastinit's own (``src/fixedmath.h``), not NumPy's, whose last bit
depends on the CPU. So an experiment's result, down to the symmetry of a
zero-initialized layer, is one result everywhere.

>>> from fastinit.nn import MLP
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((256, 2)).astype(np.float32)
>>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)          # XOR of the signs
>>> net = MLP([2, 64, 64, 2], "relu", "he_normal", output="softmax", seed=0)
>>> hist = net.fit(X, y, epochs=20, lr=0.1, batch_size=32)
>>> hist["accuracy"][-1] > 0.9
True
>>> [round(d["act_std"], 2) for d in net.diagnostics(X)]    # per layer, after training
[0.82, 0.91, 0.46]
"""
import numpy as np

from fastinit import _dense
from fastinit._common import float_dtype as check_dtype, integer as check_int, real as check_real
from fastinit._dense import activation_code
from fastinit._threads import get_num_threads
from fastinit.initializers import get as get_initializer
from fastinit.nn import diagnostics as _diagnostics
from fastinit.nn import training as _training
from fastinit.nn.losses import check_loss, loss_and_grad, through_output
from fastinit.random import Generator

__all__ = ["Dense", "MLP", "OUTPUTS"]

OUTPUTS = ("linear", "sigmoid", "softmax")


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
        # the backward pass multiplies by this contiguous copy of W.T
        self.WT = np.empty(self.W.shape[::-1], self.W.dtype)

    @property
    def shape(self):
        return self.W.shape

    def __repr__(self):
        return f"Dense({self.W.shape[0]} -> {self.W.shape[1]}, {self.activation})"


class Workspace:
    """The buffers of one batch size, made once and reused: ``X`` the batch
    (batch, sizes[0]); per layer its output ``A[i]`` and the gradient of
    that output ``G[i]``; the targets ``Y`` and a loss scratch ``T`` (batch,
    n_out); ``col`` (batch, 1) and ``rows`` for the softmax and one-hot."""

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
    >>> X = np.random.default_rng(0).standard_normal((256, 2)).astype(np.float32)
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
    >>> net = MLP([2, 16, 1], "tanh", "xavier_normal", output="sigmoid", seed=0)
    >>> hist = net.fit(X, y, epochs=50, lr=0.5, batch_size=16, loss="bce")
    >>> hist["loss"][-1] < hist["loss"][0]
    True
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
        self.last_workspace = None   # the Workspace of the last forward pass
        self._input = None

    def __repr__(self):
        return (f"MLP({list(self.sizes)}, activation={self.activation!r}, output={self.output!r}, "
                f"dtype={self.dtype.name})")

    # ---- the batch interface --------------------------------------------------
    # What fastinit.nn.training and fastinit.nn.diagnostics (and a custom
    # training loop) use: check_input, workspace, forward_batch, set_targets,
    # backward_batch, last_workspace and largest_product. No checks beyond
    # check_input's and set_targets', and no copies: the buffers of a batch
    # size are reused by the next pass of that size.
    def largest_product(self, rows):
        """The largest multiply-add count of one layer's product over ``rows``
        samples: what decides whether BLAS threads pay (fastinit._blas)."""
        return rows * max(a * b for a, b in zip(self.sizes, self.sizes[1:]))

    @property
    def n_params(self):
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def workspace(self, batch):
        """The :class:`Workspace` of a batch size (the last four sizes are kept)."""
        ws = self._spaces.get(batch)
        if ws is None:
            if len(self._spaces) >= 4:  # training batch, last batch, evaluation sets
                self._spaces.pop(next(iter(self._spaces)))
            ws = self._spaces[batch] = Workspace(self.sizes, batch, self.dtype)
        return ws

    def check_input(self, X):
        """``X`` as a C-contiguous array of the net's dtype, shape (batch, sizes[0])."""
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
        return self.forward_batch(self.check_input(X))

    def forward_batch(self, X):
        """The forward pass of an ``X`` that :meth:`check_input` returned, into
        its batch size's workspace, which becomes ``last_workspace``; returns
        the output buffer."""
        ws = self.workspace(X.shape[0])
        nt = get_num_threads()
        h = X
        for layer, A in zip(self.layers, ws.A):
            _dense.forward_fixed(h, layer.W, layer.b, A, layer.act, nt)
            h = A
        if self.output == "softmax":
            np.max(h, axis=1, keepdims=True, out=ws.col)
            np.subtract(h, ws.col, out=h)
            _dense.fixed_exp(h, out=h)      # NumPy's exp differs by CPU; this one does not
            np.sum(h, axis=1, keepdims=True, out=ws.col)
            np.divide(h, ws.col, out=h)
        self.last_workspace, self._input = ws, X
        return h

    @property
    def outputs(self):
        """Each layer's output in the last forward pass (or diagnostics), first
        layer first: the buffers the next forward of that batch size reuses."""
        if self.last_workspace is None:
            raise RuntimeError("call forward first")
        return list(self.last_workspace.A)

    def predict(self, X):
        """A copy of the output for ``X``."""
        return self.forward(X).copy()

    def set_targets(self, y, batch, ws):
        """Fill ``ws.Y`` with the targets of the batch: labels become one-hot."""
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
        elif y.shape == (batch,):
            raise ValueError(f"y of shape ({batch},) (one label or target a row) needs "
                             f"output='softmax' or one output unit; this net has output="
                             f"{self.output!r} and {n_out} units, so y must have shape "
                             f"({batch}, {n_out})")
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
        if self.last_workspace is None:
            raise RuntimeError("call forward before backward")
        loss = check_loss(self.output, loss)
        ws, X = self.last_workspace, self._input
        self.set_targets(y, X.shape[0], ws)
        value = loss_and_grad(self.output, loss, ws, self.dtype)
        self.backward_batch(ws, X, through_output(self.output, loss))
        return value

    def backward_batch(self, ws, X, through_output):
        """The backward pass of the forward of ``X`` into ``ws``, once the loss
        gradient is in ``ws.G[-1]``: layer by layer, each layer's G becomes its
        dZ in place and the previous layer's G its dX; every layer's ``dW``
        and ``db`` are set. ``through_output``: whether the gradient still has
        to pass the output activation (False for the fused softmax/sigmoid
        losses)."""
        nt = get_num_threads()
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            layer, G = self.layers[i], ws.G[i]
            act = layer.act
            if i == last and not through_output:
                act = _dense.ACTIVATIONS["linear"]
            h = X if i == 0 else ws.A[i - 1]
            dX = ws.G[i - 1] if i > 0 else None
            _dense.backward_fixed(G, h, layer.W, ws.A[i], act, dX, layer.dW, layer.db, G, layer.WT, nt)

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

    # ---- training and diagnostics (fastinit.nn.training, .diagnostics) ----------
    def evaluate(self, X, y, loss=None):
        """(loss, accuracy) on a data set; the layers' gradients are untouched."""
        return _training.evaluate(self, X, y, loss)

    def fit(self, X, y, epochs=10, lr=0.1, batch_size=32, loss=None, *, momentum=0.0,
            shuffle=True, seed=0, X_val=None, y_val=None, callback=None, clip=None):
        return _training.fit(self, X, y, epochs, lr, batch_size, loss, momentum=momentum,
                             shuffle=shuffle, seed=seed, X_val=X_val, y_val=y_val,
                             callback=callback, clip=clip)

    fit.__doc__ = _training.fit.__doc__

    def train_epoch(self, X, y, lr=0.1, batch_size=32, loss=None, *, momentum=0.0, order=None,
                    clip=None):
        return _training.train_epoch(self, X, y, lr, batch_size, loss, momentum=momentum,
                                     order=order, clip=clip)

    train_epoch.__doc__ = _training.train_epoch.__doc__

    def diagnostics(self, X, y=None, loss=None):
        return _diagnostics.diagnostics(self, X, y, loss)

    diagnostics.__doc__ = _diagnostics.diagnostics.__doc__
