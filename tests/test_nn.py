"""fastinit.nn: the MLP learns, shows the source documents' failure modes,
and trains without allocating once its buffers exist."""
import tracemalloc

import numpy as np
import pytest

import fastinit
from fastinit.nn import MLP, distinct_units

import reference as ref

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("act,init", [("relu", "he_normal"), ("tanh", "xavier_normal")])
def test_fits_xor(act, init):
    net = MLP([2, 16, 16, 2], act, init, output="softmax", seed=0)
    hist = net.fit(XOR_X, XOR_Y, epochs=400, lr=0.1, batch_size=4, momentum=0.9)
    assert hist["accuracy"][-1] == 1.0 and hist["loss"][-1] < 0.05


@pytest.mark.parametrize("act,init", [("relu", "he_normal"), ("tanh", "xavier_normal")])
def test_fits_two_spirals(act, init):
    X, y = ref.toy_data("spirals", 1000, seed=0)
    Xtr, ytr, Xte, yte = ref.split(X, y)
    net = MLP([2, 64, 64, 64, 2], act, init, output="softmax", seed=1)
    hist = net.fit(Xtr, ytr, epochs=60, lr=0.02, batch_size=32, momentum=0.9, X_val=Xte, y_val=yte)
    assert hist["val_accuracy"][-1] > 0.95, hist["val_accuracy"][-5:]


def test_sigmoid_output_bce_fits_moons():
    X, y = ref.toy_data("moons", 400, noise=0.1, seed=0)
    net = MLP([2, 32, 32, 1], "tanh", "xavier_uniform", output="sigmoid", seed=2)
    hist = net.fit(X, y, epochs=60, lr=0.05, batch_size=16, momentum=0.9)
    assert hist["accuracy"][-1] > 0.95


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_zero_init_leaves_one_unit_per_layer(act):
    X, y = ref.toy_data("spirals", 256, seed=0)
    net = MLP([2, 32, 32, 32, 2], act, "zeros", output="softmax", seed=0)
    net.fit(X, y, epochs=5, lr=0.1, batch_size=32)
    assert [d["distinct_units"] for d in net.diagnostics(X)[:-1]] == [1, 1, 1]


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_zero_init_gets_exactly_zero_hidden_gradients(act):
    X, y = ref.toy_data("spirals", 128, seed=0)
    net = MLP([2, 16, 16, 2], act, "zeros", output="softmax", seed=0)
    diag = net.diagnostics(X, y)
    assert all(d["grad_norm"] == 0.0 for d in diag[:-1])


def test_constant_init_is_symmetric():
    X, y = ref.toy_data("spirals", 256, seed=0)
    const = lambda shape, dtype=None, seed=None: fastinit.constant(shape, 0.5, dtype=dtype)  # noqa: E731
    net = MLP([2, 16, 16, 2], "relu", const, output="softmax", seed=0, bias_init=const)
    net.fit(X, y, epochs=3, lr=0.01, batch_size=32)
    assert [d["distinct_units"] for d in net.diagnostics(X)[:-1]] == [1, 1]


def test_small_random_tanh_vanishes():
    """The documents' small random init (weights and biases ~ N(0, 0.01^2))."""
    X, y = ref.toy_data("spirals", 256, seed=0)
    small = lambda shape, dtype=None, seed=None: fastinit.normal(shape, 0.0, 0.01, dtype=dtype, seed=seed)  # noqa: E731
    net = MLP([2] + [64] * 8 + [2], "tanh", small, output="softmax", seed=0, bias_init=small)
    g = [d["grad_norm"] for d in net.diagnostics(X, y)]
    assert g[0] < 1e-3 * g[-1], g
    assert all(d["act_std"] < 0.05 for d in net.diagnostics(X)[1:-1])


def test_he_relu_keeps_activations_alive_at_depth():
    X, _ = ref.toy_data("spirals", 512, seed=0)
    net = MLP([2] + [256] * 20 + [2], "relu", "he_normal", output="softmax", seed=0)
    stds = [d["act_std"] for d in net.diagnostics(X)[:-1]]
    assert 0.1 < stds[-1] / stds[0] < 10


