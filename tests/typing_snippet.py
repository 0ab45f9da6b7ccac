"""The README's tour as a typed user would write it: mypy checks this file
(CI), and tests/test_typing.py checks what it reveals."""
import numpy as np
import numpy.typing as npt

import fastinit

w = fastinit.he_normal((784, 256), seed=0)
b = fastinit.zeros(256)
buf = np.empty((784, 256), np.float32)
same = fastinit.he_normal(buf.shape, out=buf, seed=0)
k = fastinit.kaiming_uniform((64, 32, 3, 3), in_axis=1, out_axis=0, seed=1)
w64 = fastinit.xavier_normal((256, 128), dtype=np.float64, seed=0)
g = fastinit.Generator(42)
w1 = g.normal((256, 128), std=0.05)
part = fastinit.normal((1000,), seed=7, offset=5000)
fastinit.set_num_threads(2)
X = np.random.default_rng(0).standard_normal((32, 784)).astype(np.float32)
A = fastinit.dense_forward(X, w, b, "relu")
dX, dW, db = fastinit.dense_backward(np.ones_like(A), X, w, A, "relu")
fans: tuple[int, int] = fastinit.compute_fans((784, 256))
gain: float = fastinit.calculate_gain("relu")


def layer(n_in: int, n_out: int) -> npt.NDArray[np.float32]:
    return fastinit.he_uniform((n_in, n_out), seed=0)


reveal_type(w)     # noqa: F821
reveal_type(w64)   # noqa: F821
reveal_type(same)  # noqa: F821
reveal_type(w1)    # noqa: F821
