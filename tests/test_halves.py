"""float16 and bfloat16 draws: every value is the float32 value of the same
index and call rounded to nearest-even (NumPy's astype(float16); for
bfloat16 the rounding torch's c10::BFloat16 does), with every guarantee of
the other dtypes: thread counts, SIMD levels, tiles and offsets."""
import numpy as np
import pytest

import fastinit
from fastinit import _common

F32 = np.float32
ELEMENTWISE = ["normal", "uniform", "truncated_normal", "he_normal", "he_uniform", "xavier_normal",
               "xavier_uniform", "lecun_normal", "lecun_uniform", "variance_scaling", "zeros",
               "ones", "constant"]


def bf16_bits(x):
    """Round float32 to bfloat16 bits, nearest-even, in NumPy (the reference)."""
    u = np.ascontiguousarray(x, F32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def half(name, shape, kind, **kw):
    f = fastinit.get(name)
    if kind == "float16":
        return f(shape, dtype=np.float16, **kw).view(np.uint16)
    out = np.empty(shape if "region" not in kw else tile_shape(kw["region"]), np.uint16)
    return f(shape, dtype="bfloat16", out=out, **kw)


def tile_shape(region):
    return tuple(b - a for a, b in region)


def rounded(x32, kind):
    return x32.astype(np.float16).view(np.uint16) if kind == "float16" else bf16_bits(x32)


def value(bits, kind):
    """The values of float16 or bfloat16 bits, as float64."""
    bits = np.asarray(bits, np.uint16)
    with np.errstate(invalid="ignore"):          # the NaN patterns of the whole grid
        if kind == "float16":
            return bits.view(np.float16).astype(np.float64)
        return (bits.astype(np.uint32) << 16).view(F32).astype(np.float64)


def inside(bits, low, high, kind):
    """The rounded uniform values, kept in [low, high): one that rounds to
    high or above (below low) becomes the largest (smallest) value of the
    half type inside, found here by walking the grid in NumPy."""
    grid = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    v = value(grid, kind)
    ok = (v >= low) & (v < high) & np.isfinite(v)
    top, bottom = grid[ok][np.argmax(v[ok])], grid[ok][np.argmin(v[ok])]
    x = value(bits, kind)
    return np.where(x >= high, top, np.where(x < low, bottom, bits)).astype(np.uint16)


def uniform_bounds(name, shape):
    """[low, high) of the uniform initializers' draws."""
    fan_in, fan_out = fastinit.compute_fans(shape)
    limit = {"uniform": None, "he_uniform": np.sqrt(6 / fan_in),
             "xavier_uniform": np.sqrt(6 / (fan_in + fan_out)), "lecun_uniform": np.sqrt(3 / fan_in)}
    if name not in limit:
        return None
    return (0.0, 1.0) if limit[name] is None else (-limit[name], limit[name])


@pytest.mark.parametrize("kind", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_half_values_are_the_float32_values_rounded(name, kind, simd_level):
    x32 = fastinit.get(name)((301, 67), dtype=F32, seed=9)
    want = rounded(x32, kind)
    bounds = uniform_bounds(name, (301, 67))
    if bounds is not None:
        want = inside(want, *bounds, kind)
        assert (value(half(name, (301, 67), kind, seed=9), kind) < bounds[1]).all()
    np.testing.assert_array_equal(half(name, (301, 67), kind, seed=9), want)


@pytest.mark.parametrize("kind", ["float16", "bfloat16"])
@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, 1.0), (-3.0, -1.0), (0.1, 0.3), (-1e-3, 0.0),
                                       (1.0001, 2.0)])
def test_a_half_uniform_never_reaches_high(low, high, kind):
    # about 1 in 2**12 (float16) and 2**9 (bfloat16) float32 values of U[0, 1)
    # round to 1.0: those stay below high, as torch's own half uniform_ does
    bits = half("uniform", (1 << 18,), kind, low=low, high=high, seed=3)
    x = value(bits, kind)
    assert (x < high).all() and (x >= low).all()
    x32 = fastinit.uniform((1 << 18,), low, high, seed=3)
    np.testing.assert_array_equal(bits, inside(rounded(x32, kind), low, high, kind))
    if kind == "float16":
        with pytest.raises(ValueError, match="no float16 lies in"):
            fastinit.uniform((4,), 1.0001, 1.0002, dtype=np.float16, seed=0)


@pytest.mark.parametrize("kind", ["float16", "bfloat16"])
@pytest.mark.parametrize("threads", [1, 2])
def test_threads_tiles_and_offsets_keep_the_bits(kind, threads):
    fastinit.set_num_threads(threads)
    shape = (700, 300)                               # 210k values: several threads' chunks
    whole = half("normal", shape, kind, seed=4, offset=3)
    np.testing.assert_array_equal(whole, rounded(fastinit.normal(shape, seed=4, offset=3), kind))
    region = ((5, 690), (7, 299))
    np.testing.assert_array_equal(half("normal", shape, kind, seed=4, offset=3, region=region),
                                  whole[5:690, 7:299])
    flat = half("uniform", (5000,), kind, seed=2, offset=1001)
    np.testing.assert_array_equal(flat, half("uniform", (6001,), kind, seed=2)[1001:])


def test_rounding_edge_cases_match_numpy_and_torch_rules():
    values = np.array([0.0, -0.0, 1.0, 65504.0, 65519.0, 65520.0, 1e-8, 6e-8, 5.96e-8, 2.98e-8,
                       1.0009765625, 1.00048828125, 3.4e38, -3.4e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8,
                       np.inf, -np.inf], F32)
    for v in values:
        with np.errstate(over="ignore"):                        # NumPy's own cast to inf
            want = np.float16(v).view(np.uint16)
        assert _common.float16_bits(float(v)) == want, v
        assert _common.bfloat16_bits(float(v)) == bf16_bits(np.array([v]))[0], v
    assert _common.float16_bits(float("nan")) & 0x7e00 == 0x7e00
    assert _common.bfloat16_bits(float("nan")) & 0x7fc0 == 0x7fc0


def test_subnormal_halves_round_like_numpy():
    x32 = fastinit.normal((100_000,), std=1e-6, seed=0)       # many float16 subnormals
    np.testing.assert_array_equal(fastinit.normal((100_000,), std=1e-6, seed=0, dtype=np.float16),
                                  x32.astype(np.float16))


def test_half_rules():
    with pytest.raises(ValueError, match="float16"):
        fastinit.normal((4,), std=2e4, dtype=np.float16)       # beyond float16's range
    with pytest.raises(TypeError, match="bfloat16 bits"):
        fastinit.normal((4,), out=np.zeros(4, np.uint16))      # bits need dtype="bfloat16"
    with pytest.raises(TypeError, match="orthogonal"):
        fastinit.orthogonal((4, 4), out=np.zeros((4, 4), np.uint16), dtype="bfloat16")
    q = fastinit.orthogonal((8, 8), dtype=np.float16, seed=0)
    assert q.dtype == np.float16 and np.allclose(q.astype(F32) @ q.T.astype(F32), np.eye(8), atol=2e-3)
    try:
        import ml_dtypes
    except ImportError:
        with pytest.raises(TypeError, match="ml_dtypes"):
            fastinit.normal((4,), dtype="bfloat16")
    else:
        got = fastinit.normal((64,), dtype=ml_dtypes.bfloat16, seed=1)
        np.testing.assert_array_equal(got.view(np.uint16), bf16_bits(fastinit.normal((64,), seed=1)))
