/*
 * Fill kernels: values [offset, offset + n) of one stream of one key, written
 * to out[0 .. n). Every fill is (key, offset, params, n, out), numpy-style.
 *
 * The value at index i is a pure function of (key, stream, i, params): which
 * Philox words it reads is fixed (README "bit layout"), so any split of the
 * index range, over threads or machines, gives the same bits.
 */
#ifndef FASTINIT_FILLS_H
#define FASTINIT_FILLS_H

#include <stdint.h>

typedef struct {
    uint32_t k0, k1;   /* Philox key */
    uint32_t s0, s1;   /* stream: counter words 2 and 3 */
} fi_key_t;

void fi_fill_raw(fi_key_t key, uint64_t offset, int64_t n, uint32_t *out);
void fi_fill_uniform_f32(fi_key_t key, uint64_t offset, float low, float high, int64_t n, float *out);
void fi_fill_uniform_f64(fi_key_t key, uint64_t offset, double low, double high, int64_t n, double *out);
void fi_fill_normal_f32(fi_key_t key, uint64_t offset, float mean, float std, int64_t n, float *out);
void fi_fill_normal_f64(fi_key_t key, uint64_t offset, double mean, double std, int64_t n, double *out);

/* Standardised truncation [a, b] (a < b, either may be infinite); values are
 * mean + std x, clamped to [lo, hi] only against rounding at the last ulp. */
typedef struct {
    double mean, std, a, b, lo, hi;
} fi_trunc_t;

void fi_fill_truncnorm_f32(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, float *out);
void fi_fill_truncnorm_f64(fi_key_t key, uint64_t offset, fi_trunc_t p, int64_t n, double *out);

/* Pick the SIMD level of every fill: the CPU's widest, capped at cap
 * (FI_LEVEL_SCALAR, FI_LEVEL_AVX2 or FI_LEVEL_AVX512 of dispatch.h); returns
 * the level chosen. Called once at import, and by tests and benchmarks. */
int fi_fills_select(int cap);
int fi_fills_level(void);
const char *fi_fills_level_name(int level);   /* scalar/avx2/avx512, or scalar/neon */

/* Scalar helpers, exposed for the tests. */
double fi_ndtri(double p);
double fi_log_ndtr_upper(double x);

#endif
