/*
 * Fill kernels: values [offset, offset + n) of one stream of one key, written
 * to out[0 .. n). Every fill is (key, offset, params, n, out), numpy-style.
 *
 * The value at index i is a pure function of (key, stream, i, params): which
 * Philox words it reads is fixed (docs/guide/reproducibility.rst), so any split of the
 * index range, over threads or machines, gives the same bits.
 */
#ifndef FASTINIT_FILLS_H
#define FASTINIT_FILLS_H

#include <stdint.h>

#include "philox.h"   /* fi_key_t */


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

/* Scalar helpers, exposed for the tests. */
double fi_ndtri(double p);
double fi_log_ndtr_upper(double x);

#endif
