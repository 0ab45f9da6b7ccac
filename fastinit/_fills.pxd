# Declarations of the C fill kernels (src/fills.h).
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "src/fills.h" nogil:
    ctypedef struct fi_key_t:
        uint32_t k0
        uint32_t k1
        uint32_t s0
        uint32_t s1

    ctypedef struct fi_trunc_t:
        double mean
        double std
        double a
        double b
        double lo
        double hi

    void fi_fill_raw(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out)
    void fi_fill_uniform_f32(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out)
    void fi_fill_uniform_f64(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out)
    void fi_fill_normal_f32(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out)
    void fi_fill_normal_f64(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out)
    void fi_fill_truncnorm_f32(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out)
    void fi_fill_truncnorm_f64(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out)
    double fi_ndtri(double p)
    double fi_log_ndtr_upper(double x)

cdef extern from "src/philox.h" nogil:
    void fi_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                          uint32_t k0, uint32_t k1, uint32_t out[4])

cdef extern from "src/dispatch.h" nogil:
    int fi_cpu_level()

# The one SIMD level of every kernel family (src/simd.h).
cdef extern from "src/simd.h" nogil:
    ctypedef int (*fi_family_select_fn)(int cap) noexcept nogil
    int fi_simd_select(int cap)
    int fi_simd_level()
    const char *fi_simd_level_name(int level)
    int fi_simd_join(fi_family_select_fn select)
    int fi_simd_scalar_fma()
    void fi_simd_fma_emulate(int on)
