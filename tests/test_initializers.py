"""Initializers against their formulas (docs/guide/initializers.rst), over dtypes, shapes,
axis conventions and fan overrides."""
import math

import numpy as np
import pytest
from scipy import stats

import fastinit
import reference as ref

NAMED = ["he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "lecun_normal", "lecun_uniform"]
CASES = [
    ((300, 400), {}),
    ((64, 32, 3, 3), {"in_axis": 1, "out_axis": 0}),          # PyTorch conv
    ((3, 3, 32, 64), {}),                                      # Keras/JAX conv
    ((500, 200), {"fan_in": 50}),
    ((200, 500), {"fan_out": 20}),
    ((1000,), {}),                                             # a bias: fan_in = fan_out = n
]


def _check_law(x, kind, p):
    x = x.astype(np.float64).ravel()
    if kind == "normal":
        assert stats.kstest(x / p, "norm").pvalue > 1e-6
        assert x.std() == pytest.approx(p, rel=6 / math.sqrt(2 * x.size))
    else:
        assert x.min() >= -p and x.max() < p
        assert stats.kstest(x, stats.uniform(-p, 2 * p).cdf).pvalue > 1e-6


@pytest.mark.parametrize("name", NAMED)
@pytest.mark.parametrize("shape,kw", CASES)
def test_named_initializer_law(name, shape, kw, dtype):
    x = fastinit.get(name)(shape, dtype=dtype, seed=11, **kw)
    assert x.shape == shape and x.dtype == dtype
    kind, p = ref.expected(name, shape, **kw)
    if x.size < 100_000:  # small weights: check the law on a larger draw with the same fans
        fi, fo = ref.fans(shape, kw.get("in_axis", -2), kw.get("out_axis", -1))
        fans = dict(fan_in=kw.get("fan_in") or fi, fan_out=kw.get("fan_out") or fo)
        x = fastinit.get(name)((400, 300), dtype=dtype, seed=11, **fans)
    _check_law(x, kind, p)


ALIASES = {
    "he_normal": ("kaiming_normal",), "he_uniform": ("kaiming_uniform",),
    "xavier_normal": ("glorot_normal",), "xavier_uniform": ("glorot_uniform",),
    "lecun_normal": (), "lecun_uniform": (),
}


@pytest.mark.parametrize("name", NAMED)
def test_aliases_are_the_same_function(name):
    f = fastinit.get(name)
    assert f is getattr(fastinit, name)
    for alias in ALIASES[name]:
        assert fastinit.get(alias) is f and getattr(fastinit, alias) is f
    # no other registered name points at it (lecun has no alias)
    others = {n for n in fastinit.available() if fastinit.get(n) is f} - {name, *ALIASES[name]}
    assert not others


def test_he_normal_is_the_documents_formula():
    x = fastinit.he_normal((784, 256), seed=0, dtype=np.float64)
    np.testing.assert_array_equal(x, fastinit.normal((784, 256), 0.0, math.sqrt(2 / 784), seed=0, dtype=np.float64))


def test_he_with_other_nonlinearities_and_modes():
    x = fastinit.he_normal((400, 600), nonlinearity="leaky_relu", a=0.2, mode="fan_out", seed=1)
    _check_law(x, "normal", math.sqrt(2 / (1 + 0.04)) / math.sqrt(600))
    x = fastinit.he_uniform((400, 600), nonlinearity="tanh", seed=1)
    _check_law(x, "uniform", 5 / 3 * math.sqrt(3 / 400))


def test_xavier_gain():
    x = fastinit.xavier_uniform((300, 500), gain=2.0, seed=2)
    _check_law(x, "uniform", 2.0 * math.sqrt(6 / 800))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["normal", "uniform", "truncated_normal"])
def test_variance_scaling_variance(mode, distribution, dtype):
    shape, scale = (400, 900), 2.5
    n = {"fan_in": 400, "fan_out": 900, "fan_avg": 650}[mode]
    x = fastinit.variance_scaling(shape, scale, mode, distribution, dtype=dtype, seed=3).astype(np.float64)
    assert x.var() == pytest.approx(scale / n, rel=0.01)
    sigma = math.sqrt(scale / n)
    if distribution == "uniform":
        assert np.abs(x).max() < math.sqrt(3) * sigma
    if distribution == "truncated_normal":
        s = sigma / 0.87962566103423978
        assert np.abs(x).max() <= 2 * s * (1 + 1e-6)
        assert stats.kstest(x.ravel(), stats.truncnorm(-2, 2, scale=s).cdf).pvalue > 1e-6


@pytest.mark.parametrize("shape,in_axis,out_axis,expected", [
    ((5,), -2, -1, (5, 5)),
    ((784, 256), -2, -1, (784, 256)),
    ((3, 3, 16, 32), -2, -1, (144, 288)),
    ((32, 16, 3, 3), 1, 0, (144, 288)),
    ((2, 3, 4, 5, 6), 0, 4, (2 * 60, 6 * 60)),
])
def test_compute_fans(shape, in_axis, out_axis, expected):
    assert fastinit.compute_fans(shape, in_axis, out_axis) == expected
    assert ref.fans(shape, in_axis, out_axis) == expected


def test_calculate_gain_matches_pytorch_table():
    g = fastinit.calculate_gain
    assert g("linear") == 1 and g("conv2d") == 1 and g("sigmoid") == 1
    assert g("tanh") == pytest.approx(5 / 3)
    assert g("relu") == pytest.approx(math.sqrt(2))
    assert g("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert g("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert g("selu") == 0.75


def test_constant_family():
    np.testing.assert_array_equal(fastinit.zeros((2, 3)), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(fastinit.ones(4, dtype=np.float64), np.ones(4))
    np.testing.assert_array_equal(fastinit.constant((2, 2), 0.5, seed=3), np.full((2, 2), 0.5, np.float32))


@pytest.mark.parametrize("shape,axis", [((64, 64), -1), ((30, 80), -1), ((80, 30), -1),
                                        ((3, 3, 8, 16), -1), ((16, 8, 3, 3), 0)])
def test_orthogonal(shape, axis):
    q = fastinit.orthogonal(shape, gain=1.5, column_axis=axis, dtype=np.float64, seed=4)
    assert q.shape == shape
    m = np.moveaxis(q, axis, -1).reshape(-1, shape[axis])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 2.25 * np.eye(m.shape[1]), atol=1e-10)
    else:
        np.testing.assert_allclose(m @ m.T, 2.25 * np.eye(m.shape[0]), atol=1e-10)


def test_orthogonal_is_haar_signed():
    # sign correction: the diagonal of Q has no bias towards positive values
    d = np.array([np.diag(fastinit.orthogonal((8, 8), dtype=np.float64, seed=s)).mean() for s in range(400)])
    assert abs(d.mean()) < 6 * d.std() / np.sqrt(d.size)


def test_get_and_available():
    names = fastinit.available()
    for name in ["he_normal", "kaiming_normal", "glorot_uniform", "lecun_normal", "orthogonal",
                 "zeros", "ones", "constant", "normal", "uniform", "truncated_normal", "variance_scaling"]:
        assert name in names
    for name in names:
        x = fastinit.get(name)((6, 4), seed=1)
        assert x.shape == (6, 4) and x.dtype == np.float32


@pytest.mark.parametrize("name", ["he_normal", "xavier_uniform", "zeros", "orthogonal"])
def test_empty_shapes_give_empty_arrays(name):
    for shape in [(0, 5), (5, 0), (0,)]:
        if name == "orthogonal" and len(shape) < 2:
            continue
        x = fastinit.get(name)(shape, seed=0)
        assert x.shape == shape and x.size == 0
