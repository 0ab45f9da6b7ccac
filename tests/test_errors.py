"""Bad input: every bad argument is a ValueError or TypeError that names
the argument, raised before anything is written."""
import numpy as np
import pytest

import fastinit

BAD = [
    # (call, exception, words the message must hold)
    (lambda: fastinit.he_normal((-1, 4)), ValueError, "shape"),
    (lambda: fastinit.he_normal((2.5, 4)), TypeError, "shape"),
    (lambda: fastinit.he_normal("3,4"), TypeError, "shape"),
    (lambda: fastinit.he_normal((True, 4)), TypeError, "shape"),
    (lambda: fastinit.normal(-3), ValueError, "shape"),
    (lambda: fastinit.he_normal(()), ValueError, "shape"),
    (lambda: fastinit.he_normal((4, 4), in_axis=0, out_axis=0), ValueError, "in_axis and out_axis"),
    (lambda: fastinit.he_normal((4, 4), in_axis=5), ValueError, "in_axis"),
    (lambda: fastinit.he_normal((4, 4), out_axis=1.0), TypeError, "out_axis"),
    (lambda: fastinit.he_normal((4, 4), mode="fan_mid"), ValueError, "mode"),
    (lambda: fastinit.he_normal((4, 4), nonlinearity="swish"), ValueError, "nonlinearity"),
    (lambda: fastinit.he_normal((4, 4), fan_in=0), ValueError, "fan_in"),
    (lambda: fastinit.he_normal((4, 4), fan_out=-2, mode="fan_out"), ValueError, "fan_out"),
    (lambda: fastinit.he_normal((4, 4), dtype=np.int32), TypeError, "dtype"),
    (lambda: fastinit.he_normal((4, 4), dtype=np.int16), TypeError, "dtype"),
    (lambda: fastinit.he_normal((4, 4), out=np.zeros((4, 4), np.uint16)), TypeError, "bfloat16 bits"),
    (lambda: fastinit.he_normal((4, 4), dtype="complex128"), TypeError, "dtype"),
    (lambda: fastinit.he_normal((4, 4), seed=-1), ValueError, "seed"),
    (lambda: fastinit.he_normal((4, 4), seed=1.5), TypeError, "seed"),
    (lambda: fastinit.he_normal((4, 4), stream=-1), ValueError, "stream"),
    (lambda: fastinit.he_normal((4, 4), stream=2**64), ValueError, "stream"),
    (lambda: fastinit.he_normal((4, 4), offset=-1), ValueError, "offset"),
    (lambda: fastinit.he_normal((4, 4), offset=2**63), ValueError, "offset"),
    (lambda: fastinit.variance_scaling((4, 4), distribution="cauchy"), ValueError, "distribution"),
    (lambda: fastinit.variance_scaling((4, 4), scale=-1.0), ValueError, "scale"),
    (lambda: fastinit.variance_scaling((4, 4), scale="big"), TypeError, "scale"),
    (lambda: fastinit.normal((4,), std=-0.1), ValueError, "std"),
    (lambda: fastinit.normal((4,), std=float("nan")), ValueError, "std"),
    (lambda: fastinit.normal((4,), mean="0"), TypeError, "mean"),
    (lambda: fastinit.uniform((4,), 1.0, 0.0), ValueError, "low"),
    (lambda: fastinit.uniform((4,), 0.0, float("inf")), ValueError, "high"),
    (lambda: fastinit.uniform((4,), -1e39, 1e39), ValueError, "float32"),
    (lambda: fastinit.truncated_normal((4,), lower=1.0, upper=1.0), ValueError, "lower"),
    (lambda: fastinit.truncated_normal((4,), lower=2.0, upper=-2.0), ValueError, "lower"),
    (lambda: fastinit.truncated_normal((4,), std=-1.0), ValueError, "std"),
    (lambda: fastinit.truncated_normal((4,), lower=float("nan")), ValueError, "lower"),
    (lambda: fastinit.get("he_normall"), ValueError, "he_normall"),
    (lambda: fastinit.get(3), TypeError, "name"),
    (lambda: fastinit.calculate_gain("leaky_relu", "x"), TypeError, "param"),
    (lambda: fastinit.calculate_gain(None), TypeError, "nonlinearity"),
    (lambda: fastinit.compute_fans(()), ValueError, "shape"),
    (lambda: fastinit.orthogonal((5,)), ValueError, "shape"),
    (lambda: fastinit.orthogonal((5, 4), column_axis=2), ValueError, "column_axis"),
    (lambda: fastinit.constant((2, 2), value="a"), TypeError, "value"),
    (lambda: fastinit.xavier_normal((4, 4), gain=None), TypeError, "gain"),
    (lambda: fastinit.Generator(3).random_raw(-1), ValueError, "n"),
    (lambda: fastinit.Generator(3).spawn(-1), ValueError, "n"),
    (lambda: fastinit.zeros((4, 4), out=np.zeros((4, 4), np.float32), dtype=np.float64), TypeError, "dtype"),
    (lambda: fastinit.he_normal(None), TypeError, "shape"),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_argument(k):
    call, exc, words = BAD[k]
    with pytest.raises(exc, match=words):
        call()


@pytest.mark.parametrize("name", ["he_normal", "normal", "uniform", "truncated_normal", "xavier_uniform"])
def test_bad_parameters_write_nothing_to_out(name):
    out = np.full((8, 8), -7.0, np.float32)
    init = fastinit.get(name)
    for kw in [dict(seed=-1), dict(stream=-1), dict(offset=-1), dict(dtype=np.float64)]:
        with pytest.raises((ValueError, TypeError)):
            init((8, 8), out=out, **kw)
    with pytest.raises(ValueError):
        init((8, 9), out=out)
    assert (out == -7.0).all()


def test_huge_shape_fails_cleanly():
    with pytest.raises((ValueError, MemoryError)):
        fastinit.he_normal((2**40, 2**40))
