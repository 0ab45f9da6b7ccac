"""fastinit's exp, log and sine/cosine of turns (src/fixedmath.h), which
fastinit.nn's softmax and losses and the lab's data sets use instead of
NumPy's: accurate against a long-double (or float64) reference, pinned by
hashes of their bits, special values as libm gives them, bad arguments
refused before anything is written, and the experiment's JSON unchanged
when NumPy's own SIMD dispatch is capped (its exp, log, sin and power
differ in the last bit between AVX-512, AVX2 and baseline CPUs)."""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from fastinit import _dense
from fastinit.lab import data

WIDE = np.longdouble if np.finfo(np.longdouble).nmant > 52 else np.float64


def ulps(got, want, dtype):
    """|got - want| in units of the last place of ``want`` rounded to dtype."""
    w = np.asarray(want, WIDE)
    spacing = np.spacing(np.abs(w.astype(dtype))).astype(WIDE)
    return np.asarray(np.abs(np.asarray(got, WIDE) - w) / spacing, np.float64)


def grid(dtype, lo, hi, n=20001):
    return np.linspace(lo, hi, n).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_within_two_ulp(dtype):
    top = 88.7 if dtype == np.float32 else 709.7
    low = -87.3 if dtype == np.float32 else -708.3
    x = np.concatenate([grid(dtype, low, top), grid(dtype, -1, 1), grid(dtype, -1e-6, 1e-6)])
    got = _dense.fixed_exp(x)
    assert got.dtype == dtype and got.shape == x.shape
    assert ulps(got, np.exp(x.astype(WIDE)), dtype).max() <= 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_within_two_ulp(dtype):
    info = np.finfo(dtype)
    x = np.concatenate([grid(dtype, 1e-3, 10), np.geomspace(info.tiny, info.max / 2, 20001).astype(dtype),
                        np.geomspace(info.smallest_subnormal, info.tiny, 501).astype(dtype)])
    got = _dense.fixed_log(x)
    assert ulps(got, np.log(x.astype(WIDE)), dtype).max() <= 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_as_libm_gives_them(dtype):
    info = np.finfo(dtype)
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0, info.tiny / 2], dtype)
    e = _dense.fixed_exp(x)
    assert list(e[:4]) == [1.0, 1.0, np.inf, 0.0] and np.isnan(e[4])
    assert e[5] == np.inf and e[6] == 0.0 and e[7] == 1.0
    y = np.array([0.0, -0.0, -1.0, np.inf, np.nan, 1.0], dtype)
    g = _dense.fixed_log(y)
    assert g[0] == g[1] == -np.inf and np.isnan(g[2]) and g[3] == np.inf and np.isnan(g[4]) and g[5] == 0
    s, c = _dense.sincos_turns(np.array([np.nan, np.inf, -np.inf]))
    assert np.isnan(s).all() and np.isnan(c).all()


def test_sincos_of_turns_to_a_few_ulp_of_one():
    v = np.concatenate([np.linspace(-3, 3, 40001), [0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 1e-300, -0.25]])
    s, c = _dense.sincos_turns(v)
    angle = 2 * np.pi * v.astype(WIDE) if WIDE is np.float64 else (2 * np.arccos(WIDE(-1))) * v.astype(WIDE)
    assert np.abs(s - np.sin(angle)).max() < 4e-16 and np.abs(c - np.cos(angle)).max() < 4e-16
    assert list(s[-8:-2][[0, 2, 3, 4, 5]]) == [0, 1, 0, -1, 0]             # exact at quarter turns
    assert abs(s[-7] - 0.7071067811865476) <= np.spacing(0.7071067811865476)
    assert s[-2] == 2 * np.pi * 1e-300 and (s[-1], c[-1]) == (-1.0, 0.0)
    two_d = np.linspace(0, 1, 12).reshape(3, 4)
    s2, c2 = _dense.sincos_turns(two_d)
    assert s2.shape == (3, 4) and (s2.ravel() == _dense.sincos_turns(two_d.ravel())[0]).all()


