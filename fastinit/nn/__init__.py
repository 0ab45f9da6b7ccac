"""A small multilayer perceptron on fastinit's fused dense kernels.

Built for the initialization experiments of the source documents: every
buffer is allocated once per batch size and reused, so a training step
allocates nothing once shapes are fixed, and ``diagnostics`` reports what an
initialization does to each layer.

- ``mlp``: the layers and the model (forward, backward, step);
- ``losses``: each loss's value and gradient;
- ``training``: fit, train_epoch, evaluate;
- ``diagnostics``: per-layer statistics and ``distinct_units``.

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
from fastinit.nn.diagnostics import distinct_units
from fastinit.nn.losses import LOSSES
from fastinit.nn.mlp import MLP, OUTPUTS, Dense

__all__ = ["MLP", "Dense", "LOSSES", "OUTPUTS", "distinct_units"]