@pytest.mark.parametrize("output,loss", [("softmax", "cross_entropy"), ("sigmoid", "bce"),
                                         ("linear", "mse"), ("sigmoid", "mse"), ("softmax", "mse")])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "linear"])
def test_gradients_match_finite_differences(act, output, loss):
    r = np.random.default_rng(0)
    X = r.standard_normal((7, 3))
    n_out = 3
    if loss == "cross_entropy":
        y = r.integers(0, n_out, 7)
    elif loss == "bce":
        y = (r.random((7, n_out)) > 0.5).astype(float)
    else:
        y = r.random((7, n_out))
    net = MLP([3, 5, 4, n_out], act, "xavier_normal", output=output, dtype=np.float64, seed=2,
              bias_init="normal")
    net.forward(X)
    net.backward(y, loss)
    grads = [(layer.dW.copy(), layer.db.copy()) for layer in net.layers]
    h = 1e-6
    for layer, (dW, db) in zip(net.layers, grads):
        for P, G in ((layer.W, dW), (layer.b, db)):
            num = np.zeros_like(P)
            for i in np.ndindex(P.shape):
                old = P[i]
                P[i] = old + h
                lp = net.evaluate(X, y, loss)[0]
                P[i] = old - h
                lm = net.evaluate(X, y, loss)[0]
                P[i] = old
                num[i] = (lp - lm) / (2 * h)
            np.testing.assert_allclose(G, num, rtol=1e-5, atol=1e-8)


def test_training_steps_allocate_nothing():
    X, y = ref.toy_data("spirals", 256, seed=0)
    net = MLP([2, 64, 64, 64, 2], "relu", "he_normal", output="softmax", seed=0)
    xb, yb = X[:32].copy(), y[:32].copy()
    for _ in range(3):  # buffers made, caches warm
        net.forward(xb)
        net.backward(yb)
        net.step(0.01, momentum=0.9)
    buffers = sum(a.nbytes for a in net.workspace(32).A)
    tracemalloc.start()
    for _ in range(20):
        net.forward(xb)
        net.backward(yb)
        net.step(0.01, momentum=0.9)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < buffers / 4, f"peak {peak} bytes vs buffers {buffers}"


def test_momentum_step_matches_reference():
    net = MLP([3, 4, 2], "tanh", "xavier_normal", dtype=np.float64, seed=0)
    X = np.random.default_rng(0).standard_normal((5, 3))
    y = np.random.default_rng(1).standard_normal((5, 2))
    W0 = [layer.W.copy() for layer in net.layers]
    v = [np.zeros_like(w) for w in W0]
    for _ in range(3):
        net.forward(X)
        net.backward(y, "mse")
        for k, layer in enumerate(net.layers):
            v[k] = 0.9 * v[k] - 0.1 * layer.dW
            W0[k] = W0[k] + v[k]
        net.step(0.1, momentum=0.9)
        for k, layer in enumerate(net.layers):
            np.testing.assert_allclose(layer.W, W0[k], rtol=1e-12, atol=1e-14)


