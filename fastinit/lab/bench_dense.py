"""Dense-layer cases for fastinit.bench: the fused kernels and one MLP epoch
beside the NumPy code people write."""
import numpy as np

import fastinit
from fastinit.lab import data
from fastinit.lab.benchcase import Case
from fastinit.nn import MLP

SHAPES = {"32x64x64": (32, 64, 64), "256x1024x1024": (256, 1024, 1024),
          "1024x4096x1024": (1024, 4096, 1024)}

NUMPY_FORWARD = {
    "relu": lambda X, W, b: np.maximum(X @ W + b, 0),
    "tanh": lambda X, W, b: np.tanh(X @ W + b),
    "sigmoid": lambda X, W, b: 1 / (1 + np.exp(-(X @ W + b))),
}

NUMPY_DERIVATIVE = {
    "relu": lambda dA, A: dA * (A > 0),
    "tanh": lambda dA, A: dA * (1 - A ** 2),
    "sigmoid": lambda dA, A: dA * A * (1 - A),
}


def _inputs(shape, dtype=np.float32):
    batch, n_in, n_out = shape
    r = np.random.default_rng(0)
    X = r.standard_normal((batch, n_in)).astype(dtype)
    W = fastinit.he_normal((n_in, n_out), dtype=dtype, seed=1)
    b = np.zeros(n_out, dtype)
    return X, W, b


def _forward(shape, act):
    def make():
        X, W, b = _inputs(shape)
        out = np.empty((shape[0], shape[2]), X.dtype)
        numpy_way = NUMPY_FORWARD[act]
        return {"fastinit": lambda: fastinit.dense_forward(X, W, b, act, out=out),
                "numpy": lambda: numpy_way(X, W, b)}
    return make


def _backward(shape, act):
    def make():
        X, W, b = _inputs(shape)
        A = fastinit.dense_forward(X, W, b, act)
        dA = np.random.default_rng(2).standard_normal(A.shape).astype(A.dtype)
        dX, dW, db = np.empty_like(X), np.empty_like(W), np.empty_like(b)
        deriv = NUMPY_DERIVATIVE[act]

        def numpy_way():
            dZ = deriv(dA, A)
            return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)

        return {"fastinit": lambda: fastinit.dense_backward(dA, X, W, A, act, dX=dX, dW=dW, db=db),
                "numpy": numpy_way}
    return make


def numpy_mlp_epoch(params, X, y, lr, batch_size):
    """One epoch of the same MLP (ReLU hidden layers, softmax output, cross
    entropy, plain SGD) written the way people write it in NumPy."""
    n = X.shape[0]
    total = 0.0
    for start in range(0, n, batch_size):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        hs = [xb]
        for W, b in params[:-1]:
            hs.append(np.maximum(hs[-1] @ W + b, 0))
        W, b = params[-1]
        z = hs[-1] @ W + b
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        total += -np.log(np.maximum(p[np.arange(len(yb)), yb], 1e-7)).sum()
        d = p
        d[np.arange(len(yb)), yb] -= 1
        d /= len(yb)
        for k in range(len(params) - 1, -1, -1):
            W, b = params[k]
            dW = hs[k].T @ d
            db = d.sum(axis=0)
            if k > 0:
                d = (d @ W.T) * (hs[k] > 0)
            W -= lr * dW
            b -= lr * db
    return total / n


def _mlp_epoch(depth=8, width=64, batch_size=32, samples=1024):
    def make():
        X, y = data.make("spirals", samples, seed=0)
        sizes = [2] + [width] * depth + [2]
        net = MLP(sizes, "relu", "he_normal", output="softmax", seed=0)
        params = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
        order = np.arange(samples)
        return {"fastinit": lambda: net.train_epoch(X, y, 1e-3, batch_size, order=order),
                "numpy": lambda: numpy_mlp_epoch(params, X, y, 1e-3, batch_size)}
    return make


def dense_cases():
    cases = []
    for name, shape in SHAPES.items():
        for act in ("relu", "tanh", "sigmoid"):
            tags = dict(size=name, dtype="float32", threads=1)
            cases.append(Case(f"dense_forward {act} {name}", _forward(shape, act), 1, tags))
            cases.append(Case(f"dense_backward {act} {name}", _backward(shape, act), 1, tags))
    cases.append(Case("MLP epoch 8x64 batch 32", _mlp_epoch(), 1, dict(size="32x64x64", threads=1)))
    return cases