# The bits, pinned: they must be these on every CPU, SIMD level and C library
# (tools/cross_aarch64.sh runs the whole experiment on aarch64 too).
def _digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


PINNED = {
    "exp32": "7dfb47d3e0042c99",
    "exp64": "4153c7f693ac6ba4",
    "log32": "ff3e08ab57aad3b6",
    "log64": "13c067f57ee89ff1",
    "sincos": "0f0907add1f4b075",
    "spirals": "99d403f54c031d3f",
    "moons": "51a1b4039b24993a",
    "blobs": "f470a113041f4384",
    "xor": "a6ae9ad26b7e2a48",
}


def pinned_values():
    out = {}
    for name, dtype in (("32", np.float32), ("64", np.float64)):
        x = np.linspace(-80, 80, 4099).astype(dtype)
        out["exp" + name] = _digest(_dense.fixed_exp(x))
        # inputs made by exact operations only (np.geomspace goes through NumPy's log)
        y = np.ldexp(np.linspace(1, 2, 4099), np.arange(4099) % 199 - 99).astype(dtype)
        out["log" + name] = _digest(_dense.fixed_log(y))
    out["sincos"] = _digest(*_dense.sincos_turns(np.linspace(-2, 2, 4099)))
    for name in ("spirals", "moons", "blobs", "xor"):
        out[name] = _digest(*data.make(name, samples=301, seed=3))
    return out


def test_bits_are_pinned():
    assert pinned_values() == PINNED


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_in_place_and_bad_arguments(dtype):
    x = np.linspace(-3, 3, 24, dtype=dtype).reshape(4, 6)
    want = _dense.fixed_exp(x)
    y = x.copy()
    assert _dense.fixed_exp(y, out=y) is y and (y == want).all()
    z = np.empty_like(x)
    assert _dense.fixed_log(np.abs(x) + 1, out=z) is z and (z == _dense.fixed_log(np.abs(x) + 1)).all()
    assert (_dense.fixed_exp(x.T) == want.T).all()                   # any layout in
    empty = _dense.fixed_exp(np.empty((0, 3), dtype))
    assert empty.shape == (0, 3)
    keep = np.full((4, 6), 7.0, dtype)
    for out in (keep[:, :5], keep.astype(np.float32 if dtype == np.float64 else np.float64),
                np.asfortranarray(keep), keep[::2]):
        with pytest.raises(ValueError, match="out must be a writable C-contiguous"):
            _dense.fixed_exp(x, out=out)
    readonly = keep.copy()
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out must be"):
        _dense.fixed_log(x, out=readonly)
    assert (keep == 7).all()
    for bad in (np.arange(3), [1.0, 2.0], np.ones(3, np.float16)):
        with pytest.raises(TypeError, match="fixed_exp takes a float32 or float64 ndarray"):
            _dense.fixed_exp(bad)


def _dispatch_targets():
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:
        return []
    return [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]


def test_experiment_does_not_follow_numpys_simd_dispatch(tmp_path):
    """The experiment's JSON is the same bits with NumPy's SIMD dispatch
    capped to its baseline (as on an old CPU): nothing it computes goes
    through NumPy's exp, log, sin, cos or power."""
    targets = _dispatch_targets()
    if not targets:
        pytest.skip("this NumPy dispatches no SIMD targets on this CPU")
    docs = []
    for k, disabled in enumerate(("", " ".join(targets))):
        env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=disabled)
        path = tmp_path / f"{k}.json"
        subprocess.run([sys.executable, "-m", "fastinit", "compare", "--depth", "3", "--epochs", "3",
                        "--samples", "256", "--init", "zeros,small,xavier,he", "--data", "moons",
                        "--no-progress", "--json", str(path)],
                       env=env, check=True, capture_output=True, timeout=100, cwd="/")
        doc = json.loads(path.read_text())
        for run in doc["runs"]:
            run.pop("seconds")
        docs.append(doc)
    assert docs[0] == docs[1]
