"""Distributions against the slow references, and their statistics.

Thresholds: the KS tests use p > 1e-6 at fixed seeds (a correct sampler
fails one in a million seeds), moment bounds are 6 standard errors.
"""
import numpy as np
import pytest
from scipy import stats

import fastinit
import reference as ref

FLOATS = (np.float32, np.float64)

SHAPES = [(1,), (7,), (33, 5), (2, 3, 4, 5), (0, 4)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("offset", [0, 1, 5])
def test_uniform_is_the_reference_bit_for_bit(dtype, shape, offset):
    g = fastinit.Generator(21)
    got = g.uniform(shape, -0.3, 0.7, dtype=dtype, stream=4, offset=offset)
    n = int(np.prod(shape))
    want = ref.uniform(g.key, 4, offset, n, -0.3, 0.7, dtype).reshape(shape)
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("offset", [0, 1, 6])
def test_normal_matches_reference(dtype, shape, offset):
    g = fastinit.Generator(22)
    got = g.normal(shape, 0.5, 2.0, dtype=dtype, stream=9, offset=offset)
    n = int(np.prod(shape))
    want = ref.normal(g.key, 9, offset, n, 0.5, 2.0, dtype).reshape(shape)
    tol = dict(rtol=2e-6, atol=4e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("lower,upper", [(-2.0, 2.0), (-1.0, 3.0), (0.5, 4.0), (-6.0, -1.0)])
def test_truncated_normal_matches_reference(dtype, lower, upper):
    g = fastinit.Generator(23)
    got = g.truncated_normal((501,), 1.0, 0.3, lower, upper, dtype=dtype, stream=1, offset=3)
    want = ref.truncated_normal(g.key, 1, 3, 501, 1.0, 0.3, lower, upper)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got, want, **tol)


def test_normal_ks_and_moments(dtype):
    x = fastinit.normal((400_000,), 3.0, 0.5, dtype=dtype, seed=1).astype(np.float64)
    assert stats.kstest((x - 3.0) / 0.5, "norm").pvalue > 1e-6
    se = 0.5 / np.sqrt(x.size)
    assert abs(x.mean() - 3.0) < 6 * se
    assert abs(x.std() - 0.5) < 6 * 0.5 / np.sqrt(2 * x.size)


def test_normal_tails(dtype):
    """Box-Muller's radius reaches out to 6.6 (float32) and 8.5 (float64) sigma:
    tail mass beyond 3 and 4 sigma is right."""
    x = fastinit.normal((2_000_000,), dtype=dtype, seed=2).astype(np.float64)
    for t in (3.0, 4.0):
        p = 2 * stats.norm.sf(t)
        k = np.count_nonzero(np.abs(x) > t)
        assert abs(k - p * x.size) < 6 * np.sqrt(p * x.size)


def test_uniform_ks_and_bounds(dtype):
    x = fastinit.uniform((400_000,), -1.5, 2.5, dtype=dtype, seed=3)
    assert x.min() >= -1.5 and x.max() < 2.5
    assert stats.kstest(x.astype(np.float64), stats.uniform(-1.5, 4.0).cdf).pvalue > 1e-6


def test_uniform_never_reaches_high_after_float32_rounding():
    # low + (high-low)*u rounds up to high for u near 1 in float32 here
    x = fastinit.uniform((1_000_000,), 1.0, 1.0000001, dtype=np.float32, seed=4)
    assert x.max() < np.float32(1.0000001)
    x = fastinit.uniform((1_000_000,), 100.0, 100.00001, dtype=np.float32, seed=4)
    assert (x < np.float32(100.00001)).all() and (x >= np.float32(100.0)).all()


def test_uniform_low_equal_high_gives_low():
    np.testing.assert_array_equal(fastinit.uniform((5,), 2.0, 2.0, seed=0), np.full(5, 2.0, np.float32))


@pytest.mark.parametrize("lower,upper", [
    (-2.0, 2.0), (-1.0, 0.5), (1.0, np.inf), (-np.inf, -0.5), (30.0, 31.0), (-31.0, -30.0),
    (5.0, 6.0), (40.0, np.inf), (-np.inf, 0.0),
])
def test_truncated_normal_ks_and_bounds(dtype, lower, upper):
    mean, std = 0.25, 1.5
    x = fastinit.truncated_normal((200_000,), mean, std, lower, upper, dtype=dtype, seed=5)
    lo, hi = mean + std * lower, mean + std * upper
    assert (x >= lo).all() and (x <= hi).all()
    dist = stats.truncnorm(lower, upper, loc=mean, scale=std)
    assert stats.kstest(x.astype(np.float64), dist.cdf).pvalue > 1e-6
    # no mass piled at a bound: the share of values within 1e-6 of it is ~0
    width = min(hi - lo, 1e9) * 1e-6 if np.isfinite(hi - lo) else 1e-6
    for b in (lo, hi):
        if np.isfinite(b):
            assert np.count_nonzero(np.abs(x - b) <= width) < 50


def test_truncated_normal_tiny_std_stays_in_bounds():
    for dtype in FLOATS:
        x = fastinit.truncated_normal((100_000,), 1.0, 1e-3, dtype=dtype, seed=6)
        assert (x >= 1.0 - 2e-3).all() and (x <= 1.0 + 2e-3).all()
        assert x.std() == pytest.approx(1e-3 * 0.8796, rel=0.02)


def test_truncated_normal_far_tail_is_fast_and_exact():
    # bounded time: a million values in the tail [30, 31] in well under a second
    x = fastinit.truncated_normal((1_000_000,), lower=30.0, upper=31.0, dtype=np.float64, seed=7)
    assert x.min() >= 30.0 and x.max() <= 31.0
    # the conditional law is near 30 + Exp(30): mean excess about 1/30
    assert (x - 30).mean() == pytest.approx(stats.truncnorm(30, 31).mean() - 30, rel=0.01)


def test_scalar_draws():
    g = fastinit.Generator(0)
    assert isinstance(g.normal(), np.float32)
    assert isinstance(g.uniform(dtype=np.float64), np.float64)
    assert 0 <= fastinit.uniform(seed=1) < 1


def test_streams_differ_and_are_uncorrelated():
    g = fastinit.Generator(8)
    a, b = g.normal((100_000,), dtype=np.float64), g.normal((100_000,), dtype=np.float64)
    assert abs(np.corrcoef(a, b)[0, 1]) < 6 / np.sqrt(a.size)
