"""A thin ctypes binding to Intel MKL's vector statistics (VS) random
numbers, for the benchmarks only: MKL is a peer to measure against, never a
dependency of fastinit. ``pip install mkl`` puts ``libmkl_rt`` beside the
interpreter; without it, :func:`load` returns None and the MKL rows skip.

Only what the benchmarks call: a Philox4x32-10 stream (``vslNewStream``),
float32/float64 Gaussians (inverse CDF, Box-Muller 2) and uniforms (STD)
into a caller's buffer, and MKL's thread count."""
import ctypes
import ctypes.util
import glob
import os
import sys

import numpy as np

VSL_BRNG_PHILOX4X32X10 = 0x01000000
VSL_RNG_METHOD_GAUSSIAN_BOXMULLER2 = 1
VSL_RNG_METHOD_GAUSSIAN_ICDF = 2
VSL_RNG_METHOD_UNIFORM_STD = 0
GAUSSIAN = {"icdf": VSL_RNG_METHOD_GAUSSIAN_ICDF, "boxmuller2": VSL_RNG_METHOD_GAUSSIAN_BOXMULLER2}


def _candidates():
    prefix = sys.prefix
    yield from sorted(glob.glob(os.path.join(prefix, "lib", "libmkl_rt.so*")), reverse=True)
    yield from sorted(glob.glob(os.path.join(prefix, "Library", "bin", "mkl_rt*.dll")), reverse=True)
    yield from sorted(glob.glob(os.path.join(prefix, "lib", "libmkl_rt*.dylib")), reverse=True)
    found = ctypes.util.find_library("mkl_rt")
    if found:
        yield found


class MKL:
    """One Philox4x32-10 stream of MKL and its fills."""

    def __init__(self, lib, seed=0):
        self.lib = lib
        f32, f64, ptr, i32 = ctypes.c_float, ctypes.c_double, ctypes.c_void_p, ctypes.c_int
        lib.vslNewStream.argtypes = [ctypes.POINTER(ptr), i32, ctypes.c_uint]
        lib.vslDeleteStream.argtypes = [ctypes.POINTER(ptr)]
        lib.vsRngGaussian.argtypes = [i32, ptr, i32, ptr, f32, f32]
        lib.vdRngGaussian.argtypes = [i32, ptr, i32, ptr, f64, f64]
        lib.vsRngUniform.argtypes = [i32, ptr, i32, ptr, f32, f32]
        lib.vdRngUniform.argtypes = [i32, ptr, i32, ptr, f64, f64]
        lib.MKL_Set_Num_Threads.argtypes = [i32]
        self.stream = ptr()
        status = lib.vslNewStream(ctypes.byref(self.stream), VSL_BRNG_PHILOX4X32X10, seed)
        if status != 0:
            raise RuntimeError(f"vslNewStream failed: {status}")

    def set_num_threads(self, n):
        self.lib.MKL_Set_Num_Threads(n)

    def normal(self, out, method="icdf", mean=0.0, std=1.0):
        fn = self.lib.vsRngGaussian if out.dtype == np.float32 else self.lib.vdRngGaussian
        status = fn(GAUSSIAN[method], self.stream, out.size, out.ctypes.data, mean, std)
        if status != 0:
            raise RuntimeError(f"MKL Gaussian failed: {status}")
        return out

    def uniform(self, out, low=0.0, high=1.0):
        fn = self.lib.vsRngUniform if out.dtype == np.float32 else self.lib.vdRngUniform
        status = fn(VSL_RNG_METHOD_UNIFORM_STD, self.stream, out.size, out.ctypes.data, low, high)
        if status != 0:
            raise RuntimeError(f"MKL uniform failed: {status}")
        return out

    def close(self):
        self.lib.vslDeleteStream(ctypes.byref(self.stream))


def load(seed=0):
    """An :class:`MKL` stream, or None when libmkl_rt is not installed."""
    for path in _candidates():
        try:
            return MKL(ctypes.CDLL(path), seed)
        except (OSError, AttributeError):
            continue
    return None
