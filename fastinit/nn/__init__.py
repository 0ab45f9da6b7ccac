"""A small multilayer perceptron on fastinit's fused dense kernels.

Built for the initialization experiments of the source documents: every
buffer is allocated once per batch size and reused, so a training step
allocates nothing once shapes are fixed, and ``diagnostics`` reports what an
initialization does to each layer.

- ``mlp``: the layers and the model (forward, backward, step);
- ``losses``: each loss's value and gradient;
- ``training``: fit, train_epoch, evaluate;
- ``diagnostics``: per-layer statistics and ``distinct_units``.

>>> net = MLP([2, 64, 64, 2], "relu", "he_normal", output="softmax", seed=0)
>>> hist = net.fit(X, y, epochs=20, lr=0.1, batch_size=32)
>>> [d["act_std"] for d in net.diagnostics(X)]
"""
from fastinit.nn.diagnostics import distinct_units
from fastinit.nn.losses import LOSSES
from fastinit.nn.mlp import MLP, OUTPUTS, Dense

__all__ = ["MLP", "Dense", "LOSSES", "OUTPUTS", "distinct_units"]
