"""out=: same buffer, no allocation, every rejection before any write."""
import tracemalloc

import numpy as np
import pytest

import fastinit

RANDOM_INITS = ["he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "lecun_normal",
                "lecun_uniform", "normal", "uniform", "truncated_normal", "variance_scaling"]
ALL_INITS = RANDOM_INITS + ["zeros", "ones", "constant", "orthogonal"]


@pytest.mark.parametrize("name", ALL_INITS)
def test_out_is_filled_and_returned(name, dtype):
    out = np.full((40, 30), np.nan, dtype=dtype)
    res = fastinit.get(name)(out.shape, out=out, seed=1)
    assert res is out and np.shares_memory(res, out)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, fastinit.get(name)((40, 30), dtype=dtype, seed=1))


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_out_dtype_is_taken_from_out(name):
    out = np.empty((8, 8), np.float64)
    assert fastinit.get(name)((8, 8), out=out, seed=1).dtype == np.float64


@pytest.mark.parametrize("name", RANDOM_INITS + ["zeros", "constant"])
def test_out_path_allocates_nothing(name):
    out = np.empty((1024, 1024), np.float32)  # 4 MiB
    init = fastinit.get(name)
    init(out.shape, out=out, seed=1)  # warm caches
    tracemalloc.start()
    init(out.shape, out=out, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 1024, f"{name} allocated {peak} bytes with out="


def test_no_out_allocates_only_the_result():
    tracemalloc.start()
    w = fastinit.he_normal((1024, 1024), seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < w.nbytes + 64 * 1024


def _bad_outs():
    base = np.zeros((16, 16), np.float32)
    ro = np.zeros((16, 16), np.float32)
    ro.flags.writeable = False
    raw = np.zeros(16 * 16 * 4 + 1, np.uint8)
    misaligned = raw[1:].view(np.float32).reshape(16, 16)
    return [
        (ro, ValueError, "writable"),
        (np.zeros((16, 32), np.float32)[:, ::2], ValueError, "contiguous"),
        (np.asfortranarray(np.zeros((16, 17), np.float32))[:, :16], ValueError, "contiguous"),
        (misaligned, ValueError, "aligned"),
        (np.zeros((16, 16), np.float32).newbyteorder() if hasattr(np.ndarray, "newbyteorder")
         else np.zeros((16, 16), np.dtype(np.float32).newbyteorder()), ValueError, "byte order"),
        (np.zeros((16, 16), np.int32), TypeError, "dtype"),
        (np.zeros((16, 16), np.int32), TypeError, "dtype"),
        (np.zeros((16, 15), np.float32), ValueError, "shape"),
        (np.zeros((256,), np.float32), ValueError, "shape"),
        (base.tolist(), TypeError, "ndarray"),
    ]


@pytest.mark.parametrize("name", ALL_INITS)
@pytest.mark.parametrize("case", range(10))
def test_bad_out_is_rejected_before_writing(name, case):
    out, exc, words = _bad_outs()[case]
    if isinstance(out, np.ndarray):
        before = out.copy()
        if out.flags.writeable and out.dtype.kind == "f":
            out[...] = -7.0  # sentinel
            before = out.copy()
    with pytest.raises(exc, match=words):
        fastinit.get(name)((16, 16), out=out, seed=1)
    if isinstance(out, np.ndarray):
        np.testing.assert_array_equal(out, before)


@pytest.mark.parametrize("name", RANDOM_INITS + ["zeros"])
def test_dtype_disagreeing_with_out_is_type_error(name):
    out = np.full((4, 4), -7.0, np.float32)
    with pytest.raises(TypeError, match="dtype"):
        fastinit.get(name)((4, 4), out=out, dtype=np.float64, seed=1)
    assert (out == -7.0).all()


def test_failed_call_does_not_consume_a_stream():
    g = fastinit.Generator(3)
    with pytest.raises(ValueError):
        g.normal((4,), std=-1.0)
    with pytest.raises(ValueError):
        g.normal(out=np.zeros((4,), np.float32)[::-1])
    np.testing.assert_array_equal(g.normal((4,)), fastinit.Generator(3).normal((4,), stream=0))