def test_same_seed_same_network_and_history():
    X, y = ref.toy_data("moons", 200, seed=3)
    runs = []
    for _ in range(2):
        net = MLP([2, 16, 2], "relu", "he_uniform", output="softmax", seed=5)
        runs.append((net.layers[0].W.copy(), net.fit(X, y, epochs=3, lr=0.05, batch_size=16)["loss"]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_diagnostics_fields():
    X, y = ref.toy_data("blobs", 120, seed=0)
    net = MLP([2, 8, 8, 3], "sigmoid", "xavier_normal", output="softmax", seed=0)
    diag = net.diagnostics(X, y)
    assert len(diag) == 3
    for d in diag:
        assert set(d) >= {"act_mean", "act_std", "saturated", "dead", "weight_norm", "grad_norm", "distinct_units"}
        assert 0 <= d["saturated"] <= 1 and d["grad_norm"] > 0
    assert diag[0]["distinct_units"] == 8


def test_distinct_units():
    W = np.ones((4, 5))
    assert distinct_units(W) == 1
    W[:, 2] *= 1 + 1e-9
    assert distinct_units(W) == 1
    W[:, 3] *= 1 + 1e-5
    assert distinct_units(W) == 2
    assert distinct_units(np.eye(4)) == 4
    assert distinct_units(np.ones((3, 2)), np.array([0.0, 1.0])) == 2


def test_diverging_training_stops_and_says_so():
    X, y = ref.toy_data("spirals", 128, seed=0)
    U = lambda s, dtype=None, seed=None: fastinit.uniform(s, 0, 1, dtype=dtype, seed=seed)  # noqa: E731
    net = MLP([2, 64, 64, 64, 1], "linear", U, output="linear", seed=0, bias_init=U)
    hist = net.fit(X, y, epochs=20, lr=1.0, batch_size=32, loss="mse")
    assert hist["diverged"] and not np.isfinite(hist["loss"][-1])
    assert len(hist["loss"]) < 20


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(sizes=[2]), ValueError, "sizes"),
    (dict(sizes=[2, 0, 2]), ValueError, "sizes"),
    (dict(sizes="2,3"), TypeError, "sizes"),
    (dict(sizes=[2, 2], activation="elu"), ValueError, "activation"),
    (dict(sizes=[2, 2], output="tanh"), ValueError, "output"),
    (dict(sizes=[2, 1], output="softmax"), ValueError, "softmax"),
    (dict(sizes=[2, 2], init="he"), ValueError, "he"),
    (dict(sizes=[2, 2], init=3), TypeError, "init"),
    (dict(sizes=[2, 2], dtype=np.int32), TypeError, "dtype"),
])
def test_bad_construction(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        MLP(**kwargs)


def test_bad_training_arguments():
    net = MLP([2, 4, 2], output="softmax", seed=0)
    X = np.zeros((6, 2), np.float32)
    with pytest.raises(ValueError, match="loss"):
        net.fit(X, np.zeros(6, int), loss="hinge")
    with pytest.raises(ValueError, match="bce"):
        net.fit(X, np.zeros(6, int), loss="bce")
    with pytest.raises(ValueError, match="X must have shape"):
        net.forward(np.zeros((6, 3)))
    with pytest.raises(ValueError, match="labels"):
        net.fit(X, np.full(6, 5), epochs=1)
    with pytest.raises(ValueError, match="samples"):
        net.fit(X, np.zeros(5, int), epochs=1)
    with pytest.raises(ValueError, match="momentum"):
        net.step(0.1, momentum=1.5)
    with pytest.raises(RuntimeError, match="forward"):
        MLP([2, 2], seed=0).backward(np.zeros(2))


def test_gradient_clipping_scales_the_step_to_the_clip():
    from fastinit.nn import training
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)

    def one_step(clip):
        net = MLP([4, 8, 2], "relu", "he_normal", output="softmax", seed=0)
        before = [layer.W.copy() for layer in net.layers]
        net.train_epoch(X, y, lr=0.5, batch_size=64, clip=clip)
        return net, [layer.W - w for layer, w in zip(net.layers, before)]

    net, free = one_step(None)
    g = training.grad_norm(net)                      # the norm of that one step's gradient
    assert g > 0.01
    _, clipped = one_step(g / 4)
    for a, b in zip(free, clipped):
        np.testing.assert_allclose(b, a / 4, rtol=1e-5, atol=1e-7)
    _, loose = one_step(g * 10)                      # below the clip nothing changes
    for a, b in zip(free, loose):
        np.testing.assert_array_equal(a, b)
    for bad, exc in [(0.0, ValueError), (-1.0, ValueError), ("x", TypeError)]:
        with pytest.raises(exc, match="clip"):
            net.fit(X, y, epochs=1, clip=bad)
