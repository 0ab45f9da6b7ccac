"""Random kernels: Philox4x32-10 fills over preallocated buffers.

Python (``fastinit.random``) validates and picks the dtype twin; these
functions only split the flat output into chunks and run the C fills of
``src/fills.c`` over them with the GIL released, in parallel when asked.
Every value depends only on its own index, so the split never shows.
"""
cimport numpy as cnp
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t, int64_t
from cython cimport floating

from fastinit._fills cimport (
    fi_key_t, fi_trunc_t, fi_philox4x32_10, fi_fill_raw,
    fi_fill_uniform_f32, fi_fill_uniform_f64, fi_fill_normal_f32,
    fi_fill_normal_f64, fi_fill_truncnorm_f32, fi_fill_truncnorm_f64,
    fi_ndtri, fi_log_ndtr_upper, fi_simd_level,
)
from fastinit._openmp cimport fi_have_openmp, fi_omp_max_threads

cnp.import_array()

# Values per parallel task, and the size under which one thread is faster.
cdef Py_ssize_t CHUNK = 1 << 15
cdef Py_ssize_t PARALLEL_MIN = 1 << 16

ctypedef enum dist_t:
    UNIFORM
    NORMAL
    TRUNCNORM

ctypedef struct params_t:
    double a            # uniform: low; normal: mean
    double b            # uniform: high; normal: std
    fi_trunc_t trunc    # truncated normal


def have_openmp():
    return bool(fi_have_openmp())


def omp_max_threads():
    return fi_omp_max_threads()


def simd_level():
    """The widest instruction set the fills dispatch to on this CPU."""
    return fi_simd_level().decode()


def philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                  uint32_t k0, uint32_t k1):
    cdef uint32_t out[4]
    fi_philox4x32_10(c0, c1, c2, c3, k0, k1, out)
    return (out[0], out[1], out[2], out[3])


def ndtri(double p):
    """Standard normal quantile (AS241), as the truncated normal uses it."""
    return fi_ndtri(p)


def log_ndtr_upper(double x):
    """log P(Z > x) for Z ~ N(0, 1), as the truncated normal uses it."""
    return fi_log_ndtr_upper(x)


cdef inline fi_key_t make_key(uint32_t k0, uint32_t k1, uint64_t stream) noexcept nogil:
    cdef fi_key_t key
    key.k0 = k0
    key.k1 = k1
    key.s0 = <uint32_t>stream
    key.s1 = <uint32_t>(stream >> 32)
    return key


cdef inline void fill_span(dist_t dist, fi_key_t key, uint64_t start,
                           const params_t *p,
                           floating *out,  # OUT
                           int64_t n) noexcept nogil:
    if floating is float:
        if dist == UNIFORM:
            fi_fill_uniform_f32(key, start, <float>p.a, <float>p.b, n, out)
        elif dist == NORMAL:
            fi_fill_normal_f32(key, start, <float>p.a, <float>p.b, n, out)
        else:
            fi_fill_truncnorm_f32(key, start, p.trunc, n, out)
    else:
        if dist == UNIFORM:
            fi_fill_uniform_f64(key, start, p.a, p.b, n, out)
        elif dist == NORMAL:
            fi_fill_normal_f64(key, start, p.a, p.b, n, out)
        else:
            fi_fill_truncnorm_f64(key, start, p.trunc, n, out)


cdef int threads_for(Py_ssize_t n, int n_threads) noexcept nogil:
    if n < PARALLEL_MIN or n_threads < 1:
        return 1
    cdef Py_ssize_t most = (n + CHUNK - 1) // CHUNK
    return <int>(most if most < n_threads else n_threads)


cdef void fill(dist_t dist, fi_key_t key, uint64_t offset, const params_t *p,
               floating *out,  # OUT
               Py_ssize_t n, int n_threads) noexcept nogil:
    cdef Py_ssize_t n_chunks = (n + CHUNK - 1) // CHUNK
    cdef Py_ssize_t c, start, count
    cdef int nt = threads_for(n, n_threads)
    if n == 0:
        return
    if nt == 1:
        fill_span(dist, key, offset, p, out, n)
        return
    for c in prange(n_chunks, schedule="static", num_threads=nt, nogil=True):
        start = c * CHUNK
        count = n - start if n - start < CHUNK else CHUNK
        fill_span(dist, key, offset + <uint64_t>start, p, out + start, count)


cdef fill_array(dist_t dist, uint32_t k0, uint32_t k1, uint64_t stream, uint64_t offset,
                const params_t *p, cnp.ndarray out, int n_threads):
    """Fill ``out``: a writable, aligned, C-contiguous float32/float64 array
    (the Python layer has checked all of that before calling)."""
    cdef fi_key_t key = make_key(k0, k1, stream)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(out)
    cdef void *data = cnp.PyArray_DATA(out)
    if cnp.PyArray_TYPE(out) == cnp.NPY_FLOAT32:
        with nogil:
            fill(dist, key, offset, p, <float *>data, n, n_threads)
    elif cnp.PyArray_TYPE(out) == cnp.NPY_FLOAT64:
        with nogil:
            fill(dist, key, offset, p, <double *>data, n, n_threads)
    else:
        raise TypeError("out must have dtype float32 or float64")


def fill_uniform(uint32_t k0, uint32_t k1, uint64_t stream, uint64_t offset,
                 double low, double high, cnp.ndarray out, int n_threads):
    cdef params_t p
    p.a = low
    p.b = high
    fill_array(UNIFORM, k0, k1, stream, offset, &p, out, n_threads)


def fill_normal(uint32_t k0, uint32_t k1, uint64_t stream, uint64_t offset,
                double mean, double std, cnp.ndarray out, int n_threads):
    cdef params_t p
    p.a = mean
    p.b = std
    fill_array(NORMAL, k0, k1, stream, offset, &p, out, n_threads)


def fill_truncated_normal(uint32_t k0, uint32_t k1, uint64_t stream, uint64_t offset,
                          double mean, double std, double a, double b,
                          double lo, double hi, cnp.ndarray out, int n_threads):
    cdef params_t p
    p.trunc.mean = mean
    p.trunc.std = std
    p.trunc.a = a
    p.trunc.b = b
    p.trunc.lo = lo
    p.trunc.hi = hi
    fill_array(TRUNCNORM, k0, k1, stream, offset, &p, out, n_threads)


def fill_raw(uint32_t k0, uint32_t k1, uint64_t stream, uint64_t offset,
             cnp.ndarray out, int n_threads):
    """Raw uint32 words into a C-contiguous uint32 array."""
    cdef fi_key_t key = make_key(k0, k1, stream)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(out)
    cdef uint32_t *data = <uint32_t *>cnp.PyArray_DATA(out)
    cdef Py_ssize_t n_chunks = (n + CHUNK - 1) // CHUNK
    cdef Py_ssize_t c, start, count
    cdef int nt = threads_for(n, n_threads)
    if cnp.PyArray_TYPE(out) != cnp.NPY_UINT32 or not cnp.PyArray_IS_C_CONTIGUOUS(out):
        raise TypeError("out must be a C-contiguous uint32 array")
    if n == 0:
        return
    with nogil:
        if nt == 1:
            fi_fill_raw(key, offset, n, data)
        else:
            for c in prange(n_chunks, schedule="static", num_threads=nt):
                start = c * CHUNK
                count = n - start if n - start < CHUNK else CHUNK
                fi_fill_raw(key, offset + <uint64_t>start, count, data + start)
