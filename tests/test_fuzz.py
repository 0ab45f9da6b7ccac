"""Property-based fuzzing of the draw boundary (hypothesis).

Every public draw and initializer, and the Generator's methods, is called
with random shapes (zero-size and 1-element included), dtypes, parameters
(NaN, +-inf, huge, denormal, negative), seeds, streams and offsets (near
2**63 and 2**64) and out= buffers (wrong dtype, Fortran order, strided,
read-only, misaligned, 0-d), each inside a larger buffer of guard bytes.
Each call must either raise ValueError/TypeError naming one of its
arguments, leaving out untouched and using no stream, or return finite
values inside the promised range; the guard bytes never change.

The normal run makes a few thousand calls in well under a minute; set
HYPOTHESIS_PROFILE=long for a longer campaign (as CI's sanitizer leg does).
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastinit

settings.register_profile("default", max_examples=5000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=50000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

GUARD = 64          # guard bytes on each side of every out buffer
SENTINEL = 0xA5

REALS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-310, 1e38, 3.4e38, 3.5e38, 1e39,
                     1e154, 1.4e154, 1e200, 1e300, 1.7e308, float("nan"), float("inf"),
                     float("-inf"), 0.99999999, 1e-9]),
    st.integers(-10, 10),
)
INTS = st.one_of(
    st.sampled_from([0, 1, 5, -1, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1, 2**64, 2**65, -(2**63)]),
    st.integers(0, 2**64 + 5),
)
DIMS = st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple)
SHAPES = st.one_of(DIMS, st.integers(-2, 7), st.sampled_from([(1,), (1, 1), (0, 3), (3, 0)]))
DTYPES = st.sampled_from([None, np.float32, np.float64, "float32", "float64", np.int32, "bogus",
                          np.float16])
LAYOUTS = st.sampled_from(["none", "c", "f", "strided", "readonly", "misaligned", "zero_d",
                           "int", "wrong_shape", "list"])


def guarded(shape, dtype, layout):
    """(out, base, view into base where out's bytes live) for a layout."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape)) if shape else 1
    nbytes = max(n, 1) * dtype.itemsize * 2 + 16
    base = np.full(nbytes + 2 * GUARD, SENTINEL, np.uint8)
    inner = base[GUARD:GUARD + nbytes]
    if layout == "misaligned":
        arr = inner[1:1 + n * dtype.itemsize].view(dtype).reshape(shape)
    elif layout == "strided":
        arr = inner[:2 * n * dtype.itemsize].view(dtype)[::2].reshape(shape) if n else \
            inner[:0].view(dtype).reshape(shape)
    else:
        arr = inner[:n * dtype.itemsize].view(dtype).reshape(shape)
        if layout == "f" and len(shape) >= 2:
            arr = arr.T
    arr[...] = 7 if dtype.kind == "f" else 3
    if layout == "readonly":
        arr.flags.writeable = False
    return arr, base


@st.composite
def calls(draw):
    name = draw(st.sampled_from(sorted(set(fastinit.available()) | {"generator.normal",
                                                                       "generator.uniform",
                                                                       "generator.truncated_normal",
                                                                       "generator.random_raw"})))
    shape = draw(SHAPES)
    kw = {}
    params = {
        "uniform": ("low", "high"), "normal": ("mean", "std"),
        "truncated_normal": ("mean", "std", "lower", "upper"),
        "variance_scaling": ("scale",), "xavier_normal": ("gain",), "xavier_uniform": ("gain",),
        "glorot_normal": ("gain",), "glorot_uniform": ("gain",), "orthogonal": ("gain",),
        "constant": ("value",), "he_normal": ("a",), "he_uniform": ("a",),
        "kaiming_normal": ("a",), "kaiming_uniform": ("a",),
    }
    base = name.split(".")[-1]
    for p in params.get(base, ()):
        if draw(st.booleans()):
            kw[p] = draw(REALS)
    if base in ("he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform") and draw(st.booleans()):
        kw["nonlinearity"] = draw(st.sampled_from(["relu", "leaky_relu", "tanh", "swish", 3]))
    if base in ("variance_scaling",) and draw(st.booleans()):
        kw["mode"] = draw(st.sampled_from(["fan_in", "fan_out", "fan_avg", "bad", None]))
        kw["distribution"] = draw(st.sampled_from(["normal", "uniform", "truncated_normal", 1]))
    if draw(st.booleans()):
        kw["dtype"] = draw(DTYPES)
    if draw(st.integers(0, 3)) == 0:
        kw["stream"] = draw(st.one_of(INTS, st.sampled_from(["x", 1.5, None])))
    if draw(st.integers(0, 3)) == 0:
        kw["offset"] = draw(st.one_of(INTS, st.sampled_from([1.5, "0"])))
    seed_kind = draw(st.sampled_from(["gen", "int", "none", "bad"]))
    layout = draw(LAYOUTS)
    out_dtype = draw(st.sampled_from([np.float32, np.float64]))
    return name, shape, kw, seed_kind, layout, out_dtype, draw(st.integers(0, 2**70))


def expected_range_ok(base, kw, x, dtype):
    x = np.asarray(x, dtype=np.float64)
    if base == "random_raw":
        return True
    if not np.isfinite(x).all():
        return False
    if x.size == 0:
        return True
    if base == "uniform":
        low, high = float(kw.get("low", 0.0)), float(kw.get("high", 1.0))
        if low == high:
            return (x == np.asarray(low, dtype)).all()
        lo = float(np.asarray(low, dtype))
        return (x >= min(lo, low)).all() and (x < high).all()
    if base == "truncated_normal":
        mean, std = float(kw.get("mean", 0.0)), float(kw.get("std", 1.0))
        lower, upper = float(kw.get("lower", -2.0)), float(kw.get("upper", 2.0))
        if std == 0:
            return (x == np.asarray(mean, dtype)).all()
        lo = mean + std * lower if np.isfinite(lower) else -np.inf
        hi = mean + std * upper if np.isfinite(upper) else np.inf
        return (x >= lo).all() and (x <= hi).all()
    if base in ("zeros", "ones", "constant"):
        v = {"zeros": 0.0, "ones": 1.0}.get(base, float(kw.get("value", 0.0)))
        return (x == np.asarray(v, dtype)).all()
    return True


@given(calls())
def test_fuzz_draws(case):
    name, shape, kw, seed_kind, layout, out_dtype, seed_int = case
    base = name.split(".")[-1]
    g = fastinit.Generator(seed_int % 1000)
    kw = dict(kw)
    if name.startswith("generator."):
        fn = getattr(g, base)
        if base == "random_raw":
            n = shape if isinstance(shape, int) else (shape[0] if shape else 0)
            kw = {k: v for k, v in kw.items() if k in ("stream", "offset")}
            args = (n,)
        else:
            args = (shape,)
    else:
        fn = fastinit.get(name)
        args = (shape,)
        kw["seed"] = {"gen": g, "int": seed_int, "none": None, "bad": -seed_int - 1}[seed_kind]
    out = base_buf = None
    if layout != "none" and base != "random_raw":
        out_shape = shape if isinstance(shape, tuple) else ((shape,) if isinstance(shape, int) and shape >= 0 else (2,))
        if layout == "zero_d":
            out_shape = ()
        if layout == "wrong_shape":
            out_shape = out_shape + (2,)
        if layout == "list":
            out = [[0.0]]
        else:
            out, base_buf = guarded(out_shape, np.int32 if layout == "int" else out_dtype,
                                    "c" if layout in ("int", "wrong_shape", "zero_d") else layout)
        kw["out"] = out
    before_out = None if base_buf is None else base_buf.copy()
    streams_before = g.next_stream
    try:
        res = fn(*args, **kw)
    except (ValueError, TypeError) as e:
        msg = str(e)
        names = set(kw) | {"shape", "n", "out", "dtype", "low", "high", "mean", "std", "lower",
                           "upper", "seed", "stream", "offset", "scale", "gain", "a", "param",
                           "mode", "distribution", "nonlinearity", "value", "column_axis"}
        assert any(n in msg for n in names), f"{name}{args} {kw}: {msg}"
        if base_buf is not None:
            assert np.array_equal(base_buf, before_out), f"{name}: out written before failing: {msg}"
        assert g.next_stream == streams_before, f"{name}: a failed call used a stream: {msg}"
        return
    except MemoryError:
        return
    dtype = np.asarray(res).dtype
    assert expected_range_ok(base, kw, res, dtype), f"{name}{args} {kw}: {res!r}"
    if base_buf is not None:
        assert (base_buf[:GUARD] == SENTINEL).all() and (base_buf[-GUARD:] == SENTINEL).all()
        if isinstance(out, np.ndarray) and out.size:
            assert np.shares_memory(res, out)


@given(st.integers(0, 2**64 + 2), st.integers(0, 2**63 + 2), st.integers(0, 40))
def test_fuzz_offsets_near_the_end_of_a_stream(stream, offset, n):
    try:
        x = fastinit.normal((n,), seed=1, stream=stream, offset=offset)
    except ValueError as e:
        assert "stream" in str(e) or "offset" in str(e)
        assert stream >= 2**64 or offset + n > 2**63
        return
    assert np.isfinite(x).all()
    if n > 2:   # value i depends on offset + i alone
        assert np.array_equal(x[1:], fastinit.normal((n - 1,), seed=1, stream=stream, offset=offset + 1))
